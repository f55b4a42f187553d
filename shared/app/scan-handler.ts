import middy from '@middy/core'
import { logFailure } from './middleware.ts'
import { runScan, type ScanDeps, type ScanPart, type ScanSummary } from './scan.ts'

/** A scheduled scan of some parts: the handler files only say which parts and where deps come from. */
export function createScanHandler(parts: readonly ScanPart[], deps: () => ScanDeps) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (): Promise<Omit<ScanSummary, 'outcomes'>> => {
      const { outcomes: _outcomes, ...summary } = await runScan({ ...deps(), parts })
      return summary
    })
}
