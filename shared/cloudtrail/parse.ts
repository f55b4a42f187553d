import { type Static, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { sha256Hex } from '../model/canonical.ts'
import { type Rejection, sanitizeForLog } from '../normalize/rejection.ts'
import type { CloudTrailEvent, Identity } from './event.ts'
import { asObject } from './json.ts'

/**
 * The tolerant CloudTrail schema, compiled once to a JIT validator (TypeBox's TypeCompiler: this runs
 * on every event, where an interpreted schema costs more than JSON.parse itself). Required: eventName
 * and eventSource, as names. Everything else is optional and may come in the odd shapes real pipelines
 * produce: strings for booleans, numbers for account ids, JSON documents as strings, lower-cased
 * identity keys, non-ISO times. Strings are bounded, so absurd sizes are rejected.
 */
const MAX_TEXT = 8192
const text = Type.Optional(Type.Union([Type.String({ maxLength: MAX_TEXT }), Type.Number(), Type.Null()]))
const doc = Type.Optional(
  Type.Union([Type.Object({}), Type.Array(Type.Unknown()), Type.String(), Type.Null()]),
)

const RecordSchema = Type.Object({
  eventName: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
  eventSource: Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-z0-9.-]+$' }),
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
  readOnly: Type.Optional(Type.Union([Type.Boolean(), Type.String(), Type.Null()])),
  userIdentity: Type.Optional(Type.Union([Type.Object({}), Type.Null()])),
  requestParameters: doc,
  responseElements: doc,
  additionalEventData: doc,
})
type RawRecord = Static<typeof RecordSchema>
const checkRecord = TypeCompiler.Compile(RecordSchema)

export type ParseResult = { ok: true; event: CloudTrailEvent } | { ok: false; rejection: Rejection }

/** Validates and normalizes one record. Never throws: a record it cannot use comes back with the reason. */
export function normalizeRecord(raw: unknown, subject?: string, detailType?: string): ParseResult {
  if (!checkRecord.Check(raw)) {
    const issue = checkRecord.Errors(raw).First()
    const path = issue?.path.replace(/^\//, '').replaceAll('/', '.') || '(record)'
    const reason = issue?.value === undefined ? `missing ${path}` : `${path}: ${issue.message}`
    const about = subject ?? describeRecord(raw)
    return { ok: false, rejection: { source: 'cloudtrail', reason, ...(about ? { subject: about } : {}) } }
  }
  const r = raw as RawRecord
  if (r.eventTime == null && r.eventID == null && r.userIdentity == null) {
    const reason = 'not a CloudTrail record: no eventTime, eventID or userIdentity'
    const about = subject ?? describeRecord(raw)
    return { ok: false, rejection: { source: 'cloudtrail', reason, ...(about ? { subject: about } : {}) } }
  }
  const str = (x: string | number | null | undefined) =>
    x === null || x === undefined || x === '' ? undefined : String(x)
  const eventId = str(r.eventID)
  const event: CloudTrailEvent = {
    eventKey: eventId ?? derivedKey(r),
    eventId,
    eventName: r.eventName,
    eventSource: r.eventSource,
    eventTime: parseTime(str(r.eventTime)),
    eventType: str(r.eventType),
    eventCategory: str(r.eventCategory),
    awsRegion: str(r.awsRegion),
    sourceIp: str(r.sourceIPAddress),
    userAgent: str(r.userAgent),
    errorCode: str(r.errorCode),
    errorMessage: str(r.errorMessage),
    recipientAccountId: str(r.recipientAccountId),
    readOnly: toBool(r.readOnly),
    identity: identity(r.userIdentity as Record<string, unknown> | null | undefined),
    requestParameters: asObject(r.requestParameters),
    responseElements: asObject(r.responseElements),
    additionalEventData: asObject(r.additionalEventData),
    ...(detailType ? { detailType } : {}),
  }
  return { ok: true, event }
}

/**
 * A delivery key for a record without an eventID: the fields that identify one API request, hashed.
 * Two deliveries of the same record share it.
 */
function derivedKey(r: RawRecord): string {
  const id = r.userIdentity as Record<string, unknown> | null | undefined
  const parts = [
    r.eventSource,
    r.eventName,
    r.eventTime,
    r.sourceIPAddress,
    (r as { requestID?: unknown }).requestID,
    id?.arn,
    id?.principalId,
  ]
  return `derived:${sha256Hex(JSON.stringify(parts)).slice(0, 32)}`
}

const DATA_LAKE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/

function parseTime(raw: string | null | undefined): Date | undefined {
  if (!raw) return undefined
  const m = raw.length > 10 && raw[10] === ' ' ? DATA_LAKE_TIME.exec(raw) : null
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

/** userIdentity with its keys matched case-insensitively (some pipelines lower-case them). */
function identity(raw: Record<string, unknown> | null | undefined): Identity {
  if (!raw) return {}
  const get = keyReader(raw)
  const s = (k: string) => {
    const x = get(k)
    if (typeof x === 'string') return x.length > MAX_TEXT ? x.slice(0, MAX_TEXT) : x
    return typeof x === 'number' ? String(x) : undefined
  }
  const context = asReader(get('sessionContext'))
  const issuer = asReader(context?.('sessionIssuer'))
  const attributes = asReader(context?.('attributes'))
  const issuerStr = (k: string) => {
    const x = issuer?.(k)
    return typeof x === 'string' ? x : undefined
  }
  const mfa = attributes?.('mfaAuthenticated')
  return {
    type: s('type'),
    principalId: s('principalId'),
    arn: s('arn'),
    accountId: s('accountId'),
    userName: s('userName'),
    invokedBy: s('invokedBy'),
    accessKeyId: s('accessKeyId'),
    ...(issuer
      ? {
          issuer: {
            type: issuerStr('type'),
            arn: issuerStr('arn'),
            accountId: issuerStr('accountId'),
            userName: issuerStr('userName'),
          },
        }
      : {}),
    ...(mfa !== undefined ? { mfaAuthenticated: String(mfa).toLowerCase() === 'true' } : {}),
  }
}

/** The keys CloudTrail writes in userIdentity and its nested objects, spelled as it spells them. */
const IDENTITY_KEYS = new Set([
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
  'sessionContext',
  'identityProvider',
  'credentialId',
  'onBehalfOf',
  'inScopeOf',
  'attributes',
  'sessionIssuer',
  'webIdFederationData',
  'sourceIdentity',
  'ec2RoleDelivery',
  'mfaAuthenticated',
  'creationDate',
  'assumedRoot',
  'userId',
  'identityStoreArn',
  'federatedProvider',
])

/** Reads keys as CloudTrail spells them; an object with other spellings is read case-insensitively. */
function keyReader(o: Record<string, unknown>): (key: string) => unknown {
  const keys = Object.keys(o)
  if (keys.every((k) => IDENTITY_KEYS.has(k))) return (key) => o[key]
  const lower = new Map(keys.map((k) => [k.toLowerCase(), o[k]]))
  return (key) => lower.get(key.toLowerCase())
}

function asReader(x: unknown): ((key: string) => unknown) | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? keyReader(x as Record<string, unknown>) : undefined
}

export function describeRecord(raw: unknown): string | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const r = raw as Record<string, unknown>
  return sanitizeForLog(`${r.eventSource ?? '?'}:${r.eventName ?? '?'}:${r.eventID ?? '?'}`, 200)
}
