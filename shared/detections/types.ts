import type { ParamSpec } from '../checks/types.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'

export type Details = Record<string, string | number | boolean | null>

/** What a matching record says: a severity when it differs from the detection's, and what to show. */
export interface Hit {
  severity?: Severity
  details?: Details
}

/** A parameter whose value is a string (a name prefix, ...); set under `params` like the numeric ones. */
export interface StringParamSpec {
  default: string
  description: string
  /** What a configured value must match, and how to say it does not. */
  pattern?: RegExp
  patternMessage?: string
}

/** What the deployment says about the monitor itself: how to recognise its own resources. */
export interface MonitorIdentity {
  /** The ARN of the deployed KMS key (its key id is the last part). */
  keyArn?: string
  /** The SST stage deployed: resources tagged `sst:app` = iamwatch and `sst:stage` = this stage are the monitor's. */
  stage?: string
}

export interface DetectionContext<K extends string = string, S extends string = string> {
  params: Record<K, number>
  /** The detection's string parameters, defaults filled in. */
  strings: Record<S, string>
  /** Accounts whose principals are expected to act here (cross-account use, trust policies). */
  trustedAccounts: ReadonlySet<string>
  /** The deployed monitor's own identity (key, stage), when the deployment says it. */
  monitor: MonitorIdentity
}

/** The events of one service a detection reads. */
export interface ServiceEvents {
  /** The CloudTrail eventSource, e.g. lambda.amazonaws.com. */
  source: string
  names: readonly string[]
  /**
   * The service appends its API version to eventNames (Lambda: `DeleteFunction20150331`,
   * `UpdateFunctionConfiguration20150331v2`, catalog section C): a name matches with or without the suffix,
   * and the EventBridge rules match it by prefix.
   */
  versioned?: boolean
}

/**
 * Which CloudTrail events a detection reads. The EventBridge rules are generated from these, so adding
 * a detection updates what the stack subscribes to.
 */
export type EventSelector =
  | { kind: 'names'; sources: readonly string[]; names: readonly string[] }
  | { kind: 'services'; services: readonly ServiceEvents[] }
  | { kind: 'identity'; identityTypes: readonly string[] }
  | { kind: 'errorCodes'; prefixes: readonly string[]; suffixes: readonly string[] }

/** The (service, event names) pairs a selector reads; none for the identity and error-code selectors. */
export function serviceEvents(selector: EventSelector): ServiceEvents[] {
  if (selector.kind === 'services') return [...selector.services]
  if (selector.kind === 'names') return selector.sources.map((source) => ({ source, names: selector.names }))
  return []
}

export interface Threshold<K extends string> {
  countParam: K
  windowMinutesParam: K
  /** The counter a record counts toward (a principal, or account + source IP); null: it does not count. */
  key(e: CloudTrailEvent): string | null
  /** Severity when the count crosses the threshold in the window. */
  severity: Severity
}

export interface DetectionDefinition<K extends string = string, S extends string = string> {
  id: string
  title: string
  description: string
  severity: Severity
  events: EventSelector
  params: Record<K, ParamSpec>
  /** String parameters, configured under `params` beside the numeric ones. */
  stringParams?: Record<S, StringParamSpec>
  /** Fires on one record. Detections that only count (thresholds) have none. */
  match?(e: CloudTrailEvent, ctx: DetectionContext<K, S>): Hit | null
  threshold?: Threshold<K>
  /** The principal a finding groups occurrences by. */
  principal(e: CloudTrailEvent): string
  /** The fields an alert shows for this detection, beyond who/where/when. */
  context?(e: CloudTrailEvent): Details
  /** First steps of the runbook. */
  runbook: readonly string[]
}

export type AnyDetection = DetectionDefinition<string, string>

export function defineDetection<K extends string = never, S extends string = never>(
  d: DetectionDefinition<K, S>,
): DetectionDefinition<K, S> {
  return d
}
