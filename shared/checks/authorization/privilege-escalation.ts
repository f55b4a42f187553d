import type { Outcome } from '../../model/finding.ts'
import { escalationPaths } from '../../policy/escalation.ts'
import { isAdminStatement } from '../../policy/evaluate.ts'
import { defineCheck, fail, pass } from '../types.ts'
import { POLICY_ATTACH_EVENTS } from './attached-managed.ts'
import { POLICY_DOCUMENT_EVENTS, principalResource, principals } from './common.ts'

export const privilegeEscalation = defineCheck({
  id: 'privilege-escalation',
  title: 'A principal can escalate its privileges',
  description: "A principal's effective permissions contain a known privilege-escalation combination.",
  severity: 'high',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: {
      // Joining or leaving a group changes what a user inherits.
      iam: [...POLICY_ATTACH_EVENTS, ...POLICY_DOCUMENT_EVENTS, 'AddUserToGroup', 'RemoveUserFromGroup'],
    },
  },
  remediation:
    'Remove the actions of the combination from the principal (or add a Deny), or constrain them with resource ARNs and conditions.',
  evaluate({ authorization: input }) {
    const outcomes: Outcome[] = []
    for (const p of principals(input.inventory)) {
      if (p.kind === 'group') continue // groups act through their users, judged with the group's policies
      const resource = principalResource(p)
      // An administrator holds every combination; admin-policy and admin-* checks say so once.
      if (p.policies.some((h) => h.kind !== 'boundary' && h.document.statements.some(isAdminStatement)))
        continue
      const paths = escalationPaths(p.policies)
      for (const path of paths) {
        const grants = Object.entries(path.actions).map(
          ([action, g]) =>
            `${action} via ${g.grantedBy.map((x) => `${x.policy}#${x.sid ?? x.statement}`).join(', ')}`,
        )
        outcomes.push(
          fail(
            this.id,
            resource,
            { combination: path.combination, grants, conditional: !path.unconditional },
            { credentialId: path.combination },
          ),
        )
      }
      if (paths.length === 0) outcomes.push(pass(this.id, resource))
    }
    return outcomes
  },
})
