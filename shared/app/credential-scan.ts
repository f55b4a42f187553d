import { randomUUID } from 'node:crypto'
import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import type { IAMClient } from '@aws-sdk/client-iam'
import type { STSClient } from '@aws-sdk/client-sts'
import { mapLimit } from '../aws/clients.ts'
import { fetchCredentialReport, type ReportOptions } from '../aws/credential-report.ts'
import type { FindingsStore, ScanRun } from '../aws/findings-store.ts'
import { callerAccountId } from '../aws/sts.ts'
import { CHECKS } from '../checks/registry.ts'
import { enabledChecks, type IamwatchConfig } from '../config/config.ts'
import { evaluateChecks } from '../engine/evaluate.ts'
import { type ReconcilePlan, reconcile, type ScanScope } from '../engine/reconcile.ts'
import { type Finding, findingId, type Outcome } from '../model/finding.ts'
import { parseCredentialReport } from '../normalize/credential-report.ts'
import { type CollectedCredentials, collectCredentials } from './collect-credentials.ts'
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
  /** What to scan; default: credentials (report and password policy). */
  parts?: readonly ScanPart[]
  /** Clients for the other parts (built from the standard configuration when absent). */
  cloudTrail?: CloudTrailClient
  accessAnalyzer?: (region: string) => AccessAnalyzerClient
}

export type ScanPart = 'credentials' | 'authorization' | 'trails'
export const SCAN_PARTS: readonly ScanPart[] = ['credentials', 'authorization', 'trails']

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

/** The scheduled credential scan (report and password policy). */
export function runCredentialScan(deps: ScanDeps, scanId?: string): Promise<ScanSummary> {
  return runScan({ ...deps, parts: deps.parts ?? ['credentials'] }, scanId)
}

const NOTHING: CollectedCredentials = { sources: {}, rejections: [], incomplete: [] }

async function reportUsers(iam: IAMClient, report?: ReportOptions) {
  const { csv } = await fetchCredentialReport(iam, report)
  const parsed = parseCredentialReport(csv)
  return parsed.readable ? parsed.users : undefined
}

/**
 * A scan: fetch the parts asked for, evaluate every enabled check whose data was read, and (given a
 * store) reconcile into findings. Each source resolves findings only when it was read completely.
 */
export async function runScan(deps: ScanDeps, scanId?: string): Promise<ScanSummary> {
  const parts = deps.parts ?? ['credentials']
  const id = scanId ?? `${parts.join('+')}-${randomUUID()}`
  const now = deps.now?.() ?? new Date()
  const startedAt = now.toISOString()
  const trusted = new Set(deps.config.trustedAccounts)
  const regions = deps.config.regions.length ? deps.config.regions : [deps.region]
  const [accountId, collected, auth, trails] = await Promise.all([
    deps.accountId ??
      (deps.sts ? callerAccountId(deps.sts) : Promise.reject(new Error('no accountId and no STS client'))),
    parts.includes('credentials') ? collectCredentials(deps.iam, deps.report) : NOTHING,
    parts.includes('authorization')
      ? import('./collect-authorization.ts').then(({ collectAuthorization }) =>
          collectAuthorization(
            deps.iam,
            trusted,
            deps.accessAnalyzer ? { regions, client: deps.accessAnalyzer } : undefined,
          ),
        )
      : undefined,
    // Loaded on demand, like the authorization part: the credential Lambda never loads either.
    parts.includes('trails')
      ? import('./collect-trails.ts').then(async ({ collectTrails }) => {
          const client = deps.cloudTrail ?? (await import('../aws/cloudtrail.ts')).cloudTrailClient()
          return collectTrails(client, deps.store, now)
        })
      : undefined,
  ])
  if (collected.accountId && collected.accountId !== accountId) {
    throw new Error(
      `the credential report is for account ${collected.accountId}, the credentials for ${accountId}`,
    )
  }
  // The authorization part alone reads MFA state from the credential report (no per-user calls).
  const users =
    collected.sources.credentials?.users ??
    (parts.includes('authorization')
      ? await reportUsers(deps.iam, deps.report).catch(() => undefined)
      : undefined)
  const sources = {
    ...collected.sources,
    ...(auth?.source
      ? {
          authorization: {
            ...auth.source,
            ...(users ? { mfaUsers: new Set(users.filter((u) => u.mfaActive).map((u) => u.name)) } : {}),
          },
        }
      : {}),
  }
  if (trails?.source) Object.assign(sources, { trails: trails.source })
  const incomplete = [...collected.incomplete, ...(auth?.incomplete ?? []), ...(trails?.incomplete ?? [])]
  const scanType = parts.join('+')
  await deps.store?.records.startScan({ scanId: id, scanType, accountId, startedAt, status: 'running' })

  try {
    const checks = enabledChecks(deps.config, CHECKS)
    const evaluation = evaluateChecks(checks, sources, { now, accountId, config: deps.config })
    for (const r of collected.rejections) deps.log.warn('input rejected', { ...r })
    for (const e of evaluation.errors) deps.log.error('check failed', { ...e })
    for (const i of incomplete) deps.log.warn('source incomplete', { detail: i })

    const sourceComplete: Record<string, boolean> = {
      credentials: collected.rejections.length === 0 && collected.incomplete.length === 0,
      passwordPolicy: collected.rejections.length === 0 && collected.incomplete.length === 0,
      authorization: (auth?.incomplete.length ?? 0) === 0,
      trails: (trails?.incomplete.length ?? 0) === 0,
    }
    const complete =
      Object.entries(sourceComplete).every(([k, ok]) => ok || !(k in sources)) &&
      incomplete.length === 0 &&
      evaluation.errors.length === 0
    const counts: Record<string, number> = {
      checksEvaluated: evaluation.evaluatedChecks.length,
      outcomes: evaluation.outcomes.length,
      failing: evaluation.outcomes.filter((o) => o.status === 'fail').length,
      rejectedInputs: collected.rejections.length,
      incompleteSources: incomplete.length,
      checkErrors: evaluation.errors.length,
    }
    if (deps.store) {
      const bySource = new Map<boolean, string[]>()
      for (const checkId of evaluation.evaluatedChecks) {
        const ok = sourceComplete[CHECKS.find((c) => c.id === checkId)!.source] ?? false
        bySource.set(ok, [...(bySource.get(ok) ?? []), checkId])
      }
      const plans = []
      for (const [ok, checkIds] of bySource) {
        const scope: ScanScope = { accountId, region: deps.region, checkIds: new Set(checkIds) }
        plans.push(await planTransitions(deps.store, scope, evaluation.outcomes, ok, now, id))
      }
      const merged: ReconcilePlan = {
        transitions: plans.flatMap((p) => p.transitions),
        unchanged: plans.reduce((n, p) => n + p.unchanged, 0),
        withheldResolutions: plans.reduce((n, p) => n + p.withheldResolutions, 0),
      }
      Object.assign(counts, await applyPlan(deps.store, merged, deps.log))
    }
    const status = complete ? 'complete' : 'degraded'
    const summary: ScanSummary = {
      scanId: id,
      accountId,
      status,
      outcomes: evaluation.outcomes,
      counts,
      rejections: collected.rejections.slice(0, MAX_STORED_REJECTIONS),
      incomplete,
      checkErrors: evaluation.errors,
    }
    await deps.store?.records.finishScan({
      scanId: id,
      scanType,
      accountId,
      startedAt,
      finishedAt: (deps.now?.() ?? new Date()).toISOString(),
      status,
      counts,
      rejections: summary.rejections,
      incomplete: incomplete.slice(0, MAX_STORED_REJECTIONS),
    })
    deps.log.info('scan finished', { scanId: id, status, ...counts })
    return summary
  } catch (err) {
    await deps.store?.records
      .finishScan({
        scanId: id,
        scanType,
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
