import { FRAMEWORKS } from '../checks/frameworks.ts'
import { getCheck } from '../checks/registry.ts'
import { getDetection } from '../detections/registry.ts'
import type { HistoryEntry } from '../model/finding.ts'

/** An alert, channel-neutral: the publisher maps it onto SNS. */
export interface AlertMessage {
  subject: string
  text: string
  json: Record<string, unknown>
  attributes: Record<string, string>
}

const SUBJECT_MAX = 100

/** Subjects must be ASCII without control characters and under 100 characters (SNS rules). */
export function safeSubject(text: string): string {
  const ascii = text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`
}

/** Plain-text channel: strip control characters so a hostile name cannot forge lines in the alert. */
export function plain(value: unknown): string {
  const text = Array.isArray(value) ? value.join(', ') : String(value)
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
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
function attributesOf(entry: HistoryEntry, ruleType: 'detection' | 'check'): Record<string, string> {
  const { severity, checkId, accountId, transition, findingId, transitionId } = entry
  return { severity, checkId, accountId, transition, findingId, transitionId, ruleType }
}

export function buildAlert(entry: HistoryEntry): AlertMessage {
  return entry.occurrence ? detectionAlert(entry, entry.occurrence) : postureAlert(entry)
}

function detectionAlert(entry: HistoryEntry, o: NonNullable<HistoryEntry['occurrence']>): AlertMessage {
  const detection = getDetection(entry.checkId)
  const sev = entry.severity.toUpperCase()
  const who = o.actor.arn ?? o.actor.userName ?? o.actor.type ?? 'unknown'
  const subject = safeSubject(
    `[iamwatch] ${sev}: ${entry.title} - ${shortActor(o.actor)} (${entry.accountId}, ${o.awsRegion ?? entry.region})`,
  )
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
    `When (UTC):  ${o.eventTime ?? 'unknown'}`,
    `Account:     ${entry.accountId}    Region: ${plain(o.awsRegion ?? entry.region)}`,
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
      region: o.awsRegion ?? entry.region,
      principal: entry.resourceId,
      occurrence: o,
      consoleLink: link,
      runbook: detection?.runbook,
      hash: entry.hash,
    },
    attributes: attributesOf(entry, 'detection'),
  }
}

/** root, a user name, or role/session: short enough for a subject line. */
export function shortActor(actor: { type?: string; arn?: string; userName?: string }): string {
  if (actor.type === 'Root') return 'root'
  const resource = actor.arn?.split(':').slice(5).join(':')
  if (resource) return resource.replace(/^(user|assumed-role|federated-user|role)\//, '')
  return actor.userName ?? actor.type ?? 'unknown'
}

function postureAlert(entry: HistoryEntry): AlertMessage {
  const check = getCheck(entry.checkId)
  const sev = entry.severity.toUpperCase()
  const verb =
    entry.transition === 'RESOLVED' ? `RESOLVED (${entry.resolution ?? 'passed'})` : entry.transition
  const subject = safeSubject(
    `[iamwatch] ${sev} ${verb}: ${entry.title} - ${entry.resourceId} (${entry.accountId})`,
  )
  const what =
    entry.transition === 'RESOLVED'
      ? 'No action needed: this finding no longer fails.'
      : (check?.remediation ?? 'See the check documentation.')
  const framework = frameworkLine(entry.checkId)
  const lines = [
    `${sev} finding ${verb}: ${plain(entry.title)}`,
    '',
    `Check:      ${entry.checkId}${framework ? ` (${framework})` : ''}`,
    `Resource:   ${plain(entry.resourceType)} ${plain(entry.resourceId)}`,
    `ARN:        ${plain(entry.resourceArn)}`,
    ...(entry.credentialId ? [`Credential: ${plain(entry.credentialId)}`] : []),
    `Account:    ${entry.accountId}    Region: ${entry.region}`,
    `When (UTC): ${entry.at}`,
    `Finding:    ${entry.findingId}    Transition: ${entry.transitionId}`,
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
    region: entry.region,
    resource: { type: entry.resourceType, id: entry.resourceId, arn: entry.resourceArn },
    ...(entry.credentialId ? { credentialId: entry.credentialId } : {}),
    evidence: entry.evidence,
    remediation: check?.remediation,
    frameworks: FRAMEWORKS[entry.checkId],
    hash: entry.hash,
  }
  return {
    subject,
    text: lines.join('\n'),
    json,
    attributes: attributesOf(entry, 'check'),
  }
}
