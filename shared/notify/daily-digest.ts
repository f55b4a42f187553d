import type { AlertsConfig } from '../config/alerts.ts'
import type { Finding, HistoryEntry, TransitionKind } from '../model/finding.ts'
import { SEVERITIES, type Severity, severityRank } from '../model/severity.ts'
import { CHATBOT_LIMITS, type ChatbotNotification, cut, description, md, meta, trusted } from './chatbot.ts'
import { plain, safeSubject } from './message.ts'
import { MESSAGE_TYPE } from './routes.ts'

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
// Dates in the configured zone

interface ZonedParts {
  year: string
  month: string
  day: string
  hour: string
  minute: string
  weekday: string
  monthName: string
}

const FORMATTERS = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      weekday: 'long',
    })
    FORMATTERS.set(timeZone, f)
  }
  return f
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

function zoned(date: Date, timeZone: string): ZonedParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  )
  const month = parts.month ?? '01'
  return {
    year: parts.year ?? '1970',
    month,
    day: parts.day ?? '01',
    // Some engines write midnight as 24 even in h23.
    hour: parts.hour === '24' ? '00' : (parts.hour ?? '00'),
    minute: parts.minute ?? '00',
    weekday: parts.weekday ?? '',
    monthName: MONTHS[Number(month) - 1] ?? month,
  }
}

/** The calendar date of `date` in `timeZone`: YYYY-MM-DD (the daily digest's day). */
export function zonedDay(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.year}-${p.month}-${p.day}`
}

/** `2026-03-10 08:00` in `timeZone`. */
export function zonedTime(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** `Tuesday 10 March 2026` in `timeZone`. */
export function zonedLongDate(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.weekday} ${Number(p.day)} ${p.monthName} ${p.year}`.trim()
}

/** An ISO time in the zone, or the value as it came when it is not a time. */
const timeIn = (iso: string, timeZone: string) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : zonedTime(d, timeZone)
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

// ---------------------------------------------------------------------------------------------------
// The content

interface Content {
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

// ---------------------------------------------------------------------------------------------------
// The forms

/** `222222222222 (prod)`: the id, and the name when there is one; escaped with `esc`. */
const accountLabel = (a: { accountId: string; accountName?: string }, esc: (v: unknown) => string) =>
  a.accountName && a.accountName !== a.accountId
    ? `${esc(a.accountId)} (${esc(a.accountName)})`
    : esc(a.accountId)

const resourceLabel = (r: { resourceId: string; credentialId?: string }, esc: (v: unknown) => string) =>
  r.credentialId ? `${esc(r.resourceId)}, ${esc(r.credentialId)}` : esc(r.resourceId)

/** A count and a noun: `1 finding`, `2 findings`. */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

const more = (total: number, shown: number, noun: string) =>
  total > shown ? [`  ... and ${total - shown} more ${noun}${total - shown === 1 ? '' : 's'}`] : []

function textOf(c: Content, input: DailyDigestInput): string {
  const tz = input.timeZone
  const p = (v: unknown) => plain(v)
  const { counts } = c
  const lines: string[] = [
    `iamwatch daily digest: ${zonedLongDate(input.now, tz)}`,
    `As of ${zonedTime(input.now, tz)} (${p(tz)}); changes since ${timeIn(input.since, tz)}.`,
    '',
  ]
  if (counts.open === 0) lines.push('No open findings.')
  else {
    lines.push(
      `Open findings: ${counts.open}${counts.suppressed ? ` (${counts.suppressed} suppressed)` : ''}`,
      `  ${SEVERITIES.map((s) => `${s} ${c.bySeverity[s]}`).join(', ')}`,
      '',
      'Top checks:',
      ...c.byCheck.slice(0, DAILY_DIGEST_LIMITS.checks).map((x) => `  ${pad(x.count)}  ${p(x.checkId)}`),
      ...more(c.byCheck.length, DAILY_DIGEST_LIMITS.checks, 'check'),
      '',
      'By account:',
      ...c.byAccount
        .slice(0, DAILY_DIGEST_LIMITS.accounts)
        .map((a) => `  ${pad(a.count)}  ${accountLabel(a, p)}`),
      ...more(c.byAccount.length, DAILY_DIGEST_LIMITS.accounts, 'account'),
    )
  }
  const changeLines = (title: string, list: DailyDigestChange[]) => {
    lines.push('')
    if (list.length === 0) {
      lines.push(`${title}: none`)
      return
    }
    lines.push(`${title}: ${list.length}`)
    for (const x of list.slice(0, DAILY_DIGEST_LIMITS.changes))
      lines.push(
        `  ${x.severity.toUpperCase().padEnd(8)} ${p(x.title)} - ${resourceLabel(x, p)} (${accountLabel(x, p)}), ${x.transition} ${timeIn(x.at, tz)}`,
      )
    lines.push(...more(list.length, DAILY_DIGEST_LIMITS.changes, 'finding'))
  }
  changeLines('Opened since the last digest', c.opened)
  changeLines('Resolved since the last digest', c.resolved)

  lines.push('')
  if (c.oldestCritical.length === 0) lines.push('Oldest open critical findings: none')
  else {
    lines.push(`Oldest open critical findings (${c.oldestCritical.length} of ${counts.critical}):`)
    c.oldestCritical.forEach((x, i) => {
      lines.push(
        `  ${i + 1}. ${p(x.title)}`,
        `     Resource: ${p(x.resourceType)} ${resourceLabel(x, p)}`,
        `     Account:  ${accountLabel(x, p)}`,
        `     Open since ${timeIn(x.openSince, tz)} (${counted(x.ageDays, 'day')})`,
      )
    })
  }

  lines.push('')
  if (c.expiring.length === 0)
    lines.push(`Suppressions expiring within ${SUPPRESSION_HORIZON_DAYS} days: none`)
  else {
    lines.push(`Suppressions expiring within ${SUPPRESSION_HORIZON_DAYS} days: ${c.expiring.length}`)
    for (const x of c.expiring.slice(0, DAILY_DIGEST_LIMITS.suppressions))
      lines.push(
        `  ${p(x.checkId)} on ${p(x.resourceId)} (${accountLabel(x, p)}, ${x.status}): owner ${p(x.owner)}, until ${timeIn(x.until, tz)}`,
      )
    lines.push(...more(c.expiring.length, DAILY_DIGEST_LIMITS.suppressions, 'suppression'))
  }
  if (counts.open === 0 && counts.opened === 0 && counts.resolved === 0 && counts.expiringSuppressions === 0)
    lines.push('', 'A quiet day: nothing to do.')
  return lines.join('\n')
}

const pad = (n: number) => String(n).padStart(4)

// -- the card

/** A value from AWS or a user on the card: made visible, escaped for chat markdown, cut. */

const ELLIPSIS = '\u2026'

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':information_source:',
}

function chatbotOf(c: Content, input: DailyDigestInput, subject: string): ChatbotNotification {
  const tz = input.timeZone
  const n = DAILY_DIGEST_LIMITS.card
  const { counts } = c
  const bullet = (s: string) => `\u2022 ${s}`
  const moreLine = (total: number, shown: number) =>
    total > shown ? [bullet(`${ELLIPSIS} and ${total - shown} more`)] : []
  const lines: string[] = [
    `As of ${zonedTime(input.now, tz)} (${md(tz, 64)}); changes since ${timeIn(input.since, tz)}.`,
  ]
  if (counts.open === 0) lines.push('*Open findings:* none')
  else {
    lines.push(
      `*Open findings:* ${counts.open}${counts.suppressed ? ` (${counts.suppressed} suppressed)` : ''}`,
      SEVERITIES.map((s) => `${SEVERITY_EMOJI[s]} ${s} ${c.bySeverity[s]}`).join('  '),
      `*Top checks:* ${c.byCheck
        .slice(0, n)
        .map((x) => `${md(x.checkId, 80)} ${x.count}`)
        .join(', ')}${c.byCheck.length > n ? `, ${ELLIPSIS}` : ''}`,
      `*By account:* ${c.byAccount
        .slice(0, n)
        .map((a) => `${accountLabel(a, (v) => md(v, 64))} ${a.count}`)
        .join(', ')}${c.byAccount.length > n ? `, ${ELLIPSIS}` : ''}`,
    )
  }
  const changes = (title: string, list: DailyDigestChange[]) => {
    lines.push(`*${title}:* ${list.length || 'none'}`)
    for (const x of list.slice(0, n))
      lines.push(
        bullet(
          `${x.severity.toUpperCase()} ${md(x.title)} - ${resourceLabel(x, (v) => md(v))} (${accountLabel(x, (v) => md(v, 64))})`,
        ),
      )
    lines.push(...moreLine(list.length, n))
  }
  changes('Opened since the last digest', c.opened)
  changes('Resolved since the last digest', c.resolved)
  if (c.oldestCritical.length === 0) lines.push('*Oldest open critical findings:* none')
  else {
    lines.push('*Oldest open critical findings:*')
    for (const x of c.oldestCritical.slice(0, n))
      lines.push(
        bullet(
          `${md(x.title)} - ${resourceLabel(x, (v) => md(v))} (${accountLabel(x, (v) => md(v, 64))}), open since ${timeIn(x.openSince, tz)} (${counted(x.ageDays, 'day')})`,
        ),
      )
    lines.push(...moreLine(c.oldestCritical.length, n))
  }
  lines.push(
    `*Suppressions expiring within ${SUPPRESSION_HORIZON_DAYS} days:* ${c.expiring.length || 'none'}`,
  )
  for (const x of c.expiring.slice(0, n))
    lines.push(
      bullet(
        `${md(x.checkId, 80)} on ${md(x.resourceId)} (${accountLabel(x, (v) => md(v, 64))}): owner ${md(x.owner, 80)}, until ${timeIn(x.until, tz)}`,
      ),
    )
  lines.push(...moreLine(c.expiring.length, n))

  const steps = [
    ...(counts.critical > 0
      ? [
          'Start with the oldest critical findings: `iamwatch findings --status open --severity critical`, then fix or acknowledge them.',
        ]
      : []),
    ...(counts.expiringSuppressions > 0
      ? [
          'Renew the suppressions that still apply before they expire (`iamwatch suppress <finding-id> --reason ... --until ... --owner ...`); an open finding alerts again when its suppression ends.',
        ]
      : []),
  ]
  const title = `:newspaper: iamwatch daily digest, ${zonedLongDate(input.now, tz)}`
  return {
    version: '1.0',
    source: 'custom',
    id: meta(`daily-digest-${c.day}`),
    content: {
      textType: 'client-markdown',
      title: cut(title, CHATBOT_LIMITS.title),
      description: description(lines),
      nextSteps: steps.slice(0, CHATBOT_LIMITS.nextSteps).map((s) => trusted(s, CHATBOT_LIMITS.nextStep)),
      keywords: ['daily-digest', `${counts.open} open`, `${counts.critical} critical`]
        .slice(0, CHATBOT_LIMITS.keywords)
        .map((k) => md(k, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      threadId: meta(`iamwatch-daily-digest-${c.day}`),
      summary: meta(subject),
      eventType: 'iamwatch.daily-digest',
      relatedResources: [],
      additionalContext: {
        day: meta(c.day),
        timeZone: meta(tz),
        open: String(counts.open),
        critical: String(counts.critical),
        opened: String(counts.opened),
        resolved: String(counts.resolved),
        expiringSuppressions: String(counts.expiringSuppressions),
      },
    },
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
/** When the finding's current opening began (its state's openedAt; firstOpenedAt for a finding opened before iamwatch kept it). */
const openSinceOf = (f: Pick<Finding, 'openedAt' | 'firstOpenedAt'>) => f.openedAt ?? f.firstOpenedAt

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
