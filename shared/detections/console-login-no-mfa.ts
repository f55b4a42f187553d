import { principalOf, signinResult } from './helpers.ts'
import { mfaUsed } from './root-console-login.ts'
import { defineDetection } from './types.ts'

export const consoleLoginNoMfa = defineDetection({
  id: 'console-login-no-mfa',
  title: 'An IAM user signed in to the console without MFA',
  description:
    "A successful console sign-in of an IAM user without MFA (federated sign-ins excluded: MFA is the IdP's).",
  severity: 'high',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  params: {},
  match: (e) =>
    e.eventName === 'ConsoleLogin' &&
    signinResult(e) === 'Success' &&
    !e.errorCode &&
    e.identity.type === 'IAMUser' &&
    e.additionalEventData.SamlProviderArn === undefined &&
    !mfaUsed(e)
      ? {}
      : null,
  principal: principalOf,
  context: () => ({ result: 'Success', mfaUsed: false }),
  runbook: [
    'Ask the user to enroll an MFA device; require MFA with an aws:MultiFactorAuthPresent condition.',
    'If the user did not sign in: disable the console password and rotate it.',
  ],
})
