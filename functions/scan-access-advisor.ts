import { createAccessAdvisorHandler } from '../shared/app/access-advisor-handler.ts'
import { once, scanDepsFromEnv } from '../shared/app/runtime.ts'
import type { ScanDeps } from '../shared/app/scan.ts'

/**
 * Hourly: continues the day's Access Advisor cycle from its checkpoint (catalog A5). A cycle reads every
 * principal's and customer managed policy's service-last-accessed data in batches, judging each batch
 * as it is read; an invocation stops before Lambda's limit and the next one carries on.
 */
export const createHandler = (deps: () => ScanDeps, write?: (line: string) => void) =>
  createAccessAdvisorHandler(deps, write)

export const handler = createHandler(once(() => scanDepsFromEnv()))
