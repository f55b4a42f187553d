import type { Readings, SourceName } from '../checks/sources.ts'
import type { AnyCheck } from '../checks/types.ts'
import { type IamwatchConfig, paramsFor } from '../config/config.ts'
import type { Outcome } from '../model/finding.ts'

/**
 * What one run could say about one check, three ways (as cdk-nag's rule results): `judged` with its
 * outcomes (each pass, fail, or unknown for a resource it could not judge), or `not-evaluated` (a source
 * it reads is missing, or the check failed), which changes none of its findings.
 */
export interface Judgement {
  checkId: string
  status: 'judged' | 'not-evaluated'
  outcomes: Outcome[]
  /** The oldest as-of of the sources it read: when the data it judged was true. */
  asOf: Date
  /**
   * The resources it judged: undefined for every resource of the account, else the ids the sources
   * covered (an event's touched principals). Findings outside are left alone.
   */
  resourceIds?: ReadonlySet<string>
  /** Every source was read whole for `resourceIds`: a finding whose resource is absent is gone. */
  complete: boolean
  /** Resources it could not judge (id -> why): their findings stay as they are. */
  unknown: ReadonlyMap<string, string>
  /** Resources a source knows only in part (within what it judged): their findings stay as they are. */
  partial?: ReadonlySet<string>
  /** What exists according to each source that can tell, and as of when (a resource gone from one). */
  presence?: ReadonlyArray<{ present: ReadonlySet<string>; asOf: Date; complete: boolean }>
  /** Why it was not evaluated. */
  reason?: string
  /** The error the check threw, when that is why. */
  error?: string
}

export interface CheckError {
  checkId: string
  message: string
}

const intersect = (a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined) =>
  a === undefined ? b : b === undefined ? a : new Set([...a].filter((x) => b.has(x)))

/**
 * Runs each check on the readings of every source it declares. A check whose source could not be read
 * is not evaluated; a resource a source knows only in part is unknown to every check that reads it;
 * a check that throws is recorded as not evaluated and the others still run.
 */
export function evaluateChecks(
  checks: readonly AnyCheck[],
  readings: Readings,
  ctx: { now: Date; accountId: string; config: IamwatchConfig },
): Judgement[] {
  return checks.map((check) => judge(check, readings, ctx))
}

function judge(
  check: AnyCheck,
  readings: Readings,
  ctx: { now: Date; accountId: string; config: IamwatchConfig },
): Judgement {
  const base = { checkId: check.id, outcomes: [], complete: false, unknown: new Map<string, string>() }
  const sources = check.reads.map((name) => [name, readings[name]] as const)
  const missing = sources.filter(([, r]) => r?.data === undefined).map(([name]) => name)
  const asOf = new Date(Math.min(...sources.map(([, r]) => r?.asOf.getTime() ?? ctx.now.getTime())))
  if (missing.length > 0) {
    const why = missing.map((name) => `${name} not read${problemsOf(readings, name)}`).join('; ')
    return { ...base, status: 'not-evaluated', asOf, reason: why }
  }
  const input = Object.fromEntries(sources.map(([name, r]) => [name, r!.data]))
  let outcomes: Outcome[]
  try {
    outcomes = check.evaluate(input as never, {
      now: ctx.now,
      accountId: ctx.accountId,
      params: paramsFor(check, ctx.config),
    })
    for (const o of outcomes)
      if (o.checkId !== check.id) throw new Error(`returned an outcome for ${o.checkId}`)
  } catch (err) {
    const error = (err as Error).message
    return { ...base, status: 'not-evaluated', asOf, reason: `check failed: ${error}`, error }
  }
  let resourceIds: ReadonlySet<string> | undefined
  for (const [, r] of sources) resourceIds = intersect(resourceIds, r!.covers)
  const within = (id: string) => resourceIds === undefined || resourceIds.has(id)
  const partial = new Map<string, string>()
  for (const [name, r] of sources)
    for (const [id, why] of r!.partial) if (within(id)) partial.set(id, `${name}: ${why}`)
  const presence = sources.flatMap(([, r]) =>
    r!.present ? [{ present: r!.present, asOf: r!.asOf, complete: r!.complete }] : [],
  )
  // An outcome decided by fewer sources than the check reads is as of those sources.
  const dated = outcomes.map((o) => {
    const basis = o.basis?.map((name) => readings[name as SourceName]?.asOf).filter((d): d is Date => !!d)
    return basis?.length && !o.asOf
      ? { ...o, asOf: new Date(Math.min(...basis.map((d) => d.getTime()))).toISOString() }
      : o
  })
  // A failure seen in what could be read is real; a pass on partial data proves nothing.
  const judged = dated.map((o) =>
    o.status === 'pass' && partial.has(o.resource.id)
      ? { ...o, status: 'unknown' as const, evidence: {}, reason: partial.get(o.resource.id)! }
      : o,
  )
  const unknown = new Map<string, string>()
  for (const o of judged)
    if (o.status === 'unknown' && within(o.resource.id)) unknown.set(o.resource.id, o.reason ?? 'unknown')
  return {
    checkId: check.id,
    status: 'judged',
    outcomes: judged,
    asOf,
    ...(resourceIds ? { resourceIds } : {}),
    complete: sources.every(([, r]) => r!.complete),
    unknown,
    partial: new Set(partial.keys()),
    ...(presence.length ? { presence } : {}),
  }
}

function problemsOf(readings: Readings, name: SourceName): string {
  const problems = readings[name]?.problems ?? []
  return problems.length ? ` (${problems.slice(0, 3).join('; ')})` : ''
}
