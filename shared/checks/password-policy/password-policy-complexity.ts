import { defineCheck } from '../types.ts'
import { judgePolicy, PASSWORD_POLICY_EVENTS } from './policy.ts'

export const passwordPolicyComplexity = defineCheck({
  id: 'password-policy-complexity',
  title: 'The password policy does not require complex passwords',
  description: 'The password policy does not require uppercase, lowercase, numbers and symbols.',
  severity: 'low',
  resourceType: 'AwsIamPasswordPolicy',
  reads: ['passwordPolicy'],
  params: {},
  triggers: { schedule: 'credentials', events: { iam: PASSWORD_POLICY_EVENTS } },
  remediation: 'Require uppercase, lowercase, numbers and symbols in the account password policy.',
  evaluate({ passwordPolicy: input }, { accountId }) {
    return judgePolicy(this.id, accountId, input, (p) => {
      const evidence = {
        requireUppercaseCharacters: p.requireUppercaseCharacters === true,
        requireLowercaseCharacters: p.requireLowercaseCharacters === true,
        requireNumbers: p.requireNumbers === true,
        requireSymbols: p.requireSymbols === true,
      }
      return { ok: Object.values(evidence).every(Boolean), evidence }
    })
  },
})
