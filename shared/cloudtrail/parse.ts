import * as v from 'valibot'
import { canonicalJson, sha256Hex } from '../model/canonical.ts'
import { type Rejection, sanitizeForLog } from '../normalize/rejection.ts'
import type { CloudTrailEvent, Identity } from './event.ts'

/**
 * The tolerant CloudTrail schema (valibot). Required: eventName and eventSource, as names. Everything
 * else is optional and may come in the odd shapes real pipelines produce: strings for booleans and
 * numbers for account ids, JSON documents as strings, lower-cased identity keys, non-ISO times.
 */
const MAX_TEXT = 8192
const name = (max: number) =>
  v.pipe(v.string(), v.nonEmpty(), v.maxLength(max), v.regex(/^[A-Za-z0-9_.:-]+$/))
const text = v.optional(
  v.nullable(v.pipe(v.union([v.string(), v.number()]), v.transform(String), v.maxLength(MAX_TEXT))),
)
const bool = v.optional(v.nullable(v.union([v.boolean(), v.string()])))
const doc = v.optional(
  v.nullable(v.union([v.record(v.string(), v.unknown()), v.string(), v.array(v.unknown())])),
)

const RecordSchema = v.looseObject({
  eventName: name(128),
  eventSource: v.pipe(v.string(), v.nonEmpty(), v.maxLength(128), v.regex(/^[a-z0-9.-]+$/)),
  eventID: text,
  eventTime: text,
  eventType: text,
  eventCategory: text,
  awsRegion: text,
  sourceIPAddress: text,
  userAgent: text,
  errorCode: text,
  errorMessage: text,
  recipientAccountId: text,
  readOnly: bool,
  userIdentity: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  requestParameters: doc,
  responseElements: doc,
  additionalEventData: doc,
})

export type ParseResult = { ok: true; event: CloudTrailEvent } | { ok: false; rejection: Rejection }

/** Validates and normalizes one record. Never throws: a record it cannot use comes back with the reason. */
export function normalizeRecord(raw: unknown, subject?: string, detailType?: string): ParseResult {
  const result = v.safeParse(RecordSchema, raw)
  if (!result.success) {
    const issue = result.issues[0]!
    const path = v.getDotPath(issue) ?? '(record)'
    const reason =
      issue.input === undefined
        ? `missing ${path}`
        : `${path}: ${issue.message.replace(/ but received .*/, '')}`
    return { ok: false, rejection: { source: 'cloudtrail', reason, ...(subject ? { subject } : {}) } }
  }
  const r = result.output
  if (r.eventTime == null && r.eventID == null && r.userIdentity == null) {
    const reason = 'not a CloudTrail record: no eventTime, eventID or userIdentity'
    return { ok: false, rejection: { source: 'cloudtrail', reason, ...(subject ? { subject } : {}) } }
  }
  const str = (x: string | null | undefined) => (x === null || x === undefined || x === '' ? undefined : x)
  const eventId = str(r.eventID)
  const event: CloudTrailEvent = {
    eventKey: eventId ?? `sha256:${sha256Hex(canonicalJson(raw)).slice(0, 32)}`,
    eventId,
    eventName: r.eventName,
    eventSource: r.eventSource,
    eventTime: parseTime(r.eventTime),
    eventType: str(r.eventType),
    eventCategory: str(r.eventCategory),
    awsRegion: str(r.awsRegion),
    sourceIp: str(r.sourceIPAddress),
    userAgent: str(r.userAgent),
    errorCode: str(r.errorCode),
    errorMessage: str(r.errorMessage),
    recipientAccountId: str(r.recipientAccountId),
    readOnly: toBool(r.readOnly),
    identity: identity(r.userIdentity),
    requestParameters: asObject(r.requestParameters),
    responseElements: asObject(r.responseElements),
    additionalEventData: asObject(r.additionalEventData),
    ...(detailType ? { detailType } : {}),
  }
  return { ok: true, event }
}

const DATA_LAKE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/

function parseTime(raw: string | null | undefined): Date | undefined {
  if (!raw) return undefined
  const m = DATA_LAKE_TIME.exec(raw)
  const iso = m ? `${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}Z` : raw
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function toBool(raw: boolean | string | null | undefined): boolean | undefined {
  if (typeof raw === 'boolean') return raw
  if (typeof raw === 'string') {
    const s = raw.toLowerCase()
    if (s === 'true' || s === 'yes') return true
    if (s === 'false' || s === 'no') return false
  }
  return undefined
}

/** Policy documents and other nested JSON sometimes arrive as strings (and IAM's as URL-encoded strings). */
export function asObject(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>
  if (typeof raw === 'string') {
    const parsed = parseJsonDocument(raw)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  }
  return {}
}

/** Parses a JSON document given as a string, URL-encoded or not; undefined when it is neither. */
export function parseJsonDocument(raw: string): unknown {
  for (const candidate of [raw, safeDecode(raw)]) {
    if (candidate === undefined) continue
    try {
      return JSON.parse(candidate)
    } catch {
      // try the next form
    }
  }
  return undefined
}

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

/** userIdentity with its keys matched case-insensitively (some pipelines lower-case them). */
function identity(raw: Record<string, unknown> | null | undefined): Identity {
  if (!raw) return {}
  const get = lowerKeys(raw)
  const s = (k: string) => {
    const x = get(k)
    return typeof x === 'string' || typeof x === 'number' ? String(x).slice(0, MAX_TEXT) : undefined
  }
  const context = asLower(get('sessioncontext'))
  const issuer = asLower(context?.('sessionissuer'))
  const attributes = asLower(context?.('attributes'))
  const issuerStr = (k: string) => {
    const x = issuer?.(k)
    return typeof x === 'string' ? x : undefined
  }
  const mfa = attributes?.('mfaauthenticated')
  return {
    type: s('type'),
    principalId: s('principalid'),
    arn: s('arn'),
    accountId: s('accountid'),
    userName: s('username'),
    invokedBy: s('invokedby'),
    accessKeyId: s('accesskeyid'),
    ...(issuer
      ? {
          issuer: {
            type: issuerStr('type'),
            arn: issuerStr('arn'),
            accountId: issuerStr('accountid'),
            userName: issuerStr('username'),
          },
        }
      : {}),
    ...(mfa !== undefined ? { mfaAuthenticated: String(mfa).toLowerCase() === 'true' } : {}),
  }
}

function lowerKeys(o: Record<string, unknown>): (key: string) => unknown {
  const map = new Map(Object.entries(o).map(([k, val]) => [k.toLowerCase(), val]))
  return (key) => map.get(key)
}

function asLower(x: unknown): ((key: string) => unknown) | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? lowerKeys(x as Record<string, unknown>) : undefined
}

export function describeRecord(raw: unknown): string | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const r = raw as Record<string, unknown>
  return sanitizeForLog(`${r.eventSource ?? '?'}:${r.eventName ?? '?'}:${r.eventID ?? '?'}`, 200)
}
