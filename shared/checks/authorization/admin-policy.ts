import type { Outcome } from '../../model/finding.ts'
import { isAdminStatement } from '../../policy/evaluate.ts'
import { defineCheck, fail, pass } from '../types.ts'
import { documents, POLICY_DOCUMENT_EVENTS } from './common.ts'

export const adminPolicy = defineCheck({
  id: 'admin-policy',
  title: 'A policy grants full administrative access',
  description:
    'A customer-managed policy, an AWS-managed policy in use, or an inline policy allows * (or NotAction) on Resource *.',
  severity: 'critical',
  resourceType: 'AwsIamPolicy',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: POLICY_DOCUMENT_EVENTS } },
  remediation:
    'Replace the statement with the specific actions and resources the principals need; keep full admin to a break-glass role.',
  evaluate({ authorization: input }) {
    const outcomes: Outcome[] = []
    for (const d of documents(input.inventory)) {
      const admin = d.statements.map((s, i) => [s, i] as const).filter(([s]) => isAdminStatement(s))
      const extra = d.credentialId ? { credentialId: d.credentialId } : {}
      outcomes.push(
        admin.length
          ? fail(
              this.id,
              d.resource,
              { policy: d.name, statements: admin.map(([s, i]) => s.sid ?? `#${i}`) },
              extra,
            )
          : pass(this.id, d.resource, { policy: d.name }, extra),
      )
    }
    return outcomes
  },
})
