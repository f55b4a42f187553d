import { once, scanDepsFromEnv } from '../shared/app/runtime.ts'
import type { ScanDeps } from '../shared/app/scan.ts'
import { createScanHandler } from '../shared/app/scan-handler.ts'

/** Every 4 hours (the credential report's own refresh period): the report, keys, MFA, password policy. */
export const createHandler = (deps: () => ScanDeps, write?: (line: string) => void) =>
  createScanHandler(['credentials'], deps, write)

export const handler = createHandler(once(scanDepsFromEnv))
