import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import { runCredentialScan, type ScanDeps, type ScanSummary } from '../shared/app/credential-scan.ts'
import { logger, once, scanDepsFromEnv } from '../shared/app/runtime.ts'

/** Scheduled every 4 hours (the credential report's own refresh period). */
export function createHandler(deps: () => ScanDeps) {
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (): Promise<Omit<ScanSummary, 'outcomes'>> => {
      const { outcomes: _outcomes, ...summary } = await runCredentialScan(deps())
      return summary
    })
}

export const handler = createHandler(once(scanDepsFromEnv))
