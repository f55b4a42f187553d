import { principalOf, str, succeeded } from './helpers.ts'
import { policyTarget } from './iam-policy-change.ts'
import { defineDetection } from './types.ts'

const ATTACH = new Set(['AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy'])

export const adminPolicyAttached = defineDetection({
  id: 'admin-policy-attached',
  title: 'AdministratorAccess was attached',
  description: 'The AdministratorAccess managed policy was attached to a user, group or role.',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: [...ATTACH] },
  params: {},
  match: (e) =>
    ATTACH.has(e.eventName) &&
    (str(e.requestParameters.policyArn) ?? '').endsWith('/AdministratorAccess') &&
    succeeded(e)
      ? {}
      : null,
  principal: principalOf,
  context: (e) => ({ target: policyTarget(e.requestParameters) }),
  runbook: [
    'Confirm the grant is intended and time-boxed; prefer a narrower policy.',
    'If unexpected: detach it, and review what the grantee did with admin rights.',
  ],
})
