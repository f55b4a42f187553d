import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = new Set(['DeactivateMFADevice', 'DeleteVirtualMFADevice'])

export const mfaDeactivated = defineDetection({
  id: 'mfa-deactivated',
  title: 'An MFA device was deactivated or deleted',
  description: 'An MFA device was deactivated or a virtual MFA device deleted.',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: [...NAMES] },
  params: {},
  match: (e) => (NAMES.has(e.eventName) && succeeded(e) ? {} : null),
  principal: principalOf,
  context: (e) => ({
    targetUser: str(e.requestParameters.userName) ?? null,
    serialNumber: str(e.requestParameters.serialNumber) ?? null,
  }),
  runbook: [
    "Confirm the user is replacing the device; otherwise re-enroll MFA and rotate the user's password.",
  ],
})
