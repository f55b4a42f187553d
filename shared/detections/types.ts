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
  /**
   * An organization deployment's member reader role: the monitor's own roles (`iamwatch-*`) assuming it
   * are its scans, not a cross-account use worth an alert.
   */
  readerRoleName?: string
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
  /**
   * Principals expected to create IAM entities (infrastructure-as-code deployers): ARN patterns where `*`
   * matches any run of characters, compared with the caller's ARN and, for a role session, its role's ARN.
   */
  deployers: readonly string[]
  /** What iamwatch's posture data says, for detections that judge a record against it. */
  posture: PostureFacts
}

/**
 * Facts from the latest scans that a detection may read (loaded by the handler before it detects; absent
 * when not loaded, e.g. in `iamwatch replay`).
 */
export interface PostureFacts {
  /**
   * Whether a group is admin-capable per the latest authorization details of its account: true (admin),
   * false (known, not admin), undefined (not in the latest details, or none read).
   */
  groupIsAdmin?(accountId: string, groupName: string): boolean | undefined
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
  /** Every API call made with an access key whose id starts with one of these (AKIA: long-term keys). */
  | { kind: 'accessKeys'; prefixes: readonly string[] }

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

/**
 * A first-seen (stateful) detection: each record extends a subject's baseline of networks (an access key's,
 * a user's); the record fires when its network was not seen for that subject within the window, unless it is
 * the subject's first sighting (the baseline). The baseline is kept per subject, bounded and expiring.
 */
export interface FirstSeen<K extends string> {
  /** Whose baseline the record extends (an access key id, a user ARN); null: the record is not judged. */
  subject(e: CloudTrailEvent): string | null
  /** The network the record came from (IPv4 /24, IPv6 /48); null: none to judge (a service host, no IP). */
  network(e: CloudTrailEvent): string | null
  windowDaysParam: K
  /** The most networks kept per subject (the least recently seen are dropped first). */
  maxNetworksParam: K
}

/**
 * Where a detection's events are delivered: `direct` (default), EventBridge invokes the handler per event;
 * `queue`, high-volume events go through an SQS queue to a handler that takes them in batches.
 */
export type Route = 'direct' | 'queue'

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
  /** Fires on a network new to the record's subject (stateful). */
  firstSeen?: FirstSeen<K>
  /** How its events are delivered (default direct). */
  route?: Route
  /** It reads ctx.posture: the handler loads the posture of the record's account before detecting. */
  readsPosture?: boolean
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
