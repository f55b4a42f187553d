import type { Outcome } from '../../model/finding.ts'
import { allowedActions } from '../../policy/effective.ts'
import { policyResource } from '../authorization/common.ts'
import { defineCheck, fail, pass } from '../types.ts'
import {
  ACCESS_EVENTS,
  capped,
  day,
  judgedFrom,
  lastUse,
  tooNew,
  UNTRACKED_ACTIONS,
  usedWithin,
  WINDOW_PARAMS,
} from './common.ts'

export const unusedPermissionsPolicy = defineCheck({
  id: 'unused-permissions-policy',
  title: 'A customer managed policy is not used',
  description:
    'A customer managed policy none of whose holders used any of the services it allows within the window (Access Advisor on the policy), or one attached to nothing. A policy that allows nothing (a Deny-only guardrail) passes.',
  severity: 'low',
  resourceType: 'AwsIamPolicy',
  reads: ['authorization', 'accessAdvisor'],
  params: WINDOW_PARAMS,
  triggers: { schedule: 'access-advisor', events: { iam: ACCESS_EVENTS } },
  remediation:
    'Detach the policy from its holders and delete it, after confirming with their owners; its services were not used within the window.',
  evaluate({ authorization, accessAdvisor }, { now, params }) {
    const outcomes: Outcome[] = []
    for (const policy of authorization.inventory.policies) {
      if (policy.awsManaged) continue
      const resource = policyResource(policy.name, policy.arn)
      const report = accessAdvisor.reports.get(policy.arn)
      if (!report) continue
      const unattached = policy.attachmentCount === 0
      const current = policy.versions?.find((v) => v.isDefault)?.createdAt ?? policy.createdAt
      if (current && tooNew(current, now, params)) {
        outcomes.push(pass(this.id, resource, { judgedFrom: judgedFrom(current, params) }))
        continue
      }
      if (unattached) {
        outcomes.push(fail(this.id, resource, { attachments: 0, windowDays: params.windowDays }))
        continue
      }
      const held = policy.document
        ? [{ name: policy.name, kind: 'managed' as const, document: policy.document }]
        : []
      const services = report.services.filter((s) => {
        if (!accessAdvisor.catalog.actions(s.namespace) || held.length === 0) return true
        const allowed = allowedActions(held, accessAdvisor.catalog, s.namespace)
        return [...allowed.keys()].some((a) => !UNTRACKED_ACTIONS.has(a.toLowerCase()))
      })
      if (services.length === 0) {
        outcomes.push(pass(this.id, resource, { allowsNothingTracked: true }))
        continue
      }
      const used = services.filter((s) => usedWithin(s.lastAccessed, now, params))
      const evidence = {
        attachments: policy.attachmentCount,
        windowDays: params.windowDays,
        ...(current ? { versionSince: day(current) } : {}),
      }
      outcomes.push(
        used.length
          ? pass(this.id, resource, { ...evidence, usedServices: used.map((s) => s.namespace) })
          : fail(this.id, resource, {
              ...evidence,
              services: capped(services.map((s) => lastUse(s.namespace, s.lastAccessed))),
            }),
      )
    }
    return outcomes
  },
})
