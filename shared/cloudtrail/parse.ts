import { hash } from 'node:crypto'
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

/**
 * Validates and normalizes one record. Never throws: a record it cannot use comes back with the reason.
 * Its fields are read in one pass and checked by hand as the schema (shared/cloudtrail/schema.ts) says; a
 * record that fails is judged by the compiled schema, which says why (test/cloudtrail/normalize.test.ts
 * checks that the two agree).
 */
export function normalizeRecord(raw: unknown, subject?: string, detailType?: string): ParseResult {
  const event = normalized(raw, subject, detailType)
  return event instanceof Rejected ? { ok: false, rejection: event.rejection } : { ok: true, event }
}

/** Why normalized() could not use a record. */
export class Rejected {
  readonly rejection: Rejection
  constructor(rejection: Rejection) {
    this.rejection = rejection
  }
}

/** normalizeRecord's answer unwrapped, for a caller that wraps it itself: the event, or why there is none. */
export function normalized(raw: unknown, subject?: string, detailType?: string): CloudTrailEvent | Rejected {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return schemaRejection(raw, subject)
  const r = raw as Record<string, unknown>
  let event = fromFields(r, r, detailType, false)
  if (event === FAILS_SCHEMA) {
    if (!checkRecord(raw)) return schemaRejection(raw, subject)
    // fields for...in does not see (not enumerable): as the schema read them
    event = fromFields(looked(r), r, detailType, true)
  }
  if (event === NOT_CLOUDTRAIL) {
    const reason = 'not a CloudTrail record: no eventTime, eventID or userIdentity'
    const about = subject ?? describeRecord(raw)
    return new Rejected({ source: 'cloudtrail', reason, ...(about ? { subject: about } : {}) })
  }
  return event as CloudTrailEvent
}

/** fromFields' answers other than an event: the hand check failed; no eventTime, eventID or userIdentity. */
const FAILS_SCHEMA = 0
const NOT_CLOUDTRAIL = 1

/**
 * The event of a record whose fields are `fields`' (the record itself, or looked() of it): its fields read
 * in one pass over its keys into locals (parsed records come in many shapes, and looking each field up by
 * name costs on every new shape; for...in reads them from the key list, and locals allocate nothing), then
 * checked by hand as the schema says unless `checked`. for...in sees enumerable keys only: looked() reads
 * what it misses. `r` is the record (its delivery key is read from it).
 */
function fromFields(
  fields: object,
  r: Record<string, unknown>,
  detailType: string | undefined,
  checked: boolean,
): CloudTrailEvent | typeof FAILS_SCHEMA | typeof NOT_CLOUDTRAIL {
  const o = fields as Record<string, unknown>
  let eventName: unknown
  let eventSource: unknown
  let eventID: unknown
  let eventTime: unknown
  let eventType: unknown
  let eventCategory: unknown
  let awsRegion: unknown
  let sourceIPAddress: unknown
  let userAgent: unknown
  let errorCode: unknown
  let errorMessage: unknown
  let recipientAccountId: unknown
  let readOnly: unknown
  let userIdentity: unknown
  let requestParameters: unknown
  let responseElements: unknown
  let additionalEventData: unknown
  for (const k in o) {
    switch (k) {
      case 'eventName':
        eventName = o[k]
        break
      case 'eventSource':
        eventSource = o[k]
        break
      case 'eventID':
        eventID = o[k]
        break
      case 'eventTime':
        eventTime = o[k]
        break
      case 'eventType':
        eventType = o[k]
        break
      case 'eventCategory':
        eventCategory = o[k]
        break
      case 'awsRegion':
        awsRegion = o[k]
        break
      case 'sourceIPAddress':
        sourceIPAddress = o[k]
        break
      case 'userAgent':
        userAgent = o[k]
        break
      case 'errorCode':
        errorCode = o[k]
        break
      case 'errorMessage':
        errorMessage = o[k]
        break
      case 'recipientAccountId':
        recipientAccountId = o[k]
        break
      case 'readOnly':
        readOnly = o[k]
        break
      case 'userIdentity':
        userIdentity = o[k]
        break
      case 'requestParameters':
        requestParameters = o[k]
        break
      case 'responseElements':
        responseElements = o[k]
        break
      case 'additionalEventData':
        additionalEventData = o[k]
        break
    }
  }
  // The schema, by hand: eventName and eventSource names, the others absent or of their types.
  if (
    !checked &&
    !(
      isName(eventName) &&
      isServiceHost(eventSource) &&
      isText(eventID) &&
      isText(eventTime) &&
      isText(eventType) &&
      isText(eventCategory) &&
      isText(awsRegion) &&
      isText(sourceIPAddress) &&
      isText(userAgent) &&
      isText(errorCode) &&
      isText(errorMessage) &&
      isText(recipientAccountId) &&
      isFlag(readOnly) &&
      isObjectOrNull(userIdentity) &&
      isDocument(requestParameters) &&
      isDocument(responseElements) &&
      isDocument(additionalEventData)
    )
  )
    return FAILS_SCHEMA
  if (eventTime == null && eventID == null && userIdentity == null) return NOT_CLOUDTRAIL
  const eventId = str(eventID as Text)
  const event: CloudTrailEvent = {
    eventKey: eventId ?? derivedKey(r as unknown as RawRecord),
    eventId,
    eventName: eventName as string,
    eventSource: eventSource as string,
    eventTime: parseTime(str(eventTime as Text)),
    eventType: str(eventType as Text),
    eventCategory: str(eventCategory as Text),
    awsRegion: str(awsRegion as Text),
    sourceIp: str(sourceIPAddress as Text),
    userAgent: str(userAgent as Text),
    errorCode: str(errorCode as Text),
    errorMessage: str(errorMessage as Text),
    recipientAccountId: str(recipientAccountId as Text),
    readOnly: toBool(readOnly as RawRecord['readOnly']),
    identity: identity(userIdentity as Record<string, unknown> | null | undefined),
    requestParameters: asObject(requestParameters),
    responseElements: asObject(responseElements),
    additionalEventData: asObject(additionalEventData),
  }
  if (detailType) event.detailType = detailType
  return event
}

/** The fields the schema reads, as an object of one shape (for records whose fields for...in misses). */
class RecordFields {
  eventName: unknown = undefined
  eventSource: unknown = undefined
  eventID: unknown = undefined
  eventTime: unknown = undefined
  eventType: unknown = undefined
  eventCategory: unknown = undefined
  awsRegion: unknown = undefined
  sourceIPAddress: unknown = undefined
  userAgent: unknown = undefined
  errorCode: unknown = undefined
  errorMessage: unknown = undefined
  recipientAccountId: unknown = undefined
  readOnly: unknown = undefined
  userIdentity: unknown = undefined
  requestParameters: unknown = undefined
  responseElements: unknown = undefined
  additionalEventData: unknown = undefined
}

/** A record's fields looked up by name, as the compiled schema reads them (each an own enumerable field). */
function looked(r: Record<string, unknown>): RecordFields {
  const f = new RecordFields()
  for (const k of Object.keys(f) as Array<keyof RecordFields>) f[k] = r[k]
  return f
}

/** Whether a record passes the schema as normalizeRecord checks it (for tests: it must agree with checkRecord). */
export const acceptsRecord = (raw: unknown): boolean =>
  !!raw &&
  typeof raw === 'object' &&
  !Array.isArray(raw) &&
  fromFields(raw, raw as Record<string, unknown>, undefined, false) !== FAILS_SCHEMA

function schemaRejection(raw: unknown, subject: string | undefined): Rejected {
  const about = subject ?? describeRecord(raw)
  return new Rejected({
    source: 'cloudtrail',
    reason: rejectionReason(raw),
    ...(about ? { subject: about } : {}),
  })
}

const str = (x: Text) => (x === null || x === undefined || x === '' ? undefined : String(x))

/**
 * Names and hosts already found valid (bounded): a stream repeats a few hundred of them, and a lookup hashes
 * the string, which the detections' index then reuses.
 */
const VALID_NAMES = new Set<string>()
const VALID_HOSTS = new Set<string>()
const MAX_REMEMBERED = 4096

function remember(set: Set<string>, s: string): true {
  if (set.size >= MAX_REMEMBERED) set.clear()
  set.add(s)
  return true
}

/** eventName: 1 to 128 characters of [A-Za-z0-9_.:-]. */
function isName(x: unknown): boolean {
  if (typeof x !== 'string') return false
  if (VALID_NAMES.has(x)) return true
  if (x.length < 1 || x.length > 128) return false
  for (let i = 0; i < x.length; i++) {
    const c = x.charCodeAt(i)
    const ok =
      (c >= 0x61 && c <= 0x7a) || // a-z
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x30 && c <= 0x3a) || // 0-9 :
      c === 0x5f || // _
      c === 0x2e || // .
      c === 0x2d // -
    if (!ok) return false
  }
  return remember(VALID_NAMES, x)
}

/** eventSource: 1 to 128 characters of [a-z0-9.-]. */
function isServiceHost(x: unknown): boolean {
  if (typeof x !== 'string') return false
  if (VALID_HOSTS.has(x)) return true
  if (x.length < 1 || x.length > 128) return false
  for (let i = 0; i < x.length; i++) {
    const c = x.charCodeAt(i)
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d)) return false
  }
  return remember(VALID_HOSTS, x)
}

/** Absent, or a string of at most MAX_TEXT characters, a finite number, or null. */
const isText = (x: unknown) =>
  x === undefined || x === null || (typeof x === 'string' ? x.length <= MAX_TEXT : Number.isFinite(x))
/** Absent, or a boolean, a string or null. */
const isFlag = (x: unknown) =>
  x === undefined || x === null || typeof x === 'boolean' || typeof x === 'string'
/** Absent, or an object (not an array) or null. */
const isObjectOrNull = (x: unknown) =>
  x === undefined || x === null || (typeof x === 'object' && !Array.isArray(x))
/** Absent, or an object, an array, a string or null. */
const isDocument = (x: unknown) =>
  x === undefined || x === null || typeof x === 'object' || typeof x === 'string'

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
  // sha256 hex, as model/canonical's sha256Hex gives it, in one call (half the time of a Hash object)
  return `derived:${hash('sha256', JSON.stringify(parts)).slice(0, 32)}`
}

const DATA_LAKE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/

function parseTime(raw: string | null | undefined): Date | undefined {
  if (!raw) return undefined
  const fast = plainTime(raw)
  if (fast !== undefined) return new Date(fast)
  const m = raw.length > 10 && raw[10] === ' ' ? DATA_LAKE_TIME.exec(raw) : null
  const iso = m ? `${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}Z` : raw
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * CloudTrail's own form, `YYYY-MM-DDThh:mm:ssZ`, and the data lake's, `YYYY-MM-DD hh:mm:ss[.f...]` (UTC, its
 * fraction read to the millisecond), read without the general date parser: the time in ms, or undefined for
 * anything else (left to the general path). Only fields in their plain ranges are read here (years from 1000,
 * days to 31, hours to 23), and a day past its month's end runs into the next as with Date, so the answer is
 * the one the general path gives (tested against it).
 */
function plainTime(t: string): number | undefined {
  const n = t.length
  if (n < 19) return undefined
  let ms = 0
  const separator = t.charCodeAt(10)
  if (separator === 0x54) {
    // T: CloudTrail's form, seconds and Z
    if (n !== 20 || t.charCodeAt(19) !== 0x5a) return undefined
  } else if (separator === 0x20) {
    // a space: the data lake's form, maybe a fraction of one or more digits, of which three are read
    if (n > 19) {
      if (n === 20 || t.charCodeAt(19) !== 0x2e) return undefined
      for (let i = 20; i < n; i++) {
        const d = t.charCodeAt(i) - 0x30
        if (d < 0 || d > 9) return undefined
        if (i === 20) ms += d * 100
        else if (i === 21) ms += d * 10
        else if (i === 22) ms += d
      }
    }
  } else return undefined
  if (t.charCodeAt(4) !== 0x2d || t.charCodeAt(7) !== 0x2d) return undefined
  if (t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a) return undefined
  const year = digits(t, 0, 4)
  const month = digits(t, 5, 2)
  const day = digits(t, 8, 2)
  const hour = digits(t, 11, 2)
  const minute = digits(t, 14, 2)
  const second = digits(t, 17, 2)
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return undefined
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), by plain arithmetic (no Date call). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The number written by `n` decimal digits at `at`; -1 when one of them is not a digit. */
function digits(t: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const d = t.charCodeAt(i) - 0x30
    if (d < 0 || d > 9) return -1
    v = v * 10 + d
  }
  return v
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

/**
 * userIdentity with its keys matched case-insensitively (some pipelines lower-case them). Each level is read
 * as CloudTrail spells its keys when every key is spelled so (one for...in pass into locals, nothing
 * allocated), else case-insensitively, the last of two spellings winning.
 */
function identity(raw: Record<string, unknown> | null | undefined): Identity {
  if (!raw) return {}
  let type: unknown
  let principalId: unknown
  let arn: unknown
  let accountId: unknown
  let userName: unknown
  let invokedBy: unknown
  let accessKeyId: unknown
  let sessionContext: unknown
  for (const k in raw) {
    switch (k) {
      case 'type':
        type = raw[k]
        break
      case 'principalId':
        principalId = raw[k]
        break
      case 'arn':
        arn = raw[k]
        break
      case 'accountId':
        accountId = raw[k]
        break
      case 'userName':
        userName = raw[k]
        break
      case 'invokedBy':
        invokedBy = raw[k]
        break
      case 'accessKeyId':
        accessKeyId = raw[k]
        break
      case 'sessionContext':
        sessionContext = raw[k]
        break
      default:
        if (!IDENTITY_KEYS.has(k)) return identityOf(caseInsensitive(raw))
    }
  }
  const out: Identity = {
    type: bounded(type),
    principalId: bounded(principalId),
    arn: bounded(arn),
    accountId: bounded(accountId),
    userName: bounded(userName),
    invokedBy: bounded(invokedBy),
    accessKeyId: bounded(accessKeyId),
  }
  if (isNested(sessionContext)) sessionInto(out, sessionContext as Record<string, unknown>)
  return out
}

/** The session's issuer and MFA flag read from userIdentity.sessionContext into `out`. */
function sessionInto(out: Identity, context: Record<string, unknown>): void {
  let sessionIssuer: unknown
  let attributes: unknown
  for (const k in context) {
    if (k === 'sessionIssuer') sessionIssuer = context[k]
    else if (k === 'attributes') attributes = context[k]
    else if (k !== 'webIdFederationData' && k !== 'sourceIdentity' && !IDENTITY_KEYS.has(k)) {
      const f = caseInsensitive(context)
      sessionIssuer = f.sessionIssuer
      attributes = f.attributes
      break
    }
  }
  if (isNested(sessionIssuer)) out.issuer = issuerOf(sessionIssuer as Record<string, unknown>)
  if (isNested(attributes)) {
    const mfa = mfaOf(attributes as Record<string, unknown>)
    if (mfa !== undefined) out.mfaAuthenticated = isTrue(mfa)
  }
}

/** true, or a string that is `true` in any case (CloudTrail writes "true" and "false"). */
const isTrue = (x: unknown) =>
  x === true || x === 'true' || (typeof x === 'string' && x !== 'false' && x.toLowerCase() === 'true')

function issuerOf(o: Record<string, unknown>): NonNullable<Identity['issuer']> {
  let type: unknown
  let arn: unknown
  let accountId: unknown
  let userName: unknown
  for (const k in o) {
    switch (k) {
      case 'type':
        type = o[k]
        break
      case 'arn':
        arn = o[k]
        break
      case 'accountId':
        accountId = o[k]
        break
      case 'userName':
        userName = o[k]
        break
      case 'principalId':
        break
      default:
        if (!IDENTITY_KEYS.has(k)) {
          const f = caseInsensitive(o)
          return {
            type: stringOnly(f.type),
            arn: stringOnly(f.arn),
            accountId: stringOnly(f.accountId),
            userName: stringOnly(f.userName),
          }
        }
    }
  }
  return {
    type: stringOnly(type),
    arn: stringOnly(arn),
    accountId: stringOnly(accountId),
    userName: stringOnly(userName),
  }
}

function mfaOf(o: Record<string, unknown>): unknown {
  let mfa: unknown
  for (const k in o) {
    if (k === 'mfaAuthenticated') mfa = o[k]
    else if (k !== 'creationDate' && !IDENTITY_KEYS.has(k)) return caseInsensitive(o).mfaAuthenticated
  }
  return mfa
}

/** The identity of fields read case-insensitively: as identity() gives it (the general path). */
function identityOf(id: IdentityFields): Identity {
  const context = nested(id.sessionContext)
  const issuer = context && nested(context.sessionIssuer)
  const attributes = context && nested(context.attributes)
  const mfa = attributes?.mfaAuthenticated
  const out: Identity = {
    type: bounded(id.type),
    principalId: bounded(id.principalId),
    arn: bounded(id.arn),
    accountId: bounded(id.accountId),
    userName: bounded(id.userName),
    invokedBy: bounded(id.invokedBy),
    accessKeyId: bounded(id.accessKeyId),
  }
  if (issuer)
    out.issuer = {
      type: stringOnly(issuer.type),
      arn: stringOnly(issuer.arn),
      accountId: stringOnly(issuer.accountId),
      userName: stringOnly(issuer.userName),
    }
  if (mfa !== undefined) out.mfaAuthenticated = isTrue(mfa)
  return out
}

const isNested = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x)

/** A string (cut to MAX_TEXT), or a number as its digits; anything else is absent. */
function bounded(x: unknown): string | undefined {
  if (typeof x === 'string') return x.length > MAX_TEXT ? x.slice(0, MAX_TEXT) : x
  return typeof x === 'number' ? String(x) : undefined
}

const stringOnly = (x: unknown) => (typeof x === 'string' ? x : undefined)

/** The fields of userIdentity and its nested objects that are read (each level has some of them). */
class IdentityFields {
  type: unknown = undefined
  principalId: unknown = undefined
  arn: unknown = undefined
  accountId: unknown = undefined
  userName: unknown = undefined
  invokedBy: unknown = undefined
  accessKeyId: unknown = undefined
  sessionContext: unknown = undefined
  sessionIssuer: unknown = undefined
  attributes: unknown = undefined
  mfaAuthenticated: unknown = undefined
}

const nested = (x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? identityFields(x as Record<string, unknown>) : undefined

/**
 * The fields of one level of userIdentity: read as CloudTrail spells them when every key is spelled so (one
 * for...in pass, as for the record), else case-insensitively, the last of two spellings winning.
 */
function identityFields(o: Record<string, unknown>): IdentityFields {
  const f = new IdentityFields()
  for (const k in o) {
    switch (k) {
      case 'type':
        f.type = o[k]
        break
      case 'principalId':
        f.principalId = o[k]
        break
      case 'arn':
        f.arn = o[k]
        break
      case 'accountId':
        f.accountId = o[k]
        break
      case 'userName':
        f.userName = o[k]
        break
      case 'invokedBy':
        f.invokedBy = o[k]
        break
      case 'accessKeyId':
        f.accessKeyId = o[k]
        break
      case 'sessionContext':
        f.sessionContext = o[k]
        break
      case 'sessionIssuer':
        f.sessionIssuer = o[k]
        break
      case 'attributes':
        f.attributes = o[k]
        break
      case 'mfaAuthenticated':
        f.mfaAuthenticated = o[k]
        break
      default:
        if (!IDENTITY_KEYS.has(k)) return caseInsensitive(o)
    }
  }
  return f
}

/** The fields read from the object's own keys lower-cased (a key spelled twice: the last one). */
function caseInsensitive(o: Record<string, unknown>): IdentityFields {
  const keys = Object.keys(o)
  const f = new IdentityFields()
  // for...in also sees inherited keys: when the own ones are all spelled as CloudTrail does, read them so.
  let spelled = true
  for (const k of keys)
    if (!IDENTITY_KEYS.has(k)) {
      spelled = false
      break
    }
  if (spelled) {
    for (const k of FIELD_NAMES) f[k] = o[k]
    return f
  }
  for (const k of keys) {
    const field = BY_LOWER_CASE.get(k.toLowerCase())
    if (field !== undefined) f[field] = o[k]
  }
  return f
}

const FIELD_NAMES = Object.keys(new IdentityFields()) as Array<keyof IdentityFields>
/** The fields by their names lower-cased. */
const BY_LOWER_CASE = new Map(FIELD_NAMES.map((k) => [k.toLowerCase(), k]))

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
