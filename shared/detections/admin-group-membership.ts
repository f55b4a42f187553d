import { principalOf, str, succeeded, targetAccount } from './helpers.ts'
import { defineDetection } from './types.ts'

export const adminGroupMembership = defineDetection({
  id: 'admin-group-membership',
  title: 'A user was added to an admin-capable group',
  description:
    'iam AddUserToGroup into a group the latest authorization details show as admin-capable (high); into a group iamwatch has no details for (medium). A group known not to be admin-capable does not fire.',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: ['AddUserToGroup'] },
  params: {},
  // The handler loads the account's group posture (stored by the last complete authorization scan) first.
  readsPosture: true,
  match: (e, ctx) => {
    if (e.eventSource !== 'iam.amazonaws.com' || e.eventName !== 'AddUserToGroup' || !succeeded(e))
      return null
    const group = str(e.requestParameters.groupName)
    if (!group) return null
    const accountId = targetAccount(e) ?? e.identity.accountId
    // Unknown (group not in the latest details, or no posture loaded, e.g. in replay): medium.
    const admin = accountId ? ctx.posture.groupIsAdmin?.(accountId, group) : undefined
    if (admin === false) return null
    return admin === true
      ? { severity: 'high', details: { groupKnown: true, adminGroup: true } }
      : { severity: 'medium', details: { groupKnown: false, adminGroup: null } }
  },
  principal: principalOf,
  context: (e) => ({
    group: str(e.requestParameters.groupName) ?? null,
    addedUser: str(e.requestParameters.userName) ?? null,
  }),
  runbook: [
    "Confirm with the group owner that this user should have the group's (admin) permissions; if not, remove them now (RemoveUserFromGroup).",
    "Review the added user's and the caller's activity since the change, and whether the group's policies are still meant to be this broad.",
  ],
})
