import { defineCheck, fail, pass, unknown } from '../types.ts'
import { TRAIL_EVENTS, trailResource } from './common.ts'

export const cloudtrailLogValidation = defineCheck({
  id: 'cloudtrail-log-validation',
  title: 'A trail does not validate its log files',
  description: 'LogFileValidationEnabled is false: altered or deleted log files would go unnoticed.',
  severity: 'medium',
  resourceType: 'AwsCloudTrailTrail',
  reads: ['trails'],
  params: {},
  triggers: { schedule: 'trails', events: { cloudtrail: TRAIL_EVENTS } },
  remediation:
    'Enable log file validation: aws cloudtrail update-trail --name <trail> --enable-log-file-validation.',
  evaluate({ trails: input }) {
    return [
      ...input.trails.map((t) =>
        t.logFileValidation
          ? pass(this.id, trailResource(t))
          : fail(this.id, trailResource(t), { trail: t.name, logFileValidation: false }),
      ),
      // Judged with the trail as a whole: one that could not be read is left as it is.
      ...(input.unreadable ?? []).map((t) => unknown(this.id, trailResource(t), t.reason)),
    ]
  },
})
