import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam'
import type { AccessReport, EntityAccess } from '../model/access.ts'
import {
  normalizeAccessReport,
  normalizeEntities,
  type RawServiceLastAccessed,
} from '../normalize/access-advisor.ts'
import { errorCode, mapLimit, sleep } from './clients.ts'

/**
 * Access Advisor (service last accessed) through IAM's asynchronous jobs: GenerateServiceLastAccessedDetails
 * per principal or policy (ACTION_LEVEL), GetServiceLastAccessedDetails polled until COMPLETED or FAILED
 * and paged by Marker. A bounded number of jobs is in flight, throttling backs off and is retried (beyond
 * the SDK's own attempts), and nothing starts after the deadline: a target whose data could not be had is
 * a failure with the reason, never an empty report.
 */
export interface AccessAdvisorOptions {
  /** Jobs in flight at once (default 8). */
  concurrency?: number
  /** First wait before polling a job again, doubling to `maxPollMs` (defaults 250 and 8,000 ms). */
  pollIntervalMs?: number
  maxPollMs?: number
  /** Give up on a job not completed after this long (default 5 minutes). */
  jobTimeoutMs?: number
  /** Start no job after this time, and give up polling at it. */
  deadline?: Date
  /** Times a throttled or failing call is retried after the SDK's own attempts (default 8). */
  retries?: number
  /** Base delay of those retries, doubling with full jitter (default 500 ms). */
  backoffMs?: number
  random?: () => number
}

export interface AccessAdvisorStats {
  jobs: number
  calls: number
  /** Calls retried here because IAM throttled them (after the SDK's own retries). */
  throttled: number
  failedJobs: number
}

export interface AccessAdvisorResult {
  reports: Map<string, AccessReport>
  /** Target ARN -> why its data could not be read. */
  failures: Map<string, string>
  /** Malformed rows dropped, per target. */
  rejected: string[]
  stats: AccessAdvisorStats
}

const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
])
const TRANSIENT = new Set([
  'ServiceFailure',
  'ServiceFailureException',
  'InternalFailure',
  'ServiceUnavailable',
])

class DeadlinePassed extends Error {}

export async function readAccessReports(
  iam: IAMClient,
  targets: ReadonlyArray<{ arn: string; resourceId: string }>,
  options: AccessAdvisorOptions = {},
): Promise<AccessAdvisorResult> {
  const o = {
    concurrency: options.concurrency ?? 8,
    pollIntervalMs: options.pollIntervalMs ?? 250,
    maxPollMs: options.maxPollMs ?? 8000,
    jobTimeoutMs: options.jobTimeoutMs ?? 300_000,
    retries: options.retries ?? 8,
    backoffMs: options.backoffMs ?? 500,
    random: options.random ?? Math.random,
  }
  const stats: AccessAdvisorStats = { jobs: 0, calls: 0, throttled: 0, failedJobs: 0 }
  const result: AccessAdvisorResult = { reports: new Map(), failures: new Map(), rejected: [], stats }
  const pastDeadline = () => options.deadline !== undefined && Date.now() >= options.deadline.getTime()

  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      if (pastDeadline()) throw new DeadlinePassed('the deadline passed')
      try {
        stats.calls++
        return await send()
      } catch (err) {
        const code = errorCode(err)
        const retriable = THROTTLED.has(code) || TRANSIENT.has(code)
        if (!retriable || attempt >= o.retries) throw err
        if (THROTTLED.has(code)) stats.throttled++
        await sleep(o.random() * o.backoffMs * 2 ** Math.min(attempt, 6))
      }
    }
  }

  const readOne = async (target: { arn: string; resourceId: string }): Promise<AccessReport> => {
    for (let attempt = 0; ; attempt++) {
      stats.jobs++
      const { JobId } = await call(() =>
        iam.send(
          new GenerateServiceLastAccessedDetailsCommand({ Arn: target.arn, Granularity: 'ACTION_LEVEL' }),
        ),
      )
      if (!JobId) throw new Error('GenerateServiceLastAccessedDetails returned no JobId')
      const started = Date.now()
      let wait = o.pollIntervalMs
      const rows: RawServiceLastAccessed[] = []
      let marker: string | undefined
      for (;;) {
        const page = await call(() =>
          iam.send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 1000, Marker: marker })),
        )
        if (page.JobStatus === 'IN_PROGRESS') {
          if (Date.now() - started > o.jobTimeoutMs) throw new Error(`job ${JobId} still in progress`)
          await sleep(wait)
          wait = Math.min(wait * 2, o.maxPollMs)
          continue
        }
        if (page.JobStatus === 'FAILED') {
          stats.failedJobs++
          const why = `job failed: ${page.Error?.Code ?? 'unknown'} ${page.Error?.Message ?? ''}`.trim()
          if (attempt >= 1) throw new Error(why)
          break
        }
        if (page.JobStatus !== 'COMPLETED') throw new Error(`unexpected job status ${page.JobStatus}`)
        rows.push(...((page.ServicesLastAccessed ?? []) as RawServiceLastAccessed[]))
        if (!page.IsTruncated) {
          const { report, rejected } = normalizeAccessReport(
            target,
            page.JobCompletionDate ?? new Date(),
            rows,
          )
          result.rejected.push(...rejected.map((r) => `${target.resourceId}: ${r}`))
          return { ...report, jobId: JobId }
        }
        if (!page.Marker) throw new Error('truncated page without a Marker')
        marker = page.Marker
      }
    }
  }

  await mapLimit(targets, o.concurrency, async (target) => {
    try {
      if (pastDeadline()) throw new DeadlinePassed('not read before the deadline')
      result.reports.set(target.arn, await readOne(target))
    } catch (err) {
      const why =
        err instanceof DeadlinePassed
          ? 'not read before the deadline'
          : `${errorCode(err)}: ${String((err as Error).message ?? err).slice(0, 200)}`
      result.failures.set(target.arn, why)
    }
  })
  return result
}

/**
 * Which holders of a group or policy accessed one service: GetServiceLastAccessedDetailsWithEntities on
 * a completed job (by the caller that generated it), for tracing a policy's use to its principals.
 */
export async function readServiceEntities(
  iam: IAMClient,
  jobId: string,
  namespace: string,
): Promise<EntityAccess[]> {
  const entities: EntityAccess[] = []
  let marker: string | undefined
  for (;;) {
    const page = await iam.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({
        JobId: jobId,
        ServiceNamespace: namespace,
        MaxItems: 1000,
        Marker: marker,
      }),
    )
    if (page.JobStatus !== 'COMPLETED') throw new Error(`job ${jobId} is ${page.JobStatus}`)
    entities.push(...normalizeEntities(page.EntityDetailsList ?? []))
    if (!page.IsTruncated) return entities
    marker = page.Marker
  }
}
