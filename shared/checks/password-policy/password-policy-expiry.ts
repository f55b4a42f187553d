import { defineCheck } from '../types.ts'
import { judgePolicy, PASSWORD_POLICY_EVENTS } from './policy.ts'

export const passwordPolicyExpiry = defineCheck({
  id: 'password-policy-expiry',
  title: 'The password policy does not expire passwords',
  description: 'Passwords never expire, or expire later than the maximum age.',
  severity: 'low',
  resourceType: 'AwsIamPasswordPolicy',
  reads: ['passwordPolicy'],
  params: { maxAgeDays: { default: 90, description: 'Longest allowed password age', min: 1 } },
  triggers: { schedule: 'credentials', events: { iam: PASSWORD_POLICY_EVENTS } },
  remediation: 'Enable password expiration at 90 days or less in the account password policy.',
  evaluate({ passwordPolicy: input }, { accountId, params }) {
    return judgePolicy(this.id, accountId, input, (p) => ({
      ok: p.maxPasswordAge !== undefined && p.maxPasswordAge > 0 && p.maxPasswordAge <= params.maxAgeDays,
      evidence: { maxPasswordAge: p.maxPasswordAge ?? null, allowed: params.maxAgeDays },
    }))
  },
})
