import { createAccountScanHandler } from '../shared/app/organization-handlers.ts'
import { accountScanDepsFromEnv, once } from '../shared/app/runtime.ts'

/** One member account's scan per account-scans message, through the account's reader role. */
export const handler = createAccountScanHandler(once(accountScanDepsFromEnv))
