import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { HIDDEN_USER, principalOf, str, succeeded } from './helpers.ts'
import { defineDetection, type ServiceEvents } from './types.ts'

const SSO = 'sso.amazonaws.com'
const IDENTITY_STORE = 'identitystore.amazonaws.com'

const EVENTS = [
  {
    source: SSO,
    names: [
      'CreatePermissionSet',
      'UpdatePermissionSet',
      'AttachManagedPolicyToPermissionSet',
      'PutInlinePolicyToPermissionSet',
      'AttachCustomerManagedPolicyReferenceToPermissionSet',
      'PutPermissionsBoundaryToPermissionSet',
      'CreateAccountAssignment',
      'DeleteAccountAssignment',
    ],
  },
  { source: IDENTITY_STORE, names: ['CreateUser', 'CreateGroupMembership'] },
] as const satisfies readonly ServiceEvents[]

/** One of the catalog's (service, event) pairs: identitystore CreateUser, not iam CreateUser. */
function isIdentityCenterEvent(e: CloudTrailEvent): boolean {
  return EVENTS.some(
    (s) => s.source === e.eventSource && (s.names as readonly string[]).includes(e.eventName),
  )
}

type Fields = Record<string, unknown>
const obj = (x: unknown): Fields => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Fields) : {})
/** A value worth showing: identity store names may be masked as HIDDEN_DUE_TO_SECURITY_REASONS. */
const shown = (x: unknown) => {
  const s = str(x)
  return s && s !== HIDDEN_USER ? s : undefined
}

/** Where each API puts what it changed (sso-admin and identitystore request and response shapes). */
function changed(e: CloudTrailEvent) {
  const p = e.requestParameters
  const r = e.responseElements
  const permissionSet = obj(r.permissionSet)
  const assignment = obj(r.accountAssignmentCreationStatus ?? r.accountAssignmentDeletionStatus)
  const policyRef = obj(p.customerManagedPolicyReference)
  const member = obj(p.memberId)
  return {
    permissionSet:
      shown(p.permissionSetArn) ??
      shown(permissionSet.permissionSetArn) ??
      shown(assignment.permissionSetArn),
    permissionSetName: shown(p.name) ?? shown(permissionSet.name),
    policy:
      shown(p.managedPolicyArn) ??
      shown(policyRef.name) ??
      (e.eventName === 'PutInlinePolicyToPermissionSet' ? 'inline policy' : undefined) ??
      (e.eventName === 'PutPermissionsBoundaryToPermissionSet' ? 'permissions boundary' : undefined),
    targetAccount: shown(p.targetId) ?? shown(assignment.targetId),
    principal: shown(p.principalId) ?? shown(assignment.principalId),
    principalType: shown(p.principalType) ?? shown(assignment.principalType),
    user: shown(p.userName) ?? shown(r.userId) ?? shown(member.userId),
    group: shown(p.groupId),
  }
}

export const identityCenterChange = defineDetection({
  id: 'identity-center-change',
  title: 'IAM Identity Center access changed',
  description:
    'A permission set was created or its policies changed, an account assignment was created or deleted, or a user or group membership was created in the Identity Center identity store: who can reach which account with which permissions.',
  severity: 'medium',
  events: { kind: 'services', services: EVENTS },
  params: {},
  match: (e) => (isIdentityCenterEvent(e) && succeeded(e) ? {} : null),
  principal: principalOf,
  context: (e) => {
    const c = changed(e)
    return {
      service: e.eventSource === SSO ? 'sso' : 'identitystore',
      change: e.eventName,
      permissionSet: c.permissionSet ?? c.permissionSetName ?? null,
      policy: c.policy ?? null,
      targetAccount: c.targetAccount ?? null,
      assignedTo: c.principal ? `${c.principalType ?? 'principal'} ${c.principal}` : null,
      user: c.user ?? null,
      group: c.group ?? null,
    }
  },
  runbook: [
    'Confirm the change with the Identity Center administrators (a ticket, or the IaC that manages permission sets and assignments); if nobody expects it, revert it: delete the assignment or membership, or restore the permission set and re-provision it.',
    'For a permission set change, list the accounts it is provisioned to and the users and groups assigned; review their sessions (AWSReservedSSO_ roles) since the change.',
  ],
})
