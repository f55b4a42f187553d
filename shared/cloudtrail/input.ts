import { gunzipSync } from 'node:zlib'
import type { Rejection } from '../normalize/rejection.ts'
import type { CloudTrailEvent } from './event.ts'
import { normalized, Rejected } from './parse.ts'

export const MAX_RECORD_BYTES = 256 * 1024
export const MAX_FILE_BYTES = 64 * 1024 * 1024
/** The deepest nesting of arrays and objects read, envelopes included: CloudTrail's own stays far below. */
export const MAX_DEPTH = 64
const NOT_JSON = Symbol('not JSON')

export interface ParseOptions {
  /** The largest input read as one document (text, or gzip once decompressed). Default MAX_FILE_BYTES. */
  maxInputBytes?: number
  /** The deepest nesting of arrays and objects accepted, envelopes included. Default MAX_DEPTH. */
  maxDepth?: number
}

/**
 * Whether a record is worth reading: called with each record as parsed (an EventBridge envelope as it came),
 * after the input's nesting and the record's size were checked and before it is validated or normalized.
 * False: the record is skipped (a SkippedEntry: neither an event nor a rejection). It must not throw (a throw
 * rejects the record) and must keep any record it is unsure of. See shared/detections/prefilter.ts.
 */
export type RecordFilter = (record: unknown) => boolean

/** ParseOptions with a filter: the entries may then include skipped records. */
export interface FilteredParseOptions extends ParseOptions {
  keep: RecordFilter
}

interface Position {
  /** The record's position in its input, from 0, counting rejected (and skipped) records too. */
  index: number
  /** 1-based line, for JSON-lines input only. */
  line?: number
}

/** One record of the input, in input order: the event it became, or why it could not. */
export type Entry =
  | (Position & { event: CloudTrailEvent; rejection?: undefined; skipped?: undefined })
  | (Position & { rejection: Rejection; event?: undefined; skipped?: undefined })

/** A record the `keep` filter passed over: read, counted, neither validated nor normalized. */
export type SkippedEntry = Position & { skipped: true; event?: undefined; rejection?: undefined }

export interface Parsed {
  events: CloudTrailEvent[]
  rejections: Rejection[]
  /** Events and rejections together, in input order. */
  entries: Entry[]
  /** Records the `keep` filter passed over (not in entries); parseCloudTrail always sets it, 0 without one. */
  skipped?: number
}

/** The EventBridge detail-types of CloudTrail events: the envelopes unwrapped (any other is rejected). */
export const CLOUDTRAIL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
])

type AnyEntry = Entry | SkippedEntry

interface Context {
  maxInputBytes: number
  maxDepth: number
  keep: RecordFilter | undefined
  /** The index the next entry gets. */
  next: number
}

const context = (options: ParseOptions & { keep?: RecordFilter }, next = 0): Context => ({
  maxInputBytes: options.maxInputBytes ?? MAX_FILE_BYTES,
  maxDepth: options.maxDepth ?? MAX_DEPTH,
  keep: options.keep,
  next,
})

/**
 * Everything CloudTrail can arrive as: a bare record, an EventBridge envelope, a log file
 * ({"Records": [...]}), an array of any of those, or JSON lines; gzip or not. One bad record is
 * rejected with its reason; the others still come through. Never throws, whatever the input: nesting
 * is measured before anything recursive sees it, and envelopes are unwrapped without recursion. With a
 * `keep` filter, the records it passes over are counted in `skipped` and left out of `entries`.
 */
export function parseCloudTrail(
  input: string | Uint8Array | unknown,
  options: ParseOptions | FilteredParseOptions = {},
): Parsed {
  if (typeof input === 'string') {
    // The common case, one small record, without generators: the same entries textEntries gives.
    const ctx = context(options)
    const text = withoutBom(input)
    const doc = smallDocument(text, ctx)
    if (doc === undefined) return collect(textEntries(input, ctx))
    if (doc === NOT_JSON) return collect(jsonLines(text, ctx))
    if (isRecord(doc)) return single(recordEntry(doc, ctx, undefined, true))
    return collect(documentEntries(doc, ctx, undefined, true))
  }
  return collect(cloudTrailEntries(input, options as FilteredParseOptions))
}

function collect(entries: Iterable<AnyEntry>): Parsed {
  const out: Parsed = { events: [], rejections: [], entries: [], skipped: 0 }
  for (const entry of entries) add(out, entry)
  return out
}

/** The result of one record: what add() gives, its arrays made at their size (no room grown for more). */
function single(entry: AnyEntry): Parsed {
  if (entry.event) return { events: [entry.event], rejections: [], entries: [entry], skipped: 0 }
  if (entry.rejection) return { events: [], rejections: [entry.rejection], entries: [entry], skipped: 0 }
  return { events: [], rejections: [], entries: [], skipped: 1 }
}

function add(out: Parsed, entry: AnyEntry): void {
  if (entry.event) {
    out.entries.push(entry)
    out.events.push(entry.event)
  } else if (entry.rejection) {
    out.entries.push(entry)
    out.rejections.push(entry.rejection)
  } else out.skipped!++
}

/** A value that is one record (or envelope): an object, neither an array nor a log file. */
const isRecord = (doc: unknown) => !!doc && typeof doc === 'object' && !Array.isArray(doc) && !recordsOf(doc)

/**
 * parseCloudTrail's entries, one at a time: a caller that streams them holds one record at a time. With a
 * `keep` filter, the records it passes over come as SkippedEntry (numbered like the others).
 */
export function cloudTrailEntries(
  input: string | Uint8Array | unknown,
  options: FilteredParseOptions,
): Generator<Entry | SkippedEntry>
export function cloudTrailEntries(
  input: string | Uint8Array | unknown,
  options?: ParseOptions,
): Generator<Entry>
export function* cloudTrailEntries(
  input: string | Uint8Array | unknown,
  options: ParseOptions & { keep?: RecordFilter } = {},
): Generator<AnyEntry> {
  const ctx = context(options)
  if (input instanceof Uint8Array) {
    let bytes = input
    if (isGzip(bytes)) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: ctx.maxInputBytes })
      } catch (err) {
        yield rejected(ctx, gzipFailure(err, ctx.maxInputBytes))
        return
      }
    }
    if (bytes.length > ctx.maxInputBytes) {
      yield rejected(ctx, `input too large: ${bytes.length} bytes exceeds ${ctx.maxInputBytes}`)
      return
    }
    let text: string
    try {
      text = new TextDecoder().decode(bytes)
    } catch (err) {
      yield rejected(ctx, `not readable text: ${messageOf(err)}`)
      return
    }
    yield* textEntries(text, ctx)
    return
  }
  if (typeof input === 'string') {
    yield* textEntries(input, ctx)
    return
  }
  // Parsed objects come from the platform (EventBridge, Lambda), which caps events at 256 KB; their
  // nesting is measured as they are walked.
  yield* documentEntries(input, ctx, undefined, false)
}

/**
 * One line of a JSON-lines input that is read line by line: its records, numbered from `firstIndex`.
 * A line may hold any shape parseCloudTrail reads (a record, an envelope, a log file, an array).
 */
export function jsonLineEntries(
  text: string,
  line: number,
  firstIndex: number,
  options: FilteredParseOptions,
): Generator<Entry | SkippedEntry>
export function jsonLineEntries(
  text: string,
  line: number,
  firstIndex: number,
  options?: ParseOptions,
): Generator<Entry>
export function* jsonLineEntries(
  text: string,
  line: number,
  firstIndex: number,
  options: ParseOptions & { keep?: RecordFilter } = {},
): Generator<AnyEntry> {
  yield* lineEntries(text, line, context(options, firstIndex))
}

/** The entry for a line too long to hold (a streaming reader counts its bytes and drops them). */
export function tooLargeLine(bytes: number, line: number, index: number): Entry {
  return rejected(context({}, index), tooLarge(bytes), line)
}

/** True for the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** Why gzip could not be read, naming the bound when it was the decompressed size (a gzip bomb). */
export function gzipFailure(err: unknown, maxOutputBytes: number): string {
  const e = err as { code?: string }
  return e?.code === 'ERR_BUFFER_TOO_LARGE'
    ? `decompresses to more than ${maxOutputBytes} bytes`
    : `not readable gzip: ${messageOf(err)}`
}

/**
 * The deepest nesting of arrays and objects in JSON text, counting brackets outside strings, without
 * parsing or recursing; it stops at `limit + 1`. Not a validator: JSON.parse still decides.
 */
export function nestingDepth(text: string, limit: number, start = 0, end = text.length): number {
  return scan(text, limit, start, end).max
}

/**
 * True when the text holds at most `limit` opening brackets, in strings or not: then no nesting in it can be
 * deeper than `limit`, and the exact scan is not needed. Native searches, so it costs little next to
 * JSON.parse; it stops at the first bracket past the limit.
 */
export function fewOpeners(text: string, limit: number): boolean {
  let n = 0
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return false
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return false
  return true
}

/**
 * Brackets outside strings, from `start` to `end`: the deepest nesting (stopping past `limit`), the depth
 * and whether a string is open at the end, and where the first value closed (-1: none did). Strings are
 * skipped with native searches for their closing quote (one preceded by an even run of backslashes).
 */
function scan(
  text: string,
  limit: number,
  start: number,
  end: number,
): { max: number; depth: number; inString: boolean; firstEnd: number } {
  let depth = 0
  let max = 0
  let inString = false
  let firstEnd = -1
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      let j = text.indexOf('"', i + 1)
      while (j !== -1 && j < end && text.charCodeAt(j - 1) === 0x5c) {
        let k = j - 2
        while (text.charCodeAt(k) === 0x5c) k--
        if ((j - 1 - k) % 2 === 0) break // an even run of backslashes: the quote closes the string
        j = text.indexOf('"', j + 1)
      }
      if (j === -1 || j >= end) {
        inString = true
        break
      }
      i = j
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth
        if (max > limit) break
      }
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0 && firstEnd === -1) firstEnd = i + 1
    }
  }
  return { max, depth, inString, firstEnd }
}

const NON_BLANK = /\S/

/** The largest single value (a record or an envelope) parsed out of a large document to be measured. */
const MAX_LEAF_CHARS = 4 * MAX_RECORD_BYTES

const withoutBom = (input: string) => (input.charCodeAt(0) === 0xfeff ? input.slice(1) : input)

/**
 * A small text with too few brackets to nest too deep needs no scan: the common case (one record, a short
 * log file). Such a text comes back parsed when it is one JSON document, as NOT_JSON when it is not (JSON
 * lines, or not JSON); any other text as undefined.
 */
function smallDocument(text: string, ctx: Context): unknown {
  if (text.length > MAX_RECORD_BYTES || text.length > ctx.maxInputBytes || !fewOpeners(text, ctx.maxDepth))
    return undefined
  try {
    return JSON.parse(text)
  } catch {
    return NOT_JSON
  }
}

function* textEntries(input: string, ctx: Context): Generator<AnyEntry> {
  const text = withoutBom(input)
  if (text.length > ctx.maxInputBytes) {
    yield rejected(ctx, `input too large: ${text.length} bytes exceeds ${ctx.maxInputBytes}`)
    return
  }
  const quick = smallDocument(text, ctx)
  if (quick === NOT_JSON) {
    yield* jsonLines(text, ctx)
    return
  }
  if (quick !== undefined) {
    yield* documentEntries(quick, ctx, undefined, true)
    return
  }
  const s = scan(text, ctx.maxDepth, 0, text.length)
  if (s.max > ctx.maxDepth) {
    if (!looksLikeJsonLines(text)) {
      yield rejected(ctx, tooDeep(ctx))
      return
    }
  } else if (text.length <= MAX_RECORD_BYTES) {
    let doc: unknown = NOT_JSON
    try {
      doc = JSON.parse(text) // tolerates surrounding whitespace: no trim, which would copy the text
    } catch {
      // not one JSON document: JSON lines below
    }
    if (doc !== NOT_JSON) {
      // A document under the record limit cannot hold an oversized record: skip the size walk.
      yield* documentEntries(doc, ctx, undefined, true)
      return
    }
  } else {
    // A large document is never parsed whole (that takes several times the text): when the text is one
    // array or object, it is walked, and each record parsed on its own; otherwise it is JSON lines.
    const first = skipSpace(text, 0)
    const opens = text.charCodeAt(first) === 0x5b || text.charCodeAt(first) === 0x7b
    const end = opens ? s.firstEnd : skipValue(text, first)
    if (end !== -1 && skipSpace(text, end) === text.length) {
      yield* walkDocument(text, first, ctx)
      return
    }
  }
  yield* jsonLines(text, ctx)
}

/** Text read line by line: each non-blank line holds JSON on its own (lines numbered from 1). */
function* jsonLines(text: string, ctx: Context): Generator<AnyEntry> {
  let line = 0
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    line++
    const piece = text.slice(start, end)
    if (NON_BLANK.test(piece)) yield* lineEntries(piece, line, ctx)
    start = end + 1
  }
}

function skipSpace(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
  }
  return i
}

/** The index just past the string that opens at `i`, or -1 when the text ends first. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 0x5c) j++
    else if (c === 0x22) return j + 1
  }
  return -1
}

/** The index just past the value that starts at `i` (brackets counted, not validated), or -1. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x22) return skipString(text, i)
  if (c === 0x5b || c === 0x7b) {
    let depth = 0
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j)
      if (d === 0x22) {
        j = skipString(text, j) - 1
        if (j < 0) return -1
      } else if (d === 0x5b || d === 0x7b) depth++
      else if ((d === 0x5d || d === 0x7d) && --depth === 0) return j + 1
    }
    return -1
  }
  let j = i
  while (j < text.length && !/[\s,\]}]/.test(text[j]!)) j++
  return j === i ? -1 : j
}

/**
 * Walks one JSON document without parsing it whole or recursing: arrays are descended, and so is the
 * "Records" array of an object (the first one; its other members are skipped); anything else is a
 * record, parsed on its own. The nesting was measured before (a stack of at most maxDepth frames).
 * Text that turns out not to be JSON is rejected from there on; the records before it stay.
 */
function* walkDocument(text: string, start: number, ctx: Context): Generator<AnyEntry> {
  type Frame = { kind: 'array'; records: boolean } | { kind: 'object'; start: number; records: boolean }
  const stack: Frame[] = []
  let i = start
  let state: 'value' | 'member' | 'afterMember' | 'afterValue' = 'value'
  const fail = (what: string): Entry =>
    rejected(ctx, `not JSON: ${what} at position ${i}; the rest of the document was not read`)
  const leaf = function* (from: number, to: number): Generator<AnyEntry> {
    if (to - from > MAX_LEAF_CHARS) {
      yield rejected(ctx, tooLarge(to - from))
      return
    }
    const piece = text.slice(from, to)
    let value: unknown
    try {
      value = JSON.parse(piece)
    } catch (err) {
      yield rejected(ctx, `not JSON: ${messageOf(err).slice(0, 120)}`)
      return
    }
    yield* documentEntries(value, ctx, undefined, piece.length <= MAX_RECORD_BYTES)
  }
  for (;;) {
    i = skipSpace(text, i)
    const c = text.charCodeAt(i)
    if (state === 'value') {
      if (c === 0x5b) {
        stack.push({ kind: 'array', records: false })
        i = skipSpace(text, i + 1)
        if (text.charCodeAt(i) === 0x5d) {
          stack.pop()
          i++
          state = 'afterValue'
        }
      } else if (c === 0x7b) {
        stack.push({ kind: 'object', start: i, records: false })
        i++
        state = 'member'
      } else {
        const end = skipValue(text, i)
        if (end === -1) return yield fail('expected a value')
        yield* leaf(i, end)
        i = end
        state = 'afterValue'
      }
    } else if (state === 'member') {
      const frame = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>
      if (c === 0x7d) {
        stack.pop()
        i++
        if (!frame.records) yield* leaf(frame.start, i)
        state = 'afterValue'
        continue
      }
      if (c !== 0x22) return yield fail('expected a key')
      const keyEnd = skipString(text, i)
      if (keyEnd === -1) return yield fail('a key cut short')
      const isRecords = keyEnd - i === 9 && text.startsWith('"Records"', i)
      i = skipSpace(text, keyEnd)
      if (text.charCodeAt(i) !== 0x3a) return yield fail('expected ":"')
      i = skipSpace(text, i + 1)
      if (isRecords && !frame.records && text.charCodeAt(i) === 0x5b) {
        frame.records = true
        stack.push({ kind: 'array', records: true })
        i = skipSpace(text, i + 1)
        if (text.charCodeAt(i) === 0x5d) {
          stack.pop()
          i++
          state = 'afterMember'
        } else state = 'value'
      } else {
        const end = skipValue(text, i)
        if (end === -1) return yield fail('a value cut short')
        i = end
        state = 'afterMember'
      }
    } else if (state === 'afterMember') {
      if (c === 0x2c) {
        i = skipSpace(text, i + 1)
        if (text.charCodeAt(i) !== 0x22) return yield fail('expected a key')
        state = 'member'
      } else if (c === 0x7d) state = 'member'
      else return yield fail('expected "," or "}"')
    } else {
      const frame = stack[stack.length - 1]
      if (!frame) {
        if (i < text.length) yield fail('more text after the document')
        return
      }
      if (frame.kind !== 'array') return yield fail('expected a value')
      if (c === 0x2c) {
        i++
        state = 'value'
      } else if (c === 0x5d) {
        stack.pop()
        i++
        state = frame.records ? 'afterMember' : 'afterValue'
      } else return yield fail('expected "," or "]"')
    }
  }
}

/**
 * Too deep as one document, but maybe JSON lines with one deep line: so when there is more than one
 * line and the first non-blank one is a complete value on its own (a pretty-printed document's is not).
 */
function looksLikeJsonLines(text: string): boolean {
  let start = 0
  for (;;) {
    const end = text.indexOf('\n', start)
    if (end === -1) return false
    if (NON_BLANK.test(text.slice(start, end))) {
      const s = scan(text, Number.POSITIVE_INFINITY, start, end)
      return s.depth === 0 && !s.inString && NON_BLANK.test(text.slice(end + 1))
    }
    start = end + 1
  }
}

function* lineEntries(text: string, line: number, ctx: Context): Generator<AnyEntry> {
  if (text.length > MAX_RECORD_BYTES) {
    yield rejected(ctx, tooLarge(text.length), line)
    return
  }
  if (!fewOpeners(text, ctx.maxDepth) && nestingDepth(text, ctx.maxDepth) > ctx.maxDepth) {
    yield rejected(ctx, tooDeep(ctx), line)
    return
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    yield rejected(ctx, `not JSON: ${messageOf(err).slice(0, 120)}`, line)
    return
  }
  yield* documentEntries(doc, ctx, line, true)
}

/**
 * Unwraps arrays and log files ({"Records": [...]}) without recursion: a stack of frames, one per
 * level, never deeper than maxDepth; what is nested deeper is rejected once, and its siblings still read.
 */
function* documentEntries(
  doc: unknown,
  ctx: Context,
  line: number | undefined,
  sizeKnownSmall: boolean,
): Generator<AnyEntry> {
  const frames: Array<{ items: readonly unknown[]; next: number }> = [{ items: [doc], next: 0 }]
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!
    if (frame.next >= frame.items.length) {
      frames.pop()
      continue
    }
    const item = frame.items[frame.next++]
    const inner = Array.isArray(item) ? item : recordsOf(item)
    if (inner) {
      if (frames.length >= ctx.maxDepth) yield rejected(ctx, tooDeep(ctx), line)
      else frames.push({ items: inner, next: 0 })
      continue
    }
    yield recordEntry(item, ctx, line, sizeKnownSmall)
  }
}

/** A log file's records: an own "Records" array (never one found on a prototype). */
function recordsOf(x: unknown): readonly unknown[] | undefined {
  if (!x || typeof x !== 'object' || !Object.hasOwn(x, 'Records')) return undefined
  const records = (x as { Records?: unknown }).Records
  return Array.isArray(records) ? records : undefined
}

function recordEntry(
  item: unknown,
  ctx: Context,
  line: number | undefined,
  sizeKnownSmall: boolean,
): AnyEntry {
  try {
    if (!item || typeof item !== 'object') return rejected(ctx, 'not a JSON object', line)
    const o = item as Record<string, unknown>
    let record: unknown = o
    let detailType: string | undefined
    if (Object.hasOwn(o, 'detail-type') && Object.hasOwn(o, 'detail')) {
      const type = o['detail-type']
      if (typeof type !== 'string')
        return rejected(ctx, 'EventBridge event is not from CloudTrail: detail-type is not a string', line)
      if (!CLOUDTRAIL_DETAIL_TYPES.has(type))
        return rejected(ctx, `EventBridge event is not from CloudTrail: ${type.slice(0, 80)}`, line)
      detailType = type
      record = o.detail
    }
    if (!sizeKnownSmall) {
      const { size, depth } = measure(record, MAX_RECORD_BYTES + 1, ctx.maxDepth)
      if (size > MAX_RECORD_BYTES) return rejected(ctx, tooLarge(size, 'about '), line)
      if (depth > ctx.maxDepth) return rejected(ctx, tooDeep(ctx), line)
    }
    if (ctx.keep !== undefined && !ctx.keep(o)) {
      const index = ctx.next++
      return line === undefined ? { index, skipped: true } : { index, line, skipped: true }
    }
    const event = normalized(record, undefined, detailType)
    const index = ctx.next++
    if (!(event instanceof Rejected)) return line === undefined ? { index, event } : { index, line, event }
    return line === undefined
      ? { index, rejection: event.rejection }
      : { index, line, rejection: { ...event.rejection, line } }
  } catch (err) {
    // Defence in depth: whatever a value does, one record is rejected, never the batch.
    return rejected(ctx, `could not be read: ${messageOf(err).slice(0, 120)}`, line)
  }
}

/**
 * A cheap upper bound of a parsed value's JSON size, and the deepest nesting it reached, without
 * serializing or recursing; it stops at `budget` bytes or past `maxDepth` levels.
 */
function measure(value: unknown, budget: number, maxDepth: number): { size: number; depth: number } {
  let size = 0
  let depth = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0 && size < budget) {
    const [x, d] = stack.pop()!
    if (typeof x === 'string') size += x.length + 2
    else if (x && typeof x === 'object') {
      if (d > depth) {
        depth = d
        if (depth > maxDepth) break
      }
      size += 2
      if (Array.isArray(x)) {
        for (let i = 0; i < x.length && size < budget; i++) {
          size += 1
          stack.push([x[i], d + 1])
        }
      } else {
        for (const k in x) {
          if (!Object.hasOwn(x, k)) continue
          size += k.length + 4
          stack.push([(x as Record<string, unknown>)[k], d + 1])
          if (size >= budget) break
        }
      }
    } else size += 6
  }
  return { size, depth }
}

function rejected(ctx: Context, reason: string, line?: number): Entry {
  const index = ctx.next++
  return line === undefined
    ? { index, rejection: { source: 'cloudtrail', reason } }
    : { index, line, rejection: { source: 'cloudtrail', line, reason } }
}

const tooDeep = (ctx: Context) => `nested deeper than ${ctx.maxDepth} levels`
const tooLarge = (bytes: number, about = '') =>
  `record too large: ${about}${bytes} bytes exceeds ${MAX_RECORD_BYTES}`

function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err)
  } catch {
    return 'unknown error'
  }
}
