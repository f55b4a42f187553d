import { defineCheck, fail, pass } from '../types.ts'
import { principalResource } from './common.ts'
import { accountOfPrincipal, allowsAssume, conditionKeys, TRUST_EVENTS } from './trust.ts'

export const roleTrustExternalAccount = defineCheck({
  id: 'role-trust-external-account',
  title: 'A role trusts an outside account without an external id',
  description:
    'A role is assumable by an account outside this one and the trusted accounts, without an sts:ExternalId condition.',
  severity: 'high',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: TRUST_EVENTS } },
  remediation:
    'Require an sts:ExternalId agreed with the third party, or add the account to trustedAccounts if it is yours.',
  evaluate({ authorization: input }, { accountId }) {
    return input.inventory.roles.flatMap((r) => {
      if (!r.trust) return []
      const outside = new Set<string>()
      for (const s of r.trust.statements) {
        if (!allowsAssume(s) || conditionKeys(s).has('sts:externalid')) continue
        for (const p of s.principal?.AWS ?? []) {
          const account = accountOfPrincipal(p)
          if (account && account !== accountId && !input.trustedAccounts.has(account)) outside.add(account)
        }
      }
      const resource = principalResource({ kind: 'role', ...r })
      return [
        outside.size ? fail(this.id, resource, { accounts: [...outside].sort() }) : pass(this.id, resource),
      ]
    })
  },
})
