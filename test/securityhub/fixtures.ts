import { advance } from '../../shared/engine/reconcile.ts'
import {
  type Finding,
  findingId,
  GENESIS_HASH,
  type HistoryEntry,
  type Occurrence,
  type Suppression,
  type TransitionKind,
} from '../../shared/model/finding.ts'

/** The monitor's account, where the findings are imported (and, in a single account, the findings' too). */
export const ACCOUNT = '123456789012'
export const REGION = 'us-east-1'
export const CTX = { partition: 'aws', region: REGION, accountId: ACCOUNT }
export const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`

/** Unicode format characters (bidi, zero-width), controls (C0, DEL, C1) and line/paragraph separators. */
export const INVISIBLE = /[\p{Cf}\p{Cc}\u2028\u2029]/u

/** A check's finding before its first transition: console-user-no-mfa on user/alice (CIS 1.10 / 1.9). */
export function checkFinding(over: Partial<Finding> = {}): Finding {
  const checkId = over.checkId ?? 'console-user-no-mfa'
  const resourceId = over.resourceId ?? 'user/alice'
  const accountId = over.accountId ?? ACCOUNT
  return {
    id: findingId({ accountId, checkId, resourceId, credentialId: over.credentialId }),
    accountId,
    region: REGION,
    checkId,
    severity: 'high',
    status: 'OPEN',
    resourceType: 'AwsIamUser',
    resourceId,
    resourceArn: `arn:aws:iam::${accountId}:${resourceId}`,
    title: 'A console user has no MFA',
    evidence: { passwordEnabled: true, mfaActive: false },
    firstOpenedAt: '2026-11-23T00:00:00.000Z',
    lastTransitionAt: '2026-11-23T00:00:00.000Z',
    seq: 0,
    headHash: GENESIS_HASH,
    ...over,
  }
}

export const OCCURRENCE: Occurrence = {
  eventKey: 'evt-1',
  eventId: '3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
  eventName: 'CreateAccessKey',
  eventSource: 'iam.amazonaws.com',
  eventTime: '2026-11-23T09:58:00Z',
  awsRegion: REGION,
  sourceIp: '198.51.100.23',
  userAgent: 'aws-cli/2.15.0',
  actor: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, userName: 'mallory' },
  kind: 'match',
  details: { targetUser: 'bob' },
}

/** A detection's finding before its first transition: access-key-created-for-other-user by mallory. */
export function detectionFinding(over: Partial<Finding> = {}): Finding {
  const resourceId = `arn:aws:iam::${ACCOUNT}:user/mallory`
  return checkFinding({
    id: findingId({ accountId: ACCOUNT, checkId: 'access-key-created-for-other-user', resourceId }),
    checkId: 'access-key-created-for-other-user',
    resourceId,
    resourceArn: resourceId,
    title: 'An access key was created for another user',
    evidence: {},
    ...over,
  })
}

export const SUPPRESSION: Suppression = {
  reason: 'break-glass user, MFA in the safe',
  owner: 'secops',
  until: '2027-01-31T00:00:00.000Z',
  by: 'arn:aws:iam::123456789012:user/carol',
  at: '2026-11-24T00:00:00.000Z',
}

/**
 * A finding's story: each step applies one transition as iamwatch makes it (status, resolution,
 * suppression, the manual actor and reason, the occurrence) and keeps the history item it wrote.
 */
export class Story {
  finding: Finding
  readonly entries: HistoryEntry[] = []

  constructor(finding: Finding) {
    this.finding = finding
  }

  step(transition: TransitionKind, at: string, over: Partial<Finding> = {}): HistoryEntry {
    const { resolution: _r, resolvedAt: _a, suppression, ...rest } = this.finding
    const base: Finding = { ...rest, ...(suppression ? { suppression } : {}), lastTransitionAt: at }
    let next: Finding = base
    let manual: { actor: string; reason: string; lifted?: Suppression } | undefined
    let occurrence: Occurrence | undefined
    switch (transition) {
      case 'OPENED':
      case 'REOPENED':
        next = { ...base, status: 'OPEN' }
        break
      case 'OCCURRED':
        next = { ...base, status: 'OPEN' }
        occurrence = { ...OCCURRENCE, eventKey: `evt-${at}`, eventTime: at }
        break
      case 'RESOLVED':
        next = { ...base, status: 'RESOLVED', resolution: 'passed', resolvedAt: at }
        break
      case 'ACKNOWLEDGED':
        next = { ...base, status: 'RESOLVED', resolution: 'acknowledged', resolvedAt: at }
        manual = { actor: 'arn:aws:iam::123456789012:user/carol', reason: 'expected: onboarding bob' }
        break
      case 'SUPPRESSED':
        next = { ...base, ...(this.finding.resolution ? { resolution: this.finding.resolution } : {}) }
        next.suppression = { ...SUPPRESSION, at }
        manual = { actor: SUPPRESSION.by, reason: SUPPRESSION.reason }
        break
      case 'UNSUPPRESSED': {
        const { suppression: lifted, ...unsuppressed } = base
        next = {
          ...unsuppressed,
          ...(this.finding.resolution ? { resolution: this.finding.resolution } : {}),
        }
        manual = { actor: 'iamwatch', reason: 'expired', ...(lifted ? { lifted } : {}) }
        break
      }
    }
    if (transition === 'OPENED' && !this.entries.length) next.firstOpenedAt = at
    if (this.finding.checkId === 'access-key-created-for-other-user' && transition === 'OPENED')
      occurrence = { ...OCCURRENCE, eventTime: at }
    const planned = advance({ ...next, ...over }, transition, `scan-${at}`, at, occurrence, manual)
    this.finding = planned.finding
    this.entries.push(planned.entry)
    return planned.entry
  }
}

/** Every string in a value, with its path. */
export function strings(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]]
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`))
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      ...strings(k, `${path}{key}`),
      ...strings(v, path ? `${path}.${k}` : k),
    ])
  return []
}
