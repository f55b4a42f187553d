import { type Dirent, readdirSync, statSync } from 'node:fs'
import { type FileHandle, open, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { createGunzip, gunzipSync } from 'node:zlib'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { processParsed } from '../shared/app/cloudtrail-events.ts'
import { recordQueueDetections } from '../shared/app/key-activity.ts'
import type { Log } from '../shared/app/log.ts'
import { itemMacFromEnv } from '../shared/app/runtime.ts'
import { documentClient } from '../shared/aws/clients.ts'
import { DynamoCounters } from '../shared/aws/counters.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { DynamoSightings } from '../shared/aws/sightings.ts'
import {
  cloudTrailEntries,
  type Entry,
  gzipFailure,
  isGzip,
  jsonLineEntries,
  MAX_DEPTH,
  MAX_RECORD_BYTES,
  nestingDepth,
  tooLargeLine,
} from '../shared/cloudtrail/input.ts'
import { detectionSettings, type IamwatchConfig } from '../shared/config/config.ts'
import { evaluateEvent } from '../shared/detections/evaluate.ts'
import { MemorySightings } from '../shared/detections/first-seen.ts'
import { MemoryCounters } from '../shared/detections/thresholds.ts'
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../shared/model/severity.ts'

/**
 * Exit codes of `iamwatch replay`:
 *   0  every record was read and judged, and nothing reached --fail-on;
 *   1  error: bad arguments (no path, an unknown --fail-on severity, a limit that is not a whole
 *      number in range), or the findings table failed under --table (the replay stops there);
 *   2  a detection at least as severe as --fail-on fired. It wins over 4: it stays true whatever else
 *      could not be read;
 *   4  some input was unreadable: a path or file (missing, not a regular file, over a limit, corrupt
 *      gzip) or a record that was rejected. Unreadable input is never 0.
 * 3 is left free: `iamwatch scan` reserves it for a degraded scan.
 */
export const REPLAY_EXIT = { ok: 0, error: 1, failOn: 2, unreadable: 4 } as const
export type ReplayExit = (typeof REPLAY_EXIT)[keyof typeof REPLAY_EXIT]

/** V8's longest string (2^29 - 24 characters): a document read whole must fit in one. */
export const MAX_WHOLE_FILE_BYTES = 2 ** 29 - 24

export interface ReplayLimits {
  /**
   * The largest file read whole: a JSON document (a log file, an envelope, an array), or any gzip
   * file but JSON lines, on disk and once decompressed. JSON-lines files are streamed instead.
   */
  maxFileBytes: number
  /** The most a gzip JSON-lines file (streamed) may decompress to: a bound on gzip bombs. */
  maxStreamBytes: number
  /** The deepest nesting of arrays and objects accepted in a document or line, envelopes included. */
  maxDepth: number
}

export const DEFAULT_REPLAY_LIMITS: Readonly<ReplayLimits> = {
  maxFileBytes: 256 * 1024 * 1024,
  maxStreamBytes: 4 * 1024 * 1024 * 1024,
  maxDepth: MAX_DEPTH,
}

/** One line of `replay --json`, and of the human format. */
export interface ReplayLine {
  /**
   * The file: relative to the directory when a single directory is replayed; as given for a single
   * file; as found (argument joined with the path under it) when several paths are replayed.
   */
  file: string
  /** 1-based line of the file, for JSON-lines input only (absent otherwise). */
  line?: number
  /** The record's position within its file, from 0, counting rejected records too. */
  index: number
  eventId: string | null
  eventName: string | null
  detections: string[]
  rejected: string | null
}

export interface ReplayOptions {
  /** Thresholds, trusted accounts, disabled detections. */
  config: IamwatchConfig
  /** One JSON object per record (ReplayLine) instead of the human format. */
  json?: boolean
  /** Exit 2 when a detection at least this severe fired. */
  failOn?: Severity
  /** Run the full handler path against this DynamoDB findings table instead of in memory. */
  table?: string
  /** With `table`: the client (default: the standard AWS configuration). */
  db?: DynamoDBDocumentClient
  /** With `table`: the region findings default to (default: $AWS_REGION, else us-east-1). */
  region?: string
  /** With `table`: the handler path's log (default: warnings and errors to `err`). */
  log?: Log
  /** Limits; one left out (or undefined) keeps its default (DEFAULT_REPLAY_LIMITS). */
  limits?: Partial<ReplayLimits>
  /** With `table`: how a failure of the table is told (default: its message). */
  describeError?: (err: unknown) => string
  /** Record lines (stdout). */
  out: (text: string) => void
  /** Errors per file, warnings and the summary line (stderr); always printable. */
  err: (text: string) => void
}

/**
 * `iamwatch replay <paths...>`: every record of every file, in file order, through the detections
 * (with empty threshold state), or with `table` through the full handler path. Each file is read on
 * its own: one that cannot be read is reported on stderr and the others still replay. Never throws;
 * returns the exit code (REPLAY_EXIT).
 */
export async function runReplay(paths: readonly string[], options: ReplayOptions): Promise<ReplayExit> {
  const { out, err } = options
  const problem = argumentProblem(paths, options)
  if (problem) {
    err(`error: ${printable(problem)}\n`)
    return REPLAY_EXIT.error
  }
  const limits = { ...DEFAULT_REPLAY_LIMITS }
  for (const [k, v] of Object.entries(options.limits ?? {}))
    if (v !== undefined) limits[k as keyof ReplayLimits] = v // a flag not given leaves the default
  const tally = new Tally(options.failOn)
  let failed = false
  try {
    const judge = options.table ? tableJudge(options.table, options) : offlineJudge(options.config)
    await replayPaths(paths, limits, judge, {
      file: () => tally.files++,
      judged: (batch) => {
        let text = ''
        for (const j of batch) {
          tally.add(j)
          text += formatReplayLine(j.line, options.json ?? false)
        }
        if (text) out(text)
      },
      unreadable: (name, message) => {
        tally.unreadable++
        err(`error: ${printable(name, 1024)}: ${printable(message, 512)}\n`)
      },
    })
  } catch (e) {
    // The findings table's failures get here (input problems are reported per file).
    failed = true
    err(`error: ${printable(options.describeError?.(e) ?? messageOf(e), 1024)}\n`)
  }
  err(`${tally.summary()}\n`)
  if (failed) return REPLAY_EXIT.error
  if (tally.failOnReached) return REPLAY_EXIT.failOn
  if (tally.unreadable > 0 || tally.rejected > 0) return REPLAY_EXIT.unreadable
  return REPLAY_EXIT.ok
}

/** One output line: JSON with the original strings, or a human line with nothing a terminal acts on. */
export function formatReplayLine(l: ReplayLine, json: boolean): string {
  if (json) {
    return `${JSON.stringify({
      file: l.file,
      ...(l.line === undefined ? {} : { line: l.line }),
      index: l.index,
      eventId: l.eventId,
      eventName: l.eventName,
      detections: l.detections,
      rejected: l.rejected,
    })}\n`
  }
  const where = `${printable(l.file, 1024)}${l.line === undefined ? '' : `:${l.line}`} #${l.index}`
  const what =
    l.rejected !== null
      ? `REJECTED: ${printable(l.rejected, 512)}`
      : l.detections.length > 0
        ? printable(l.detections.join(', '), 512)
        : '-'
  return `${where}  ${printable(l.eventName ?? '?', 256)}  ${printable(l.eventId ?? '', 256)}  ${what}\n`
}

/**
 * A string made safe for a terminal: C0 and C1 controls, DEL, format characters (bidi overrides and
 * isolates, zero-width characters, tags), line and paragraph separators and lone surrogates are
 * written as escapes (\n, \r, \t, \uXXXX, \u{XXXXX}); longer than `max`, it is cut and marked.
 */
export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text
  return clipped.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    const code = c.codePointAt(0)!
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

/**
 * The kind of a rejection, for the summary: the reason without its particulars ("not JSON: Unexpected
 * token…" is "not JSON"); a field's shape ("eventName: expected a name…") is kept whole.
 */
export function reasonKind(reason: string): string {
  const colon = reason.indexOf(': ')
  if (colon === -1) return reason
  return reason.startsWith('expected ', colon + 2) ? reason : reason.slice(0, colon)
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** A size for a limit flag: bytes, or with a binary unit ("64k", "256M", "4GiB"). Throws when it is none. */
export function parseByteSize(value: string): number {
  const m = /^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(value)
  const n = m ? Number(m[1]) * BYTE_UNITS[m[2]!.toLowerCase()]! : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1) throw new Error('a size in bytes, such as 1048576, 64k, 256M or 4G')
  return n
}

function argumentProblem(paths: readonly string[], options: ReplayOptions): string | undefined {
  if (paths.length === 0) return 'no path given: name files or directories to replay'
  if (options.failOn !== undefined && !isSeverity(options.failOn))
    return `--fail-on: one of ${SEVERITIES.join(', ')}`
  const l = options.limits ?? {}
  const whole = (v: number | undefined, max: number) =>
    v === undefined || (Number.isSafeInteger(v) && v >= 1 && v <= max)
  if (!whole(l.maxFileBytes, MAX_WHOLE_FILE_BYTES))
    return `--max-file-bytes: a whole number of bytes from 1 to ${MAX_WHOLE_FILE_BYTES}`
  if (!whole(l.maxStreamBytes, Number.MAX_SAFE_INTEGER))
    return '--max-stream-bytes: a whole number of bytes, at least 1'
  if (!whole(l.maxDepth, 1000)) return '--max-depth: a whole number from 1 to 1000'
  return undefined
}

interface Judged {
  line: ReplayLine
  fired: Array<{ id: string; severity: string }>
}

/** Judges a batch of one file's entries, in order. Throws only for infrastructure (the findings table). */
type Judge = (file: string, entries: Entry[]) => Promise<Judged[]>

function lineOf(file: string, entry: Entry, detections: string[], rejected: string | null): ReplayLine {
  return {
    file,
    ...(entry.line === undefined ? {} : { line: entry.line }),
    index: entry.index,
    eventId: entry.event?.eventId ?? null,
    eventName: entry.event?.eventName ?? null,
    detections,
    rejected,
  }
}

const ids = (fired: Array<{ id: string }>) => [...new Set(fired.map((f) => f.id))]

/** In memory, with empty threshold state: what each record fires. */
function offlineJudge(config: IamwatchConfig): Judge {
  const settings = detectionSettings(config)
  // State for the whole invocation: thresholds count, and first-seen baselines grow, across its files.
  const state = { counters: new MemoryCounters(), sightings: new MemorySightings() }
  return async (file, entries) => {
    const judged: Judged[] = []
    for (const entry of entries) {
      if (!entry.event) {
        judged.push({ line: lineOf(file, entry, [], entry.rejection.reason), fired: [] })
        continue
      }
      try {
        const { fired } = await evaluateEvent(entry.event, settings, state)
        const f = fired.map((x) => ({ id: x.detection.id, severity: x.severity }))
        judged.push({ line: lineOf(file, entry, ids(f), null), fired: f })
      } catch (e) {
        // A detection that fails on a record rejects that record, never the replay.
        const reason = `detections failed: ${messageOf(e).slice(0, 200)}`
        judged.push({ line: lineOf(file, entry, [], reason), fired: [] })
      }
    }
    return judged
  }
}

/** The handler's path into a findings table, batch by batch (it counts and warns as the handler does). */
function tableJudge(table: string, options: ReplayOptions): Judge {
  const db = options.db ?? documentClient()
  const log = options.log ?? stderrLog(options.err)
  const deps = {
    // Transitions are MAC'd when the environment names the key (IAMWATCH_MAC_KEY_ARN), as in Lambda.
    store: new FindingsStore(db, table, { mac: itemMacFromEnv() }),
    counters: new DynamoCounters(db, table),
    sightings: new DynamoSightings(db, table),
    config: options.config,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    // Every rejection is on its own output line and in the summary: not warned of twice.
    log: {
      ...log,
      warn: (m: string, e?: Record<string, unknown>) => m !== REJECTED_WARNING && log.warn(m, e),
    },
  }
  return async (file, entries) => {
    const events = entries.flatMap((e) => (e.event ? [e.event] : []))
    const rejections = entries.flatMap((e) => (e.rejection ? [e.rejection] : []))
    const summary = await processParsed({ events, rejections, entries }, deps)
    // The queue's detections too (in Lambda, on-key-activity judges them in batches).
    const queued = await recordQueueDetections(events, deps)
    let k = 0
    return entries.map((entry) => {
      if (!entry.event) return { line: lineOf(file, entry, [], entry.rejection.reason), fired: [] }
      const f = [...(summary.perEvent[k]?.fired ?? []), ...(queued[k++] ?? [])].map((x) => ({
        id: x.detectionId,
        severity: x.severity,
      }))
      return { line: lineOf(file, entry, ids(f), null), fired: f }
    })
  }
}

/** The message processParsed warns with for each rejection (shared/app/cloudtrail-events.ts). */
const REJECTED_WARNING = 'cloudtrail record rejected'

const stderrLog = (err: (t: string) => void): Log => {
  const line = (level: string) => (m: string, e?: Record<string, unknown>) =>
    err(`${level}: ${printable(m, 512)}${e ? ` ${printable(JSON.stringify(e) ?? '', 2048)}` : ''}\n`)
  return { info: () => {}, warn: line('warning'), error: line('error') }
}

class Tally {
  files = 0
  unreadable = 0
  accepted = 0
  rejected = 0
  failOnReached = false
  private readonly reasons = new Map<string, number>()
  private readonly detections = new Map<string, number>()
  private readonly failOn: Severity | undefined
  constructor(failOn?: Severity) {
    this.failOn = failOn
  }

  add(j: Judged): void {
    if (j.line.rejected !== null) {
      this.rejected++
      const kind = reasonKind(j.line.rejected)
      this.reasons.set(kind, (this.reasons.get(kind) ?? 0) + 1)
    } else this.accepted++
    for (const f of j.fired) {
      this.detections.set(f.id, (this.detections.get(f.id) ?? 0) + 1)
      if (this.failOn && isSeverity(f.severity) && atLeast(f.severity, this.failOn)) this.failOnReached = true
    }
  }

  /** One line: files (and how many were unreadable), records read, rejections by kind, detections by id. */
  summary(): string {
    const n = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
    const list = (m: Map<string, number>) => [...m].map(([k, c]) => `${printable(k, 200)} ${c}`).join(', ')
    const fired = [...this.detections.values()].reduce((a, b) => a + b, 0)
    return (
      `${n(this.files, 'file')}${this.unreadable ? ` (${this.unreadable} unreadable)` : ''}, ` +
      `${n(this.accepted + this.rejected, 'record')}: ${this.accepted} accepted, ${this.rejected} rejected` +
      `${this.reasons.size ? ` (${list(this.reasons)})` : ''}; ` +
      `${n(fired, 'detection')}${this.detections.size ? `: ${list(this.detections)}` : ''}`
    )
  }
}

interface Sinks {
  file(): void
  judged(batch: Judged[]): void
  unreadable(name: string, message: string): void
}

/** A problem with one input, reported on stderr against its name; the others still replay. */
class InputError extends Error {}

/** The judge failed (the findings table): the replay stops. */
class JudgeFailure extends Error {
  constructor(cause: unknown) {
    super('judge failed', { cause })
  }
}

const BATCH = 500
const READABLE = /\.(json|jsonl|ndjson|gz)$/i
const JSON_LINES = /\.(jsonl|ndjson)(\.gz)?$/i

async function replayPaths(paths: readonly string[], limits: ReplayLimits, judge: Judge, sinks: Sinks) {
  const several = paths.length > 1
  for (const root of paths) {
    let isDirectory: boolean
    try {
      isDirectory = statSync(root).isDirectory()
    } catch (e) {
      sinks.file()
      sinks.unreadable(root, fsMessage(e))
      continue
    }
    const found = isDirectory ? filesUnder(root, sinks) : [root]
    for (const path of found) {
      const name = isDirectory && !several ? relative(root, path) : path
      sinks.file()
      try {
        await replayFile(path, limits, async (entries) => {
          let judged: Judged[]
          try {
            judged = await judge(name, entries)
          } catch (e) {
            throw new JudgeFailure(e)
          }
          sinks.judged(judged)
        })
      } catch (e) {
        if (e instanceof JudgeFailure) throw e.cause
        // Whatever else went wrong went wrong with this file: the others still replay.
        sinks.unreadable(name, e instanceof InputError ? e.message : fsMessage(e))
      }
    }
  }
}

/**
 * The readable files under a directory (.json, .jsonl, .ndjson, .gz; symbolic links to them too), in
 * path order, without recursion; a directory that cannot be listed is reported and skipped.
 */
function filesUnder(root: string, sinks: Pick<Sinks, 'file' | 'unreadable'>): string[] {
  const files: string[] = []
  const dirs = [root]
  while (dirs.length > 0) {
    const dir = dirs.pop()!
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch (e) {
      sinks.file()
      sinks.unreadable(dir, fsMessage(e))
      continue
    }
    for (const d of entries) {
      const path = join(dir, d.name)
      if (d.isDirectory()) dirs.push(path)
      else if (READABLE.test(d.name)) files.push(path)
    }
  }
  return files.sort()
}

/** Reads one file within the limits and hands its entries on in batches, in order. */
async function replayFile(path: string, limits: ReplayLimits, onBatch: (entries: Entry[]) => Promise<void>) {
  let fh: FileHandle
  try {
    // Stat before opening: opening a FIFO would wait for a writer, reading a device would never end.
    if (!(await stat(path)).isFile()) throw new InputError('not a regular file')
    fh = await open(path, 'r')
  } catch (e) {
    throw e instanceof InputError ? e : new InputError(fsMessage(e))
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new InputError('not a regular file')
    const head = Buffer.alloc(2)
    await fh.read(head, 0, 2, 0)
    const gzip = isGzip(head)
    if (/\.gz$/i.test(path) && !gzip) throw new InputError('not readable gzip: no gzip header')
    const streamed =
      JSON_LINES.test(path) ||
      (!gzip && st.size > limits.maxFileBytes && (await startsWithJsonLine(fh, limits)))
    if (streamed) return await replayStream(fh, gzip, limits, onBatch)
    if (st.size > limits.maxFileBytes)
      throw new InputError(
        `${st.size} bytes exceeds the ${limits.maxFileBytes}-byte limit for a file read whole ` +
          '(raise it with --max-file-bytes; JSON lines are read line by line, from .jsonl or .ndjson files)',
      )
    let bytes = await readBounded(fh, st.size, limits.maxFileBytes)
    if (gzip) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: limits.maxFileBytes })
      } catch (e) {
        const why = gzipFailure(e, limits.maxFileBytes)
        throw new InputError(
          why.startsWith('decompresses')
            ? `${why}, the limit for a file read whole (raise it with --max-file-bytes; JSON lines are read line by line, from .jsonl.gz or .ndjson.gz files)`
            : why,
        )
      }
    }
    const text = decode(bytes)
    bytes = Buffer.alloc(0) // the text is all that is read from here
    let batch: Entry[] = []
    for (const entry of cloudTrailEntries(text, {
      maxInputBytes: limits.maxFileBytes,
      maxDepth: limits.maxDepth,
    })) {
      batch.push(entry)
      if (batch.length >= BATCH) {
        await onBatch(batch)
        batch = []
      }
    }
    if (batch.length > 0) await onBatch(batch)
  } finally {
    await fh.close().catch(() => {})
  }
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder().decode(bytes) // drops a byte-order mark
  } catch (e) {
    throw new InputError(`not readable text: ${messageOf(e)}`)
  }
}

/** The whole file, never more than `max` bytes even if it grows while it is read. */
async function readBounded(fh: FileHandle, size: number, max: number): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(Math.min(size, max) + 1)
  let length = 0
  for (;;) {
    if (length === buf.length) {
      if (length > max)
        throw new InputError(`grew past the ${max}-byte limit for a file read whole while read`)
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1))
      buf.copy(bigger, 0, 0, length)
      buf = bigger
    }
    const { bytesRead } = await fh.read(buf, length, buf.length - length, length)
    if (bytesRead === 0) break
    length += bytesRead
  }
  if (length > max) throw new InputError(`grew past the ${max}-byte limit for a file read whole while read`)
  return buf.subarray(0, length)
}

/** A file over the whole-file limit that is JSON lines all the same: its first line is a whole value. */
async function startsWithJsonLine(fh: FileHandle, limits: ReplayLimits): Promise<boolean> {
  const head = Buffer.allocUnsafe(MAX_RECORD_BYTES + 1)
  const { bytesRead } = await fh.read(head, 0, head.length, 0)
  const text = head.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '')
  const lines = text.split('\n').slice(0, -1) // the last may be cut short
  const first = lines.find((l) => /\S/.test(l))
  if (first === undefined || nestingDepth(first, limits.maxDepth) > limits.maxDepth) return false
  try {
    const value = JSON.parse(first)
    return value !== null && typeof value === 'object'
  } catch {
    return false
  }
}

/** JSON lines, read line by line: memory holds one line (at most MAX_RECORD_BYTES) and one batch. */
async function replayStream(
  fh: FileHandle,
  gzip: boolean,
  limits: ReplayLimits,
  onBatch: (entries: Entry[]) => Promise<void>,
) {
  const options = { maxDepth: limits.maxDepth }
  let index = 0
  let batch: Entry[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const b = batch
    batch = []
    await onBatch(b)
  }
  try {
    for await (const l of linesOf(fh, gzip, limits.maxStreamBytes)) {
      if (l.text === undefined) batch.push(tooLargeLine(l.bytes, l.line, index++))
      else if (/\S/.test(l.text)) {
        for (const entry of jsonLineEntries(l.text, l.line, index, options)) {
          batch.push(entry)
          index = entry.index + 1
        }
      }
      if (batch.length >= BATCH) await flush()
    }
  } finally {
    await flush()
  }
}

interface Line {
  line: number
  /** Undefined when the line was longer than MAX_RECORD_BYTES (its bytes were counted, not kept). */
  text?: string
  bytes: number
}

async function* linesOf(fh: FileHandle, gzip: boolean, maxStreamBytes: number): AsyncGenerator<Line> {
  const file = fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 })
  const source = gzip ? file.pipe(createGunzip()) : file
  if (gzip) file.on('error', (e) => source.destroy(e))
  let parts: Buffer[] = []
  let size = 0
  let line = 0
  let total = 0
  const text = (): string | undefined => {
    if (size > MAX_RECORD_BYTES) return undefined
    const s = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8')
    return line === 1 && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s
  }
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let budget = chunk.length
      if (gzip && total + chunk.length > maxStreamBytes) budget = maxStreamBytes - total
      total += budget
      let start = 0
      while (start < budget) {
        const nl = chunk.indexOf(0x0a, start)
        const end = nl === -1 || nl >= budget ? budget : nl
        if (size + (end - start) <= MAX_RECORD_BYTES) parts.push(chunk.subarray(start, end))
        else parts = []
        size += end - start
        if (end === budget && nl !== end) break
        line++
        yield { line, text: text(), bytes: size }
        parts = []
        size = 0
        start = end + 1
      }
      if (budget < chunk.length)
        throw new InputError(`decompresses to more than ${maxStreamBytes} bytes; stopped there`)
    }
  } catch (e) {
    if (e instanceof InputError) throw e
    throw new InputError(gzip ? `not readable gzip: ${messageOf(e)}` : fsMessage(e))
  } finally {
    source.destroy()
    file.destroy()
  }
  if (size > 0) {
    line++
    yield { line, text: text(), bytes: size }
  }
}

function fsMessage(e: unknown): string {
  const code = (e as { code?: string })?.code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'ELOOP') return 'too many levels of symbolic links'
  if (code === 'EISDIR') return 'is a directory'
  return messageOf(e)
}

function messageOf(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e)
  } catch {
    return 'unknown error'
  }
}

/**
 * @deprecated The shape bin/cli.ts calls until its replay command moves to runReplay: collects the
 * lines in memory (a file that cannot be read becomes one rejected line) and leaves printing, the
 * summary and exit codes to the caller.
 */
export async function replayOffline(path: string, config: IamwatchConfig): Promise<ReplayLine[]> {
  return collect(path, offlineJudge(config))
}

/** @deprecated As replayOffline, through the full handler path into a findings table. */
export async function replayIntoTable(
  path: string,
  table: string,
  config: IamwatchConfig,
  log: Log,
): Promise<ReplayLine[]> {
  return collect(path, tableJudge(table, { config, log, out: () => {}, err: () => {} }))
}

async function collect(path: string, judge: Judge): Promise<ReplayLine[]> {
  const lines: ReplayLine[] = []
  await replayPaths([path], DEFAULT_REPLAY_LIMITS, judge, {
    file: () => {},
    judged: (batch) => {
      for (const j of batch) lines.push(j.line)
    },
    unreadable: (file, message) =>
      lines.push({ file, index: 0, eventId: null, eventName: null, detections: [], rejected: message }),
  })
  return lines
}
