import { randomUUID } from 'node:crypto'
import type { AccessAdvisorOptions, AccessAdvisorStats } from '../aws/access-advisor.ts'
import { callerAccountId } from '../aws/sts.ts'
import type { AuthorizationSource, Reading } from '../checks/sources.ts'
import { evaluate, selectChecks } from '../engine/pipeline.ts'
import type { Checkpoint } from '../engine/repository.ts'
import { ACCOUNT_SCOPE, type SourceScope } from '../engine/scope.ts'
import { advisorTargets } from '../sources/access-advisor.ts'
import { collectSource } from '../sources/index.ts'
import { pipelineContext, type ScanDeps, sourceContext } from './scan.ts'

/**
 * The Access Advisor cycle (catalog A5). Every principal and customer managed policy needs its own
 * asynchronous IAM job; an account of 5,000 roles, 1,000 users and 2,000 policies takes longer than one
 * Lambda invocation may run. So a cycle is carried across invocations by a checkpoint in the findings
 * table: the targets in sorted order, the last one done, and a version each write advances (two
 * invocations never both carry a cycle on). Each invocation reads the authorization details once, then
 * reads and judges batches until its deadline, saving the checkpoint after each batch: a crash loses at
 * most the batch in flight, which the next invocation reads again (reconciling twice is harmless). A
 * batch cut short by the deadline is not counted done. When every target is done, findings of
 * principals that no longer exist are resolved as gone, and the cycle is finished; the next one starts
 * once `cycleHours` have passed since it began.
 */
export interface CycleOptions {
  /** Targets read and judged together (default 100). */
  batchSize?: number
  /** A new cycle starts this long after the previous one started (default 24 hours). */
  cycleHours?: number
  /** Stop starting batches after this (the Lambda's remaining time less a reserve). */
  deadline?: Date
  /** At most this many batches per invocation (default: as many as the deadline allows). */
  maxBatches?: number
  advisor?: AccessAdvisorOptions
}

export interface CycleResult {
  /**
   * idle: the last cycle is recent; in-progress: carried on, more to do; finished: the cycle ended now;
   * busy: another invocation holds the checkpoint; failed: nothing could be done (authorization unreadable).
   */
  status: 'idle' | 'in-progress' | 'finished' | 'busy' | 'failed'
  /** Some batch of the cycle could not be read or judged whole. */
  degraded: boolean
  cycleId?: string
  /** Targets done in this invocation, and in the cycle so far, and left. */
  processed: number
  done: number
  remaining: number
  batches: number
  counts: Record<string, number>
  stats: AccessAdvisorStats
  problems: string[]
}

const NAME = 'access-advisor'
const HOUR_MS = 3_600_000

export async function runAccessAdvisorCycle(
  deps: ScanDeps,
  options: CycleOptions = {},
): Promise<CycleResult> {
  const now = () => deps.now?.() ?? new Date()
  const started = now()
  const accountId = deps.accountId ?? (deps.sts ? await callerAccountId(deps.sts) : undefined)
  if (!accountId) throw new Error('no accountId and no STS client')
  const records = deps.store?.records
  const batchSize = options.batchSize ?? 100
  const stats: AccessAdvisorStats = { jobs: 0, calls: 0, throttled: 0, failedJobs: 0 }
  const result: CycleResult = {
    status: 'in-progress',
    degraded: false,
    processed: 0,
    done: 0,
    remaining: 0,
    batches: 0,
    counts: {},
    stats,
    problems: [],
  }

  // Where the cycle stands: continue it, or start the next one when it is due.
  let cp = await records?.getCheckpoint(NAME, accountId)
  const due =
    !cp?.finishedAt || started.getTime() - Date.parse(cp.startedAt) >= (options.cycleHours ?? 24) * HOUR_MS
  if (!due) return { ...result, status: 'idle', cycleId: cp!.cycleId, done: cp!.done }
  if (!cp || cp.finishedAt) {
    const next: Checkpoint = {
      name: NAME,
      accountId,
      cycleId: `${NAME}-${randomUUID()}`,
      startedAt: started.toISOString(),
      done: 0,
      degraded: 0,
      version: (cp?.version ?? 0) + 1,
    }
    if (records && !(await records.putCheckpoint(next))) return { ...result, status: 'busy' }
    cp = next
  }
  let checkpoint: Checkpoint = cp
  result.cycleId = checkpoint.cycleId
  const save = async (change: Partial<Checkpoint>) => {
    const next = { ...checkpoint, ...change, version: checkpoint.version + 1 }
    if (records && !(await records.putCheckpoint(next))) return false
    checkpoint = next
    return true
  }

  const sources = sourceContext(deps, accountId, started)
  const authorization = await collectSource(sources, 'authorization', ACCOUNT_SCOPE)
  if (!authorization.data) {
    result.problems.push(...authorization.problems)
    return { ...result, status: 'failed', degraded: true }
  }
  const targets = advisorTargets(authorization.data.inventory)
  const pending = targets.filter((t) => checkpoint.after === undefined || t.resourceId > checkpoint.after)
  const pastDeadline = () => options.deadline !== undefined && now() >= options.deadline

  const judge = async (scope: SourceScope & { kind: 'principals' }, runId: string) => {
    const ctx = pipelineContext(deps, accountId, now())
    const batchAuthorization: Reading<AuthorizationSource> = { ...authorization, covers: scope.resourceIds }
    ctx.collect = (async (name: string, s: SourceScope) => {
      if (name === 'authorization') return batchAuthorization
      return collectSource(
        {
          ...sources,
          now: ctx.now,
          advisor: {
            maxTargets: scope.resourceIds.size,
            ...(options.advisor ? { options: options.advisor } : {}),
            ...(options.deadline ? { deadline: options.deadline } : {}),
            onStats: (s) => {
              for (const k of Object.keys(stats) as Array<keyof AccessAdvisorStats>) stats[k] += s[k]
            },
          },
        },
        name as 'accessAdvisor',
        s,
      )
    }) as typeof ctx.collect
    const run = await evaluate(ctx, { kind: 'schedule', parts: [NAME], runId, scope })
    for (const [k, v] of Object.entries(run?.counts ?? {})) result.counts[k] = (result.counts[k] ?? 0) + v
    result.problems.push(...(run?.problems ?? []).slice(0, 20))
    return run
  }

  let index = 0
  while (
    index < pending.length &&
    !pastDeadline() &&
    result.batches < (options.maxBatches ?? Number.POSITIVE_INFINITY)
  ) {
    const batch = pending.slice(index, index + batchSize)
    const scope = {
      kind: 'principals' as const,
      resourceIds: new Set(batch.map((t) => t.resourceId)),
      arns: new Map(batch.map((t) => [t.resourceId, t.arn])),
    }
    const run = await judge(scope, `${checkpoint.cycleId}-${checkpoint.done + batch.length}`)
    // A batch the deadline cut short is read again by the next invocation.
    if (pastDeadline() && run?.problems.some((p) => p.includes('deadline'))) break
    index += batch.length
    result.processed += batch.length
    result.batches++
    const degraded = run?.status === 'degraded' ? 1 : 0
    if (
      !(await save({
        after: batch.at(-1)!.resourceId,
        done: checkpoint.done + batch.length,
        degraded: checkpoint.degraded + degraded,
      }))
    )
      return { ...result, status: 'busy', done: checkpoint.done }
  }
  result.done = checkpoint.done
  result.degraded = checkpoint.degraded > 0
  result.remaining = pending.length - index
  if (result.remaining > 0) return result

  // Every target done: what no longer exists resolves as gone (its open findings are judged here once).
  const present = new Set(targets.map((t) => t.resourceId))
  const checks = selectChecks(deps.config, { kind: 'schedule', parts: [NAME], runId: '' })
  const store = deps.store
  if (store) {
    const open = (await Promise.all(checks.map((c) => store.listOpenByCheck(accountId, c.id)))).flat()
    const gone = new Set(open.map((f) => f.resourceId).filter((id) => !present.has(id)))
    if (gone.size)
      await judge({ kind: 'principals', resourceIds: gone, arns: new Map() }, `${checkpoint.cycleId}-gone`)
  }
  const finishedAt = now().toISOString()
  if (!(await save({ finishedAt }))) return { ...result, status: 'busy' }
  return { ...result, status: 'finished', degraded: checkpoint.degraded > 0 }
}
