import { principalOf, str, succeeded } from './helpers.ts'
import { documentRisk } from './policy-risk.ts'
import { defineDetection } from './types.ts'

export const POLICY_CHANGE_EVENTS = [
  'PutUserPolicy',
  'PutGroupPolicy',
  'PutRolePolicy',
  'DeleteUserPolicy',
  'DeleteGroupPolicy',
  'DeleteRolePolicy',
  'CreatePolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'SetDefaultPolicyVersion',
  'AttachUserPolicy',
  'AttachGroupPolicy',
  'AttachRolePolicy',
  'DetachUserPolicy',
  'DetachGroupPolicy',
  'DetachRolePolicy',
  'PutUserPermissionsBoundary',
  'PutRolePermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'DeleteRolePermissionsBoundary',
] as const
const NAMES = new Set<string>(POLICY_CHANGE_EVENTS)

export function policyTarget(p: Record<string, unknown>): string | null {
  const entity = str(p.userName) ?? str(p.groupName) ?? str(p.roleName)
  const policy = str(p.policyArn) ?? str(p.policyName) ?? str(p.permissionsBoundary)
  return [entity, policy].filter(Boolean).join(' / ') || null
}

export const iamPolicyChange = defineDetection({
  id: 'iam-policy-change',
  title: 'An IAM policy changed',
  description:
    'A policy was created, changed, attached, detached or deleted; admin or escalation-capable documents raise the severity.',
  severity: 'medium',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: POLICY_CHANGE_EVENTS },
  params: {},
  match: (e) => {
    if (e.eventSource !== 'iam.amazonaws.com' || !NAMES.has(e.eventName) || !succeeded(e)) return null
    const p = e.requestParameters
    const adminArn = typeof p.policyArn === 'string' && p.policyArn.endsWith('/AdministratorAccess')
    const risk = adminArn ? 'admin' : documentRisk(p.policyDocument)
    return risk ? { severity: 'high', details: { documentRisk: risk } } : {}
  },
  principal: principalOf,
  context: (e) => ({ change: e.eventName, target: policyTarget(e.requestParameters) }),
  runbook: [
    'Confirm the change was made through your normal process (change ticket, pipeline).',
    'If the new permissions are broader than needed, revert them and review what the grantee did since.',
  ],
})
