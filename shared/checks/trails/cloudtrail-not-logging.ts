import { defineCheck, fail, pass, unknown } from '../types.ts'
import { TRAIL_EVENTS, trailResource } from './common.ts'

export const cloudtrailNotLogging = defineCheck({
  id: 'cloudtrail-not-logging',
  title: 'A trail is not logging',
  description: "A trail's GetTrailStatus reports IsLogging false.",
  severity: 'critical',
  resourceType: 'AwsCloudTrailTrail',
  reads: ['trails'],
  params: {},
  triggers: { schedule: 'trails', events: { cloudtrail: TRAIL_EVENTS } },
  remediation: 'Start logging (aws cloudtrail start-logging --name <trail>) and find out who stopped it.',
  evaluate({ trails: input }) {
    return [
      ...input.trails.map((t) =>
        t.isLogging
          ? pass(this.id, trailResource(t))
          : fail(this.id, trailResource(t), { trail: t.name, isLogging: false }),
      ),
      ...(input.unreadable ?? []).map((t) => unknown(this.id, trailResource(t), t.reason)),
    ]
  },
})
