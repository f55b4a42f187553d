import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { isRoot, principalOf, signinResult, str } from './helpers.ts'
import { defineDetection } from './types.ts'

export const mfaUsed = (e: CloudTrailEvent) =>
  (str(e.additionalEventData.MFAUsed) ?? 'No').toLowerCase() === 'yes'

export const rootConsoleLogin = defineDetection({
  id: 'root-console-login',
  title: 'The root user signed in to the console',
  description: 'A successful console sign-in as the root user.',
  severity: 'critical',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  params: {},
  match: (e) =>
    e.eventName === 'ConsoleLogin' && isRoot(e) && signinResult(e) === 'Success' && !e.errorCode
      ? { details: { mfaUsed: mfaUsed(e) } }
      : null,
  principal: principalOf,
  context: (e) => ({
    result: 'Success',
    mfaUsed: mfaUsed(e),
    loginTo: (str(e.additionalEventData.LoginTo) ?? '') || null,
  }),
  runbook: [
    'Confirm with the account owner that this sign-in was expected; if not, treat the account as compromised.',
    'If unexpected: reset the root password, rotate root MFA, and review CloudTrail for everything this session did.',
    'Check the source IP and user agent against your known administrators.',
  ],
})
