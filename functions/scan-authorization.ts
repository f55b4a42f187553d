import { once, scanDepsFromEnv } from '../shared/app/runtime.ts'
import type { ScanDeps } from '../shared/app/scan.ts'
import { createScanHandler } from '../shared/app/scan-handler.ts'
import { accessAnalyzerClient } from '../shared/aws/access-analyzer.ts'

/** Daily: policies, trust, privilege escalation, certificates, Access Analyzer (catalog A3). */
export const createHandler = (deps: () => ScanDeps, write?: (line: string) => void) =>
  createScanHandler(['authorization'], deps, write)

export const handler = createHandler(
  once(() => ({ ...scanDepsFromEnv(), accessAnalyzer: (region: string) => accessAnalyzerClient(region) })),
)
