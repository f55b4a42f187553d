import middy from '@middy/core'
import { documentClient, snsClient } from '../aws/clients.ts'
import { DailyDigestRecords, publishDailyDigest } from '../aws/daily-digest-records.ts'
import { FindingsStore } from '../aws/findings-store.ts'
import { configFromEnv, type IamwatchConfig } from '../config/config.ts'
import { mapLimit } from '../engine/limit.ts'
import type { Finding, HistoryEntry, TransitionKind } from '../model/finding.ts'
import { buildDailyDigest, type DailyDigest, type DailyDigestCounts } from '../notify/daily-digest.ts'
import { zonedDay } from '../notify/zoned-time.ts'
import { LoadedDirectory } from './directory.ts'
import { requiredEnv } from './env.ts'
import { consoleLog, type Log } from './log.ts'
import { logFailure } from './middleware.ts'

/**
 * The daily digest of alerts (shared/notify/daily-digest.ts), sent once a day through the alerts topic
 * by an EventBridge Scheduler schedule (dailyDigestSchedule). Not the hourly signed digest
 * (shared/app/digest.ts).
 */

/** What sending the daily digest needs. */
export interface DailyDigestDeps {
  /**
   * The findings (one listing: the open ones, and the resolved ones' suppressions) and, for each account
   * that has one, its history since the previous digest (the history-by-time index).
   */
  store: Pick<FindingsStore, 'listFindings' | 'historyBetween'>
  /** The day's marker: claimed, then marked sent (shared/aws/daily-digest-records.ts). */
  records: Pick<DailyDigestRecords, 'claim' | 'get' | 'takeOver' | 'release' | 'markSent' | 'last'>
  /** Publishes the digest to the alerts topic; resolves with the message id. */
  publish: (digest: DailyDigest) => Promise<string>
  config: IamwatchConfig
  log: Log
  now?: () => Date
  /**
   * When the schedule meant it to run (Scheduler's `<aws.scheduler.scheduled-time>` in the event): its
   * day is the digest's, so a retry past midnight sends the scheduled day's digest, not the next one's.
   */
  scheduledAt?: Date
  /** The organization's accounts, to name them (an account the directory does not know keeps its id). */
  directory?: Pick<LoadedDirectory, 'account'>
  /**
   * Until when this run may live (the Lambda's deadline): a later run takes an unsent claim over once it
   * has passed. Without it, a claim is held for {@link DAILY_DIGEST_DEFAULTS.claimMs}.
   */
  deadline?: Date
}

export const DAILY_DIGEST_DEFAULTS = {
  /** How long a claim is held when the run's deadline is not known: after it, a later run republishes. */
  claimMs: 10 * 60_000,
  /** The period when no digest was sent before: a day. */
  firstPeriodMs: 86_400_000,
  /** The longest period one digest covers (after days without a digest). */
  maxPeriodMs: 7 * 86_400_000,
} as const

export interface DailyDigestResult {
  /**
   * sent: published now; already-sent: the day's digest went out before; in-progress: another run holds
   * the day and may still send it; disabled: `alerts.digest.enabled` is false.
   */
  status: 'sent' | 'already-sent' | 'in-progress' | 'disabled'
  /** The day (YYYY-MM-DD in the configured zone). */
  day: string
  messageId?: string
  /** What the digest counted (sent only). */
  counts?: DailyDigestCounts
  /** The period it covered (sent only). */
  since?: string
  /** True when this run took over the claim of a run that died before publishing. */
  recovered?: boolean
}

const CHANGE_KINDS: ReadonlySet<TransitionKind> = new Set(['OPENED', 'REOPENED', 'RESOLVED', 'ACKNOWLEDGED'])

/**
 * The history items that opened or resolved a finding after `since`, up to `to`: each account's from the
 * history-by-time index (every account that has a finding: a history item belongs to a finding).
 */
async function changesBetween(
  store: DailyDigestDeps['store'],
  accountIds: readonly string[],
  since: string,
  to: string,
): Promise<HistoryEntry[]> {
  const perAccount = await mapLimit(accountIds, 8, (accountId) => store.historyBetween(accountId, since, to))
  return perAccount.flat().filter((e) => CHANGE_KINDS.has(e.transition) && e.at > since && e.at <= to)
}

/** Account names by id, from the directory, for the accounts the digest names. */
async function accountNames(
  directory: DailyDigestDeps['directory'],
  accountIds: Iterable<string>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  if (!directory) return names
  for (const id of new Set(accountIds)) {
    const account = await directory.account(id)
    if (account?.name && account.name !== id) names.set(id, account.name)
  }
  return names
}

/** The time the previous digest covered up to, within bounds; 24 hours back for the first. */
function periodStart(last: string | undefined, now: Date): string {
  const nowMs = now.getTime()
  const lastMs = last ? Date.parse(last) : Number.NaN
  if (Number.isNaN(lastMs) || lastMs >= nowMs)
    return new Date(nowMs - DAILY_DIGEST_DEFAULTS.firstPeriodMs).toISOString()
  return new Date(Math.max(lastMs, nowMs - DAILY_DIGEST_DEFAULTS.maxPeriodMs)).toISOString()
}

/**
 * Sends the day's digest, once. The day's marker is claimed first (a conditional put): a second run the
 * same day finds it sent and does nothing. A run that dies between claim and publish leaves the marker
 * claimed and unsent: once its deadline has passed, a later run takes the claim over and publishes (a
 * publish or a read that fails gives the claim back at once, so the platform's retry sends it). Then it
 * reads the findings and the history since the previous digest, builds the digest, publishes it and
 * marks the day sent with the time it covered up to (the next digest's `since`).
 */
export async function sendDailyDigest(deps: DailyDigestDeps): Promise<DailyDigestResult> {
  const settings = deps.config.alerts.digest
  const now = deps.now?.() ?? new Date()
  const day = zonedDay(deps.scheduledAt ?? now, settings.timeZone)
  if (!settings.enabled) {
    deps.log.info('daily digest disabled', { day })
    return { status: 'disabled', day }
  }
  const at = now.toISOString()
  const until = (deps.deadline ?? new Date(now.getTime() + DAILY_DIGEST_DEFAULTS.claimMs)).toISOString()

  let recovered = false
  let held = await deps.records.claim(day, at, until)
  if (!held) {
    const marker = await deps.records.get(day)
    if (!marker) {
      // Gone between our claim and our read (its TTL): claim it again.
      held = await deps.records.claim(day, at, until)
      if (!held) return { status: 'in-progress', day }
    } else if (marker.sentAt) {
      deps.log.info('daily digest already sent', { day, messageId: marker.messageId })
      return { status: 'already-sent', day, ...(marker.messageId ? { messageId: marker.messageId } : {}) }
    } else {
      const heldUntil = Date.parse(marker.claimedUntil ?? '')
      const expired = Number.isNaN(heldUntil)
        ? Date.parse(marker.claimedAt) + DAILY_DIGEST_DEFAULTS.claimMs <= now.getTime()
        : heldUntil <= now.getTime()
      if (!expired) {
        deps.log.info('daily digest claimed by another run', { day, claimedAt: marker.claimedAt })
        return { status: 'in-progress', day }
      }
      held = await deps.records.takeOver(marker, at, until)
      if (!held) return { status: 'in-progress', day }
      recovered = true
      deps.log.warn('daily digest: taking over a claim that was never sent', {
        day,
        claimedAt: marker.claimedAt,
        claims: marker.claims,
      })
    }
  }

  let digest: DailyDigest
  let messageId: string
  let since: string
  try {
    since = periodStart(await deps.records.last(), now)
    const findings = await deps.store.listFindings()
    const accountIds = [...new Set(findings.map((f) => f.accountId))].sort()
    const changes = await changesBetween(deps.store, accountIds, since, at)
    const open: Finding[] = []
    const resolved: Finding[] = []
    for (const f of findings) {
      if (f.status === 'OPEN') open.push(f)
      else if (f.suppression) resolved.push(f)
    }
    const names = await accountNames(deps.directory, [
      ...findings.filter((f) => f.status === 'OPEN' || f.suppression).map((f) => f.accountId),
      ...changes.map((e) => e.accountId),
    ])
    digest = buildDailyDigest({
      now,
      since,
      timeZone: settings.timeZone,
      open,
      resolved,
      changes,
      oldestCritical: settings.oldestCritical,
      accountNames: names,
    })
    messageId = await deps.publish(digest)
  } catch (err) {
    // Nothing went out (or nothing is known to have): give the day back so a retry sends it at once.
    await deps.records
      .release(day, at)
      .catch((e: unknown) =>
        deps.log.warn('daily digest: could not give the claim back', { day, error: String(e) }),
      )
    throw err
  }
  await deps.records.markSent(day, messageId, at, digest.json.counts)
  const result: DailyDigestResult = {
    status: 'sent',
    day,
    messageId,
    counts: digest.json.counts,
    since,
    ...(recovered ? { recovered } : {}),
  }
  deps.log.info('daily digest sent', { ...result })
  return result
}

type LambdaContext = { getRemainingTimeInMillis?: () => number }

/** The scheduled handler: sends the day's digest (once); the run's deadline bounds its claim. */
export function createDailyDigestHandler(deps: () => DailyDigestDeps) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async (event: unknown, context?: LambdaContext) => {
      const remaining = context?.getRemainingTimeInMillis?.()
      const scheduled = scheduledTimeOf(event)
      const base = { ...deps(), ...(scheduled ? { scheduledAt: scheduled } : {}) }
      return sendDailyDigest(
        typeof remaining === 'number' && remaining > 0
          ? // A few seconds past the deadline: the platform has stopped the run by then.
            { ...base, deadline: new Date(Date.now() + remaining + 5_000) }
          : base,
      )
    })
}

/** Wiring from the Lambda environment: FINDINGS_TABLE, ALERT_TOPIC_ARN, IAMWATCH_CONFIG. */
export function dailyDigestDepsFromEnv(env: NodeJS.ProcessEnv = process.env): DailyDigestDeps {
  const db = documentClient()
  const table = requiredEnv(env, 'FINDINGS_TABLE')
  const topicArn = requiredEnv(env, 'ALERT_TOPIC_ARN')
  const sns = snsClient()
  const store = new FindingsStore(db, table)
  return {
    store,
    records: new DailyDigestRecords(db, table),
    publish: (digest) => publishDailyDigest(sns, topicArn, digest),
    directory: new LoadedDirectory(store.records),
    config: configFromEnv(env),
    log: consoleLog(),
  }
}

/** The scheduled time the schedule put in the event (`scheduledTime`), when it is a time. */
export function scheduledTimeOf(event: unknown): Date | undefined {
  const value = (event as { scheduledTime?: unknown } | null)?.scheduledTime
  if (typeof value !== 'string') return undefined
  const t = new Date(value)
  return Number.isNaN(t.getTime()) ? undefined : t
}
