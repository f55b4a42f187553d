import { isRoot, principalOf, rootTargetsItself, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

export const rootAccessKeyCreated = defineDetection({
  id: 'root-access-key-created',
  title: 'An access key was created for the root user',
  description: 'The root user created an access key for itself.',
  severity: 'critical',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: ['CreateAccessKey'] },
  params: {},
  match: (e) =>
    e.eventName === 'CreateAccessKey' && isRoot(e) && rootTargetsItself(e) && succeeded(e) ? {} : null,
  principal: principalOf,
  context: (e) => ({
    accessKeyId:
      (str((e.responseElements.accessKey as { accessKeyId?: unknown } | undefined)?.accessKeyId) ?? '') ||
      null,
  }),
  runbook: [
    'Delete the new root access key unless a documented task requires it, and find out who created it.',
    'Root keys cannot be restricted by policy: treat an unexpected one as a compromise of the account.',
  ],
})
