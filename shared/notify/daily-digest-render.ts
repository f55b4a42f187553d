import { SEVERITIES, type Severity } from '../model/severity.ts'
import { CHATBOT_LIMITS, type ChatbotNotification, cut, description, md, meta, trusted } from './chatbot.ts'
import {
  type Content,
  DAILY_DIGEST_LIMITS,
  type DailyDigestChange,
  type DailyDigestInput,
  SUPPRESSION_HORIZON_DAYS,
} from './daily-digest.ts'
import { plain } from './message.ts'
import { timeIn, zonedLongDate, zonedTime } from './zoned-time.ts'

/**
 * The daily digest's forms (shared/notify/daily-digest.ts builds its content): the email text and the
 * AWS Chatbot card. Every value from AWS or a user is escaped for its channel.
 */

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

export function textOf(c: Content, input: DailyDigestInput): string {
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

export function chatbotOf(c: Content, input: DailyDigestInput, subject: string): ChatbotNotification {
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
