import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import {
  type DetectionIndex,
  type DetectionResult,
  type DetectionSettings,
  detect,
  type Fired,
} from './engine.ts'
import type { CounterStore } from './thresholds.ts'

/**
 * One record through every detection, thresholds included: what fires now. Counters are keyed by
 * detection and counter key, and fed the event id, so redelivery counts nothing twice.
 */
export async function evaluateEvent(
  e: CloudTrailEvent,
  settings: DetectionSettings,
  counters: CounterStore,
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
    const { crossed, count } = await counters.add({
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
  return { fired, result }
}
