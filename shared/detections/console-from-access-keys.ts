import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str } from './helpers.ts'
import { defineDetection } from './types.ts'

/**
 * GetSigninToken is the federation endpoint's exchange of a session's keys for a console sign-in token: an
 * API call, not a sign-in with an outcome. Published records carry no responseElements at all, so success is
 * "no errorCode", and a record that does state an outcome (responseElements.GetSigninToken) must not say
 * "Failure" (catalog B1.2 reads a sign-in event's outcome there).
 */
function signinTokenIssued(e: CloudTrailEvent): boolean {
  return !e.errorCode && e.responseElements.GetSigninToken !== 'Failure'
}

/**
 * How the caller's session was obtained, when it came from an IAM user's long-term keys:
 * - `federation-token`: userIdentity.type FederatedUser, a session from sts GetFederationToken (always issued
 *   to long-term keys, never with MFA);
 * - `long-term-key`: an IAM user session not authenticated with MFA (a GetSessionToken session made with the
 *   user's AKIA key, or the AKIA key itself).
 * Role sessions (AssumedRole, including Identity Center's AWSReservedSSO_ roles behind the access portal) are
 * not: the catalog names only these two origins.
 */
function longTermOrigin(e: CloudTrailEvent): 'federation-token' | 'long-term-key' | null {
  const i = e.identity
  if (i.type === 'FederatedUser') return 'federation-token'
  if (i.type === 'IAMUser' && i.mfaAuthenticated !== true) return 'long-term-key'
  return null
}

export const consoleFromAccessKeys = defineDetection({
  id: 'console-from-access-keys',
  title: 'A console session was made from access keys',
  description:
    "signin GetSigninToken by a federated-user session (GetFederationToken) or an IAM user's long-term keys without MFA: the keys were turned into an AWS console session (aws_consoler and similar tools), bypassing the console's password and MFA.",
  severity: 'high',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['GetSigninToken'] },
  params: {},
  match: (e) => {
    if (e.eventSource !== 'signin.amazonaws.com' || e.eventName !== 'GetSigninToken') return null
    if (!signinTokenIssued(e)) return null
    const origin = longTermOrigin(e)
    return origin ? { details: { sessionOrigin: origin } } : null
  },
  principal: principalOf,
  context: (e) => ({
    sessionIssuer: str(e.identity.issuer?.arn) ?? null,
    accessKeyId: str(e.identity.accessKeyId) ?? null,
    sessionOrigin: longTermOrigin(e),
    userAgent: str(e.userAgent) ?? null,
  }),
  runbook: [
    'Ask the IAM user behind the session (the session issuer) whether they opened the console from their keys; if not, treat the keys as stolen: deactivate them now.',
    "A federated session outlives its key: attach a deny-all policy with condition aws:TokenIssueTime before now to the issuing user, then review the console session's activity in CloudTrail.",
  ],
})
