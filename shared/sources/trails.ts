import type { TrailsRead } from '../aws/cloudtrail.ts'
import { trailResource } from '../checks/trails/common.ts'
import { DAY_MS } from '../checks/types.ts'
import { describeError, type SourceModule, sameActions, unreadable } from './types.ts'

const LOOK_BACK_DAYS = 3

/**
 * The CloudTrail-health checks' data (A4): the trails (DescribeTrails, GetTrailStatus,
 * GetEventSelectors; an organization trail too, read by ARN from a member account) and, from the
 * monitor's own records, when the last CloudTrail event reached the detector. With no event recorded
 * in the last days, the stream has been silent at least since the oldest day looked at. A trail whose
 * status or selectors could not be read is `partial` (by its ARN, the checks' resource id) and listed
 * as unreadable; the others are read as usual. Only DescribeTrails failing makes the reading unreadable.
 */
export const trailsSource: SourceModule<'trails'> = {
  name: 'trails',
  actions: sameActions(
    'cloudtrail:DescribeTrails',
    'cloudtrail:GetTrailStatus',
    'cloudtrail:GetEventSelectors',
  ),
  async collect(ctx) {
    let read: TrailsRead
    try {
      // Loaded on first use: only the trails scan and trail events need the CloudTrail client.
      const { cloudTrailClient, describeTrails } = await import('../aws/cloudtrail.ts')
      read = await describeTrails(ctx.cloudTrail ? await ctx.cloudTrail() : cloudTrailClient())
    } catch (err) {
      return unreadable(ctx.now, `CloudTrail could not be read: ${describeError(err)}`)
    }
    // A trail that could not be read is known only in part: its findings stay as they are.
    const partial = new Map(read.unreadable.map((t) => [trailResource(t).id, t.reason]))
    const reading = { complete: true, asOf: ctx.now, problems: [], partial }
    const data = { trails: read.trails, ...(read.unreadable.length ? { unreadable: read.unreadable } : {}) }
    if (!ctx.records) return { ...reading, data }
    const days = Array.from({ length: LOOK_BACK_DAYS }, (_, i) =>
      new Date(ctx.now.getTime() - i * DAY_MS).toISOString().slice(0, 10),
    )
    const stats = await Promise.all(days.map((d) => ctx.records!.eventStats(d)))
    const seen = stats
      .map((s) => s?.lastEventAt)
      .filter((x): x is string => !!x)
      .sort()
      .at(-1)
    const lastEventAt = seen ? new Date(seen) : new Date(`${days.at(-1)}T00:00:00Z`)
    return { ...reading, data: { ...data, lastEventAt } }
  },
}
