import { getDetection } from '../detections/registry.ts'
import type { AlertGroup } from '../engine/alert-groups.ts'
import { CHATBOT_LIMITS, type ChatbotNotification, cut, description, md, meta, trusted } from './chatbot.ts'
import { type AlertMessage, attributeValue as attr, composeSubject, plain, shortActor } from './message.ts'

/** The transition id a follow-up is published under: one per group, so subscribers can dedupe on it. */
export function followUpId(group: Pick<AlertGroup, 'findingId' | 'openerSeq'>): string {
  return `${group.findingId}:group:${String(group.openerSeq).padStart(6, '0')}`
}

/** Actions most frequent first: `iam:CreateUser x40`. */
function actionList(group: AlertGroup): Array<[string, number]> {
  return Object.entries(group.actions).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
}

function span(group: AlertGroup): string {
  if (!group.firstAt || !group.lastAt) return 'unknown'
  const minutes = Math.round((Date.parse(group.lastAt) - Date.parse(group.firstAt)) / 60_000)
  return `${group.firstAt} to ${group.lastAt} (${minutes} min)`
}

/**
 * The follow-up alert of a group: how many more occurrences the finding had after its alert, which
 * actions (most frequent first), from where, over what time. Sent once per group, with the same
 * filterable attributes as the finding's alerts (`transition` GROUPED), so routes deliver it where the
 * first alert went.
 */
export function buildFollowUp(group: AlertGroup): AlertMessage {
  const s = group.subject
  const sev = s.severity.toUpperCase()
  const id = followUpId(group)
  const actions = actionList(group)
  const account =
    s.accountName && s.accountName !== s.accountId ? `${s.accountId} (${s.accountName})` : s.accountId
  const subject = composeSubject({
    head: `[iamwatch] ${sev} REPEATED x${group.count}`,
    shortHead: `[iamwatch] ${sev} REPEATED x${group.count}`,
    title: s.title,
    identifier: shortActor({ arn: s.resourceId }),
    context: [s.accountName ?? s.accountId, s.region],
  })
  const runbook = getDetection(s.checkId)?.runbook ?? ['See the detection documentation.']
  const text = [
    `${sev} detection, ${group.count} more occurrence${group.count === 1 ? '' : 's'} since its alert: ${plain(s.title)}`,
    '',
    `Who:         ${plain(s.resourceId)}`,
    `When (UTC):  ${span(group)}`,
    `Account:     ${plain(account)}    Region: ${plain(s.region)}`,
    ...(s.ouPath ? [`OU:          ${plain(s.ouPath)}`] : []),
    `Source IPs:  ${group.sourceIps.map(plain).join(', ') || 'unknown'}`,
    ...(group.session ? [`Session:     ${plain(group.session)} (one console or role session)`] : []),
    '',
    'Actions:',
    ...actions.map(([name, n]) => `  ${plain(name)} x${n}`),
    '',
    'Runbook:',
    ...runbook.map((step, i) => `  ${i + 1}. ${step}`),
    '',
    `Finding:     ${group.findingId}    First alert: ${group.openerTransitionId}    Group: ${id}`,
  ].join('\n')
  const json = {
    schema: 'iamwatch.occurrences/1',
    transitionId: id,
    transition: 'GROUPED',
    findingId: group.findingId,
    openerTransitionId: group.openerTransitionId,
    detectionId: s.checkId,
    title: s.title,
    severity: s.severity,
    accountId: s.accountId,
    ...(s.accountName ? { accountName: s.accountName } : {}),
    ...(s.ouPath ? { ouPath: s.ouPath } : {}),
    region: s.region,
    principal: s.resourceId,
    count: group.count,
    actions: Object.fromEntries(actions),
    firstAt: group.firstAt,
    lastAt: group.lastAt,
    sourceIps: group.sourceIps,
    ...(group.session ? { session: group.session } : {}),
    throughSeq: group.lastSeq,
  }
  const chatbot: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    id: meta(id),
    content: {
      textType: 'client-markdown',
      title: cut(
        `:repeat: ${md(subject.replace(/^\[iamwatch\] /, 'iamwatch '), CHATBOT_LIMITS.title - 12)}`,
        CHATBOT_LIMITS.title,
      ),
      description: description([
        `${sev} detection: ${md(s.title)}, ${group.count} more since its alert`,
        `Who: ${md(s.resourceId)}`,
        `When (UTC): ${md(span(group))}`,
        `Account: ${md(account)}, region ${md(s.region, 32)}`,
        `Source IPs: ${md(group.sourceIps.join(', ') || 'unknown')}`,
        'Actions:',
        ...actions.slice(0, CHATBOT_LIMITS.entries).map(([name, n]) => `\u2022 ${md(name, 128)} x${n}`),
        ...(actions.length > CHATBOT_LIMITS.entries
          ? [`\u2022 \u2026 and ${actions.length - CHATBOT_LIMITS.entries} more`]
          : []),
        `Finding: ${md(group.findingId, 128)}`,
      ]),
      nextSteps: runbook
        .slice(0, CHATBOT_LIMITS.nextSteps)
        .map((step) => trusted(step, CHATBOT_LIMITS.nextStep)),
      keywords: [sev, s.checkId, s.accountId, 'repeated'].map((k) => md(k, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      // The finding's thread: the follow-up lands under the alert it follows.
      threadId: meta(group.findingId),
      summary: meta(subject),
      eventType: meta('iamwatch.detection.GROUPED'),
      relatedResources: [meta(s.resourceArn)],
      additionalContext: {
        findingId: meta(group.findingId),
        transitionId: meta(id),
        transition: 'GROUPED',
        severity: meta(s.severity),
        checkId: meta(s.checkId),
        accountId: meta(s.accountId),
        count: String(group.count),
      },
    },
  }
  return {
    subject,
    text,
    json,
    chatbot,
    attributes: {
      severity: s.severity,
      checkId: s.checkId,
      accountId: s.accountId,
      transition: 'GROUPED',
      findingId: group.findingId,
      transitionId: id,
      ruleType: 'detection',
      ...(s.accountName ? { accountName: attr(s.accountName) } : {}),
      ...(s.ouPath ? { ouPath: attr(s.ouPath) } : {}),
    },
  }
}
