import type { HistoryEntry } from '../model/finding.ts'
import { CHATBOT_LIMITS, cut } from './chatbot.ts'
import {
  type AlertAccount,
  type AlertMessage,
  buildAlert,
  composeSubject,
  subjectIdentifier,
} from './message.ts'

/** What to run to acknowledge a finding (the same words in every channel). */
export function ackCommand(findingId: string): string {
  return `iamwatch ack ${findingId} --reason "<who is on it>"`
}

/**
 * The escalation of a critical finding nobody acknowledged: its alert again (the transition that opened
 * it), headed "unacknowledged for N minutes" and with how to acknowledge it; attributes as the alert's,
 * `transition` ESCALATED, for the escalation topic's subscribers (a pager's SNS integration, email,
 * Chatbot).
 */
export function buildEscalation(
  opening: HistoryEntry,
  minutes: number,
  account: AlertAccount = {},
): AlertMessage {
  const alert = buildAlert(opening, account)
  const head = `Unacknowledged for ${minutes} minutes`
  // The alert's subject with its head replaced: the title and the identifier (who, or which resource) kept.
  const sev = opening.severity.toUpperCase()
  const subject = composeSubject({
    head: `[iamwatch] ESCALATED ${sev}, unacknowledged ${minutes} min`,
    shortHead: `[iamwatch] ESCALATED ${sev} (${minutes} min)`,
    title: opening.title,
    identifier: subjectIdentifier(opening),
    context: [account.name ?? opening.accountName ?? opening.accountId],
  })
  const id = `${opening.findingId}:escalation:${String(opening.seq).padStart(6, '0')}`
  const text = [
    `ESCALATED: ${head.toUpperCase()}.`,
    `This critical finding opened at ${opening.at} and nobody has acknowledged or resolved it.`,
    `Take it: ${ackCommand(opening.findingId)}`,
    '',
    alert.text,
  ].join('\n')
  return {
    subject,
    text,
    json: {
      ...alert.json,
      escalation: { unacknowledgedMinutes: minutes, openedAt: opening.at, escalationId: id },
    },
    chatbot: {
      ...alert.chatbot,
      id: cut(id, CHATBOT_LIMITS.metadata),
      content: {
        ...alert.chatbot.content,
        title: cut(
          `:rotating_light: ESCALATED, ${head.toLowerCase()}: ${alert.chatbot.content.title}`,
          CHATBOT_LIMITS.title,
        ),
        description: cut(
          `*${head}.* Take it: \`${ackCommand(opening.findingId).replace('<', '\u2039').replace('>', '\u203A')}\`\n${alert.chatbot.content.description}`,
          CHATBOT_LIMITS.description,
        ),
        keywords: ['ESCALATED', ...alert.chatbot.content.keywords].slice(0, CHATBOT_LIMITS.keywords),
      },
      metadata: {
        ...alert.chatbot.metadata,
        summary: cut(subject, CHATBOT_LIMITS.metadata),
        eventType: 'iamwatch.escalation',
        additionalContext: {
          ...alert.chatbot.metadata.additionalContext,
          unacknowledgedMinutes: String(minutes),
        },
      },
    },
    attributes: { ...alert.attributes, transition: 'ESCALATED', transitionId: id },
  }
}
