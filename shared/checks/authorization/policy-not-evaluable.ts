import type { Outcome } from '../../model/finding.ts'
import { defineCheck, fail, pass } from '../types.ts'
import { documents, policyResource, principalResource, principals } from './common.ts'

/**
 * Not a catalog control: the finding-level record that a policy document could not be evaluated (invalid
 * JSON, unknown elements, absurd size), with the reason. Its principal's other findings are neither
 * opened nor resolved on guesswork while it stands.
 */
export const policyNotEvaluable = defineCheck({
  id: 'policy-not-evaluable',
  title: 'A policy document could not be evaluated',
  description:
    'iamwatch could not parse a policy document (invalid JSON, unknown elements, too large), so it cannot judge it.',
  severity: 'info',
  resourceType: 'AwsIamPolicy',
  reads: ['authorization'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: {
      iam: [
        'CreatePolicy',
        'CreatePolicyVersion',
        'PutUserPolicy',
        'PutGroupPolicy',
        'PutRolePolicy',
        'UpdateAssumeRolePolicy',
      ],
    },
  },
  remediation:
    'Open the document named in the evidence and fix it (IAM accepts only valid policy grammar); report it if IAM itself returned it.',
  evaluate({ authorization: input }) {
    const outcomes: Outcome[] = []
    const inv = input.inventory
    for (const p of inv.policies) {
      if (p.error && p.attachmentCount > 0)
        outcomes.push(fail(this.id, policyResource(p.name, p.arn), { policy: p.name, reason: p.error }))
    }
    for (const pr of principals(inv)) {
      for (const u of pr.unreadable) {
        if (u.policy.includes('/') || u.policy.startsWith('boundary:')) continue // inherited or boundary: reported where it lives
        outcomes.push(
          fail(
            this.id,
            principalResource(pr),
            { policy: u.policy, reason: u.reason },
            { credentialId: `inline:${u.policy}` },
          ),
        )
      }
    }
    for (const r of inv.roles) {
      if (r.trustError)
        outcomes.push(
          fail(
            this.id,
            principalResource({ kind: 'role', ...r }),
            { policy: 'trust policy', reason: r.trustError },
            { credentialId: 'trust' },
          ),
        )
    }
    for (const d of documents(inv))
      outcomes.push(pass(this.id, d.resource, {}, d.credentialId ? { credentialId: d.credentialId } : {}))
    return outcomes
  },
})
