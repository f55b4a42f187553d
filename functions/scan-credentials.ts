import middy from '@middy/core'
import { runCredentialScan, type ScanDeps, type ScanSummary } from '../shared/app/credential-scan.ts'
import { logFailure } from '../shared/app/middleware.ts'
import { once, scanDepsFromEnv } from '../shared/app/runtime.ts'

/** Scheduled every 4 hours (the credential report's own refresh period). */
export function createHandler(deps: () => ScanDeps) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (): Promise<Omit<ScanSummary, 'outcomes'>> => {
      const { outcomes: _outcomes, ...summary } = await runCredentialScan(deps())
      return summary
    })
}

export const handler = createHandler(once(scanDepsFromEnv))
