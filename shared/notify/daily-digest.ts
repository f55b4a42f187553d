import type { AlertsConfig } from '../config/alerts.ts'
import type { Finding, HistoryEntry, TransitionKind } from '../model/finding.ts'
import { SEVERITIES, type Severity, severityRank } from '../model/severity.ts'
import type { ChatbotNotification } from './chatbot.ts'
import { chatbotOf, textOf } from './daily-digest-render.ts'
import { safeSubject } from './message.ts'
import { MESSAGE_TYPE } from './routes.ts'
import { zonedDay } from './zoned-time.ts'

/**
 * The daily digest of alerts (not the hourly signed tamper-evidence digest of shared/engine/digest.ts):
 * once a day, at `alerts.digest.time` in `alerts.digest.timeZone`, one message through the alert
 * channels summing up where things stand: the open findings by severity, check and account; what opened
 * and resolved since the previous digest; the oldest open critical findings; the suppressions about to
 * expire. Pure: the caller reads the findings and the history (shared/app/daily-digest.ts).
 */

/** What the digest is built from. */
export interface DailyDigestInput {
  /** When it is built: the end of the period, and the date it is for (in `timeZone`). */
  now: Date
  /** The start of the period (ISO): the previous digest's time, or 24 hours before `now`. */
  since: string
  /** IANA time zone the date and times are written in (`alerts.digest.timeZone`). */
  timeZone: string
  /** The open findings. A finding given here that is not OPEN is only read for its suppression. */
  open: readonly Finding[]
  /** Findings that are not open, read for their suppressions only (optional). */
  resolved?: readonly Finding[]
  /** History items from `since` to `now` (others are left out): what opened and resolved. */
  changes: readonly HistoryEntry[]
  /** How many of the oldest open critical findings to list (`alerts.digest.oldestCritical`). */
  oldestCritical: number
  /** Account names by id (the organization's directory); a finding's own `accountName` stands in. */
  accountNames?: ReadonlyMap<string, string>
}

/** How many of each list the readable forms show (the JSON carries up to `json` of each). */
export const DAILY_DIGEST_LIMITS = {
  checks: 10,
  accounts: 10,
  changes: 10,
  suppressions: 20,
  /** Items of each list in the machine JSON (the counts are always whole). */
  json: 200,
  /** Items of each list on the chat card (it is cut at 3,000 characters besides). */
  card: 5,
} as const

/** Suppressions expiring within this many days of `now` are listed. */
export const SUPPRESSION_HORIZON_DAYS = 7

const DAY_MS = 86_400_000

/** Opened since the last digest: a finding became OPEN. */
const OPENED: readonly TransitionKind[] = ['OPENED', 'REOPENED']
/** Resolved since the last digest: it passed, or a detection was acknowledged. */
const RESOLVED: readonly TransitionKind[] = ['RESOLVED', 'ACKNOWLEDGED']

export interface DailyDigestCounts {
  open: number
  /** Open findings that are suppressed (counted in `open` too). */
  suppressed: number
  critical: number
  opened: number
  resolved: number
  expiringSuppressions: number
}

/** A transition listed in the digest. */
export interface DailyDigestChange {
  findingId: string
  transitionId: string
  transition: TransitionKind
  at: string
  severity: Severity
  checkId: string
  title: string
  resourceId: string
  credentialId?: string
  accountId: string
  accountName?: string
}

export interface DailyDigestCritical {
  findingId: string
  checkId: string
  title: string
  resourceType: string
  resourceId: string
  resourceArn: string
  credentialId?: string
  accountId: string
  accountName?: string
  /** Since when it has been open: its last opening (a finding fixed and reopened counts from the reopening). */
  openSince: string
  ageDays: number
}

export interface DailyDigestSuppression {
  findingId: string
  checkId: string
  title: string
  resourceId: string
  accountId: string
  accountName?: string
  status: Finding['status']
  owner: string
  until: string
  reason: string
  rule?: string
}

/** The machine form (verbatim strings, not escaped: consumers escape for themselves). */
export interface DailyDigestJson {
  schema: 'iamwatch.daily-digest/1'
  /** The date it is for, YYYY-MM-DD in `timeZone`. */
  day: string
  timeZone: string
  generatedAt: string
  since: string
  counts: DailyDigestCounts
  open: {
    total: number
    suppressed: number
    bySeverity: Record<Severity, number>
    byCheck: Array<{ checkId: string; count: number }>
    byAccount: Array<{ accountId: string; accountName?: string; count: number }>
  }
  opened: { count: number; items: DailyDigestChange[] }
  resolved: { count: number; items: DailyDigestChange[] }
  oldestCritical: DailyDigestCritical[]
  expiringSuppressions: { count: number; withinDays: number; items: DailyDigestSuppression[] }
  /** Set when lists were cut to fit a message (shared/aws/daily-digest-records.ts). */
  truncated?: boolean
}

/** The digest in the form of each channel, like an alert (shared/notify/message.ts AlertMessage). */
export interface DailyDigest {
  subject: string
  /** Plain text, for email. */
  text: string
  /** The AWS Chatbot custom notification (Slack, Teams). */
  chatbot: ChatbotNotification
  json: DailyDigestJson
  /** `messageType: digest`: what route filter policies select the digest by (shared/notify/routes.ts). */
  attributes: Record<string, string>
}

// ---------------------------------------------------------------------------------------------------
// The schedule

/** `alerts.digest` (or the whole configuration). */
type DigestSettings = Pick<AlertsConfig['digest'], 'time' | 'timeZone'>

/**
 * The EventBridge Scheduler schedule of the daily digest: a cron expression at `time` every day, in
 * `timeZone` (the schedule's ScheduleExpressionTimezone, so it follows daylight saving time). Given
 * `alerts.digest` or the whole configuration. Whether the digest is enabled is the caller's to check.
 */
export function dailyDigestSchedule(config: DigestSettings | { alerts: { digest: DigestSettings } }): {
  expression: string
  timeZone: string
} {
  const digest = 'alerts' in config ? config.alerts.digest : config
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(digest.time)
  if (!match) throw new Error(`alerts.digest.time must be HH:MM, got ${JSON.stringify(digest.time)}`)
  return {
    expression: `cron(${Number(match[2])} ${Number(match[1])} * * ? *)`,
    timeZone: digest.timeZone,
  }
}

/** When the finding's current opening began (its state's openedAt; firstOpenedAt for a finding opened before iamwatch kept it). */
const openSinceOf = (f: Pick<Finding, 'openedAt' | 'firstOpenedAt'>) => f.openedAt ?? f.firstOpenedAt

// ---------------------------------------------------------------------------------------------------
// The content

export interface Content {
  day: string
  counts: DailyDigestCounts
  bySeverity: Record<Severity, number>
  byCheck: Array<{ checkId: string; count: number }>
  byAccount: Array<{ accountId: string; accountName?: string; count: number }>
  opened: DailyDigestChange[]
  resolved: DailyDigestChange[]
  oldestCritical: DailyDigestCritical[]
  expiring: DailyDigestSuppression[]
}

const bySeverityThenNewest = (a: DailyDigestChange, b: DailyDigestChange) =>
  severityRank(b.severity) - severityRank(a.severity) ||
  (a.at < b.at ? 1 : a.at > b.at ? -1 : 0) ||
  (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0)

const byCountThenName = <T extends { count: number }>(key: (t: T) => string) => {
  return (a: T, b: T) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
}

function content(input: DailyDigestInput): Content {
  const nowMs = input.now.getTime()
  const sinceMs = new Date(input.since).getTime()
  const nameOf = (accountId: string, own?: string) => input.accountNames?.get(accountId) ?? own
  const withName = (accountId: string, own?: string) => {
    const name = nameOf(accountId, own)
    return name ? { accountName: name } : {}
  }

  // Every finding once (the open list wins), partitioned by status.
  const all = new Map<string, Finding>()
  for (const f of input.resolved ?? []) all.set(f.id, f)
  for (const f of input.open) all.set(f.id, f)
  const open = [...all.values()].filter((f) => f.status === 'OPEN')

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>
  const checks = new Map<string, number>()
  const accounts = new Map<string, { count: number; name?: string }>()
  for (const f of open) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1
    checks.set(f.checkId, (checks.get(f.checkId) ?? 0) + 1)
    const a = accounts.get(f.accountId) ?? { count: 0 }
    a.count++
    a.name ??= nameOf(f.accountId, f.accountName)
    accounts.set(f.accountId, a)
  }
  const byCheck = [...checks]
    .map(([checkId, count]) => ({ checkId, count }))
    .sort(byCountThenName((c) => c.checkId))
  const byAccount = [...accounts]
    .map(([accountId, a]) => ({ accountId, ...(a.name ? { accountName: a.name } : {}), count: a.count }))
    .sort(byCountThenName((a) => a.accountId))

  // Transitions in the period, one per finding and kind (its newest).
  const inPeriod = (at: string) => {
    const t = new Date(at).getTime()
    return t > sinceMs && t <= nowMs
  }
  const latest = (kinds: readonly TransitionKind[]) => {
    const found = new Map<string, HistoryEntry>()
    for (const e of input.changes) {
      if (!kinds.includes(e.transition) || !inPeriod(e.at)) continue
      const seen = found.get(e.findingId)
      if (!seen || seen.seq < e.seq) found.set(e.findingId, e)
    }
    return [...found.values()]
      .map(
        (e): DailyDigestChange => ({
          findingId: e.findingId,
          transitionId: e.transitionId,
          transition: e.transition,
          at: e.at,
          severity: e.severity,
          checkId: e.checkId,
          title: e.title,
          resourceId: e.resourceId,
          ...(e.credentialId ? { credentialId: e.credentialId } : {}),
          accountId: e.accountId,
          ...withName(e.accountId, e.accountName),
        }),
      )
      .sort(bySeverityThenNewest)
  }

  // Suppressed critical findings are accepted risks: counted as open, not listed as the oldest.
  const oldestCritical = open
    .filter((f) => f.severity === 'critical' && !f.suppression)
    .sort((a, b) => {
      const [x, y] = [openSinceOf(a), openSinceOf(b)]
      return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1
    })
    .slice(0, Math.max(0, Math.floor(input.oldestCritical)))
    .map(
      (f): DailyDigestCritical => ({
        findingId: f.id,
        checkId: f.checkId,
        title: f.title,
        resourceType: f.resourceType,
        resourceId: f.resourceId,
        resourceArn: f.resourceArn,
        ...(f.credentialId ? { credentialId: f.credentialId } : {}),
        accountId: f.accountId,
        ...withName(f.accountId, f.accountName),
        openSince: openSinceOf(f),
        ageDays: Math.max(0, Math.floor((nowMs - new Date(openSinceOf(f)).getTime()) / DAY_MS)),
      }),
    )

  const horizon = nowMs + SUPPRESSION_HORIZON_DAYS * DAY_MS
  const expiring = [...all.values()]
    .filter((f) => {
      const until = f.suppression ? new Date(f.suppression.until).getTime() : Number.NaN
      return until >= nowMs && until <= horizon
    })
    .map(
      (f): DailyDigestSuppression => ({
        findingId: f.id,
        checkId: f.checkId,
        title: f.title,
        resourceId: f.resourceId,
        accountId: f.accountId,
        ...withName(f.accountId, f.accountName),
        status: f.status,
        owner: f.suppression!.owner,
        until: f.suppression!.until,
        reason: f.suppression!.reason,
        ...(f.suppression!.rule ? { rule: f.suppression!.rule } : {}),
      }),
    )
    .sort(
      (a, b) =>
        new Date(a.until).getTime() - new Date(b.until).getTime() ||
        (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0),
    )

  const opened = latest(OPENED)
  const resolved = latest(RESOLVED)
  return {
    day: zonedDay(input.now, input.timeZone),
    counts: {
      open: open.length,
      suppressed: open.filter((f) => f.suppression).length,
      critical: bySeverity.critical,
      opened: opened.length,
      resolved: resolved.length,
      expiringSuppressions: expiring.length,
    },
    bySeverity,
    byCheck,
    byAccount,
    opened,
    resolved,
    oldestCritical,
    expiring,
  }
}

/**
 * The daily digest (pure): the open findings counted by severity, by check (the top ones) and by
 * account; the findings opened (OPENED, REOPENED) and resolved (RESOLVED, ACKNOWLEDGED) since `since`,
 * the most serious and newest listed first; the oldest open critical findings that are not suppressed;
 * the suppressions of open or resolved findings expiring within 7 days. The date and times are written
 * in `timeZone`. A quiet day still gets a short digest. Every value from AWS or a user is escaped for
 * the channel: plain text for the email, chat markdown for the card; the JSON keeps them verbatim.
 */
export function buildDailyDigest(input: DailyDigestInput): DailyDigest {
  const c = content(input)
  const { counts } = c
  const subject = safeSubject(
    `[iamwatch] Daily digest ${c.day}: ${counts.open} open (${counts.critical} critical), ${counts.opened} opened, ${counts.resolved} resolved`,
  )
  const cap = <T>(list: T[]) => list.slice(0, DAILY_DIGEST_LIMITS.json)
  const json: DailyDigestJson = {
    schema: 'iamwatch.daily-digest/1',
    day: c.day,
    timeZone: input.timeZone,
    generatedAt: input.now.toISOString(),
    since: input.since,
    counts,
    open: {
      total: counts.open,
      suppressed: counts.suppressed,
      bySeverity: c.bySeverity,
      byCheck: cap(c.byCheck),
      byAccount: cap(c.byAccount),
    },
    opened: { count: counts.opened, items: cap(c.opened) },
    resolved: { count: counts.resolved, items: cap(c.resolved) },
    oldestCritical: c.oldestCritical,
    expiringSuppressions: {
      count: counts.expiringSuppressions,
      withinDays: SUPPRESSION_HORIZON_DAYS,
      items: cap(c.expiring),
    },
  }
  return {
    subject,
    text: textOf(c, input),
    chatbot: chatbotOf(c, input, subject),
    json,
    attributes: { [MESSAGE_TYPE.attribute]: MESSAGE_TYPE.digest },
  }
}
