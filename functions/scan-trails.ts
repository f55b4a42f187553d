import { once, scanDepsFromEnv } from '../shared/app/runtime.ts'
import type { ScanDeps } from '../shared/app/scan.ts'
import { createScanHandler } from '../shared/app/scan-handler.ts'
import { cloudTrailClient } from '../shared/aws/cloudtrail.ts'

/** Hourly: the trails and the monitor's own event stream (catalog A4). */
export const createHandler = (deps: () => ScanDeps, write?: (line: string) => void) =>
  createScanHandler(['trails'], deps, write)

export const handler = createHandler(once(() => ({ ...scanDepsFromEnv(), cloudTrail: cloudTrailClient() })))
