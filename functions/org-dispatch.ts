import { createOrgDispatchHandler } from '../shared/app/organization-handlers.ts'
import { dispatchDepsFromEnv, once } from '../shared/app/runtime.ts'

/**
 * On each schedule ({"parts":[...]}): discover the organization's accounts, run the organization checks
 * (root access centralized, every account monitored), and queue one scan per reachable member account.
 */
export const handler = createOrgDispatchHandler(once(dispatchDepsFromEnv))
