import { invokedByService, isRoot, principalOf, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

export const rootActivity = defineDetection({
  id: 'root-activity',
  title: 'The root user made an API call',
  description: 'The root user acted (console or API), not an AWS service on its behalf.',
  severity: 'critical',
  events: { kind: 'identity', identityTypes: ['Root'] },
  params: {},
  match: (e) =>
    isRoot(e) &&
    !invokedByService(e) &&
    e.eventType !== 'AwsServiceEvent' &&
    e.eventName !== 'ConsoleLogin' &&
    succeeded(e)
      ? {}
      : null,
  principal: principalOf,
  context: (e) => ({ action: `${e.eventSource.split('.')[0]}:${e.eventName}`, readOnly: e.readOnly ?? null }),
  runbook: [
    'Confirm who is using root and why; root should be used only for the few tasks that require it.',
    'Review the session in CloudTrail (same access key / source IP) for other actions.',
  ],
})
