import type { TrailsSource } from '../checks/sources.ts'
import { DAY_MS } from '../checks/types.ts'
import { describeError, type SourceModule, unreadable } from './types.ts'

const LOOK_BACK_DAYS = 3

/**
 * The CloudTrail-health checks' data (A4): the trails (DescribeTrails, GetTrailStatus,
 * GetEventSelectors) and, from the monitor's own records, when the last CloudTrail event reached the
 * detector. With no event recorded in the last days, the stream has been silent at least since the
 * oldest day looked at.
 */
export const trailsSource: SourceModule<'trails'> = {
  name: 'trails',
  actions: {
    account: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
    principals: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
  },
  async collect(ctx) {
    let trails: TrailsSource['trails']
    try {
      // Loaded on first use: only the trails scan and trail events need the CloudTrail client.
      const { cloudTrailClient, describeTrails } = await import('../aws/cloudtrail.ts')
      trails = await describeTrails(ctx.cloudTrail ? await ctx.cloudTrail() : cloudTrailClient())
    } catch (err) {
      return unreadable(ctx.now, `CloudTrail could not be read: ${describeError(err)}`)
    }
    const reading = { complete: true, asOf: ctx.now, problems: [], partial: new Map() }
    if (!ctx.records) return { ...reading, data: { trails } }
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
    return { ...reading, data: { trails, lastEventAt } }
  },
}
