import { defineCheck } from '../types.ts'
import { judgePolicy, PASSWORD_POLICY_EVENTS } from './policy.ts'

export const passwordPolicyReuse = defineCheck({
  id: 'password-policy-reuse',
  title: 'The password policy allows password reuse',
  description: 'The account password policy remembers fewer previous passwords than required.',
  severity: 'medium',
  resourceType: 'AwsIamPasswordPolicy',
  reads: ['passwordPolicy'],
  params: {
    minReusePrevention: { default: 24, description: 'Previous passwords that cannot be reused', min: 1 },
  },
  triggers: { schedule: 'credentials', events: { iam: PASSWORD_POLICY_EVENTS } },
  remediation: 'Set "Prevent password reuse" to remember 24 passwords in the account password policy.',
  evaluate({ passwordPolicy: input }, { accountId, params }) {
    return judgePolicy(this.id, accountId, input, (p) => ({
      ok: (p.passwordReusePrevention ?? 0) >= params.minReusePrevention,
      evidence: {
        passwordReusePrevention: p.passwordReusePrevention ?? null,
        required: params.minReusePrevention,
      },
    }))
  },
})
