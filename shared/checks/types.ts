import type { Evidence, Outcome, ResourceRef } from '../model/finding.ts'
import type { Severity } from '../model/severity.ts'
import type { CheckSources, SourceName } from './sources.ts'

export type Params = Record<string, number>

export interface CheckContext<P = Params> {
  now: Date
  params: P
  accountId: string
}

export interface ParamSpec {
  default: number
  description: string
  min?: number
}

/** When a check runs on a schedule: the scan part it belongs to. */
export type ScheduleName = 'credentials' | 'authorization' | 'trails' | 'access-advisor' | 'organization'

/** The CloudTrail events (by service: `iam` is iam.amazonaws.com) after which a check re-runs. */
export type EventTriggers = Readonly<Partial<Record<TriggerService, readonly string[]>>>
export type TriggerService = 'iam' | 'cloudtrail' | 'access-analyzer'

/** What a check's evaluate receives: every source it declares, by name. */
export type SourcesOf<R extends readonly SourceName[]> = { [N in R[number]]: CheckSources[N] }

/** One check: metadata as data, plus a pure evaluate. */
export interface CheckDefinition<
  R extends readonly SourceName[] = readonly SourceName[],
  K extends string = string,
> {
  id: string
  title: string
  description: string
  severity: Severity
  resourceType: string
  /** Every data source the check reads: it is judged only where all of them were read. */
  reads: R
  params: Record<K, ParamSpec>
  triggers: {
    /** The scheduled scan part that runs it. */
    schedule: ScheduleName
    /** The events after which it is re-run for what the event touched. */
    events: EventTriggers
  }
  /** What to do: the first step of remediation, shown in alerts. */
  remediation: string
  evaluate(input: SourcesOf<R>, ctx: CheckContext<Record<K, number>>): Outcome[]
}

export type AnyCheck = CheckDefinition<readonly SourceName[], string>

export function defineCheck<const R extends readonly SourceName[], K extends string = never>(
  check: CheckDefinition<R, K>,
): CheckDefinition<R, K> {
  return check
}

/** The event names (`service:Name`) a check re-runs on. */
export function triggerEvents(check: Pick<AnyCheck, 'triggers'>): string[] {
  return Object.entries(check.triggers.events).flatMap(([service, names]) =>
    (names ?? []).map((n) => `${service}:${n}`),
  )
}

export function fail(
  checkId: string,
  resource: ResourceRef,
  evidence: Evidence,
  extra: { credentialId?: string; severity?: Severity; asOf?: string } = {},
): Outcome {
  return { checkId, status: 'fail', resource, evidence, ...extra }
}

export function pass(
  checkId: string,
  resource: ResourceRef,
  evidence: Evidence = {},
  extra: { credentialId?: string; asOf?: string; basis?: readonly SourceName[] } = {},
): Outcome {
  return { checkId, status: 'pass', resource, evidence, ...extra }
}

/** The check could not judge this resource: a field it reads is unknown. Leaves its finding as it is. */
export function unknown(
  checkId: string,
  resource: ResourceRef,
  reason: string,
  extra: { credentialId?: string } = {},
): Outcome {
  return { checkId, status: 'unknown', resource, evidence: {}, reason, ...extra }
}

export const DAY_MS = 86_400_000

export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / DAY_MS)
}
