import { getCheck } from '../checks/registry.ts'
import { getDetection } from '../detections/registry.ts'
import type { HistoryEntry } from '../model/finding.ts'
import { escapeChatMarkdown, stripInvisible } from './escape.ts'
import { type AlertAccount, cloudTrailLink } from './message.ts'

/**
 * An AWS Chatbot (Amazon Q Developer in chat applications) custom notification: what Chatbot turns
 * into a Slack or Microsoft Teams card. Chatbot drops, silently, an SNS message that is not of this
 * form. Schema (AWS docs, "Custom notifications", event schema): `version` must be "1.0", `source` must
 * be "custom"; `id` is optional; `content.textType` only "client-markdown"; `metadata.threadId` groups
 * the notifications of one thread (here: one finding's transitions), `additionalContext` is a map of
 * strings.
 */
export interface ChatbotNotification {
  version: '1.0'
  source: 'custom'
  id: string
  content: {
    textType: 'client-markdown'
    title: string
    description: string
    nextSteps: string[]
    keywords: string[]
  }
  metadata: {
    threadId: string
    summary: string
    eventType: string
    relatedResources: string[]
    additionalContext: Record<string, string>
  }
}

/**
 * Bounds of the card. The Chatbot documentation states no field limits; these are conservative ones,
 * from what the cards are rendered into (a Slack header block takes 150 characters, a section block
 * 3,000), so a hostile value can make a card shorter, never rejected.
 */
export const CHATBOT_LIMITS = {
  title: 150,
  description: 3000,
  nextSteps: 10,
  nextStep: 500,
  keywords: 8,
  keyword: 64,
  /** One value (a user agent, an evidence entry) inside the description. */
  value: 160,
  /** Evidence or detail entries listed in the description. */
  entries: 12,
  /** A metadata value (additionalContext, relatedResources, summary). */
  metadata: 256,
} as const

const ELLIPSIS = '\u2026'

/** Text cut to `max` characters (never inside a surrogate pair), with an ellipsis. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text
  let end = Math.max(max - 1, 0)
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--
  return `${text.slice(0, end)}${ELLIPSIS}`
}

/** A hostile value for the card: escaped for chat markdown, then cut (the look-alikes are single characters). */
export const md = (value: unknown, max: number = CHATBOT_LIMITS.value) => cut(escapeChatMarkdown(value), max)

/**
 * Our own text (runbook steps, remediation): its code spans are kept, but `<` and `>` (`<acl>` in a
 * command) would open a Slack control sequence, so they become look-alikes.
 */
export const trusted = (text: string, max: number) =>
  cut(stripInvisible(text).replace(/</g, '\u2039').replace(/>/g, '\u203A').replace(/&/g, '\uFF06'), max)

/** A metadata value: visible characters only, bounded (not rendered as markdown, but kept harmless). */
export const meta = (value: unknown) => cut(stripInvisible(value), CHATBOT_LIMITS.metadata)

const SEVERITY_EMOJI: Readonly<Record<string, string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':information_source:',
}

/** Lines joined, cut to the description limit at a line boundary when possible. */
export function description(lines: readonly string[]): string {
  const out: string[] = []
  let length = 0
  for (const line of lines) {
    const next = length + (out.length ? 1 : 0) + line.length
    if (next > CHATBOT_LIMITS.description - 2) {
      out.push(ELLIPSIS)
      break
    }
    out.push(line)
    length = next
  }
  return cut(out.join('\n'), CHATBOT_LIMITS.description)
}

/** `key: value` lines for evidence or details, bounded in number and length. */
function entries(record: Record<string, unknown>): string[] {
  const all = Object.entries(record)
  const shown = all.slice(0, CHATBOT_LIMITS.entries).map(([k, v]) => `\u2022 ${md(k, 64)}: ${md(v)}`)
  const more = all.length - shown.length
  return more > 0 ? [...shown, `\u2022 ${ELLIPSIS} and ${more} more`] : shown
}

const accountText = (entry: HistoryEntry, account: AlertAccount) =>
  account.name && account.name !== entry.accountId
    ? `${md(entry.accountId, 64)} (${md(account.name, 128)})`
    : md(entry.accountId, 64)

/**
 * The Chatbot card of one alert (pure). `subject` is the alert's subject line: the card's title says the
 * same. The description says who did what where (a detection) or which resource fails and why (a
 * posture finding); nextSteps are the runbook or the remediation; keywords the severity, the check and
 * the account. Every string that came from AWS or a user is escaped with {@link escapeChatMarkdown}.
 */
export function chatbotNotification(
  entry: HistoryEntry,
  account: AlertAccount,
  subject: string,
): ChatbotNotification {
  const sev = entry.severity.toUpperCase()
  const o = entry.occurrence
  const title = `${SEVERITY_EMOJI[entry.severity] ?? ''} ${md(subject.replace(/^\[iamwatch\] /, 'iamwatch '), CHATBOT_LIMITS.title - 30)}`
  const finding = `Finding: ${md(entry.findingId, 128)} (${md(entry.transition, 32)}, #${entry.seq})`
  let lines: string[]
  let steps: string[]
  let related: Array<string | undefined>
  if (o) {
    const detection = getDetection(entry.checkId)
    const { result, mfaUsed, ...details } = o.details
    const link = cloudTrailLink(o.awsRegion, o.eventId)
    lines = [
      `${sev} detection: ${md(entry.title)}${o.kind === 'threshold' ? ' (threshold crossed)' : ''}`,
      `Who: ${md(o.actor.arn ?? o.actor.userName ?? o.actor.type ?? 'unknown')} (${md(o.actor.type ?? 'unknown', 64)})`,
      ...(result !== undefined ? [`Result: ${md(result)}`] : []),
      ...(mfaUsed !== undefined ? [`MFA used: ${mfaUsed ? 'yes' : 'NO'}`] : []),
      `Source IP: ${md(o.sourceIp ?? 'unknown', 64)}`,
      `User agent: ${md(o.userAgent ?? 'unknown')}`,
      `When (UTC): ${md(o.eventTime ?? 'unknown', 64)}`,
      `Account: ${accountText(entry, account)}, region ${md(o.awsRegion ?? entry.region, 32)}`,
      ...(account.ouPath ? [`OU: ${md(account.ouPath)}`] : []),
      `Event: ${md(o.eventSource, 128)} ${md(o.eventName, 128)}, eventID ${md(o.eventId ?? o.eventKey, 128)}`,
      // Built by cloudTrailLink from a checked event id and region only.
      ...(link ? [`CloudTrail: ${link}`] : []),
      finding,
      ...(Object.keys(details).length ? ['Details:', ...entries(details)] : []),
    ]
    steps = [...(detection?.runbook ?? ['See the detection documentation.'])]
    related = [o.actor.arn]
  } else {
    const check = getCheck(entry.checkId)
    const lifted = entry.transition === 'UNSUPPRESSED' ? entry.lifted : undefined
    const verb =
      entry.transition === 'RESOLVED' ? `RESOLVED (${entry.resolution ?? 'passed'})` : entry.transition
    lines = [
      `${sev} finding ${md(verb, 64)}: ${md(entry.title)}`,
      `Check: ${md(entry.checkId, 128)}`,
      `Resource: ${md(entry.resourceType, 64)} ${md(entry.resourceId)}`,
      ...(entry.credentialId ? [`Credential: ${md(entry.credentialId, 128)}`] : []),
      `Account: ${accountText(entry, account)}, region ${md(entry.region, 32)}`,
      ...(account.ouPath ? [`OU: ${md(account.ouPath)}`] : []),
      `When (UTC): ${md(entry.at, 64)}`,
      ...(lifted
        ? [
            `Suppression ended: until ${md(lifted.until, 64)} by ${md(lifted.by, 128)}, reason ${md(lifted.reason)}`,
          ]
        : []),
      finding,
      ...(Object.keys(entry.evidence).length ? ['Evidence:', ...entries(entry.evidence)] : []),
    ]
    steps =
      entry.transition === 'RESOLVED'
        ? ['No action needed: this finding no longer fails.']
        : [check?.remediation ?? 'See the check documentation.']
    related = [entry.resourceArn]
  }
  const keywords = [sev, entry.checkId, entry.accountId, ...(account.name ? [account.name] : [])]
  return {
    version: '1.0',
    source: 'custom',
    id: meta(entry.transitionId),
    content: {
      textType: 'client-markdown',
      title: cut(title.trim(), CHATBOT_LIMITS.title),
      description: description(lines),
      nextSteps: steps
        .slice(0, CHATBOT_LIMITS.nextSteps)
        .map((step) => trusted(step, CHATBOT_LIMITS.nextStep)),
      keywords: keywords.slice(0, CHATBOT_LIMITS.keywords).map((k) => md(k, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      // One thread per finding: its transitions (opened, resolved, reopened) follow each other.
      threadId: meta(entry.findingId),
      summary: meta(subject),
      eventType: meta(`iamwatch.${o ? 'detection' : 'check'}.${entry.transition}`),
      relatedResources: related.filter((r): r is string => typeof r === 'string' && r.length > 0).map(meta),
      additionalContext: {
        findingId: meta(entry.findingId),
        transitionId: meta(entry.transitionId),
        transition: meta(entry.transition),
        severity: meta(entry.severity),
        checkId: meta(entry.checkId),
        accountId: meta(entry.accountId),
        ...(account.name ? { accountName: meta(account.name) } : {}),
      },
    },
  }
}
