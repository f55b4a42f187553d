import { defineCheck, fail, pass, unknown } from '../types.ts'
import { accountTrailResource, TRAIL_EVENTS, unreadableReason } from './common.ts'

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
    const resource = accountTrailResource(accountId)
    const good = input.trails
      .filter((t) => t.isMultiRegion && t.isLogging && t.managementEvents === 'all')
      .map((t) => t.name)
    if (good.length) return [pass(this.id, resource, { trails: good })]
    // A trail that could not be read may be the one that qualifies (an organization trail).
    const unreadable = input.unreadable ?? []
    if (unreadable.length) return [unknown(this.id, resource, unreadableReason(unreadable))]
    const evidence = {
      trails: input.trails.map(
        (t) =>
          `${t.name} (${t.isMultiRegion ? 'multi-region' : 'one region'}, ${t.isLogging ? 'logging' : 'stopped'}, management: ${t.managementEvents})`,
      ),
    }
    return [fail(this.id, resource, evidence)]
  },
})
