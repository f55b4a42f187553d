import { principalOf, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'securityhub.amazonaws.com'
/** Turning Security Hub off in a region, leaving the administrator account, or removing member accounts (regional). */
const NAMES = [
  'DisableSecurityHub',
  'DisassociateFromAdministratorAccount',
  // The API's older name for the same call, still accepted and recorded as such.
  'DisassociateFromMasterAccount',
  'DeleteMembers',
] as const
const NAME_SET = new Set<string>(NAMES)

const accounts = (x: unknown) =>
  Array.isArray(x) ? x.filter((a) => typeof a === 'string' || typeof a === 'number').join(', ') || null : null

export const securityHubDisabled = defineDetection({
  id: 'security-hub-disabled',
  title: 'Security Hub was disabled or detached',
  description:
    'Security Hub was disabled in a region, an account left its Security Hub administrator, or member accounts were removed: their findings no longer reach the security team.',
  severity: 'high',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => ({
    change: e.eventName,
    members: accounts(e.requestParameters.AccountIds ?? e.requestParameters.accountIds),
  }),
  runbook: [
    'Re-enable Security Hub in the region (`aws securityhub enable-security-hub`) or re-invite the member accounts, and find out who made the change and why.',
    'If nobody on your team did, treat it as an attacker blinding detection: suspend the caller and review its other actions.',
  ],
})
