import type { CloudTrailEvent } from '../cloudtrail/event.ts'

/** Sign-in events report their outcome in responseElements[eventName] ("Success" / "Failure"). */
export function signinResult(e: CloudTrailEvent): 'Success' | 'Failure' | undefined {
  const value = e.responseElements[e.eventName]
  return value === 'Success' || value === 'Failure' ? value : undefined
}

/** Success: no errorCode, and for sign-in events a "Success" outcome (catalog B1.2, B1.4). */
export function succeeded(e: CloudTrailEvent): boolean {
  if (e.errorCode) return false
  if (e.eventSource === 'signin.amazonaws.com') return signinResult(e) === 'Success'
  return true
}

export const isRoot = (e: CloudTrailEvent) => e.identity.type === 'Root'

const CONSOLE_INVOKERS = new Set(['signin.amazonaws.com', 'console.amazonaws.com'])

/** An AWS service acting for the caller (not the console, which is the caller itself: B1.3). */
export function invokedByService(e: CloudTrailEvent): boolean {
  const by = e.identity.invokedBy
  return by !== undefined && !CONSOLE_INVOKERS.has(by)
}

export const isAwsServiceCaller = (e: CloudTrailEvent) =>
  e.identity.type === 'AWSService' || invokedByService(e)

/** The caller's IAM user name; a root or role session has none, so every target user is another user (B1.5). */
export function callerUserName(e: CloudTrailEvent): string | undefined {
  return e.identity.type === 'IAMUser' ? e.identity.userName : undefined
}

/** Root acting on itself: no target user, or IAM's placeholder "AWS ROOT USER" (B1.6). */
export function rootTargetsItself(e: CloudTrailEvent): boolean {
  const target = e.requestParameters.userName
  return target === undefined || target === null || target === 'AWS ROOT USER'
}

export const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS'

/** A stable principal key: the ARN, else type/account/name, so grouping works on partial records. */
export function principalOf(e: CloudTrailEvent): string {
  const i = e.identity
  if (i.userName === HIDDEN_USER)
    return `unknown-user:${i.accountId ?? e.recipientAccountId ?? '?'}:${e.sourceIp ?? '?'}`
  if (i.arn) return i.arn
  if (i.type === 'Root') return `root:${i.accountId ?? e.recipientAccountId ?? '?'}`
  return `${i.type ?? 'unknown'}:${i.accountId ?? e.recipientAccountId ?? '?'}:${i.userName ?? i.principalId ?? '?'}`
}

export function accountOfArn(arn: unknown): string | undefined {
  if (typeof arn !== 'string') return undefined
  return /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d+):/.exec(arn)?.[1]
}

/** The account acted in: recipientAccountId, or for AssumeRole the role's account (B1.7). */
export function targetAccount(e: CloudTrailEvent): string | undefined {
  return e.recipientAccountId ?? accountOfArn(e.requestParameters.roleArn)
}

export const str = (x: unknown): string | undefined => (typeof x === 'string' && x.length > 0 ? x : undefined)

const API_VERSION = /^(.+?)\d{8}(?:v\d+)?$/

/**
 * The API an eventName records, without the API-version suffix some services append (Lambda:
 * `PutFunctionConcurrency20171031` -> `PutFunctionConcurrency`; catalog section C). Other names are unchanged.
 */
export function apiName(eventName: string): string {
  return API_VERSION.exec(eventName)?.[1] ?? eventName
}

/**
 * The match of a detection that fires on every successful call of some events of one service: the source
 * and name are checked again here, so the detection stays right whoever calls it.
 */
export function successfulCallOf(source: string, names: ReadonlySet<string>) {
  return (e: CloudTrailEvent): Record<string, never> | null =>
    e.eventSource === source && names.has(e.eventName) && succeeded(e) ? {} : null
}
