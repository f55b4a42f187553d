import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'
import { apiName } from './helpers.ts'
import { DETECTIONS } from './registry.ts'
import {
  type AnyDetection,
  type Details,
  type DetectionContext,
  type MonitorIdentity,
  serviceEvents,
} from './types.ts'

export interface DetectionSettings {
  params(detection: AnyDetection): Record<string, number>
  /** The detection's string parameters, defaults filled in (none: an empty record). */
  strings?(detection: AnyDetection): Record<string, string>
  trustedAccounts: ReadonlySet<string>
  /** The deployed monitor's identity, for monitor-tampered. */
  monitor?: MonitorIdentity
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

/**
 * Detections by the event names they read, plus those that read every event (root identity, error codes).
 * Names of services that append an API version (Lambda) are found with or without it.
 */
export class DetectionIndex {
  /** Per event name, the detections that read it followed by those that read every event. */
  private readonly byName = new Map<string, AnyDetection[]>()
  /** Per versioned API name, the detections that read it (with or without the suffix), then the others. */
  private readonly byApi = new Map<string, AnyDetection[]>()
  private readonly always: AnyDetection[] = []
  constructor(detections: readonly AnyDetection[] = DETECTIONS) {
    const named = new Map<string, AnyDetection[]>()
    const versioned = new Map<string, AnyDetection[]>()
    const add = (map: Map<string, AnyDetection[]>, name: string, d: AnyDetection) => {
      const list = map.get(name) ?? []
      if (!list.includes(d)) map.set(name, [...list, d])
    }
    for (const d of detections) {
      if (d.events.kind !== 'names' && d.events.kind !== 'services') {
        this.always.push(d)
        continue
      }
      for (const s of serviceEvents(d.events))
        for (const name of s.names) {
          add(named, name, d)
          if (s.versioned) add(versioned, name, d)
        }
    }
    for (const [name, list] of named) this.byName.set(name, [...list, ...this.always])
    for (const [name, list] of versioned) this.byApi.set(name, [...list, ...this.always])
  }

  candidates(e: CloudTrailEvent): readonly AnyDetection[] {
    const exact = this.byName.get(e.eventName)
    if (exact) return exact
    if (this.byApi.size > 0) {
      const api = apiName(e.eventName)
      if (api !== e.eventName) return this.byApi.get(api) ?? this.always
    }
    return this.always
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
      ? {
          params: settings.params(d),
          strings: settings.strings?.(d) ?? {},
          trustedAccounts: settings.trustedAccounts,
          monitor: settings.monitor ?? {},
        }
      : null
    byId.set(d.id, ctx)
  }
  return ctx
}
