import { principalOf, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = new Set(['UpdateAccountPasswordPolicy', 'DeleteAccountPasswordPolicy'])

export const passwordPolicyChanged = defineDetection({
  id: 'password-policy-changed',
  title: 'The account password policy changed',
  description: 'The account password policy was updated or deleted.',
  severity: 'medium',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: [...NAMES] },
  params: {},
  match: (e) => (NAMES.has(e.eventName) && e.eventSource === 'iam.amazonaws.com' && succeeded(e) ? {} : null),
  principal: principalOf,
  context: (e) => ({ change: e.eventName }),
  runbook: [
    'Check the new policy against the CIS settings (14 characters, 24 remembered, complexity, 90-day expiry).',
  ],
})
