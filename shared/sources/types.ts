import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import type { IAMClient } from '@aws-sdk/client-iam'
import type { AccessAdvisorOptions, AccessAdvisorStats } from '../aws/access-advisor.ts'
import { errorCode } from '../aws/clients.ts'
import type { ReportOptions } from '../aws/credential-report.ts'
import type { CheckSources, Reading, SourceName } from '../checks/sources.ts'
import type { MonitorRecordsRepository } from '../engine/repository.ts'
import type { SourceScope } from '../engine/scope.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import type { OrganizationSource } from '../organization/model.ts'

/** The account being read, with its clients: one per account, ready for several accounts later. */
export interface SourceContext {
  accountId: string
  iam: IAMClient
  cloudTrail?: () => CloudTrailClient | Promise<CloudTrailClient>
  accessAnalyzer?: (region: string) => AccessAnalyzerClient | Promise<AccessAnalyzerClient>
  /** Monitored regions (per-region reads: Access Analyzer). */
  regions: readonly string[]
  trustedAccounts: ReadonlySet<string>
  report?: ReportOptions
  /** Access Advisor reads: how many targets one reading may read (default 25, an event's cap), job options. */
  advisor?: {
    maxTargets?: number
    options?: AccessAdvisorOptions
    deadline?: Date
    onStats?: (stats: AccessAdvisorStats) => void
  }
  /** The monitor's own records (when the last CloudTrail event arrived); absent for a table-less scan. */
  records?: MonitorRecordsRepository
  /** An organization run: each account's view, as discovered and probed (source `organization`). */
  organization?: (accountId: string) => { data: OrganizationSource; asOf: Date } | undefined
  now: Date
}

/** One data source: how to read it for a scope, and the IAM actions that takes. */
export interface SourceModule<N extends SourceName> {
  name: N
  /**
   * The actions its reads need, reading the whole account (scheduled scans) and reading an event's
   * principals (the event handler): the roles grant them, and a test compares.
   */
  actions: { account: readonly string[]; principals: readonly string[] }
  collect(ctx: SourceContext, scope: SourceScope): Promise<Reading<CheckSources[N]>>
}

export const describeError = (err: unknown) =>
  `${errorCode(err)}: ${sanitizeForLog((err as Error)?.message ?? err, 200)}`

/** A source read the same way for the account and for an event's principals. */
export const sameActions = (...actions: string[]) => ({ account: actions, principals: actions })

/** A reading that could not be had at all. */
export function unreadable<T>(now: Date, problem: string): Reading<T> {
  return { complete: false, asOf: now, problems: [problem], partial: new Map() }
}
