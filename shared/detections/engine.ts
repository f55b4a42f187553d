import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'
import { apiName } from './helpers.ts'
import { DETECTIONS } from './registry.ts'
import {
  type AnyDetection,
  type Details,
  type DetectionContext,
  type MonitorIdentity,
  type PostureFacts,
  serviceEvents,
} from './types.ts'

export interface DetectionSettings {
  params(detection: AnyDetection): Record<string, number>
  /** The detection's string parameters, defaults filled in (none: an empty record). */
  strings?(detection: AnyDetection): Record<string, string>
  trustedAccounts: ReadonlySet<string>
  /** The deployed monitor's identity, for monitor-tampered. */
  monitor?: MonitorIdentity
  /** ARN patterns of the principals expected to create IAM entities (user-created-outside-iac). */
  deployers?: readonly string[]
  /** Posture facts (a stable object: the handler refreshes what it reads, not the object). */
  posture?: PostureFacts
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

/** What one record fires and counts toward (lists that may be shared when empty: never written to). */
export interface DetectionResult {
  fired: readonly Fired[]
  /** Threshold counters this record counts toward: detection and counter key. */
  counts: ReadonlyArray<{ detection: AnyDetection; key: string }>
  /** First-seen baselines this record extends: detection, subject and network. */
  sightings: ReadonlyArray<{ detection: AnyDetection; subject: string; network: string }>
}

/**
 * A detection ready to judge records under one settings object: its context, and its hooks read once into
 * one shape (detections are object literals of many shapes, and the loop in detect reads them per record).
 */
class Judge {
  readonly d: AnyDetection
  readonly ctx: DetectionContext
  readonly match: NonNullable<AnyDetection['match']> | null
  readonly threshold: NonNullable<AnyDetection['threshold']> | null
  readonly firstSeen: NonNullable<AnyDetection['firstSeen']> | null
  readonly severity: AnyDetection['severity']
  constructor(d: AnyDetection, ctx: DetectionContext) {
    this.d = d
    this.ctx = ctx
    this.match = d.match ?? null
    this.threshold = d.threshold ?? null
    this.firstSeen = d.firstSeen ?? null
    this.severity = d.severity
  }
}

/** The judges of a candidate list under one settings object (the detections switched off left out). */
type Prepared = readonly Judge[]

/**
 * One candidate list, with the judges it was last prepared as and the settings they were prepared under (one
 * settings object judges many records in a row: then one comparison finds them).
 */
class Candidates {
  readonly list: readonly AnyDetection[]
  settings: DetectionSettings | undefined = undefined
  judges: Prepared = []
  constructor(list: readonly AnyDetection[]) {
    this.list = list
  }
}

/** One event name's candidates: per eventSource of its 'names' detections, and for any other source. */
interface NameEntry {
  all: readonly AnyDetection[]
  bySource: Map<string, Candidates>
  otherSource: Candidates
}

/**
 * Detections by the event names they read, plus those that read every event (root identity, error codes).
 * Names of services that append an API version (Lambda) are found with or without it.
 */
export class DetectionIndex {
  /** Every detection indexed, in the order given. */
  readonly detections: readonly AnyDetection[]
  /** Per event name, the detections that read it followed by those that read every event. */
  private readonly byName = new Map<string, NameEntry>()
  /** Per versioned API name, the detections that read it (with or without the suffix), then the others. */
  private readonly byApi = new Map<string, NameEntry>()
  private readonly always: NameEntry
  /** Per settings object, each candidate list with its detections' contexts. */
  private readonly prepared = new WeakMap<DetectionSettings, Map<readonly AnyDetection[], Prepared>>()
  constructor(detections: readonly AnyDetection[] = DETECTIONS) {
    this.detections = [...detections]
    const named = new Map<string, AnyDetection[]>()
    const versioned = new Map<string, AnyDetection[]>()
    const always: AnyDetection[] = []
    const add = (map: Map<string, AnyDetection[]>, name: string, d: AnyDetection) => {
      const list = map.get(name) ?? []
      if (!list.includes(d)) map.set(name, [...list, d])
    }
    for (const d of detections) {
      if (d.events.kind !== 'names' && d.events.kind !== 'services') {
        always.push(d)
        continue
      }
      for (const s of serviceEvents(d.events))
        for (const name of s.names) {
          add(named, name, d)
          if (s.versioned) add(versioned, name, d)
        }
    }
    this.always = entry(always)
    for (const [name, list] of named) this.byName.set(name, entry([...list, ...always]))
    for (const [name, list] of versioned) this.byApi.set(name, entry([...list, ...always]))
  }

  /** The detections that may read a record: by its name (or its versioned API's), then those reading all. */
  candidates(e: CloudTrailEvent): readonly AnyDetection[] {
    return this.entryFor(e.eventName).all
  }

  /**
   * The candidates a record is judged by (a 'names' detection only for its sources), each with its context
   * under these settings; switched-off detections left out.
   */
  judges(e: CloudTrailEvent, settings: DetectionSettings): Prepared {
    const entry = this.entryFor(e.eventName)
    const candidates = entry.bySource.get(e.eventSource) ?? entry.otherSource
    if (candidates.settings === settings) return candidates.judges
    const list = candidates.list
    let bySettings = this.prepared.get(settings)
    if (!bySettings) {
      bySettings = new Map()
      this.prepared.set(settings, bySettings)
    }
    let prepared = bySettings.get(list)
    if (!prepared) {
      prepared = list.flatMap((d) => {
        const ctx = contextFor(d, settings)
        return ctx ? [new Judge(d, ctx)] : []
      })
      bySettings.set(list, prepared)
    }
    candidates.settings = settings
    candidates.judges = prepared
    return prepared
  }

  private entryFor(eventName: string): NameEntry {
    const exact = this.byName.get(eventName)
    if (exact) return exact
    // A version suffix ends in a digit (20150331, 20150331v2): only such names are worth the pattern.
    if (this.byApi.size > 0 && isDigit(eventName.charCodeAt(eventName.length - 1))) {
      const api = apiName(eventName)
      if (api !== eventName) return this.byApi.get(api) ?? this.always
    }
    return this.always
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39

/** A candidate list, and its subsets for each source a 'names' detection in it reads, and for the others. */
function entry(all: readonly AnyDetection[]): NameEntry {
  const forSource = (source: string | undefined) =>
    all.filter(
      (d) => d.events.kind !== 'names' || (source !== undefined && d.events.sources.includes(source)),
    )
  const sources = new Set(all.flatMap((d) => (d.events.kind === 'names' ? d.events.sources : [])))
  return {
    all,
    bySource: new Map([...sources].map((source) => [source, new Candidates(forSource(source))])),
    otherSource: new Candidates(forSource(undefined)),
  }
}

const DEFAULT_INDEX = new DetectionIndex()

/** The details of a hit that gives none: one object for all (details are read, never written). */
const NO_DETAILS: Details = Object.freeze({})
/** An empty list of a result: one for all. */
const NONE: readonly never[] = Object.freeze([])

/**
 * Pure: what one record fires on its own and what it counts toward. VPC-endpoint copies
 * (eventCategory NetworkActivity) are never judged (B1.8).
 */
export function detect(
  e: CloudTrailEvent,
  settings: DetectionSettings,
  index = DEFAULT_INDEX,
): DetectionResult {
  if (e.eventCategory === 'NetworkActivity') return { fired: NONE, counts: NONE, sightings: NONE }
  // Each list is made when its first item comes (most records fire nothing and count toward little).
  let fired: Fired[] | undefined
  let counts: Array<DetectionResult['counts'][number]> | undefined
  let sightings: Array<DetectionResult['sightings'][number]> | undefined
  const judges = index.judges(e, settings)
  for (let i = 0; i < judges.length; i++) {
    const j = judges[i]!
    if (j.match !== null) {
      const hit = j.match.call(j.d, e, j.ctx)
      if (hit) {
        const f: Fired = {
          detection: j.d,
          severity: hit.severity ?? j.severity,
          details: hit.details ?? NO_DETAILS,
          kind: 'match',
        }
        if (fired === undefined) fired = [f]
        else fired.push(f)
      }
    }
    if (j.threshold !== null) {
      const key = j.threshold.key(e)
      if (key) {
        const c = { detection: j.d, key }
        if (counts === undefined) counts = [c]
        else counts.push(c)
      }
    }
    if (j.firstSeen !== null) {
      const subject = j.firstSeen.subject(e)
      const network = subject === null ? null : j.firstSeen.network(e)
      if (subject !== null && network !== null) {
        const s = { detection: j.d, subject, network }
        if (sightings === undefined) sightings = [s]
        else sightings.push(s)
      }
    }
  }
  return { fired: fired ?? NONE, counts: counts ?? NONE, sightings: sightings ?? NONE }
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
          deployers: settings.deployers ?? [],
          posture: settings.posture ?? {},
        }
      : null
    byId.set(d.id, ctx)
  }
  return ctx
}
