import {
  type AwsSecurityFinding,
  type AwsSecurityFindingIdentifier,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub'
import type { AsffWorkflowStatus } from '../export/asff-import.ts'
import { errorCode, sleep } from './clients.ts'

/**
 * Security Hub's write side for iamwatch's findings: BatchImportFindings (the provider's fields: at most
 * 100 findings a call, each accepted or refused on its own in FailedFindings) and BatchUpdateFindings (the
 * investigation's fields an import cannot change once the finding exists: Workflow and Note).
 */

/** BatchImportFindings and BatchUpdateFindings take at most 100 findings a call. */
export const SECURITY_HUB_BATCH = 100

/**
 * The error codes worth another try, for a whole call or one finding in it: throttling, Security Hub's
 * own failures, and a concurrent update of the same finding (BatchUpdateFindings' ConcurrentUpdateError).
 */
const TRANSIENT = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'InternalException',
  'InternalFailure',
  'InternalError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ConcurrentUpdateError',
])

export function isTransientCode(code: string): boolean {
  return TRANSIENT.has(code)
}

export interface RetryOptions {
  /** Retries of the findings (or calls) that failed for a transient reason, after the SDK's own (default 3). */
  retries?: number
  /** Base delay of those retries, doubling with full jitter (default 400 ms). */
  backoffMs?: number
  random?: () => number
}

/** One finding Security Hub did not take, with its reason. */
export interface FailedFinding {
  id: string
  code: string
  message: string
}

export interface ImportResult {
  imported: number
  failed: FailedFinding[]
}

function retrying(options: RetryOptions) {
  const retries = options.retries ?? 3
  const backoffMs = options.backoffMs ?? 400
  const random = options.random ?? Math.random
  return {
    retries,
    wait: (attempt: number) => sleep(random() * backoffMs * 2 ** Math.min(attempt, 6)),
  }
}

/**
 * One call, retried here (after the SDK's own attempts) while it fails for a transient reason; its
 * last error is thrown when it still fails, as is any other error at once (no access, Security Hub not
 * enabled, a request Security Hub refuses whole).
 */
async function callWithRetries<T>(send: () => Promise<T>, r: ReturnType<typeof retrying>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send()
    } catch (err) {
      if (!isTransientCode(errorCode(err)) || attempt >= r.retries) throw err
      await r.wait(attempt)
    }
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Imports findings with BatchImportFindings, 100 a call. Security Hub answers per finding: the ones it
 * refused for a transient reason (throttling, its own failure) are imported again, a few times with
 * backoff; the others (a malformed finding, a product or account it may not import into) are reported at
 * once. Resolves with how many were imported and each one that was not, with Security Hub's code and
 * message; throws only when a whole call fails (after its retries).
 */
export async function importFindings(
  client: SecurityHubClient,
  findings: readonly AwsSecurityFinding[],
  options: RetryOptions = {},
): Promise<ImportResult> {
  const r = retrying(options)
  let imported = 0
  const failed: FailedFinding[] = []
  for (const batch of chunks(findings, SECURITY_HUB_BATCH)) {
    let pending = batch
    for (let attempt = 0; pending.length > 0; attempt++) {
      const out = await callWithRetries(
        () => client.send(new BatchImportFindingsCommand({ Findings: pending })),
        r,
      )
      const refused = out.FailedFindings ?? []
      imported += out.SuccessCount ?? pending.length - refused.length
      const retry = new Set<string>()
      for (const f of refused) {
        const failure = {
          id: f.Id ?? 'unknown',
          code: f.ErrorCode ?? 'Unknown',
          message: f.ErrorMessage ?? '',
        }
        if (isTransientCode(failure.code) && attempt < r.retries) retry.add(failure.id)
        else failed.push(failure)
      }
      pending = pending.filter((f) => retry.has(f.Id ?? ''))
      if (pending.length > 0) await r.wait(attempt)
    }
  }
  return { imported, failed }
}

/** A workflow change for some findings: the status, and the note saying who, when and why. */
export interface WorkflowUpdate {
  findings: AwsSecurityFindingIdentifier[]
  status: AsffWorkflowStatus
  note: string
}

export interface UpdateResult {
  updated: number
  failed: FailedFinding[]
}

/**
 * Not found may only mean "not yet": BatchUpdateFindings may not see a finding imported a moment ago.
 * It is retried like a transient failure, then reported.
 */
const UPDATE_RETRIED = new Set([...TRANSIENT, 'FindingNotFound'])

/**
 * Sets the workflow status of findings, with a note by `iamwatch` (BatchUpdateFindings, 100 a call): the
 * one way a provider changes Workflow once a finding exists, since BatchImportFindings then ignores it.
 * Findings left unprocessed for a transient reason are sent again, a few times with backoff.
 */
export async function updateWorkflows(
  client: SecurityHubClient,
  updates: readonly WorkflowUpdate[],
  options: RetryOptions = {},
): Promise<UpdateResult> {
  const r = retrying(options)
  let updated = 0
  const failed: FailedFinding[] = []
  for (const update of updates) {
    for (const batch of chunks(update.findings, SECURITY_HUB_BATCH)) {
      let pending = batch
      for (let attempt = 0; pending.length > 0; attempt++) {
        const out = await callWithRetries(
          () =>
            client.send(
              new BatchUpdateFindingsCommand({
                FindingIdentifiers: pending,
                Workflow: { Status: update.status },
                Note: { Text: update.note, UpdatedBy: 'iamwatch' },
              }),
            ),
          r,
        )
        updated += out.ProcessedFindings?.length ?? 0
        const retry = new Set<string>()
        for (const u of out.UnprocessedFindings ?? []) {
          const failure = {
            id: u.FindingIdentifier?.Id ?? 'unknown',
            code: u.ErrorCode ?? 'Unknown',
            message: u.ErrorMessage ?? '',
          }
          if (UPDATE_RETRIED.has(failure.code) && attempt < r.retries) retry.add(failure.id)
          else failed.push(failure)
        }
        pending = pending.filter((f) => retry.has(f.Id ?? ''))
        if (pending.length > 0) await r.wait(attempt)
      }
    }
  }
  return { updated, failed }
}

/** GetFindings takes at most 20 values per filter attribute. */
const FILTER_VALUES = 20

/**
 * The `iamwatch/seq` product field of findings as Security Hub has them (GetFindings by Id, 20 a call):
 * which transition each stands at. Findings it does not have (or not yet) are absent.
 */
export async function importedSeqs(
  client: SecurityHubClient,
  productArn: string,
  ids: readonly string[],
  options: RetryOptions = {},
): Promise<Map<string, number>> {
  const r = retrying(options)
  const seqs = new Map<string, number>()
  for (const batch of chunks([...new Set(ids)], FILTER_VALUES)) {
    let token: string | undefined
    do {
      const page = await callWithRetries(
        () =>
          client.send(
            new GetFindingsCommand({
              Filters: {
                ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
                Id: batch.map((id) => ({ Value: id, Comparison: 'EQUALS' as const })),
              },
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        r,
      )
      for (const f of page.Findings ?? []) {
        const seq = Number(f.ProductFields?.['iamwatch/seq'])
        if (f.Id && Number.isInteger(seq)) seqs.set(f.Id, seq)
      }
      token = page.NextToken
    } while (token)
  }
  return seqs
}
