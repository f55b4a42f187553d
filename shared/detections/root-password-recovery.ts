import { isRoot, principalOf, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = ['PasswordRecoveryRequested', 'PasswordRecoveryCompleted'] as const

export const rootPasswordRecovery = defineDetection({
  id: 'root-password-recovery',
  title: 'Root password recovery was requested or completed',
  description:
    'Someone used the root user\'s "Forgot password" flow: a recovery e-mail was requested, or the password was reset through it. Whoever controls the account\'s e-mail address can take over root this way.',
  severity: 'high',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: NAMES },
  params: {},
  // A sign-in event: its outcome is responseElements[eventName] = "Success" (catalog B1.2).
  match: (e) =>
    e.eventSource === 'signin.amazonaws.com' &&
    (NAMES as readonly string[]).includes(e.eventName) &&
    isRoot(e) &&
    succeeded(e)
      ? {}
      : null,
  principal: principalOf,
  context: (e) => ({
    step: e.eventName === 'PasswordRecoveryCompleted' ? 'password reset' : 'recovery e-mail requested',
    account: e.identity.accountId ?? e.recipientAccountId ?? null,
  }),
  runbook: [
    'Ask the account owner whether they are resetting the root password; if not, secure the root e-mail mailbox first (its password and MFA), since it receives the reset link.',
    'If the reset completed without the owner: sign in as root, set a new password, re-enroll root MFA, delete any root access keys, and review root activity in CloudTrail since the reset.',
  ],
})
