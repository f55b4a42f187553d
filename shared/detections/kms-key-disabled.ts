import { principalOf, str, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'kms.amazonaws.com'
/** Making a key unusable now (DisableKey) or for good after the waiting period (ScheduleKeyDeletion); regional. */
const NAMES = ['DisableKey', 'ScheduleKeyDeletion'] as const
const NAME_SET = new Set<string>(NAMES)

const scalar = (x: unknown) => (typeof x === 'number' || typeof x === 'string' ? x : null)

export const kmsKeyDisabled = defineDetection({
  id: 'kms-key-disabled',
  title: 'A KMS key was disabled or scheduled for deletion',
  description:
    'A customer managed KMS key was disabled or scheduled for deletion: what it encrypts can no longer be decrypted, and after the waiting period never again.',
  severity: 'high',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => ({
    // The key ARN is in responseElements.keyId since December 2022; the request may name an id or alias.
    key: str(e.responseElements.keyId) ?? str(e.requestParameters.keyId) ?? null,
    change: e.eventName,
    pendingWindowInDays: scalar(e.requestParameters.pendingWindowInDays),
    deletionDate: str(e.responseElements.deletionDate) ?? null,
    keyState: str(e.responseElements.keyState) ?? null,
  }),
  runbook: [
    'If nobody planned this, undo it now: `aws kms cancel-key-deletion` while the deletion is pending, then `aws kms enable-key`; data encrypted under a deleted key is lost for good.',
    "Find what depends on the key (aliases, grants, recent Decrypt calls in CloudTrail) and confirm the change with the key's owner; an unexpected change can be an attacker destroying data or breaking encrypted logging.",
  ],
})
