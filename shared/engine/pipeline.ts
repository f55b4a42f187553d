import type { Log } from '../app/log.ts'
import { CHECKS } from '../checks/registry.ts'
import type { CheckSources, Reading, Readings, SourceName } from '../checks/sources.ts'
import { type AnyCheck, type ScheduleName, triggerEvents } from '../checks/types.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { enabledChecks, type IamwatchConfig } from '../config/config.ts'
import { type Finding, findingId, type Outcome } from '../model/finding.ts'
import type { Rejection } from '../normalize/rejection.ts'
import { evaluateChecks, type Judgement } from './evaluate.ts'
import { mapLimit } from './limit.ts'
import { type PlannedTransition, type ReconcilePlan, type RunScope, reconcile } from './reconcile.ts'
import type { FindingsRepository } from './repository.ts'
import { ACCOUNT_SCOPE, eventScope, expandScope, type SourceScope } from './scope.ts'
import { ruleFor, rulesInForce, suppressionOf } from './suppression.ts'

/**
 * What a run needs: the account, the configuration, the time, a way to read each source (the AWS
 * adapters, given by the caller: the engine itself does no I/O but through these), and where findings
 * live. Scheduled scans and CloudTrail events run through the same `evaluate`.
 */
export interface PipelineContext {
  accountId: string
  /** The account's name (an organization's account): recorded on the findings the run opens. */
  accountName?: string
  region: string
  config: IamwatchConfig
  now: Date
  collect: <N extends SourceName>(name: N, scope: SourceScope) => Promise<Reading<CheckSources[N]>>
  repository?: FindingsRepository
  log: Log
}

export type Trigger =
  | {
      kind: 'schedule'
      parts: readonly ScheduleName[]
      runId: string
      /** A part of the account only (one batch of the Access Advisor cycle); default the whole account. */
      scope?: SourceScope
    }
  | { kind: 'event'; event: CloudTrailEvent; runId: string }

export interface EvaluationRun {
  runId: string
  judgements: Judgement[]
  outcomes: Outcome[]
  readings: Readings
  /** What could not be read. */
  problems: string[]
  rejections: Rejection[]
  /** Checks not evaluated, and resources a check could not judge, with the reason. */
  notEvaluated: string[]
  counts: Record<string, number>
  /** Degraded when anything could not be read, judged, or written. */
  status: 'complete' | 'degraded'
}

/** The enabled checks a trigger runs: a scan part's checks, or those that re-run on the event. */
export function selectChecks(config: IamwatchConfig, trigger: Trigger): AnyCheck[] {
  const checks = enabledChecks(config, CHECKS)
  if (trigger.kind === 'schedule') return checks.filter((c) => trigger.parts.includes(c.triggers.schedule))
  const name = `${trigger.event.eventSource.replace(/\.amazonaws\.com$/, '')}:${trigger.event.eventName}`
  return checks.filter((c) => triggerEvents(c).includes(name))
}

/**
 * One evaluation: choose the checks, read every source they declare for the trigger's scope, judge, and
 * (given a repository) reconcile under the resolution rule. Undefined when an event triggers no check.
 */
export async function evaluate(ctx: PipelineContext, trigger: Trigger): Promise<EvaluationRun | undefined> {
  const checks = selectChecks(ctx.config, trigger)
  const scope = trigger.kind === 'schedule' ? (trigger.scope ?? ACCOUNT_SCOPE) : eventScope(trigger.event)
  if (checks.length === 0 || !scope) return undefined
  const readings = await read(ctx, checks, scope, trigger.kind === 'event')
  const judgements = evaluateChecks(checks, readings, ctx)
  const problems = Object.values(readings).flatMap((r) => r?.problems ?? [])
  const rejections = Object.values(readings).flatMap((r) => r?.rejections ?? [])
  const notEvaluated = judgements.flatMap((j) =>
    j.status === 'not-evaluated'
      ? [`${j.checkId}: ${j.reason}`]
      : [...j.unknown].map(([resource, why]) => `${j.checkId} on ${resource}: ${why}`),
  )
  const outcomes = judgements.flatMap((j) => j.outcomes)
  const counts: Record<string, number> = {
    checksEvaluated: judgements.filter((j) => j.status === 'judged').length,
    checksNotEvaluated: judgements.filter((j) => j.status === 'not-evaluated').length,
    outcomes: outcomes.length,
    failing: outcomes.filter((o) => o.status === 'fail').length,
    unknown: outcomes.filter((o) => o.status === 'unknown').length,
    rejectedInputs: rejections.length,
    incompleteSources: problems.length,
  }
  if (ctx.repository) {
    const plan = await planTransitions(ctx.repository, ctx, judgements, trigger.runId, ctx.now, {
      config: ctx.config,
      log: ctx.log,
    })
    Object.assign(counts, await applyPlan(ctx.repository, plan, ctx.log))
  }
  const degraded = problems.length + notEvaluated.length + rejections.length + (counts.conflicts ?? 0) > 0
  return {
    runId: trigger.runId,
    judgements,
    outcomes,
    readings,
    problems,
    rejections,
    notEvaluated,
    counts,
    status: degraded ? 'degraded' : 'complete',
  }
}

/**
 * Reads each source the checks declare, once. For an event, the authorization details come first so
 * the scope can widen to what inherits from the touched principal or policy (holders, group members),
 * whose credential data is then read live; a scheduled batch names its principals (and their ARNs)
 * itself and is not widened.
 */
async function read(
  ctx: PipelineContext,
  checks: readonly AnyCheck[],
  scope: SourceScope,
  widen: boolean,
): Promise<Readings> {
  const names = [...new Set(checks.flatMap((c) => c.reads))]
  const readings: Readings = {}
  let widened = scope
  if (widen && scope.kind === 'principals' && names.includes('authorization')) {
    const auth = await ctx.collect('authorization', scope)
    readings.authorization = auth
    if (auth.data) {
      widened = expandScope(scope, auth.data.inventory)
      readings.authorization = {
        ...auth,
        covers: (widened as { resourceIds: ReadonlySet<string> }).resourceIds,
      }
    }
  }
  await Promise.all(
    names
      .filter((n) => readings[n] === undefined)
      .map(async (n) => {
        Object.assign(readings, { [n]: await ctx.collect(n, widened) })
      }),
  )
  return readings
}

/**
 * Reads what reconciliation needs (failing findings' states, open findings judged) and plans. Given the
 * configuration, suppression rules (the configuration's and the table's) are read only when a finding
 * opens unsuppressed, and a matching one suppresses it as it opens.
 */
export async function planTransitions(
  repository: FindingsRepository,
  scope: RunScope,
  judgements: readonly Judgement[],
  runId: string,
  now: Date,
  suppressions?: { config: IamwatchConfig; log?: Log },
): Promise<ReconcilePlan> {
  const judged = judgements.filter((j) => j.status === 'judged')
  const failingIds = judged.flatMap((j) =>
    j.outcomes
      .filter((o) => o.status === 'fail')
      .map((o) =>
        findingId({
          accountId: scope.accountId,
          checkId: o.checkId,
          resourceId: o.resource.id,
          credentialId: o.credentialId,
        }),
      ),
  )
  const existing: Map<string, Finding> = await repository.getFindings(failingIds)
  // A judgement of a few resources reads only their open findings; a whole-account one reads the check's.
  const queries = judged.flatMap(
    (j): Array<{ checkId: string; resourceId?: string }> =>
      j.resourceIds && j.resourceIds.size <= 25
        ? [...j.resourceIds].map((resourceId) => ({ checkId: j.checkId, resourceId }))
        : [{ checkId: j.checkId, resourceId: undefined }],
  )
  const open = await mapLimit(queries, 4, ({ checkId, resourceId }) =>
    repository.listOpenByCheck(scope.accountId, checkId, resourceId),
  )
  for (const f of open.flat()) existing.set(f.id, f)
  const input = {
    scope,
    judgements: judged,
    existing,
    now,
    scanId: runId,
    checks: new Map(CHECKS.map((c) => [c.id, c])),
  }
  const plan = reconcile(input)
  const opensUnsuppressed = plan.transitions.some(
    (t) => (t.entry.transition === 'OPENED' || t.entry.transition === 'REOPENED') && !t.finding.suppression,
  )
  if (!suppressions || !opensUnsuppressed) return plan
  const rules = await rulesInForce(repository, suppressions.config, scope.accountId, now, suppressions.log)
  if (rules.length === 0) return plan
  const at = now.toISOString()
  return reconcile({
    ...input,
    suppressionFor: (f) => {
      const rule = ruleFor(rules, f)
      return rule ? suppressionOf(rule, at) : undefined
    },
  })
}

/**
 * The plan's transitions in waves: a finding's first transition in the first, its second (a status
 * change after an expired suppression was lifted) in the next, so no write names one item twice.
 */
function waves(transitions: readonly PlannedTransition[]): PlannedTransition[][] {
  const out: PlannedTransition[][] = []
  const nth = new Map<string, number>()
  for (const t of transitions) {
    const n = nth.get(t.finding.id) ?? 0
    nth.set(t.finding.id, n + 1)
    if (!out[n]) out[n] = []
    out[n].push(t)
  }
  return out
}

export async function applyPlan(
  repository: FindingsRepository,
  plan: ReconcilePlan,
  log: Log,
): Promise<Record<string, number>> {
  const conflicts = new Set<PlannedTransition>()
  const conflicted = new Set<string>()
  for (const wave of waves(plan.transitions)) {
    // A finding whose earlier transition conflicted has moved on: its later ones would conflict too.
    const ready = wave.filter((t) => !conflicted.has(t.finding.id))
    for (const t of wave) if (conflicted.has(t.finding.id)) conflicts.add(t)
    for (const t of ready.length ? await repository.applyTransitions(ready) : []) {
      conflicts.add(t)
      conflicted.add(t.finding.id)
    }
  }
  for (const t of conflicts)
    log.warn(
      'transition skipped: the stored finding changed concurrently, or its state item is missing (run iamwatch verify)',
      { findingId: t.finding.id },
    )
  const applied = plan.transitions.filter((t) => !conflicts.has(t))
  const count = (kind: string) => applied.filter((t) => t.entry.transition === kind).length
  return {
    opened: count('OPENED'),
    reopened: count('REOPENED'),
    resolved: count('RESOLVED'),
    suppressedOnOpening: applied.filter(
      (t) => (t.entry.transition === 'OPENED' || t.entry.transition === 'REOPENED') && t.finding.suppression,
    ).length,
    unsuppressed: count('UNSUPPRESSED'),
    unchanged: plan.unchanged,
    withheldResolutions: plan.withheldResolutions,
    leftNotEvaluated: plan.notEvaluated,
    leftStale: plan.stale,
    conflicts: conflicts.size,
  }
}
