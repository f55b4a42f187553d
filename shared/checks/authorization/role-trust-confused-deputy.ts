import { defineCheck, fail, pass } from '../types.ts'
import { principalResource } from './common.ts'
import { allowsAssume, conditionKeys, TRUST_EVENTS } from './trust.ts'

export const roleTrustConfusedDeputy = defineCheck({
  id: 'role-trust-confused-deputy',
  title: 'A service can assume a role on behalf of any account',
  description:
    'A service-principal trust has no aws:SourceAccount or aws:SourceArn condition (confused deputy). Service-linked roles are AWS-managed and skipped.',
  severity: 'medium',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: TRUST_EVENTS } },
  remediation:
    'Add "Condition": {"StringEquals": {"aws:SourceAccount": "<this account>"}} (or aws:SourceArn) to the trust statement.',
  evaluate({ authorization: input }) {
    return input.inventory.roles.flatMap((r) => {
      if (!r.trust || r.arn.includes(':role/aws-service-role/')) return []
      const services = r.trust.statements
        .filter((s) => allowsAssume(s) && (s.principal?.Service?.length ?? 0) > 0)
        .filter((s) => {
          const keys = conditionKeys(s)
          return !keys.has('aws:sourceaccount') && !keys.has('aws:sourcearn')
        })
        .flatMap((s) => s.principal?.Service ?? [])
      const resource = principalResource({ kind: 'role', ...r })
      return [services.length ? fail(this.id, resource, { services }) : pass(this.id, resource)]
    })
  },
})
