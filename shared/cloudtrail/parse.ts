import { sha256Hex } from '../model/canonical.ts'
import { type Rejection, sanitizeForLog } from '../normalize/rejection.ts'
import type { CloudTrailEvent, Identity } from './event.ts'
import { asObject } from './json.ts'
import { checkRecord, FIELDS, REQUIRED } from './record-check.generated.ts'
import { MAX_TEXT } from './schema-limits.ts'

/** A record that passed the schema (shared/cloudtrail/schema.ts, compiled into record-check.generated.ts). */
type Text = string | number | null | undefined
interface RawRecord {
  eventName: string
  eventSource: string
  eventID?: Text
  eventTime?: Text
  eventType?: Text
  eventCategory?: Text
  awsRegion?: Text
  sourceIPAddress?: Text
  userAgent?: Text
  errorCode?: Text
  errorMessage?: Text
  recipientAccountId?: Text
  readOnly?: boolean | string | null
  userIdentity?: Record<string, unknown> | null
  requestParameters?: unknown
  responseElements?: unknown
  additionalEventData?: unknown
}

/** Why a record failed the schema: the first required field missing, or the first field of the wrong shape. */
function rejectionReason(raw: unknown): string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not a JSON object'
  const o = raw as Record<string, unknown>
  for (const name of REQUIRED) if (o[name] === undefined) return `missing ${name}`
  for (const [name, field] of Object.entries(FIELDS)) {
    if (o[name] !== undefined && !field.check(o[name])) return `${name}: expected ${field.expects}`
  }
  return 'does not match the CloudTrail record schema'
}

export type ParseResult = { ok: true; event: CloudTrailEvent } | { ok: false; rejection: Rejection }

/** Validates and normalizes one record. Never throws: a record it cannot use comes back with the reason. */
export function normalizeRecord(raw: unknown, subject?: string, detailType?: string): ParseResult {
  if (!checkRecord(raw)) {
    const about = subject ?? describeRecord(raw)
    return {
      ok: false,
      rejection: { source: 'cloudtrail', reason: rejectionReason(raw), ...(about ? { subject: about } : {}) },
    }
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
    ...(mfa !== undefined
      ? { mfaAuthenticated: mfa === true || String(primitive(mfa)).toLowerCase() === 'true' }
      : {}),
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
  const part = (x: unknown) => String(primitive(x) ?? '?').slice(0, 200)
  return sanitizeForLog(`${part(r.eventSource)}:${part(r.eventName)}:${part(r.eventID)}`, 200)
}

/** A string or number as it is; anything else (an object whose toString is not a function) as undefined. */
function primitive(x: unknown): string | number | undefined {
  return typeof x === 'string' || typeof x === 'number' ? x : undefined
}
