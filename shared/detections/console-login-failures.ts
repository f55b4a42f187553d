import { principalOf, signinResult } from './helpers.ts'
import { defineDetection } from './types.ts'

export const consoleLoginFailures = defineDetection({
  id: 'console-login-failures',
  title: 'Repeated console sign-in failures',
  description:
    'Console sign-in failures for one principal (or, for unknown user names, one source IP) above the threshold.',
  severity: 'medium',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  params: {
    count: { default: 5, description: 'Failures in the window that alert', min: 2 },
    windowMinutes: { default: 15, description: 'Window', min: 1 },
  },
  threshold: {
    countParam: 'count',
    windowMinutesParam: 'windowMinutes',
    key: (e) => (e.eventName === 'ConsoleLogin' && signinResult(e) === 'Failure' ? principalOf(e) : null),
    severity: 'medium',
  },
  principal: principalOf,
  context: (e) => ({ lastErrorMessage: e.errorMessage ?? null }),
  runbook: [
    'Check whether the user is locked out or someone is guessing passwords (source IPs, user agents).',
    'Make sure the principal has MFA; block the source at your edge if it is hostile.',
  ],
})
