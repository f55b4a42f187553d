import { defineCheck, fail, pass, unknown } from '../types.ts'
import { accountTrailResource, unreadableReason } from './common.ts'

export const eventStreamSilent = defineCheck({
  id: 'event-stream-silent',
  title: 'No CloudTrail event has reached iamwatch for too long',
  description:
    'Trails report logging, yet no CloudTrail event has reached the detector within the window: the monitor may be blind.',
  severity: 'high',
  resourceType: 'AwsAccount',
  reads: ['trails'],
  params: { windowHours: { default: 24, description: 'Silence that is alarming while trails log', min: 1 } },
  triggers: { schedule: 'trails', events: {} },
  remediation:
    'Check the EventBridge rules, the on-cloudtrail-event function and its dead-letter queue; CloudTrail may deliver nothing to EventBridge if the trail changed.',
  evaluate({ trails: input }, { accountId, now, params }) {
    // Without a record of the stream (no findings table) there is nothing to judge.
    if (!input.lastEventAt) return []
    const resource = { ...accountTrailResource(accountId), id: 'event-stream' }
    // Any trail read as logging (an organization trail too) means events should be flowing. With none,
    // there is nothing to judge, unless a trail that could not be read may be logging.
    if (!input.trails.some((t) => t.isLogging)) {
      const unreadable = input.unreadable ?? []
      return unreadable.length ? [unknown(this.id, resource, unreadableReason(unreadable))] : []
    }
    const silentHours = (now.getTime() - input.lastEventAt.getTime()) / 3_600_000
    const evidence = {
      lastEventAt: input.lastEventAt.toISOString(),
      silentHours: Math.floor(silentHours),
      windowHours: params.windowHours,
    }
    return [
      silentHours > params.windowHours
        ? fail(this.id, resource, evidence)
        : pass(this.id, resource, evidence),
    ]
  },
})
