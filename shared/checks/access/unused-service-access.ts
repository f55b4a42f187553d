import { defineCheck, fail, pass } from '../types.ts'
import { judgeAdvisedPrincipals, recommendationEvidence } from './analysis.ts'
import { ACCESS_EVENTS, capped, lastUse, WINDOW_PARAMS } from './common.ts'

export const unusedServiceAccess = defineCheck({
  id: 'unused-service-access',
  title: 'A principal is granted services it has not used',
  description:
    'A user or role is effectively granted services (after Deny statements and its boundary) that Access Advisor shows it has not accessed within the window; grants younger than window + grace are set aside. Carries a recommended least-privilege replacement policy.',
  severity: 'low',
  resourceType: 'AwsIamPrincipal',
  reads: ['authorization', 'accessAdvisor'],
  params: WINDOW_PARAMS,
  triggers: { schedule: 'access-advisor', events: { iam: ACCESS_EVENTS } },
  remediation:
    'Replace the principal’s policies with the recommended policy (evidence recommendedPolicy; `iamwatch recommend <arn>` prints it with a diff), keeping iam:PassRole as it is.',
  evaluate(input, { now, params }) {
    return judgeAdvisedPrincipals(
      input,
      { now, params },
      (a, resource) => {
        const evidence = {
          windowDays: params.windowDays,
          usedServices: a.usedServices.length,
          ...(a.recentGrants.length ? { recentGrantsNotJudged: capped(a.recentGrants) } : {}),
        }
        return a.unusedServices.length
          ? fail(this.id, resource, {
              ...evidence,
              unusedServices: capped(a.unusedServices.map((s) => lastUse(s.namespace, s.lastAccessed))),
              ...recommendationEvidence(a.recommendation),
            })
          : pass(this.id, resource, evidence)
      },
      (resource, evidence) => pass(this.id, resource, evidence),
    )
  },
})
