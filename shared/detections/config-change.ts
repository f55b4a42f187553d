import { principalOf, str, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'config.amazonaws.com'
/**
 * CIS 4.9's AWS Config changes (regional). The first three also fire security-service-disabled (high); this
 * detection keeps CIS parity for all five.
 */
const NAMES = [
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
  'PutConfigurationRecorder',
  'PutDeliveryChannel',
] as const
const NAME_SET = new Set<string>(NAMES)

const nameIn = (x: unknown) => (x && typeof x === 'object' ? str((x as { name?: unknown }).name) : undefined)

export const configChange = defineDetection({
  id: 'config-change',
  title: 'AWS Config recording or delivery was changed',
  description:
    'A configuration recorder or delivery channel was created, changed, stopped or deleted: what AWS Config records, and where it delivers it, is no longer what it was.',
  severity: 'medium',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const channel = p.deliveryChannel as { s3BucketName?: unknown } | undefined
    return {
      change: e.eventName,
      recorder: str(p.configurationRecorderName) ?? nameIn(p.configurationRecorder) ?? null,
      deliveryChannel: str(p.deliveryChannelName) ?? nameIn(p.deliveryChannel) ?? null,
      deliveryBucket: str(channel?.s3BucketName) ?? null,
    }
  },
  runbook: [
    'Check the recorder and delivery channel now (`aws configservice describe-configuration-recorder-status`, `describe-delivery-channels`): recording all resource types, to the expected bucket and topic.',
    "If the change was not planned, restore the recorder's settings and restart it, and review the caller's other actions in the gap.",
  ],
})
