import { CLOUDTRAIL_DETAIL_TYPES, type RecordFilter } from '../cloudtrail/input.ts'
import { DetectionIndex } from './engine.ts'
import { apiName } from './helpers.ts'
import { type AnyDetection, type EventSelector, serviceEvents } from './types.ts'

/** Selectors compiled for raw records: what each kind of selector reads, merged. */
class Selectors {
  /** eventName -> the eventSources that read it. */
  readonly names = new Map<string, Set<string>>()
  /** API name (version suffix set aside) -> the eventSources of services that append a version. */
  readonly versioned = new Map<string, Set<string>>()
  readonly versionedSources = new Set<string>()
  readonly identityTypes = new Set<string>()
  readonly codePrefixes: string[] = []
  readonly codeSuffixes: string[] = []
  readonly keyPrefixes: string[] = []
  /** A selector of a kind not known here: every record is kept. */
  unknown = false

  add(selector: EventSelector): void {
    const add = (map: Map<string, Set<string>>, name: string, source: string) => {
      const sources = map.get(name) ?? new Set<string>()
      sources.add(source)
      map.set(name, sources)
    }
    switch (selector.kind) {
      case 'names':
      case 'services':
        for (const s of serviceEvents(selector))
          for (const name of s.names) {
            add(this.names, name, s.source)
            if (s.versioned) {
              add(this.versioned, name, s.source)
              this.versionedSources.add(s.source)
            }
          }
        return
      case 'identity':
        for (const t of selector.identityTypes) this.identityTypes.add(t)
        return
      case 'errorCodes':
        this.codePrefixes.push(...selector.prefixes)
        this.codeSuffixes.push(...selector.suffixes)
        return
      case 'accessKeys':
        this.keyPrefixes.push(...selector.prefixes)
        return
      default:
        this.unknown = true
    }
  }

  /**
   * Per eventName, the one eventSource that reads it, or the set of them when several do: most names have one
   * source, compared without a second lookup. Made by compile(), once every selector is added.
   */
  private sourcesByName = new Map<string, string | ReadonlySet<string>>()

  compile(): void {
    this.sourcesByName = new Map(
      [...this.names].map(([name, sources]) => [name, sources.size === 1 ? [...sources][0]! : sources]),
    )
  }

  /** Whether an eventSource and eventName meet a 'names' or 'services' selector. */
  namesMeet(name: string, source: string): boolean {
    const sources = this.sourcesByName.get(name)
    if (sources !== undefined && (sources === source || (typeof sources !== 'string' && sources.has(source))))
      return true
    if (this.versionedSources.has(source)) {
      const api = apiName(name)
      if (api !== name && this.versioned.get(api)?.has(source)) return true
    }
    return false
  }

  /** Whether a record's other fields meet an 'identity', 'errorCodes' or 'accessKeys' selector. */
  othersMeet(f: RawFields): boolean {
    if (this.unknown) return true
    if (this.codePrefixes.length + this.codeSuffixes.length > 0) {
      const code = f.errorCode
      if (code !== undefined && code !== null) {
        // As the record is normalized: a string, or a number as its digits; any other type is rejected there.
        const c = typeof code === 'string' ? code : typeof code === 'number' ? String(code) : undefined
        if (c === undefined) return true
        if (c !== '' && (startsWithAny(c, this.codePrefixes) || endsWithAny(c, this.codeSuffixes)))
          return true
      }
    }
    if (this.identityTypes.size > 0 || this.keyPrefixes.length > 0) {
      const id = f.userIdentity
      if (id !== undefined && id !== null) {
        if (typeof id !== 'object' || !isPlain(id)) return true // an array is rejected; anything else: unsure
        if (this.identityMeets(id as Record<string, unknown>)) return true
      }
    }
    return false
  }

  /**
   * userIdentity's type and accessKeyId as the normalizer reads them: spelled as CloudTrail spells them, or
   * (when any key is spelled otherwise) case-insensitively. Every key whose lower case is `type` or
   * `accesskeyid` is looked at, so whichever spelling the normalizer takes is covered.
   */
  private identityMeets(id: Record<string, unknown>): boolean {
    for (const k in id) {
      if (k.length === 4) {
        if (this.identityTypes.size > 0 && (k === 'type' || k.toLowerCase() === 'type')) {
          const t = text(id[k])
          if (t !== undefined && this.identityTypes.has(t)) return true
        }
      } else if (k.length === 11 && this.keyPrefixes.length > 0) {
        if (k === 'accessKeyId' || k.toLowerCase() === 'accesskeyid') {
          const key = text(id[k])
          if (key !== undefined && startsWithAny(key, this.keyPrefixes)) return true
        }
      }
    }
    return false
  }
}

/** The fields of a raw record the pre-filter reads beyond its names. */
class RawFields {
  eventName: unknown = undefined
  eventSource: unknown = undefined
  eventCategory: unknown = undefined
  errorCode: unknown = undefined
  userIdentity: unknown = undefined
}

/**
 * The fields in one for...in pass, as the normalizer reads them (shared/cloudtrail/parse.ts): a field that
 * for...in does not see (not enumerable) is not read there either.
 */
function rawFields(r: Record<string, unknown>): RawFields {
  const f = new RawFields()
  for (const k in r) {
    switch (k) {
      case 'eventName':
        f.eventName = r[k]
        break
      case 'eventSource':
        f.eventSource = r[k]
        break
      case 'eventCategory':
        f.eventCategory = r[k]
        break
      case 'errorCode':
        f.errorCode = r[k]
        break
      case 'userIdentity':
        f.userIdentity = r[k]
        break
    }
  }
  return f
}

/** A plain object (of Object.prototype or none): for...in reads it as JSON made it. */
function isPlain(x: object): boolean {
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** An identity field as normalized: a string, a number as its digits; anything else is read as absent. */
function text(x: unknown): string | undefined {
  return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined
}

function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (s.startsWith(p)) return true
  return false
}

function endsWithAny(s: string, suffixes: readonly string[]): boolean {
  for (const p of suffixes) if (s.endsWith(p)) return true
  return false
}

export interface PrefilterOptions {
  /**
   * More selectors whose records must be kept though no detection reads them, e.g. the events that re-run
   * posture checks. Unlike the detections', they are kept even when they are VPC-endpoint copies.
   */
  also?: readonly EventSelector[]
}

/**
 * A cheap test on a raw record (parsed, not yet validated or normalized): false only when no detection can
 * read it, so it can be skipped. A detection reads what its selector names (catalog section B): the event
 * names of its services ('names', 'services'; a versioned service's names with or without their API suffix),
 * every record of some identity types ('identity'), error codes ('errorCodes'), or access keys
 * ('accessKeys'); and `detect` never judges a VPC-endpoint copy (eventCategory NetworkActivity).
 *
 * It reads the fields as the normalizer does (lower-cased userIdentity keys, numbers for strings, the detail
 * of a CloudTrail EventBridge envelope), and keeps what it is unsure of: what is not a CloudTrail record as
 * far as it can tell (not a plain object, no eventName or eventSource string: it is then rejected as
 * before), a field it reads of a type the normalizer rejects, an envelope of another detail-type. It is safe
 * as long as every detection fires, counts and sights only within its selector, as the EventBridge rules
 * deliver (test/detections/prefilter.test.ts checks the catalog on the corpus and on generated records). A
 * skipped record is not validated: a malformed record nobody reads is skipped rather than rejected.
 *
 * Pass it as `keep` to parseCloudTrail / cloudTrailEntries / jsonLineEntries.
 */
export function recordPrefilter(
  detections: DetectionIndex | readonly AnyDetection[] = new DetectionIndex(),
  options: PrefilterOptions = {},
): RecordFilter {
  const read = new Selectors()
  for (const d of detections instanceof DetectionIndex ? detections.detections : detections)
    read.add(d.events)
  read.compile()
  const also = new Selectors()
  for (const s of options.also ?? []) also.add(s)
  also.compile()
  const hasAlso = (options.also ?? []).length > 0
  const namesMeet = (name: unknown, source: unknown) =>
    typeof name === 'string' &&
    typeof source === 'string' &&
    (read.namesMeet(name, source) || (hasAlso && also.namesMeet(name, source)))
  return (raw) => {
    if (!raw || typeof raw !== 'object') return true
    // The common case first, from two lookups: a record whose event some detection names (keeping is
    // always safe, so nothing else needs checking then).
    const top = raw as Record<string, unknown>
    if (namesMeet(top.eventName, top.eventSource)) return true
    if (!isPlain(top)) return true
    let r = top
    if (Object.hasOwn(r, 'detail-type') && Object.hasOwn(r, 'detail')) {
      // Unwrapped as parseCloudTrail does; an envelope of another detail-type is rejected there.
      const type = r['detail-type']
      if (typeof type !== 'string' || !CLOUDTRAIL_DETAIL_TYPES.has(type)) return true
      const detail = r.detail
      if (!detail || typeof detail !== 'object' || !isPlain(detail)) return true
      r = detail as Record<string, unknown>
      if (namesMeet(r.eventName, r.eventSource)) return true
    }
    // The other selectors, with the fields read as the normalizer reads them.
    const f = rawFields(r)
    const name = f.eventName
    const source = f.eventSource
    if (typeof name !== 'string' || typeof source !== 'string') return true
    if (name !== r.eventName || source !== r.eventSource) return true // not enumerable: unsure
    if (hasAlso && also.othersMeet(f)) return true
    if (f.eventCategory === 'NetworkActivity') return false
    return read.othersMeet(f)
  }
}
