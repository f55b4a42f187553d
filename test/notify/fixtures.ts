import { advance } from '../../shared/engine/reconcile.ts'
import { findingId, GENESIS_HASH, type Occurrence } from '../../shared/model/finding.ts'

export const ACCOUNT = '123456789012'
/** Unicode format characters (Cf, bidi included), controls (C0, DEL, C1) and line/paragraph separators. */
export const INVISIBLE = /[\p{Cf}\p{Cc}\u2028\u2029]/u

/** A posture finding's OPENED (or RESOLVED) history item. */
export function postureEntry(opts: {
  checkId?: string
  resourceId?: string
  transition?: 'OPENED' | 'RESOLVED'
  evidence?: Record<string, string | number | boolean | null | string[]>
  accountName?: string
}) {
  const transition = opts.transition ?? 'OPENED'
  const checkId = opts.checkId ?? 'console-user-no-mfa'
  const resourceId = opts.resourceId ?? 'user/alice'
  return advance(
    {
      id: findingId({ accountId: ACCOUNT, checkId, resourceId }),
      accountId: ACCOUNT,
      ...(opts.accountName ? { accountName: opts.accountName } : {}),
      region: 'us-east-1',
      checkId,
      severity: 'high',
      status: transition === 'OPENED' ? 'OPEN' : 'RESOLVED',
      ...(transition === 'RESOLVED' ? { resolution: 'passed' as const } : {}),
      resourceType: 'AwsIamUser',
      resourceId,
      resourceArn: `arn:aws:iam::${ACCOUNT}:${resourceId}`,
      title: 'A console user has no MFA',
      evidence: opts.evidence ?? { passwordEnabled: true, mfaActive: false },
      firstOpenedAt: '2026-11-23T00:00:00.000Z',
      lastTransitionAt: '2026-11-23T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    transition,
    'scan-1',
    '2026-11-23T00:00:00.000Z',
  ).entry
}

/** A detection's OPENED history item (access-key-created-for-other-user), with the occurrence given. */
export function detectionEntry(occurrence: Partial<Occurrence> & Pick<Occurrence, 'actor'>) {
  const o: Occurrence = {
    eventKey: 'evt-1',
    eventId: '3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
    eventName: 'CreateAccessKey',
    eventSource: 'iam.amazonaws.com',
    eventTime: '2026-11-23T09:58:00Z',
    awsRegion: 'us-east-1',
    sourceIp: '198.51.100.23',
    userAgent: 'aws-cli/2.15.0',
    kind: 'match',
    details: {},
    ...occurrence,
  }
  const resourceId = o.actor.arn ?? 'unknown'
  return advance(
    {
      id: findingId({ accountId: ACCOUNT, checkId: 'access-key-created-for-other-user', resourceId }),
      accountId: ACCOUNT,
      region: 'us-east-1',
      checkId: 'access-key-created-for-other-user',
      severity: 'high',
      status: 'OPEN',
      resourceType: 'AwsIamUser',
      resourceId,
      resourceArn: resourceId,
      title: 'An access key was created for another user',
      evidence: {},
      firstOpenedAt: '2026-11-23T00:00:00.000Z',
      lastTransitionAt: '2026-11-23T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    'OPENED',
    o.eventKey,
    '2026-11-23T09:58:01.000Z',
    o,
  ).entry
}
