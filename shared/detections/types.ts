import type { ParamSpec } from '../checks/types.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'

export type Details = Record<string, string | number | boolean | null>

/** What a matching record says: a severity when it differs from the detection's, and what to show. */
export interface Hit {
  severity?: Severity
  details?: Details
}

export interface DetectionContext<K extends string = string> {
  params: Record<K, number>
  /** Accounts whose principals are expected to act here (cross-account use, trust policies). */
  trustedAccounts: ReadonlySet<string>
}

/**
 * Which CloudTrail events a detection reads. The EventBridge rules are generated from these, so adding
 * a detection updates what the stack subscribes to.
 */
export type EventSelector =
  | { kind: 'names'; sources: readonly string[]; names: readonly string[] }
  | { kind: 'identity'; identityTypes: readonly string[] }
  | { kind: 'errorCodes'; prefixes: readonly string[]; suffixes: readonly string[] }

export interface Threshold<K extends string> {
  countParam: K
  windowMinutesParam: K
  /** The counter a record counts toward (a principal, or account + source IP); null: it does not count. */
  key(e: CloudTrailEvent): string | null
  /** Severity when the count crosses the threshold in the window. */
  severity: Severity
}

export interface DetectionDefinition<K extends string = string> {
  id: string
  title: string
  description: string
  severity: Severity
  events: EventSelector
  params: Record<K, ParamSpec>
  /** Fires on one record. Detections that only count (thresholds) have none. */
  match?(e: CloudTrailEvent, ctx: DetectionContext<K>): Hit | null
  threshold?: Threshold<K>
  /** The principal a finding groups occurrences by. */
  principal(e: CloudTrailEvent): string
  /** The fields an alert shows for this detection, beyond who/where/when. */
  context?(e: CloudTrailEvent): Details
  /** First steps of the runbook. */
  runbook: readonly string[]
}

export type AnyDetection = DetectionDefinition<string>

export function defineDetection<K extends string = never>(d: DetectionDefinition<K>): DetectionDefinition<K> {
  return d
}
