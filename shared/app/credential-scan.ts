import { randomUUID } from 'node:crypto'
import type { IAMClient } from '@aws-sdk/client-iam'
import type { STSClient } from '@aws-sdk/client-sts'
import { mapLimit } from '../aws/clients.ts'
import type { ReportOptions } from '../aws/credential-report.ts'
import type { FindingsStore, ScanRun } from '../aws/findings-store.ts'
import { callerAccountId } from '../aws/sts.ts'
import { CHECKS } from '../checks/registry.ts'
import { enabledChecks, type IamwatchConfig } from '../config/config.ts'
import { evaluateChecks } from '../engine/evaluate.ts'
import { type ReconcilePlan, reconcile, type ScanScope } from '../engine/reconcile.ts'
import { type Finding, findingId, type Outcome } from '../model/finding.ts'
import { collectCredentials } from './collect-credentials.ts'
import type { Log } from './log.ts'

export interface ScanDeps {
  iam: IAMClient
  /** Asked for the account id when `accountId` is not given (the CLI); the Lambda is told its account. */
  sts?: STSClient
  store?: FindingsStore
  config: IamwatchConfig
  region: string
  log: Log
  now?: () => Date
  report?: ReportOptions
  /** Skips GetCallerIdentity when the account is known. */
  accountId?: string
}

export interface ScanSummary {
  scanId: string
  accountId: string
  status: 'complete' | 'degraded'
  outcomes: Outcome[]
  counts: Record<string, number>
  rejections: ScanRun['rejections']
  incomplete: string[]
  checkErrors: Array<{ checkId: string; message: string }>
}

const MAX_STORED_REJECTIONS = 50

/** The scheduled credential scan: fetch, evaluate, and (given a store) reconcile into findings. */
export async function runCredentialScan(
  deps: ScanDeps,
  scanId = `credentials-${randomUUID()}`,
): Promise<ScanSummary> {
  const now = deps.now?.() ?? new Date()
  const startedAt = now.toISOString()
  const [accountId, collected] = await Promise.all([
    deps.accountId ??
      (deps.sts ? callerAccountId(deps.sts) : Promise.reject(new Error('no accountId and no STS client'))),
    collectCredentials(deps.iam, deps.report),
  ])
  if (collected.accountId && collected.accountId !== accountId) {
    throw new Error(
      `the credential report is for account ${collected.accountId}, the credentials for ${accountId}`,
    )
  }
  await deps.store?.records.startScan({
    scanId,
    scanType: 'credentials',
    accountId,
    startedAt,
    status: 'running',
  })

  try {
    const checks = enabledChecks(deps.config, CHECKS)
    const evaluation = evaluateChecks(checks, collected.sources, { now, accountId, config: deps.config })
    for (const r of collected.rejections) deps.log.warn('input rejected', { ...r })
    for (const e of evaluation.errors) deps.log.error('check failed', { ...e })
    for (const i of collected.incomplete) deps.log.warn('source incomplete', { detail: i })

    const complete =
      collected.rejections.length === 0 && collected.incomplete.length === 0 && evaluation.errors.length === 0
    const scope: ScanScope = { accountId, region: deps.region, checkIds: new Set(evaluation.evaluatedChecks) }
    const counts: Record<string, number> = {
      checksEvaluated: evaluation.evaluatedChecks.length,
      outcomes: evaluation.outcomes.length,
      failing: evaluation.outcomes.filter((o) => o.status === 'fail').length,
      rejectedInputs: collected.rejections.length,
      incompleteSources: collected.incomplete.length,
      checkErrors: evaluation.errors.length,
    }
    if (deps.store) {
      const plan = await planTransitions(deps.store, scope, evaluation.outcomes, complete, now, scanId)
      Object.assign(counts, await applyPlan(deps.store, plan, deps.log))
    }
    const status = complete ? 'complete' : 'degraded'
    const summary: ScanSummary = {
      scanId,
      accountId,
      status,
      outcomes: evaluation.outcomes,
      counts,
      rejections: collected.rejections.slice(0, MAX_STORED_REJECTIONS),
      incomplete: collected.incomplete,
      checkErrors: evaluation.errors,
    }
    await deps.store?.records.finishScan({
      scanId,
      scanType: 'credentials',
      accountId,
      startedAt,
      finishedAt: (deps.now?.() ?? new Date()).toISOString(),
      status,
      counts,
      rejections: summary.rejections,
      incomplete: collected.incomplete.slice(0, MAX_STORED_REJECTIONS),
    })
    deps.log.info('scan finished', { scanId, status, ...counts })
    return summary
  } catch (err) {
    await deps.store?.records
      .finishScan({
        scanId,
        scanType: 'credentials',
        accountId,
        startedAt,
        status: 'failed',
        error: String((err as Error).message),
      })
      .catch(() => undefined)
    throw err
  }
}

/** Reads what the plan needs (failing findings' states, open findings in scope) and reconciles. */
export async function planTransitions(
  store: FindingsStore,
  scope: ScanScope,
  outcomes: readonly Outcome[],
  complete: boolean,
  now: Date,
  scanId: string,
): Promise<ReconcilePlan> {
  const failingIds = outcomes
    .filter((o) => o.status === 'fail')
    .map((o) =>
      findingId({
        accountId: scope.accountId,
        checkId: o.checkId,
        resourceId: o.resource.id,
        credentialId: o.credentialId,
      }),
    )
  const existing = await store.getFindings(failingIds)
  // A scope of a few resources reads only their open findings; a full scan reads each check's.
  const resources = scope.resourceIds && scope.resourceIds.size <= 25 ? [...scope.resourceIds] : [undefined]
  const queries = [...scope.checkIds].flatMap((checkId) =>
    resources.map((resourceId) => ({ checkId, resourceId })),
  )
  const open = await mapLimit(queries, 4, ({ checkId, resourceId }) =>
    store.listOpenByCheck(scope.accountId, checkId, resourceId),
  )
  for (const f of open.flat()) existing.set(f.id, f)
  const checks = new Map(CHECKS.map((c) => [c.id, c]))
  return reconcile({
    scope,
    outcomes,
    existing: existing as Map<string, Finding>,
    complete,
    now,
    scanId,
    checks,
  })
}

export async function applyPlan(
  store: FindingsStore,
  plan: ReconcilePlan,
  log: Log,
): Promise<Record<string, number>> {
  const conflicts = new Set(await store.applyTransitions(plan.transitions))
  for (const t of conflicts)
    log.warn('transition skipped: finding changed concurrently', { findingId: t.finding.id })
  const applied = plan.transitions.filter((t) => !conflicts.has(t))
  const count = (kind: string) => applied.filter((t) => t.entry.transition === kind).length
  return {
    opened: count('OPENED'),
    reopened: count('REOPENED'),
    resolved: count('RESOLVED'),
    unchanged: plan.unchanged,
    withheldResolutions: plan.withheldResolutions,
    conflicts: conflicts.size,
  }
}
