import { randomUUID } from 'node:crypto'
import type { CloudTrailEvent } from '../../shared/cloudtrail/event.ts'
import { normalizeRecord } from '../../shared/cloudtrail/parse.ts'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { detect } from '../../shared/detections/engine.ts'

export const ACCOUNT = '123456789012'
export const alice = {
  type: 'IAMUser',
  principalId: 'AIDAALICE',
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  accountId: ACCOUNT,
  userName: 'alice',
}
export const root = {
  type: 'Root',
  principalId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:root`,
  accountId: ACCOUNT,
}
export const roleSession = {
  type: 'AssumedRole',
  principalId: 'AROAADMIN:bob',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`,
  accountId: ACCOUNT,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      arn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      accountId: ACCOUNT,
      userName: 'Admin',
    },
  },
}

/** A raw CloudTrail record with sensible defaults; override any field. */
export function record(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventID: randomUUID(),
    eventTime: '2026-11-23T10:00:00Z',
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0',
    userIdentity: alice,
    recipientAccountId: ACCOUNT,
    requestParameters: null,
    responseElements: null,
    ...fields,
  }
}

export const iam = (eventName: string, fields: Record<string, unknown> = {}) =>
  record({ eventSource: 'iam.amazonaws.com', eventName, ...fields })
export const signin = (
  eventName: string,
  result: 'Success' | 'Failure',
  fields: Record<string, unknown> = {},
) =>
  record({
    eventSource: 'signin.amazonaws.com',
    eventName,
    eventType: 'AwsConsoleSignIn',
    responseElements: { [eventName]: result },
    ...fields,
  })

export function event(raw: Record<string, unknown>): CloudTrailEvent {
  const r = normalizeRecord(raw)
  if (!r.ok) throw new Error(r.rejection.reason)
  return r.event
}

/** The ids of the detections one record fires on its own (with an optional configuration). */
export function fires(raw: Record<string, unknown>, config: unknown = {}): string[] {
  return detect(event(raw), detectionSettings(parseConfig(config)))
    .fired.map((f) => f.detection.id)
    .sort()
}

export function severityOf(
  raw: Record<string, unknown>,
  id: string,
  config: unknown = {},
): string | undefined {
  return detect(event(raw), detectionSettings(parseConfig(config))).fired.find((f) => f.detection.id === id)
    ?.severity
}

export function countsToward(raw: Record<string, unknown>): string[] {
  return detect(event(raw), detectionSettings(parseConfig({})))
    .counts.map((c) => c.detection.id)
    .sort()
}
