import middy from '@middy/core'
import { type CycleOptions, type CycleResult, runAccessAdvisorCycle } from './access-advisor-cycle.ts'
import { heartbeatRecord, stdoutLine } from './heartbeat.ts'
import { logFailure } from './middleware.ts'
import type { ScanDeps } from './scan.ts'
import { readingTime } from './scan-handler.ts'

/**
 * Hourly: carries the Access Advisor cycle on from its checkpoint until the function's deadline (the
 * same reserve for writes as the other scans). The heartbeat goes out when a cycle finishes: its alarm
 * fires when no cycle finished for two days.
 */
export function createAccessAdvisorHandler(
  deps: () => ScanDeps & { cycle?: CycleOptions },
  write: (line: string) => void = stdoutLine,
) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
      const remaining = context?.getRemainingTimeInMillis?.()
      const d = deps()
      const deadline = remaining === undefined ? undefined : new Date(Date.now() + readingTime(remaining))
      const result: CycleResult = await runAccessAdvisorCycle(d, {
        ...d.cycle,
        ...(deadline ? { deadline } : {}),
      })
      d.log.info('access advisor cycle', {
        status: result.status,
        cycleId: result.cycleId,
        processed: result.processed,
        done: result.done,
        remaining: result.remaining,
        ...result.stats,
        ...result.counts,
      })
      for (const p of result.problems.slice(0, 20)) d.log.warn('source incomplete', { detail: p })
      if (result.status === 'finished')
        write(
          JSON.stringify(
            heartbeatRecord(
              'access-advisor',
              process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local',
              result.degraded,
              new Date(),
            ),
          ),
        )
      return result
    })
}
