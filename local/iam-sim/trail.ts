import { randomUUID } from 'node:crypto'
import { type Caller, userIdentity } from './identity.ts'
import { RawXml, type XmlNode, type XmlValue } from './xml.ts'

/** A CloudTrail record as the simulator emits it (a plain JSON object, as CloudTrail delivers it). */
export type TrailRecord = Record<string, unknown>

/** Where CloudTrail records go: the one sink the simulator is given (awaited in order, one at a time). */
export type CloudTrailSink = (record: TrailRecord) => unknown

/** Request parameters CloudTrail never logs (secrets), by their Query-protocol name. */
const SECRET_PARAMETERS = new Set([
  'Password',
  'NewPassword',
  'OldPassword',
  'AuthenticationCode1',
  'AuthenticationCode2',
])
/** Response members CloudTrail leaves out of responseElements (the access key secret, MFA seeds). */
const SECRET_RESPONSE = new Set(['SecretAccessKey', 'Base32StringSeed', 'QRCodePNG'])
/** Query-protocol parameters whose values CloudTrail logs as JSON booleans and numbers. */
const BOOLEAN_PARAMETERS = new Set([
  'PasswordResetRequired',
  'SetAsDefault',
  'RequireSymbols',
  'RequireNumbers',
  'RequireUppercaseCharacters',
  'RequireLowercaseCharacters',
  'AllowUsersToChangePassword',
  'HardExpiry',
])
const NUMBER_PARAMETERS = new Set([
  'MinimumPasswordLength',
  'MaxPasswordAge',
  'PasswordReusePrevention',
  'MaxSessionDuration',
  'DurationSeconds',
])

const camel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1)

function typed(name: string, value: string): unknown {
  if (BOOLEAN_PARAMETERS.has(name)) return value === 'true'
  if (NUMBER_PARAMETERS.has(name) && /^-?\d+$/.test(value)) return Number(value)
  return value
}

/**
 * `requestParameters` as CloudTrail logs an IAM call: the request's parameters with lower-camel names,
 * lists (`Tags.member.1.Key`) as arrays of objects, booleans and numbers typed, secrets left out; null
 * when the call had none (CreateAccessKey for oneself).
 */
export function requestParameters(params: URLSearchParams): Record<string, unknown> | null {
  const out: Record<string, unknown> = {}
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue
    const [name, member, index, field] = key.split('.') as [string, string?, string?, string?]
    if (SECRET_PARAMETERS.has(name)) continue
    if (member === 'member' && index !== undefined) {
      const key = camel(name)
      if (!Array.isArray(out[key])) out[key] = []
      const list = out[key] as unknown[]
      const i = Number(index) - 1
      if (field) list[i] = { ...(list[i] as object | undefined), [camel(field)]: value }
      else list[i] = value
    } else out[camel(name)] = typed(name, value)
  }
  return Object.keys(out).length > 0 ? out : null
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** IAM's dates inside CloudTrail's responseElements: "Aug 1, 2024 1:33:28 PM" (UTC). */
export function trailDate(d: Date): string {
  const h = d.getUTCHours()
  const pad = (n: number) => String(n).padStart(2, '0')
  return (
    `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ` +
    `${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
  )
}

function element(value: XmlValue): unknown {
  if (value === undefined || value === null || value instanceof RawXml) return undefined
  if (value instanceof Date) return trailDate(value)
  if (Array.isArray(value)) return value.map(element)
  if (typeof value === 'object') return elements(value)
  return value
}

function elements(node: XmlNode): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(node)) {
    if (SECRET_RESPONSE.has(name)) continue
    const v = element(value)
    if (v !== undefined) out[camel(name)] = v
  }
  return out
}

/** `responseElements`: the call's result with lower-camel names and CloudTrail's dates, secrets left out; null when empty. */
export function responseElements(result: XmlNode): Record<string, unknown> | null {
  const out = elements(result)
  return Object.keys(out).length > 0 ? out : null
}

/** The errorCode CloudTrail logs for an IAM error: the exception's name (NoSuchEntityException; AccessDenied as is). */
export function trailErrorCode(code: string): string {
  return code.endsWith('Exception') || code === 'AccessDenied' ? code : `${code}Exception`
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

export interface ApiCall {
  caller: Caller
  eventSource: string
  eventName: string
  at: Date
  requestId: string
  sourceIp: string
  userAgent: string
  params: URLSearchParams
  /** The result of a successful call, or the error of a failed one. */
  outcome: { result: XmlNode } | { error: { code: string; message: string } }
  /** Where CloudTrail records it. Default us-east-1 (IAM is global: its events are recorded there). */
  region?: string
  /** The account whose trail receives it. Default: the caller's (an STS AssumeRole: the role's account). */
  recipientAccountId?: string
  /** The resources the call addressed (`resources`, as STS logs the role it assumes). */
  resources?: Array<{ accountId: string; type: string; ARN: string }>
  /** Default false (a write). */
  readOnly?: boolean
}

/** The management event CloudTrail writes for one write API call: the shape of a real record, field for field. */
export function apiCallRecord(call: ApiCall): TrailRecord {
  const failed = 'error' in call.outcome ? call.outcome.error : undefined
  return {
    eventVersion: '1.09',
    userIdentity: userIdentity(call.caller),
    eventTime: isoSeconds(call.at),
    eventSource: call.eventSource,
    eventName: call.eventName,
    // IAM is a global service: CloudTrail records its events in us-east-1.
    awsRegion: call.region ?? 'us-east-1',
    sourceIPAddress: call.sourceIp,
    userAgent: call.userAgent,
    ...(failed ? { errorCode: trailErrorCode(failed.code), errorMessage: failed.message } : {}),
    requestParameters: requestParameters(call.params),
    responseElements: 'result' in call.outcome ? responseElements(call.outcome.result) : null,
    requestID: call.requestId,
    eventID: randomUUID(),
    readOnly: call.readOnly ?? false,
    ...(call.resources ? { resources: call.resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.recipientAccountId ?? call.caller.account.accountId,
    eventCategory: 'Management',
  }
}
