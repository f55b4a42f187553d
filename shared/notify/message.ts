import { FRAMEWORKS } from '../checks/frameworks.ts'
import { getCheck } from '../checks/registry.ts'
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

export function buildAlert(entry: HistoryEntry): AlertMessage {
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
    attributes: {
      severity: entry.severity,
      checkId: entry.checkId,
      accountId: entry.accountId,
      transition: entry.transition,
      findingId: entry.findingId,
      transitionId: entry.transitionId,
    },
  }
}
