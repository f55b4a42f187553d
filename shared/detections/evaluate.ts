import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import {
  type DetectionIndex,
  type DetectionResult,
  type DetectionSettings,
  detect,
  type Fired,
} from './engine.ts'
import type { Sighting, SightingStore } from './first-seen.ts'
import type { CounterStore } from './thresholds.ts'

/** The state detections keep between records: threshold counters and first-seen baselines. */
export interface DetectionState {
  counters: CounterStore
  /** Without it, first-seen detections judge nothing (their records only extend no baseline). */
  sightings?: SightingStore
}

const DAY_MS = 86_400_000

/**
 * One record through every detection, thresholds and first-seen baselines included: what fires now.
 * Counters are keyed by detection and counter key and fed the event id, so redelivery counts nothing
 * twice; a redelivered event that found a network new finds it new again (its finding write is idempotent).
 */
export async function evaluateEvent(
  e: CloudTrailEvent,
  settings: DetectionSettings,
  state: DetectionState,
  index?: DetectionIndex,
): Promise<{ fired: Fired[]; result: DetectionResult }> {
  const result = detect(e, settings, index)
  const fired = [...result.fired]
  for (const { detection, key } of result.counts) {
    const t = detection.threshold!
    const params = settings.params(detection)
    const threshold = params[t.countParam]!
    const windowMs = params[t.windowMinutesParam]! * 60_000
    const at = e.eventTime?.getTime() ?? Date.now()
    const eventId = e.eventKey
    const { crossed, count } = await state.counters.add({
      counterId: `${detection.id}#${key}`,
      eventId,
      atMs: at,
      windowMs,
      threshold,
    })
    if (crossed) {
      fired.push({
        detection,
        severity: t.severity,
        details: { count, threshold, windowMinutes: params[t.windowMinutesParam]! },
        kind: 'threshold',
        count,
      })
    }
  }
  if (state.sightings && result.sightings.length > 0) {
    const [firstSeen] = await judgeSightings([{ event: e, result }], settings, state.sightings)
    fired.push(...(firstSeen ?? []))
  }
  return { fired, result }
}

/**
 * The first-seen judgements of many records at once: their sightings grouped by baseline (detection and
 * subject), each baseline read and written once, its sightings applied in event-time order (so the
 * earliest record from a new network is the one that alerts, however the batch was ordered). Answers,
 * per record in input order, what fired.
 */
export async function judgeSightings(
  records: ReadonlyArray<{ event: CloudTrailEvent; result: DetectionResult }>,
  settings: DetectionSettings,
  store: SightingStore,
): Promise<Fired[][]> {
  const out: Fired[][] = records.map(() => [])
  const groups = new Map<
    string,
    { detection: Fired['detection']; items: Array<{ sighting: Sighting; record: number }> }
  >()
  records.forEach(({ event, result }, record) => {
    for (const s of result.sightings) {
      const id = `${s.detection.id}#${s.subject}`
      const group = groups.get(id) ?? { detection: s.detection, items: [] }
      group.items.push({
        sighting: {
          network: s.network,
          eventId: event.eventKey,
          atMs: event.eventTime?.getTime() ?? Date.now(),
        },
        record,
      })
      groups.set(id, group)
    }
  })
  await Promise.all(
    [...groups].map(async ([baselineId, { detection, items }]) => {
      const f = detection.firstSeen!
      const params = settings.params(detection)
      const windowDays = params[f.windowDaysParam]!
      const limits = { windowMs: windowDays * DAY_MS, maxNetworks: params[f.maxNetworksParam]! }
      items.sort(
        (a, b) => a.sighting.atMs - b.sighting.atMs || a.sighting.eventId.localeCompare(b.sighting.eventId),
      )
      const results = await store.sight(
        baselineId,
        items.map((i) => i.sighting),
        limits,
      )
      results.forEach((r, i) => {
        if (!r.novel) return
        const { sighting, record } = items[i]!
        out[record]!.push({
          detection,
          severity: detection.severity,
          details: {
            network: sighting.network,
            knownNetworks: r.known,
            windowDays,
            lastSeenHere: r.lastSeenMs === undefined ? null : new Date(r.lastSeenMs).toISOString(),
          },
          kind: 'match',
        })
      })
    }),
  )
  return out
}
