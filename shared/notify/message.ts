import { FRAMEWORKS } from '../checks/frameworks.ts'
import { getCheck } from '../checks/registry.ts'
import { getDetection } from '../detections/registry.ts'
import type { HistoryEntry } from '../model/finding.ts'
import { type ChatbotNotification, chatbotNotification } from './chatbot.ts'
import { escapePlain, stripInvisible, subjectText } from './escape.ts'

/**
 * An alert, in the form of each channel: the publisher maps it onto SNS (one publish, a body per protocol).
 * `text` is for people reading plain text (email), `chatbot` the AWS Chatbot card (Slack, Teams), `json`
 * the machine form (verbatim strings, not escaped), `attributes` what subscriptions filter on.
 */
export interface AlertMessage {
  subject: string
  text: string
  json: Record<string, unknown>
  chatbot: ChatbotNotification
  attributes: Record<string, string>
}

const SUBJECT_MAX = 100
const ELLIPSIS = '...'
/** The shortest a title is cut to before the subject gives up the region or the transition's reason. */
const MIN_TITLE = 20
/** An account id or a region: longer is not one, and must not crowd out the rest. */
const CONTEXT_MAX = 24

/**
 * Subjects must be printable ASCII on one line, at most 100 characters (SNS rules). Invisible
 * characters are removed, others shown as `?`, and a long text is cut at a word boundary with "...".
 */
export function safeSubject(text: string): string {
  return cutAtWord(subjectText(text), SUBJECT_MAX)
}

/** Plain-text channel: invisible and control characters out, so a hostile name cannot forge lines. */
export const plain = escapePlain

/** The parts of a subject: `<head>: <title> - <identifier> (<context>)`. */
export interface SubjectParts {
  head: string
  /** The head without its detail, e.g. RESOLVED without "(credential-gone)". */
  shortHead: string
  title: string
  identifier: string
  /** The account, then optional context (the region), in order of importance. */
  context: readonly [string, ...string[]]
}

/**
 * A subject within SNS's limits. The identifier (the resource, principal or credential) is what tells
 * one alert from another, so it is kept whole whenever it fits: the title is cut at a word boundary
 * first, then the optional context (the region) and the head's detail (the resolution reason) are
 * dropped, then the title is cut to its first word or to "...". Only an identifier too long for all of
 * these is cut, at a path or name boundary, with "...".
 */
export function composeSubject(parts: SubjectParts): string {
  const head = subjectText(parts.head)
  const shortHead = subjectText(parts.shortHead)
  const title = subjectText(parts.title)
  const id = subjectText(parts.identifier) || 'unknown'
  const fullContext = parts.context.map((c) => cutIdentifier(subjectText(c), CONTEXT_MAX)).filter(Boolean)
  const mainContext = fullContext.slice(0, 1)
  const render = (h: string, t: string, i: string, c: readonly string[]) =>
    `${h}: ${t} - ${i}${c.length ? ` (${c.join(', ')})` : ''}`
  // Room for the title beside a whole identifier, in order of preference.
  const attempts: Array<[string, readonly string[], number]> = [
    [head, fullContext, MIN_TITLE],
    [head, mainContext, MIN_TITLE],
    [shortHead, mainContext, MIN_TITLE],
    [shortHead, mainContext, ELLIPSIS.length],
  ]
  for (const [h, c, minTitle] of attempts) {
    const room = SUBJECT_MAX - render(h, '', id, c).length
    if (room >= Math.min(minTitle, title.length)) return render(h, cutAtWord(title, room), id, c)
  }
  // The identifier alone is too long: cut it at a boundary, leaving the title a few words.
  const room = SUBJECT_MAX - render(shortHead, '', '', mainContext).length
  const shortTitle = cutAtWord(title, Math.min(title.length, MIN_TITLE - 4))
  const cutId = cutIdentifier(id, room - shortTitle.length)
  // Within the limit by construction; the cut is a guard, not a path.
  return cutAtWord(render(shortHead, cutAtWord(title, room - cutId.length), cutId, mainContext), SUBJECT_MAX)
}

/** Text cut to `max` characters at a word boundary, with "..." (mid-word only for a single long word). */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text
  if (max < ELLIPSIS.length) return ''
  const limit = max - ELLIPSIS.length
  const space = text.lastIndexOf(' ', limit)
  const kept = space > 0 ? text.slice(0, space) : text.slice(0, limit)
  return `${kept.trimEnd()}${ELLIPSIS}`
}

/**
 * Where an identifier may be cut: after a path separator (`role/...`), before a list separator, and
 * only then before a separator inside a name (`svc-deploy...`).
 */
const ID_BOUNDARIES = [
  { separators: '/:', keep: true },
  { separators: ', ', keep: false },
  { separators: '-._@=+', keep: false },
] as const

/** An identifier cut to `max` characters at a separator, with "..."; mid-name only as a last resort. */
function cutIdentifier(id: string, max: number): string {
  if (id.length <= max) return id
  const limit = Math.max(max - ELLIPSIS.length, 0)
  for (const { separators, keep } of ID_BOUNDARIES) {
    for (let i = Math.min(limit, id.length - 1); i > 0; i--) {
      if (!separators.includes(id[i]!)) continue
      const kept = id.slice(0, keep ? i + 1 : i).replace(/[ ,]+$/, '')
      if (kept.length > 0 && kept.length <= limit) return `${kept}${ELLIPSIS}`
    }
  }
  return `${id.slice(0, limit)}${ELLIPSIS}`
}

function frameworkLine(checkId: string): string | undefined {
  const m = FRAMEWORKS[checkId]
  if (!m) return undefined
  const parts = [
    m.cis3 || m.cis5 ? `CIS v3.0 ${m.cis3 ?? '-'} / v5.0 ${m.cis5 ?? '-'}` : undefined,
    m.securityHub?.length ? `Security Hub ${m.securityHub.join(', ')}` : undefined,
  ].filter(Boolean)
  return parts.length ? parts.join('; ') : undefined
}

const SAFE_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/

/** A link to the event in the CloudTrail console, when the event id and region are well-formed. */
export function cloudTrailLink(region: string | undefined, eventId: string | undefined): string | undefined {
  if (!eventId || !/^[A-Za-z0-9-]{1,128}$/.test(eventId)) return undefined
  const r = region && SAFE_REGION.test(region) ? region : 'us-east-1'
  return `https://${r}.console.aws.amazon.com/cloudtrailv2/home?region=${r}#/events/${eventId}`
}

/** The filterable message attributes: subscribers route on these. */
function attributesOf(
  entry: HistoryEntry,
  ruleType: 'detection' | 'check',
  account: AlertAccount,
): Record<string, string> {
  const { severity, checkId, accountId, transition, findingId, transitionId } = entry
  return {
    severity,
    checkId,
    accountId,
    transition,
    findingId,
    transitionId,
    ruleType,
    // SNS takes no empty attribute value: an account without a name or an OU path has none.
    ...(account.name ? { accountName: attributeValue(account.name) } : {}),
    ...(account.ouPath ? { ouPath: attributeValue(account.ouPath) } : {}),
  }
}

/**
 * A name from Organizations as an SNS attribute value: OU and account names may hold any character, and
 * SNS refuses some (control characters); invisible and bidi characters would mislead a filter's reader.
 */
export function attributeValue(text: string): string {
  return stripInvisible(text).slice(0, 256) || '-'
}

/** The account an alert is about, as the organization's directory names it (nothing in a single account). */
export interface AlertAccount {
  name?: string
  ouPath?: string
}

/** `222222222222 (prod)`: the id, and the name when there is one. */
const accountLabel = (entry: HistoryEntry, account: AlertAccount) =>
  account.name && account.name !== entry.accountId
    ? `${plain(entry.accountId)} (${plain(account.name)})`
    : plain(entry.accountId)

/**
 * The alert for one history item. `account` (from the organization's directory) names the account and
 * its OU path, in the text and as the `accountName` / `ouPath` attributes that subscriptions filter on;
 * the name recorded on the item stands in when the directory has none.
 */
export function buildAlert(entry: HistoryEntry, directory: AlertAccount = {}): AlertMessage {
  const account = { ...directory, name: directory.name ?? entry.accountName }
  return entry.occurrence ? detectionAlert(entry, entry.occurrence, account) : postureAlert(entry, account)
}

function detectionAlert(
  entry: HistoryEntry,
  o: NonNullable<HistoryEntry['occurrence']>,
  account: AlertAccount,
): AlertMessage {
  const detection = getDetection(entry.checkId)
  const sev = entry.severity.toUpperCase()
  const who = o.actor.arn ?? o.actor.userName ?? o.actor.type ?? 'unknown'
  const subject = composeSubject({
    head: `[iamwatch] ${sev}`,
    shortHead: `[iamwatch] ${sev}`,
    title: entry.title,
    identifier: subjectIdentifier(entry),
    context: [account.name ?? entry.accountId, o.awsRegion ?? entry.region],
  })
  const link = cloudTrailLink(o.awsRegion, o.eventId)
  const { result, mfaUsed, ...details } = o.details
  const lines = [
    `${sev} detection: ${plain(entry.title)}${o.kind === 'threshold' ? ' (threshold crossed)' : ''}`,
    '',
    `Who:         ${plain(who)} (${plain(o.actor.type ?? 'unknown')})`,
    ...(result !== undefined ? [`Result:      ${plain(result)}`] : []),
    ...(mfaUsed !== undefined ? [`MFA used:    ${mfaUsed ? 'yes' : 'NO'}`] : []),
    `Source IP:   ${plain(o.sourceIp ?? 'unknown')}`,
    `User agent:  ${plain(o.userAgent ?? 'unknown')}`,
    `When (UTC):  ${plain(o.eventTime ?? 'unknown')}`,
    `Account:     ${accountLabel(entry, account)}    Region: ${plain(o.awsRegion ?? entry.region)}`,
    ...(account.ouPath ? [`OU:          ${plain(account.ouPath)}`] : []),
    `Event:       ${plain(o.eventSource)} ${plain(o.eventName)}, eventID ${plain(o.eventId ?? o.eventKey)}`,
    ...(link ? [`CloudTrail:  ${link}`] : []),
    ...(Object.keys(details).length
      ? ['', 'Details:', ...Object.entries(details).map(([k, v]) => `  ${plain(k)}: ${plain(v)}`)]
      : []),
    '',
    'Runbook:',
    ...(detection?.runbook ?? ['See the detection documentation.']).map((step, i) => `  ${i + 1}. ${step}`),
    '',
    `Finding:     ${entry.findingId} (${entry.transition}, #${entry.seq})    Transition: ${entry.transitionId}`,
  ]
  return {
    subject,
    text: lines.join('\n'),
    json: {
      schema: 'iamwatch.detection/1',
      transitionId: entry.transitionId,
      transition: entry.transition,
      findingId: entry.findingId,
      seq: entry.seq,
      at: entry.at,
      detectionId: entry.checkId,
      title: entry.title,
      severity: entry.severity,
      accountId: entry.accountId,
      ...(account.name ? { accountName: account.name } : {}),
      ...(account.ouPath ? { ouPath: account.ouPath } : {}),
      region: o.awsRegion ?? entry.region,
      principal: entry.resourceId,
      occurrence: o,
      consoleLink: link,
      runbook: detection?.runbook,
      hash: entry.hash,
    },
    chatbot: chatbotNotification(entry, account, subject),
    attributes: attributesOf(entry, 'detection', account),
  }
}

/**
 * What tells one alert of a check from another in its subject: who acted (a detection), or the resource
 * and, where it has several, the credential (a user's password and each access key).
 */
export function subjectIdentifier(entry: HistoryEntry): string {
  if (entry.occurrence) return shortActor(entry.occurrence.actor)
  return entry.credentialId ? `${entry.resourceId}, ${entry.credentialId}` : entry.resourceId
}

/** root, a user name, or role/session: short enough for a subject line. */
export function shortActor(actor: { type?: string; arn?: string; userName?: string }): string {
  if (actor.type === 'Root') return 'root'
  const resource = actor.arn?.split(':').slice(5).join(':')
  if (resource) return resource.replace(/^(user|assumed-role|federated-user|role)\//, '')
  return actor.userName ?? actor.type ?? 'unknown'
}

function postureAlert(entry: HistoryEntry, account: AlertAccount): AlertMessage {
  const check = getCheck(entry.checkId)
  const sev = entry.severity.toUpperCase()
  // The one suppression transition that alerts: an expired suppression lifted from an open finding.
  const lifted = entry.transition === 'UNSUPPRESSED' ? entry.lifted : undefined
  const verb =
    entry.transition === 'RESOLVED'
      ? `RESOLVED (${entry.resolution ?? 'passed'})`
      : entry.transition === 'UNSUPPRESSED'
        ? `UNSUPPRESSED (${entry.reason === 'expired' ? 'suppression expired' : 'suppression lifted'})`
        : entry.transition
  const subject = composeSubject({
    head: `[iamwatch] ${sev} ${verb}`,
    shortHead: `[iamwatch] ${sev} ${entry.transition}`,
    title: entry.title,
    identifier: subjectIdentifier(entry),
    context: [account.name ?? entry.accountId],
  })
  const remediation = check?.remediation ?? 'See the check documentation.'
  const what =
    entry.transition === 'RESOLVED'
      ? 'No action needed: this finding no longer fails.'
      : entry.transition === 'UNSUPPRESSED'
        ? `Its suppression ended and the finding is still ${entry.status.toLowerCase()}: fix it, or suppress it again with a reason and a new expiry. ${remediation}`
        : remediation
  const framework = frameworkLine(entry.checkId)
  const lines = [
    `${sev} finding ${verb}: ${plain(entry.title)}`,
    '',
    `Check:      ${entry.checkId}${framework ? ` (${framework})` : ''}`,
    `Resource:   ${plain(entry.resourceType)} ${plain(entry.resourceId)}`,
    `ARN:        ${plain(entry.resourceArn)}`,
    ...(entry.credentialId ? [`Credential: ${plain(entry.credentialId)}`] : []),
    `Account:    ${accountLabel(entry, account)}    Region: ${plain(entry.region)}`,
    ...(account.ouPath ? [`OU:         ${plain(account.ouPath)}`] : []),
    `When (UTC): ${entry.at}`,
    `Finding:    ${entry.findingId}    Transition: ${entry.transitionId}`,
    ...(lifted
      ? [
          `Suppressed: until ${plain(lifted.until)} by ${plain(lifted.by)} (owner ${plain(lifted.owner)}${lifted.rule ? `, rule ${plain(lifted.rule)}` : ''})`,
          `            reason: ${plain(lifted.reason)}`,
        ]
      : []),
    '',
    'Evidence:',
    ...Object.entries(entry.evidence).map(([k, v]) => `  ${plain(k)}: ${plain(v)}`),
    '',
    'What to do:',
    `  ${what}`,
  ]
  const json = {
    schema: 'iamwatch.transition/1',
    transitionId: entry.transitionId,
    transition: entry.transition,
    findingId: entry.findingId,
    seq: entry.seq,
    at: entry.at,
    checkId: entry.checkId,
    title: entry.title,
    severity: entry.severity,
    status: entry.status,
    ...(entry.resolution ? { resolution: entry.resolution } : {}),
    accountId: entry.accountId,
    ...(account.name ? { accountName: account.name } : {}),
    ...(account.ouPath ? { ouPath: account.ouPath } : {}),
    region: entry.region,
    resource: { type: entry.resourceType, id: entry.resourceId, arn: entry.resourceArn },
    ...(entry.credentialId ? { credentialId: entry.credentialId } : {}),
    evidence: entry.evidence,
    ...(entry.actor ? { actor: entry.actor, reason: entry.reason } : {}),
    ...(lifted ? { lifted } : {}),
    remediation: check?.remediation,
    frameworks: FRAMEWORKS[entry.checkId],
    hash: entry.hash,
  }
  return {
    subject,
    text: lines.join('\n'),
    json,
    chatbot: chatbotNotification(entry, account, subject),
    // An expired suppression lifted from a detection finding is alerted in this form too.
    attributes: attributesOf(entry, getDetection(entry.checkId) ? 'detection' : 'check', account),
  }
}
