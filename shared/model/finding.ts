import { sha256Hex } from './canonical.ts'
import type { Severity } from './severity.ts'

export type FindingStatus = 'OPEN' | 'RESOLVED'
/**
 * A change of a finding's state; REOPENED is OPEN reached again from RESOLVED. OCCURRED is a new
 * occurrence of a real-time detection on a finding that is already open (each one is alerted).
 * SUPPRESSED and UNSUPPRESSED mute and unmute a finding without changing its status; ACKNOWLEDGED
 * closes an open detection finding by hand (RESOLVED, resolution `acknowledged`). Those three carry
 * the `actor` and `reason` on their history item.
 */
export type TransitionKind =
  | 'OPENED'
  | 'RESOLVED'
  | 'REOPENED'
  | 'OCCURRED'
  | 'SUPPRESSED'
  | 'UNSUPPRESSED'
  | 'ACKNOWLEDGED'

/**
 * A finding muted on purpose: a known and accepted problem, with an owner, a reason and an expiry.
 * A suppressed finding keeps its real status and keeps being reconciled; its transitions send no alert.
 */
export interface Suppression {
  reason: string
  /** Who owns the accepted risk. */
  owner: string
  /** When it expires (ISO 8601): the next reconciliation after it lifts it, and alerts if still open. */
  until: string
  /** Who suppressed it: the caller's ARN, or `config` for a rule of the configuration. */
  by: string
  /** When it was applied to this finding. */
  at: string
  /** The rule it came from, when a rule suppressed it. */
  rule?: string
}

/** The actor of the transitions iamwatch makes itself (an expired suppression lifted). */
export const SYSTEM_ACTOR = 'iamwatch'
/** The actor of suppressions applied by rules of the configuration. */
export const CONFIG_ACTOR = 'config'
/** The reason of an UNSUPPRESSED transition made because the suppression's `until` passed. */
export const EXPIRED_REASON = 'expired'

/** One CloudTrail event that fired a detection: what ops need to act, as it arrived. */
export interface Occurrence {
  eventKey: string
  eventId?: string
  eventName: string
  eventSource: string
  eventTime?: string
  awsRegion?: string
  sourceIp?: string
  userAgent?: string
  /** `accessKeyId`: the credential the call was signed with; a console session's temporary key names the session. */
  actor: { type?: string; arn?: string; accountId?: string; userName?: string; accessKeyId?: string }
  /** 'match': the record itself; 'threshold': it made a counter cross. */
  kind: 'match' | 'threshold'
  details: Record<string, string | number | boolean | null>
}
/**
 * Why a finding resolved: the check passed, or the credential / resource it was about no longer exists,
 * or (detections) someone acknowledged it, or its account left the organization (`account-gone`: only
 * once discovery confirmed it, never because the account could not be read).
 */
export type ResolutionReason =
  | 'passed'
  | 'credential-gone'
  | 'resource-gone'
  | 'acknowledged'
  | 'account-gone'

export type Evidence = Record<string, string | number | boolean | null | string[]>

/** The resource a check judged: an IAM user, the root account, the account's password policy. */
export interface ResourceRef {
  type: string
  id: string
  arn: string
}

/**
 * What a check said about one resource (and, for per-credential checks, one credential): it passed, it
 * failed, or it could not be judged (`unknown`: a field it reads is missing or odd; `reason` says which).
 * An unknown outcome leaves the finding as it is: neither opened nor resolved.
 */
export interface Outcome {
  checkId: string
  status: 'pass' | 'fail' | 'unknown'
  resource: ResourceRef
  /** Why the resource could not be judged (status `unknown` only). */
  reason?: string
  /** The credential a finding is about: an AccessKeyId, `password`, or a report slot for root keys. */
  credentialId?: string
  evidence: Evidence
  /** Overrides the check's severity for this outcome (escalations). */
  severity?: Severity
  /** When its data was true, where that is newer than the sources' as-of (a live read beside a report). */
  asOf?: string
  /** The sources this outcome was decided by, when fewer than the check reads: it is as of them. */
  basis?: readonly string[]
}

/** Identity of a finding: stable across scans, so the same problem is always the same finding. */
export interface FindingKey {
  accountId: string
  checkId: string
  resourceId: string
  credentialId?: string
}

export function findingId(key: FindingKey): string {
  const material = [key.accountId, key.checkId, key.resourceId, key.credentialId ?? ''].join('\u0000')
  return sha256Hex(material).slice(0, 32)
}

/** What a finding is about and how it stands: shared by its current state and each history item. */
export interface FindingSubject {
  accountId: string
  /** The account's name (Organizations, or the configured one) when the transition was made. */
  accountName?: string
  region: string
  checkId: string
  severity: Severity
  status: FindingStatus
  resourceType: string
  resourceId: string
  resourceArn: string
  credentialId?: string
  title: string
  evidence: Evidence
  resolution?: ResolutionReason
  /**
   * As of when the data that caused the (last) transition was true: the credential report's
   * GeneratedTime, the time of a live read, or the event's time. Older data never changes the status.
   */
  asOf?: string
  /** The suppression in force (on a history item: in force after its transition, so it sends no alert). */
  suppression?: Suppression
}

/** The current state of a finding (one item per finding). Slim on purpose: exporters enrich. */
export interface Finding extends FindingSubject {
  id: string
  firstOpenedAt: string
  lastTransitionAt: string
  resolvedAt?: string
  /** Who acknowledged a detection finding and why (while it stays resolved by that acknowledgement). */
  acknowledged?: { by: string; reason: string; at: string }
  /**
   * The transition that opened it last (OPENED or REOPENED) and when: the time it has been open, and the
   * opening escalation is about. Absent on findings last opened before iamwatch kept it (read the history).
   */
  openedSeq?: number
  openedAt?: string
  /** Sequence number of the newest history item, and its hash (head of the per-finding chain). */
  seq: number
  headHash: string
}

/** An immutable history item: one per transition, chained to the previous by hash. */
export interface HistoryEntry extends FindingSubject {
  findingId: string
  seq: number
  transitionId: string
  transition: TransitionKind
  at: string
  /** The scan, or for detections the CloudTrail event, that caused the transition. */
  scanId: string
  occurrence?: Occurrence
  /** Who made a manual transition (SUPPRESSED, UNSUPPRESSED, ACKNOWLEDGED): an ARN, `config` or `iamwatch`. */
  actor?: string
  /** Why (a manual transition's reason; `expired` when iamwatch lifted an expired suppression). */
  reason?: string
  /** The suppression an UNSUPPRESSED transition lifted. */
  lifted?: Suppression
  prevHash: string
  hash: string
}

export const GENESIS_HASH = '0'.repeat(64)

export function transitionId(findingIdValue: string, seq: number): string {
  return `${findingIdValue}:${String(seq).padStart(6, '0')}`
}
