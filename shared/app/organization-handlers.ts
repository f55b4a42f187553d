import middy from '@middy/core'
import * as v from 'valibot'
import { ReaderDenied } from '../aws/account-sessions.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import type { AccountScanRequest } from '../organization/model.ts'
import { heartbeatRecord, stdoutLine } from './heartbeat.ts'
import type { BatchResponse } from './key-activity.ts'
import { logFailure } from './middleware.ts'
import type { OrganizationDeps } from './organization.ts'
import {
  AccountNotInDirectory,
  type AccountScanDeps,
  AccountScanRequestSchema,
  dispatchOrganization,
  scanAccount,
} from './organization-scan.ts'
import { SCAN_PARTS, type ScanPart } from './scan.ts'
import { readingTime } from './scan-handler.ts'

type LambdaContext = { getRemainingTimeInMillis?: () => number }

const DispatchEvent = v.object({
  parts: v.pipe(v.array(v.picklist(SCAN_PARTS.filter((p) => p !== 'organization'))), v.minLength(1)),
})

export interface DispatchDeps extends OrganizationDeps {
  enqueue(requests: readonly AccountScanRequest[]): Promise<number>
}

/**
 * org-dispatch, on each schedule (its input names the parts): discovery, the organization checks, and one
 * account-scan request per reachable member on the queue. The organization part's heartbeat goes out
 * when it ran to its end.
 */
export function createOrgDispatchHandler(
  deps: () => DispatchDeps,
  write: (line: string) => void = stdoutLine,
) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (event: unknown) => {
      const parsed = v.safeParse(DispatchEvent, event)
      if (!parsed.success)
        throw new Error(
          `org-dispatch: the schedule's input must be {"parts":[...]}: ${v.summarize(parsed.issues)}`,
        )
      const d = deps()
      const result = await dispatchOrganization({ ...d, parts: parsed.output.parts as ScanPart[] })
      const queued = await d.enqueue(result.requests)
      write(
        JSON.stringify(
          heartbeatRecord(
            'organization',
            process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local',
            result.organization.status === 'degraded',
            new Date(),
          ),
        ),
      )
      return {
        dispatchId: result.dispatchId,
        accounts: result.directory.accounts.length,
        queued,
        scannedAccounts: new Set(result.requests.map((r) => r.accountId)).size,
        goneAccounts: result.goneAccounts,
        ...result.organization.counts,
      }
    })
}

export interface AccountScanBatch {
  response: BatchResponse
  scanned: number
  rejected: number
  denied: number
  failed: number
}

/**
 * scan-account: each message one account's scan. A malformed message is logged and dropped (counted; a
 * retry cannot mend it); a denied reader role is logged and dropped too (the organization part reports
 * the account as not monitored); anything else fails that message only, so SQS brings it back.
 */
export async function handleAccountScans(event: unknown, deps: AccountScanDeps): Promise<AccountScanBatch> {
  const records = (event as { Records?: Array<{ messageId?: string; body?: string }> })?.Records ?? []
  const out: AccountScanBatch = {
    response: { batchItemFailures: [] },
    scanned: 0,
    rejected: 0,
    denied: 0,
    failed: 0,
  }
  for (const record of records) {
    let request: AccountScanRequest
    try {
      const parsed = v.safeParse(AccountScanRequestSchema, JSON.parse(record.body ?? ''))
      if (!parsed.success) throw new Error(v.summarize(parsed.issues))
      request = parsed.output
    } catch (err) {
      out.rejected++
      deps.log.warn('account-scan request rejected', {
        messageId: record.messageId,
        reason: sanitizeForLog((err as Error).message, 300),
      })
      continue
    }
    try {
      const summary = await scanAccount(deps, request)
      out.scanned++
      deps.log.info('account scanned', {
        accountId: request.accountId,
        accountName: request.accountName,
        status: summary.status,
        ...summary.counts,
      })
    } catch (err) {
      if (err instanceof ReaderDenied || err instanceof AccountNotInDirectory) {
        out.denied++
        const why = err instanceof ReaderDenied ? 'reader role denied' : 'account left the organization'
        deps.log.warn(`${why}: account not scanned`, { accountId: request.accountId, detail: err.message })
        continue
      }
      out.failed++
      deps.log.error('account scan failed', {
        accountId: request.accountId,
        error: String((err as Error).message),
      })
      if (record.messageId) out.response.batchItemFailures.push({ itemIdentifier: record.messageId })
    }
  }
  return out
}

export function createAccountScanHandler(deps: () => AccountScanDeps) {
  return middy<unknown, BatchResponse>()
    .use(logFailure(() => deps().log))
    .handler(async (event, context?: LambdaContext) => {
      const remaining = context?.getRemainingTimeInMillis?.()
      const deadline = remaining === undefined ? undefined : new Date(Date.now() + readingTime(remaining))
      const batch = await handleAccountScans(event, { ...deps(), ...(deadline ? { deadline } : {}) })
      return batch.response
    })
}
