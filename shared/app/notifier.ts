import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { IamwatchConfig } from '../config/config.ts'
import {
  type AlertGroupsRepository,
  groupingParams,
  openGroup,
  placement,
  withOccurrence,
} from '../engine/alert-groups.ts'
import type { FindingsRepository } from '../engine/repository.ts'
import { alertable } from '../engine/suppression.ts'
import type { HistoryEntry } from '../model/finding.ts'
import { atLeast } from '../model/severity.ts'
import { type AlertMessage, buildAlert } from '../notify/message.ts'
import { flushGroup } from './alert-groups.ts'
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
  /**
   * Where occurrence groups are kept: with it, repeated occurrences of an open detection finding are
   * grouped (config `alerts.grouping`) instead of alerted one by one (shared/engine/alert-groups.ts).
   */
  groups?: AlertGroupsRepository
  /**
   * The Security Hub import (config `alerts.securityHub.enabled`): every history item of the batch,
   * alerted or not, once the alerts are out; a failure retries the batch (the alerts are not sent twice).
   */
  securityHub?: (entries: readonly HistoryEntry[]) => Promise<void>
}

export interface NotifyResult {
  batchItemFailures: Array<{ itemIdentifier: string }>
  published: number
  duplicates: number
  ignored: number
  /** History items that send no alert: a suppressed finding's, or a suppression or acknowledgement. */
  silent: number
  /** Occurrences grouped into their finding's open group (told in one follow-up alert). */
  grouped: number
  /** History items Security Hub refused for good (not enabled, no permission): logged, not retried. */
  securityHubRefused?: number
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
  const result: NotifyResult = {
    batchItemFailures: [],
    published: 0,
    duplicates: 0,
    ignored: 0,
    silent: 0,
    grouped: 0,
  }
  const imported: HistoryEntry[] = []
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
    imported.push(entry)
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
      const found = await deps.directory?.account(entry.accountId).catch(() => undefined)
      const account = found ? { name: found.name, ...(found.ouPath ? { ouPath: found.ouPath } : {}) } : {}
      if (
        deps.groups &&
        entry.occurrence &&
        (await grouped(entry, account, { ...deps, groups: deps.groups }))
      ) {
        result.grouped++
        continue
      }
      const messageId = await deps.publish(buildAlert(entry, account))
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
  if (deps.securityHub && imported.length > 0 && result.batchItemFailures.length === 0) {
    try {
      await deps.securityHub(imported)
    } catch (err) {
      if (refusedForGood(err)) {
        // Security Hub not enabled here, or the role may not import: retrying cannot help, and would hold
        // back every later alert. Logged (an error, for the errors alarm) and left.
        result.securityHubRefused = imported.length
        deps.log.error(
          'security hub refused the import; not retried: enable Security Hub in this region, or set alerts.securityHub.enabled to false',
          { error: String((err as Error)?.message ?? err), findings: imported.length },
        )
      } else {
        deps.log.error(
          'security hub import failed; the batch will be retried (its alerts are not sent again)',
          {
            error: String((err as Error)?.message ?? err),
          },
        )
        const first = records[0]
        result.batchItemFailures.push({
          itemIdentifier: first?.dynamodb?.SequenceNumber ?? first?.eventID ?? '0',
        })
      }
    }
  }
  return result
}

/**
 * Places a detection finding's alertable item among its occurrence groups. True: it joined the open
 * group (or is in one already, a redelivery) and is marked notified without an alert of its own. False:
 * it is to be alerted, and the group it opens is stored first (so a crash before the alert leaves a
 * group whose opener is alerted on redelivery, never a lost alert); an open group it cannot join
 * is sent first, so its follow-up comes before the new alert.
 */
async function grouped(
  entry: HistoryEntry,
  account: { name?: string; ouPath?: string },
  deps: NotifierDeps & { groups: AlertGroupsRepository },
): Promise<boolean> {
  const now = () => deps.now?.() ?? new Date()
  const params = groupingParams(deps.config.alerts.grouping)
  for (let attempt = 0; attempt < 5; attempt++) {
    const group = await deps.groups.latest(entry.findingId)
    const place = placement(group, entry, params)
    if (place === 'opener') return false
    if (place === 'grouped' || place === 'join') {
      if (
        place === 'grouped' ||
        (await deps.groups.replace(group!, withOccurrence(group!, entry, now().toISOString())))
      ) {
        await deps.store.records.markNotified(
          entry,
          `grouped:${group!.findingId}#${group!.openerSeq}`,
          now().toISOString(),
        )
        deps.log.info('occurrence grouped', {
          transitionId: entry.transitionId,
          opener: group!.openerTransitionId,
        })
        return true
      }
      continue
    }
    // 'alert': the open group it does not join is told first (one on its way is the tick's).
    if (group?.status === 'open') {
      const flushed = await flushGroup(group, { ...deps, groups: deps.groups, now, publish: deps.publish })
      if (flushed === 'moved') continue
    }
    await deps.groups.create(openGroup(entry, account, now().toISOString()))
    return false
  }
  throw new Error(`the occurrence group of finding ${entry.findingId} kept changing`)
}

/** Errors no retry mends: Security Hub not enabled in the region or account, access denied, an input it refuses. */
const FOR_GOOD =
  /^(InvalidAccessException|AccessDeniedException|InvalidInputException|AccessDenied|InvalidAccess|InvalidInput)$/

function refusedForGood(err: unknown): boolean {
  const e = err as { name?: string; failed?: ReadonlyArray<{ code?: string }> }
  if (e?.name && FOR_GOOD.test(e.name)) return true
  return Array.isArray(e?.failed) && e.failed.length > 0 && e.failed.every((f) => FOR_GOOD.test(f.code ?? ''))
}
