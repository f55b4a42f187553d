import { isRoot, principalOf, signinResult } from './helpers.ts'
import { mfaUsed } from './root-console-login.ts'
import { defineDetection } from './types.ts'

export const rootConsoleLoginFailed = defineDetection({
  id: 'root-console-login-failed',
  title: 'A root console sign-in failed',
  description: 'A failed console sign-in as the root user; a burst of them raises the severity.',
  severity: 'high',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  params: {
    burstCount: { default: 5, description: 'Failed root sign-ins that make a burst', min: 2 },
    burstWindowMinutes: { default: 15, description: 'Window of the burst', min: 1 },
  },
  match: (e) => (e.eventName === 'ConsoleLogin' && isRoot(e) && signinResult(e) === 'Failure' ? {} : null),
  threshold: {
    countParam: 'burstCount',
    windowMinutesParam: 'burstWindowMinutes',
    key: (e) =>
      e.eventName === 'ConsoleLogin' && isRoot(e) && signinResult(e) === 'Failure' ? principalOf(e) : null,
    severity: 'critical',
  },
  principal: principalOf,
  context: (e) => ({ result: 'Failure', mfaUsed: mfaUsed(e), errorMessage: e.errorMessage ?? null }),
  runbook: [
    'Someone is trying the root password: confirm no administrator is locked out.',
    'Make sure root has MFA and a strong, unique password; consider removing root credentials (centralized root access).',
    'Block the source IP at your edge if it keeps failing.',
  ],
})
