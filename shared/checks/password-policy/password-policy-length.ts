import { defineCheck } from '../types.ts'
import { judgePolicy, PASSWORD_POLICY_EVENTS } from './policy.ts'

export const passwordPolicyLength = defineCheck({
  id: 'password-policy-length',
  title: 'The password policy allows short passwords',
  description: 'The account password policy requires fewer characters than the minimum.',
  severity: 'medium',
  resourceType: 'AwsIamPasswordPolicy',
  reads: ['passwordPolicy'],
  params: { minLength: { default: 14, description: 'Minimum password length required', min: 6 } },
  triggers: { schedule: 'credentials', events: { iam: PASSWORD_POLICY_EVENTS } },
  remediation:
    'Set the account password policy minimum length to at least 14 characters (IAM > Account settings).',
  evaluate({ passwordPolicy: input }, { accountId, params }) {
    return judgePolicy(this.id, accountId, input, (p) => ({
      ok: (p.minimumPasswordLength ?? 0) >= params.minLength,
      evidence: { minimumPasswordLength: p.minimumPasswordLength ?? null, required: params.minLength },
    }))
  },
})
