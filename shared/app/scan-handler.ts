import middy from '@middy/core'
import { heartbeatRecord, stdoutLine } from './heartbeat.ts'
import { logFailure } from './middleware.ts'
import { runScan, type ScanDeps, type ScanPart, type ScanSummary } from './scan.ts'

/**
 * A scheduled scan of some parts: the handler files only say which parts and where deps come from.
 * A scan that runs to its end (complete or degraded) sends each part's heartbeat.
 */
export function createScanHandler(
  parts: readonly ScanPart[],
  deps: () => ScanDeps,
  write: (line: string) => void = stdoutLine,
) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
      const remaining = context?.getRemainingTimeInMillis?.()
      const deadline = remaining === undefined ? undefined : new Date(Date.now() + readingTime(remaining))
      const { outcomes: _outcomes, ...summary } = await runScan({
        ...deps(),
        parts,
        ...(deadline ? { deadline } : {}),
      })
      const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local'
      for (const part of parts)
        write(JSON.stringify(heartbeatRecord(part, functionName, summary.status === 'degraded', new Date())))
      return summary as Omit<ScanSummary, 'outcomes'>
    })
}

/** Of the function's remaining time, what reading may take: the rest (a fifth, at least 15 s) is for the writes. */
export function readingTime(remainingMs: number): number {
  return Math.max(0, remainingMs - Math.max(15_000, remainingMs / 5))
}
