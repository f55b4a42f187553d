import { defineCheck, fail, pass } from '../types.ts'
import { judgeAdvisedPrincipals, recommendationEvidence } from './analysis.ts'
import { ACCESS_EVENTS, capped, lastUse, WINDOW_PARAMS } from './common.ts'

export const unusedActionAccess = defineCheck({
  id: 'unused-action-access',
  title: 'A principal is granted actions it has not used',
  description:
    'Within services a user or role did use, the actions Access Advisor tracks at action level that it is granted and has not used within the window (a service unused as a whole is unused-service-access). Carries a recommended least-privilege replacement policy.',
  severity: 'low',
  resourceType: 'AwsIamPrincipal',
  reads: ['authorization', 'accessAdvisor'],
  params: WINDOW_PARAMS,
  triggers: { schedule: 'access-advisor', events: { iam: ACCESS_EVENTS } },
  remediation:
    'Replace the principal’s policies with the recommended policy (evidence recommendedPolicy; `iamwatch recommend <arn>`), which drops the unused actions and keeps everything used.',
  evaluate(input, { now, params }) {
    return judgeAdvisedPrincipals(
      input,
      { now, params },
      (a, resource) =>
        a.unusedActions.length
          ? fail(this.id, resource, {
              windowDays: params.windowDays,
              unusedActions: capped(a.unusedActions.map((x) => lastUse(x.action, x.lastAccessed))),
              ...recommendationEvidence(a.recommendation),
            })
          : pass(this.id, resource, { windowDays: params.windowDays }),
      (resource, evidence) => pass(this.id, resource, evidence),
    )
  },
})
