import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { IamwatchConfig } from '../config/config.ts'
import type { FindingsRepository } from '../engine/repository.ts'
import { alertable } from '../engine/suppression.ts'
import type { HistoryEntry } from '../model/finding.ts'
import { atLeast } from '../model/severity.ts'
import { type AlertMessage, buildAlert } from '../notify/message.ts'
import type { LoadedDirectory } from './directory.ts'
import type { Log } from './log.ts'

/** The part of a DynamoDB stream record the notifier reads (Lambda's event and the Streams API agree). */
export interface StreamRecord {
  eventID?: string
  eventName?: string
  dynamodb?: { NewImage?: Record<string, unknown>; SequenceNumber?: string }
}

export interface NotifierDeps {
  store: Pick<FindingsRepository, 'records'>
  publish: (alert: AlertMessage) => Promise<string>
  config: IamwatchConfig
  log: Log
  now?: () => Date
  /** The organization's accounts: alerts name the account and its OU path (attributes `accountName`, `ouPath`). */
  directory?: LoadedDirectory
}

export interface NotifyResult {
  batchItemFailures: Array<{ itemIdentifier: string }>
  published: number
  duplicates: number
  ignored: number
  /** History items that send no alert: a suppressed finding's, or a suppression or acknowledgement. */
  silent: number
}

/**
 * The outbox's consumer: each history item inserted into the table becomes one alert. A marker item per
 * transition makes redelivery harmless; on a failure we stop, so the platform retries from that record
 * and a finding's transitions are never alerted out of order.
 */
export async function notifyRecords(
  records: readonly StreamRecord[],
  deps: NotifierDeps,
): Promise<NotifyResult> {
  const result: NotifyResult = { batchItemFailures: [], published: 0, duplicates: 0, ignored: 0, silent: 0 }
  for (const [i, record] of records.entries()) {
    const image = record.dynamodb?.NewImage
    if (record.eventName !== 'INSERT' || !image) {
      result.ignored++
      continue
    }
    // Only history items are decoded: a state, baseline, posture or marker item is never read, so none of
    // them can fail the batch.
    if ((image.kind as { S?: unknown } | undefined)?.S !== 'history') {
      result.ignored++
      continue
    }
    const item = unmarshall(image as never)
    const entry = item as unknown as HistoryEntry
    // Suppressed at this transition, or a suppression / acknowledgement itself: recorded, not alerted
    // (but an expired suppression lifted from an open finding is).
    if (!alertable(entry)) {
      result.silent++
      deps.log.info('transition not alerted', {
        transitionId: entry.transitionId,
        transition: entry.transition,
        suppressed: entry.suppression !== undefined,
      })
      continue
    }
    try {
      if (!atLeast(entry.severity, deps.config.alertMinSeverity)) {
        result.ignored++
        continue
      }
      if (await deps.store.records.isNotified(entry.findingId, entry.seq)) {
        result.duplicates++
        deps.log.info('transition already notified', { transitionId: entry.transitionId })
        continue
      }
      const account = await deps.directory?.account(entry.accountId).catch(() => undefined)
      const messageId = await deps.publish(
        buildAlert(
          entry,
          account ? { name: account.name, ...(account.ouPath ? { ouPath: account.ouPath } : {}) } : {},
        ),
      )
      const first = await deps.store.records.markNotified(
        entry,
        messageId,
        (deps.now?.() ?? new Date()).toISOString(),
      )
      if (!first) deps.log.warn('transition was notified concurrently', { transitionId: entry.transitionId })
      result.published++
      deps.log.info('transition notified', {
        transitionId: entry.transitionId,
        messageId,
        severity: entry.severity,
      })
    } catch (err) {
      deps.log.error('notification failed; the batch will be retried from this record', {
        transitionId: entry.transitionId,
        error: String((err as Error)?.message ?? err),
      })
      for (const rest of records.slice(i)) {
        result.batchItemFailures.push({
          itemIdentifier: rest.dynamodb?.SequenceNumber ?? rest.eventID ?? String(i),
        })
      }
      break
    }
  }
  return result
}
