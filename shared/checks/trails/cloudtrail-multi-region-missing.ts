import { defineCheck, fail, pass } from '../types.ts'
import { accountTrailResource, TRAIL_EVENTS } from './common.ts'

export const cloudtrailMultiRegionMissing = defineCheck({
  id: 'cloudtrail-multi-region-missing',
  title: 'No multi-region trail records all management events',
  description: 'No trail is multi-region, logging, and recording management events, both read and write.',
  severity: 'critical',
  resourceType: 'AwsAccount',
  reads: ['trails'],
  params: {},
  triggers: { schedule: 'trails', events: { cloudtrail: TRAIL_EVENTS } },
  remediation: 'Create (or fix) a multi-region trail that logs all management events, and keep it logging.',
  evaluate({ trails: input }, { accountId }) {
    const good = input.trails
      .filter((t) => t.isMultiRegion && t.isLogging && t.managementEvents === 'all')
      .map((t) => t.name)
    const evidence = {
      trails: input.trails.map(
        (t) =>
          `${t.name} (${t.isMultiRegion ? 'multi-region' : 'one region'}, ${t.isLogging ? 'logging' : 'stopped'}, management: ${t.managementEvents})`,
      ),
    }
    return [
      good.length
        ? pass(this.id, accountTrailResource(accountId), { trails: good })
        : fail(this.id, accountTrailResource(accountId), evidence),
    ]
  },
})
