import type { Outcome } from '../../model/finding.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'
import { day, judgedFrom, tooNew, usedWithin, WINDOW_PARAMS } from './common.ts'

/** Service-linked roles live under this path; their service creates and deletes them. */
const SERVICE_LINKED = /:role\/aws-service-role\//

export const roleUnused = defineCheck({
  id: 'role-unused',
  title: 'A role has not been used within the window',
  description:
    'A role older than the window whose last use (RoleLastUsed) is older than the window, or never. Service-linked roles are reported apart, at low severity, and never recommended for deletion.',
  severity: 'medium',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: WINDOW_PARAMS,
  // Use is not announced by any event: the daily scan judges it; a deleted role resolves at once.
  triggers: { schedule: 'authorization', events: { iam: ['DeleteRole'] } },
  remediation:
    'Confirm with the role’s owner that nothing assumes it, then delete it (or remove its trust policy first and wait a cycle). A service-linked role is removed by deleting it through its service.',
  evaluate({ authorization: input }, { now, params }) {
    const outcomes: Outcome[] = []
    for (const role of input.inventory.roles) {
      const resource = { type: 'AwsIamRole', id: `role/${role.name}`, arn: role.arn }
      const serviceLinked = SERVICE_LINKED.test(role.arn)
      if (!role.createdAt) {
        outcomes.push(unknown(this.id, resource, 'the role has no creation date'))
        continue
      }
      if (tooNew(role.createdAt, now, params)) {
        outcomes.push(pass(this.id, resource, { judgedFrom: judgedFrom(role.createdAt, params) }))
        continue
      }
      const evidence = {
        lastUsedAt: role.lastUsedAt ? role.lastUsedAt.toISOString() : 'never',
        createdAt: day(role.createdAt),
        windowDays: params.windowDays,
        serviceLinked,
      }
      outcomes.push(
        usedWithin(role.lastUsedAt, now, params)
          ? pass(this.id, resource, evidence)
          : fail(
              this.id,
              resource,
              serviceLinked
                ? { ...evidence, recommendation: 'review its service; do not delete it from IAM directly' }
                : evidence,
              serviceLinked ? { severity: 'low' } : {},
            ),
      )
    }
    return outcomes
  },
})
