import { defineCheck, fail, pass } from '../types.ts'
import { principalResource } from './common.ts'
import { allowsAssume, restricts, TRUST_EVENTS } from './trust.ts'

export const roleTrustWildcard = defineCheck({
  id: 'role-trust-wildcard',
  title: 'Anyone can assume a role',
  description:
    'A role trust policy allows Principal * (or {"AWS": "*"}) without a condition restricting who (sts:ExternalId alone does not).',
  severity: 'critical',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: TRUST_EVENTS } },
  remediation:
    'Replace * with the accounts or roles that need access, or add an aws:PrincipalOrgID condition.',
  evaluate({ authorization: input }) {
    return input.inventory.roles.flatMap((r) => {
      if (!r.trust) return []
      const open = r.trust.statements
        .map((s, i) => [s, i] as const)
        .filter(([s]) => allowsAssume(s) && (s.principal?.AWS ?? []).includes('*') && !restricts(s))
      const resource = principalResource({ kind: 'role', ...r })
      return [
        open.length
          ? fail(this.id, resource, { statements: open.map(([s, i]) => s.sid ?? `#${i}`) })
          : pass(this.id, resource),
      ]
    })
  },
})
