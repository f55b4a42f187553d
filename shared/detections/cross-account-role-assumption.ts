import { isAwsServiceCaller, principalOf, str, succeeded, targetAccount } from './helpers.ts'
import { defineDetection } from './types.ts'

/** iamwatch's own functions (`iamwatch-*` roles) assuming an organization member's reader role: its scans. */
function isMonitorReading(
  callerArn: string | undefined,
  roleArn: string | undefined,
  readerRole: string | undefined,
) {
  if (!readerRole || !roleArn?.endsWith(`:role/${readerRole}`)) return false
  return /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/iamwatch-[^/]+\//.test(callerArn ?? '')
}

export const crossAccountRoleAssumption = defineDetection({
  id: 'cross-account-role-assumption',
  title: 'A role was assumed from another account',
  description: 'sts:AssumeRole by a principal of an account that is neither this one nor trusted.',
  severity: 'medium',
  events: { kind: 'names', sources: ['sts.amazonaws.com'], names: ['AssumeRole'] },
  params: {},
  match: (e, ctx) => {
    if (e.eventName !== 'AssumeRole' || !succeeded(e) || isAwsServiceCaller(e)) return null
    const caller = e.identity.accountId
    const target = targetAccount(e)
    if (!caller || !target || caller === target || ctx.trustedAccounts.has(caller)) return null
    if (isMonitorReading(e.identity.arn, str(e.requestParameters.roleArn), ctx.monitor.readerRoleName))
      return null
    return { details: { callerAccount: caller, targetAccount: target } }
  },
  principal: principalOf,
  context: (e) => ({
    role: str(e.requestParameters.roleArn) ?? null,
    sessionName: str(e.requestParameters.roleSessionName) ?? null,
    callerAccount: e.identity.accountId ?? null,
  }),
  runbook: [
    'Is the calling account one of yours or a known partner? If so, add it to trustedAccounts.',
    "If not: restrict the role's trust policy (add sts:ExternalId / aws:PrincipalOrgID) and review the session.",
  ],
})
