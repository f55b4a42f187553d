import { callerUserName, principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

export const accessKeyCreatedForOtherUser = defineDetection({
  id: 'access-key-created-for-other-user',
  title: 'An access key was created for another user',
  description: 'A principal created an access key for an IAM user other than itself (a common backdoor).',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: ['CreateAccessKey'] },
  params: {},
  match: (e) => {
    if (e.eventName !== 'CreateAccessKey' || !succeeded(e)) return null
    const key = e.responseElements.accessKey as { userName?: unknown } | undefined
    const target = str(key?.userName) ?? str(e.requestParameters.userName)
    if (!target || target === 'AWS ROOT USER') return null
    return target !== callerUserName(e) ? { details: { targetUser: target } } : null
  },
  principal: principalOf,
  context: (e) => ({
    targetUser:
      str((e.responseElements.accessKey as { userName?: unknown } | undefined)?.userName) ??
      str(e.requestParameters.userName) ??
      null,
    accessKeyId:
      str((e.responseElements.accessKey as { accessKeyId?: unknown } | undefined)?.accessKeyId) ?? null,
  }),
  runbook: [
    'Ask the target user whether they requested the key; if not, deactivate it now (UpdateAccessKey Inactive).',
    'Review what the creator did in the same session.',
  ],
})
