import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { errorCode } from '../aws/clients.ts'
import { describeTrails } from '../aws/cloudtrail.ts'
import type { FindingsStore } from '../aws/findings-store.ts'
import type { TrailsSource } from '../checks/sources.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'

const LOOK_BACK_DAYS = 3
const DAY_MS = 86_400_000

/**
 * Reads the trails (DescribeTrails, GetTrailStatus, GetEventSelectors) and, from the monitor's own
 * records, when the last CloudTrail event reached the detector. With no event recorded in the last
 * days, the stream has been silent at least since the oldest day looked at.
 */
export async function collectTrails(
  ct: CloudTrailClient,
  store: FindingsStore | undefined,
  now: Date,
): Promise<{ source?: TrailsSource; incomplete: string[] }> {
  let trails: TrailsSource['trails']
  try {
    trails = await describeTrails(ct)
  } catch (err) {
    return {
      incomplete: [
        `CloudTrail could not be read: ${errorCode(err)}: ${sanitizeForLog((err as Error).message, 200)}`,
      ],
    }
  }
  if (!store) return { source: { trails }, incomplete: [] }
  const days = Array.from({ length: LOOK_BACK_DAYS }, (_, i) =>
    new Date(now.getTime() - i * DAY_MS).toISOString().slice(0, 10),
  )
  const stats = await Promise.all(days.map((d) => store.records.eventStats(d)))
  const seen = stats
    .map((s) => s?.lastEventAt)
    .filter((x): x is string => !!x)
    .sort()
    .at(-1)
  const lastEventAt = seen ? new Date(seen) : new Date(`${days.at(-1)}T00:00:00Z`)
  return { source: { trails, lastEventAt }, incomplete: [] }
}
