import { randomUUID } from 'node:crypto'
import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import type { IAMClient } from '@aws-sdk/client-iam'
import type { STSClient } from '@aws-sdk/client-sts'
import type { ReportOptions } from '../aws/credential-report.ts'
import { callerAccountId } from '../aws/sts.ts'
import type { Reading } from '../checks/sources.ts'
import type { ScheduleName } from '../checks/types.ts'
import type { IamwatchConfig } from '../config/config.ts'
import type { CheckError } from '../engine/evaluate.ts'
import { type EvaluationRun, evaluate, type PipelineContext, type Trigger } from '../engine/pipeline.ts'
import { groupPosture } from '../engine/posture.ts'
import type { FindingsRepository, ScanRun } from '../engine/repository.ts'
import type { Outcome } from '../model/finding.ts'
import { collectSource } from '../sources/index.ts'
import { type SourceContext, unreadable } from '../sources/types.ts'
import type { Log } from './log.ts'

export interface ScanDeps {
  iam: IAMClient
  /** Asked for the account id when `accountId` is not given (the CLI); the Lambda is told its account. */
  sts?: STSClient
  store?: FindingsRepository
  config: IamwatchConfig
  region: string
  log: Log
  now?: () => Date
  report?: ReportOptions
  /** Skips GetCallerIdentity when the account is known. */
  accountId?: string
  /** The account's name (an organization's account), recorded on its findings. */
  accountName?: string
  /**
   * The organization's accounts (an organization deployment): trusted like `trustedAccounts`, as the
   * catalog says of role-trust-external-account ("outside the configured trusted accounts/organization").
   */
  organizationAccounts?: readonly string[]
  /** What to scan; default: credentials (report and password policy). */
  parts?: readonly ScanPart[]
  /** Clients for the other parts (built from the standard configuration when absent). */
  cloudTrail?: CloudTrailClient
  accessAnalyzer?: (region: string) => AccessAnalyzerClient
  /**
   * Stop reading by then (a Lambda's remaining time less a reserve for the writes): a source still
   * being read is given up, its checks are not evaluated, and the run is recorded as degraded instead
   * of being killed mid-write.
   */
  deadline?: Date
}

export type ScanPart = ScheduleName
export const SCAN_PARTS: readonly ScanPart[] = ['credentials', 'authorization', 'trails', 'access-advisor']

export interface ScanSummary {
  scanId: string
  accountId: string
  status: 'complete' | 'degraded'
  outcomes: Outcome[]
  counts: Record<string, number>
  rejections: ScanRun['rejections']
  /** What could not be read. */
  incomplete: string[]
  /** Checks not evaluated, and resources a check could not judge: their findings were left as they are. */
  notEvaluated: string[]
  checkErrors: CheckError[]
}

const MAX_STORED = 50

/** The account's clients and settings, as the sources read them. */
export function sourceContext(
  deps: Omit<ScanDeps, 'accountId'>,
  accountId: string,
  now: Date,
): SourceContext {
  return {
    accountId,
    iam: deps.iam,
    ...(deps.cloudTrail ? { cloudTrail: () => deps.cloudTrail! } : {}),
    ...(deps.accessAnalyzer
      ? { accessAnalyzer: deps.accessAnalyzer }
      : {
          accessAnalyzer: async (region: string) =>
            (await import('../aws/access-analyzer.ts')).accessAnalyzerClient(region),
        }),
    regions: deps.config.regions.length ? deps.config.regions : [deps.region],
    trustedAccounts: new Set([...deps.config.trustedAccounts, ...(deps.organizationAccounts ?? [])]),
    ...(deps.report ? { report: deps.report } : {}),
    ...(deps.store ? { records: deps.store.records } : {}),
    // Access Advisor's jobs stop at the deadline too, not only the wait for them (beforeDeadline).
    ...(deps.deadline ? { advisor: { deadline: deps.deadline } } : {}),
    now,
  }
}

/** A reading, or an unreadable one if the deadline comes first. */
async function beforeDeadline<T>(
  reading: Promise<Reading<T>>,
  deadline: Date | undefined,
  name: string,
  now: Date,
): Promise<Reading<T>> {
  if (!deadline) return reading
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Reading<T>>((resolve) => {
    timer = setTimeout(
      () => resolve(unreadable(now, `${name} not read before the function's deadline`)),
      Math.max(0, deadline.getTime() - Date.now()),
    )
  })
  try {
    return await Promise.race([reading, late])
  } finally {
    clearTimeout(timer)
  }
}

/** The pipeline's context for one run: sources read through the AWS adapters, findings in the store. */
export function pipelineContext(
  deps: Omit<ScanDeps, 'accountId'>,
  accountId: string,
  now: Date,
): PipelineContext {
  const sources = sourceContext(deps, accountId, now)
  return {
    accountId,
    ...(deps.accountName ? { accountName: deps.accountName } : {}),
    region: deps.region,
    config: deps.config,
    now,
    collect: (name, scope) => beforeDeadline(collectSource(sources, name, scope), deps.deadline, name, now),
    ...(deps.store ? { repository: deps.store } : {}),
    log: deps.log,
  }
}

/**
 * A scheduled scan of some parts: the same pipeline an event runs, over the whole account. Each check
 * is judged only on complete data for every source it reads; given a store, findings are reconciled
 * under the resolution rule, and the run is recorded (complete or degraded, and why).
 */
export async function runScan(deps: ScanDeps, scanId?: string): Promise<ScanSummary> {
  const parts = deps.parts ?? ['credentials']
  const scanType = parts.join('+')
  const id = scanId ?? `${scanType}-${randomUUID()}`
  const now = deps.now?.() ?? new Date()
  const startedAt = now.toISOString()
  const accountId = deps.accountId ?? (deps.sts ? await callerAccountId(deps.sts) : undefined)
  if (!accountId) throw new Error('no accountId and no STS client')
  const records = deps.store?.records
  await records?.startScan({ scanId: id, scanType, accountId: accountId, startedAt, status: 'running' })
  const trigger: Trigger = { kind: 'schedule', parts, runId: id }
  // An organization deployment's own account trusts the organization's accounts too (the stored directory).
  if (deps.config.organization && !deps.organizationAccounts && records) {
    const directory = await records.directory()
    if (directory) deps = { ...deps, organizationAccounts: directory.accounts.map((a) => a.id) }
  }
  let run: EvaluationRun
  try {
    run = (await evaluate(pipelineContext(deps, accountId, now), trigger)) ?? emptyRun(id)
  } catch (err) {
    await records
      ?.finishScan({
        scanId: id,
        scanType,
        accountId: accountId,
        startedAt,
        status: 'failed',
        error: String((err as Error).message),
      })
      .catch(() => undefined)
    throw err
  }
  // The groups' posture, for admin-group-membership: only from a complete read of the whole account.
  const auth = run.readings.authorization
  if (records && auth?.complete && auth.data && !auth.covers)
    await records.putGroupPosture(groupPosture(accountId, auth.data.inventory, auth.asOf))
  for (const r of run.rejections) deps.log.warn('input rejected', { ...r })
  for (const p of run.problems) deps.log.warn('source incomplete', { detail: p })
  for (const n of run.notEvaluated.slice(0, MAX_STORED)) deps.log.warn('not evaluated', { detail: n })
  const summary: ScanSummary = {
    scanId: id,
    accountId: accountId,
    status: run.status,
    outcomes: run.outcomes,
    counts: run.counts,
    rejections: run.rejections.slice(0, MAX_STORED),
    incomplete: run.problems,
    notEvaluated: run.notEvaluated,
    checkErrors: run.judgements.flatMap((j) => (j.error ? [{ checkId: j.checkId, message: j.error }] : [])),
  }
  await records?.finishScan({
    scanId: id,
    scanType,
    accountId: summary.accountId,
    startedAt,
    finishedAt: (deps.now?.() ?? new Date()).toISOString(),
    status: summary.status,
    counts: summary.counts,
    rejections: summary.rejections,
    incomplete: [...run.problems, ...run.notEvaluated].slice(0, MAX_STORED),
  })
  deps.log.info('scan finished', { scanId: id, status: summary.status, ...summary.counts })
  return summary
}

function emptyRun(runId: string): EvaluationRun {
  return {
    runId,
    judgements: [],
    outcomes: [],
    readings: {},
    problems: [],
    rejections: [],
    notEvaluated: [],
    counts: {},
    status: 'complete',
  }
}
