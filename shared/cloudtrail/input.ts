import { gunzipSync } from 'node:zlib'
import type { Rejection } from '../normalize/rejection.ts'
import type { CloudTrailEvent } from './event.ts'
import { normalizeRecord } from './parse.ts'

export const MAX_RECORD_BYTES = 256 * 1024
export const MAX_FILE_BYTES = 64 * 1024 * 1024
const NOT_JSON = Symbol('not JSON')

export interface Parsed {
  events: CloudTrailEvent[]
  rejections: Rejection[]
}

const CLOUDTRAIL_DETAIL_TYPES = new Set([
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
])

/**
 * Everything CloudTrail can arrive as: a bare record, an EventBridge envelope, a log file
 * ({"Records": [...]}), an array of any of those, or JSON lines; gzip or not. One bad record is
 * rejected with its reason; the others still come through.
 */
export function parseCloudTrail(input: string | Uint8Array | unknown): Parsed {
  const out: Parsed = { events: [], rejections: [] }
  if (input instanceof Uint8Array) {
    let bytes = input
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES })
      } catch (err) {
        out.rejections.push({ source: 'cloudtrail', reason: `not readable gzip: ${(err as Error).message}` })
        return out
      }
    }
    return parseCloudTrail(new TextDecoder().decode(bytes))
  }
  if (typeof input !== 'string') {
    // Parsed objects come from the platform (EventBridge, Lambda), which caps events at 256 KB.
    collect(input, out, undefined, true)
    return out
  }
  if (input.length > MAX_FILE_BYTES) {
    out.rejections.push({
      source: 'cloudtrail',
      reason: `input of ${input.length} bytes exceeds ${MAX_FILE_BYTES}`,
    })
    return out
  }
  let doc: unknown = NOT_JSON
  try {
    doc = JSON.parse(input) // tolerates surrounding whitespace: no trim, which would copy the text
  } catch {
    // not one JSON document: JSON lines below
  }
  if (doc !== NOT_JSON) {
    // A document under the record limit cannot hold an oversized record: skip the size walk.
    collect(doc, out, undefined, input.length <= MAX_RECORD_BYTES)
    return out
  }
  for (const [i, line] of input.split('\n').entries()) {
    if (!line.trim()) continue
    if (line.length > MAX_RECORD_BYTES) {
      out.rejections.push({
        source: 'cloudtrail',
        line: i + 1,
        reason: `record of ${line.length} bytes exceeds ${MAX_RECORD_BYTES}`,
      })
      continue
    }
    try {
      collect(JSON.parse(line), out, i + 1, true)
    } catch (err) {
      out.rejections.push({
        source: 'cloudtrail',
        line: i + 1,
        reason: `not JSON: ${(err as Error).message.slice(0, 120)}`,
      })
    }
  }
  return out
}

function collect(doc: unknown, out: Parsed, line?: number, sizeKnownSmall = false): void {
  const at = line ? { line } : {}
  if (Array.isArray(doc)) {
    for (const item of doc) collect(item, out, line, sizeKnownSmall)
    return
  }
  if (!doc || typeof doc !== 'object') {
    out.rejections.push({ source: 'cloudtrail', ...at, reason: 'not a JSON object' })
    return
  }
  const o = doc as Record<string, unknown>
  if (Array.isArray(o.Records)) {
    for (const record of o.Records) collect(record, out, line, sizeKnownSmall)
    return
  }
  let record: unknown = o
  let detailType: string | undefined
  if ('detail-type' in o && 'detail' in o) {
    detailType = String(o['detail-type'])
    if (!CLOUDTRAIL_DETAIL_TYPES.has(detailType)) {
      out.rejections.push({
        source: 'cloudtrail',
        ...at,
        reason: `EventBridge event is not from CloudTrail: ${detailType.slice(0, 80)}`,
      })
      return
    }
    record = o.detail
  }
  const size = sizeKnownSmall ? 0 : roughSize(record)
  if (size > MAX_RECORD_BYTES) {
    out.rejections.push({
      source: 'cloudtrail',
      ...at,
      reason: `record of about ${size} bytes exceeds ${MAX_RECORD_BYTES}`,
    })
    return
  }
  const result = normalizeRecord(record, undefined, detailType)
  if (result.ok) out.events.push(result.event)
  else out.rejections.push({ ...result.rejection, ...at })
}

/** A cheap upper bound of a parsed record's JSON size, without serializing it. */
function roughSize(value: unknown, budget = MAX_RECORD_BYTES + 1): number {
  let size = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && size < budget) {
    const x = stack.pop()
    if (typeof x === 'string') size += x.length + 2
    else if (x && typeof x === 'object') {
      for (const [k, val] of Object.entries(x)) {
        size += k.length + 4
        stack.push(val)
      }
    } else size += 6
  }
  return size
}
