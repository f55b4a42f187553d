import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'
import { DETECTIONS } from './registry.ts'
import type { AnyDetection, Details, DetectionContext } from './types.ts'

export interface DetectionSettings {
  params(detection: AnyDetection): Record<string, number>
  trustedAccounts: ReadonlySet<string>
  enabled(detection: AnyDetection): boolean
}

export interface Fired {
  detection: AnyDetection
  severity: Severity
  details: Details
  /** 'match': this record alone; 'threshold': this record made a counter cross its threshold. */
  kind: 'match' | 'threshold'
  count?: number
}

export interface DetectionResult {
  fired: Fired[]
  /** Threshold counters this record counts toward: detection and counter key. */
  counts: Array<{ detection: AnyDetection; key: string }>
}

/** Detections by the event names they read, plus those that read every event (root identity, error codes). */
export class DetectionIndex {
  /** Per event name, the detections that read it followed by those that read every event. */
  private readonly byName = new Map<string, AnyDetection[]>()
  private readonly always: AnyDetection[] = []
  constructor(detections: readonly AnyDetection[] = DETECTIONS) {
    const named = new Map<string, AnyDetection[]>()
    for (const d of detections) {
      if (d.events.kind !== 'names') this.always.push(d)
      else for (const name of d.events.names) named.set(name, [...(named.get(name) ?? []), d])
    }
    for (const [name, list] of named) this.byName.set(name, [...list, ...this.always])
  }

  candidates(e: CloudTrailEvent): readonly AnyDetection[] {
    return this.byName.get(e.eventName) ?? this.always
  }
}

const DEFAULT_INDEX = new DetectionIndex()

/**
 * Pure: what one record fires on its own and what it counts toward. VPC-endpoint copies
 * (eventCategory NetworkActivity) are never judged (B1.8).
 */
export function detect(
  e: CloudTrailEvent,
  settings: DetectionSettings,
  index = DEFAULT_INDEX,
): DetectionResult {
  const result: DetectionResult = { fired: [], counts: [] }
  if (e.eventCategory === 'NetworkActivity') return result
  for (const d of index.candidates(e)) {
    if (d.events.kind === 'names' && !d.events.sources.includes(e.eventSource)) continue
    const ctx = contextFor(d, settings)
    if (!ctx) continue
    const hit = d.match?.(e, ctx)
    if (hit)
      result.fired.push({
        detection: d,
        severity: hit.severity ?? d.severity,
        details: hit.details ?? {},
        kind: 'match',
      })
    const key = d.threshold?.key(e)
    if (key) result.counts.push({ detection: d, key })
  }
  return result
}

/** Each detection's context, built once per settings object (null: the detection is switched off). */
const contexts = new WeakMap<DetectionSettings, Map<string, DetectionContext | null>>()
function contextFor(d: AnyDetection, settings: DetectionSettings): DetectionContext | null {
  let byId = contexts.get(settings)
  if (!byId) {
    byId = new Map()
    contexts.set(settings, byId)
  }
  let ctx = byId.get(d.id)
  if (ctx === undefined) {
    ctx = settings.enabled(d)
      ? { params: settings.params(d), trustedAccounts: settings.trustedAccounts }
      : null
    byId.set(d.id, ctx)
  }
  return ctx
}
