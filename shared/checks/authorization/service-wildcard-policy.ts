import type { Outcome } from '../../model/finding.ts'
import { defineCheck, fail, pass } from '../types.ts'
import { documents, POLICY_DOCUMENT_EVENTS } from './common.ts'

const SERVICE_WILDCARD = /^[a-z0-9-]+:\*$/i

export const serviceWildcardPolicy = defineCheck({
  id: 'service-wildcard-policy',
  title: 'A policy grants every action of a service',
  description: 'An Allow statement grants service:* (for example iam:*, kms:*, cloudtrail:*).',
  severity: 'medium',
  resourceType: 'AwsIamPolicy',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: POLICY_DOCUMENT_EVENTS } },
  remediation: 'List the actions the principals need instead of service:*.',
  evaluate({ authorization: input }) {
    const outcomes: Outcome[] = []
    for (const d of documents(input.inventory)) {
      const services = [
        ...new Set(
          d.statements
            .filter((s) => s.effect === 'Allow')
            .flatMap((s) => (s.actions ?? []).filter((a) => SERVICE_WILDCARD.test(a))),
        ),
      ]
      const extra = d.credentialId ? { credentialId: d.credentialId } : {}
      outcomes.push(
        services.length
          ? fail(this.id, d.resource, { policy: d.name, actions: services }, extra)
          : pass(this.id, d.resource, { policy: d.name }, extra),
      )
    }
    return outcomes
  },
})
