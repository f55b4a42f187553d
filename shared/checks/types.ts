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

/** One check: metadata as data, plus a pure evaluate. */
export interface CheckDefinition<S extends SourceName = SourceName, K extends string = string> {
  id: string
  title: string
  description: string
  severity: Severity
  resourceType: string
  source: S
  params: Record<K, ParamSpec>
  /** The CloudTrail events after which this check is re-run for the touched principal. */
  triggers: {
    schedule: 'credentials' | 'password-policy' | 'authorization' | 'trails'
    events: readonly string[]
  }
  /** What to do: the first step of remediation, shown in alerts. */
  remediation: string
  evaluate(input: CheckSources[S], ctx: CheckContext<Record<K, number>>): Outcome[]
}

export type AnyCheck = { [S in SourceName]: CheckDefinition<S, string> }[SourceName]

export function defineCheck<S extends SourceName, K extends string = never>(
  check: CheckDefinition<S, K>,
): CheckDefinition<S, K> {
  return check
}

export function fail(
  checkId: string,
  resource: ResourceRef,
  evidence: Evidence,
  extra: { credentialId?: string; severity?: Severity } = {},
): Outcome {
  return { checkId, status: 'fail', resource, evidence, ...extra }
}

export function pass(
  checkId: string,
  resource: ResourceRef,
  evidence: Evidence = {},
  extra: { credentialId?: string } = {},
): Outcome {
  return { checkId, status: 'pass', resource, evidence, ...extra }
}

export const DAY_MS = 86_400_000

export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / DAY_MS)
}
