import { isRoot, principalOf, rootTargetsItself, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const IAM_CHANGES = new Set(['CreateLoginProfile', 'EnableMFADevice', 'DeactivateMFADevice'])

export const rootCredentialChange = defineDetection({
  id: 'root-credential-change',
  title: "The root user's credentials changed",
  description: 'The root password changed, or root changed its own login profile or MFA.',
  severity: 'high',
  events: {
    kind: 'services',
    services: [
      { source: 'signin.amazonaws.com', names: ['PasswordUpdated'] },
      { source: 'iam.amazonaws.com', names: [...IAM_CHANGES] },
    ],
  },
  params: {},
  match: (e) => {
    if (!isRoot(e) || !succeeded(e)) return null
    if (e.eventSource === 'signin.amazonaws.com' && e.eventName === 'PasswordUpdated') return {}
    return e.eventSource === 'iam.amazonaws.com' && IAM_CHANGES.has(e.eventName) && rootTargetsItself(e)
      ? {}
      : null
  },
  principal: principalOf,
  context: (e) => ({ change: e.eventName }),
  runbook: [
    'Confirm the change with the account owner.',
    'If unexpected: recover the root user (password reset through the account e-mail), re-enroll MFA, review CloudTrail.',
  ],
})
