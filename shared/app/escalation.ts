import {
  type EscalationMarker,
  type EscalationRepository,
  episodeOf,
  mayBeDue,
  minutesOpen,
  openingOf,
  STUCK_ESCALATION_MS,
} from '../engine/escalation.ts'
import type { Finding, HistoryEntry } from '../model/finding.ts'
import { buildEscalation } from '../notify/escalation.ts'
import type { AlertMessage } from '../notify/message.ts'
import type { LoadedDirectory } from './directory.ts'
import type { Log } from './log.ts'

export interface EscalationDeps {
  store: {
    listFindings(q: { status: 'OPEN'; severity: 'critical' }): Promise<Finding[]>
    history(id: string): Promise<HistoryEntry[]>
  }
  escalations: EscalationRepository
  /** Publishes to the escalation topic (and the configured external one). */
  publish: (alert: AlertMessage) => Promise<string>
  afterMs: number
  log: Log
  now: () => Date
  directory?: LoadedDirectory
}

export interface EscalationResult {
  escalated: number
  /** Open critical findings left alone: acknowledged, escalated before, or not yet due. */
  skipped: number
  failed: number
}

/**
 * Publishes each open critical finding nobody acknowledged within `afterMs` to the escalation topic,
 * once per opening: a marker is claimed (`escalating`) before the publish and completed after it, so
 * two ticks never both send it, and a tick that died in between leaves a claim the next tick sends.
 * A finding acknowledged (`iamwatch ack`: a posture finding gets an `acknowledged` marker, a detection
 * finding is closed), resolved or suppressed is not escalated.
 */
export async function escalateUnacknowledged(deps: EscalationDeps): Promise<EscalationResult> {
  const result: EscalationResult = { escalated: 0, skipped: 0, failed: 0 }
  const now = deps.now()
  for (const finding of await deps.store.listFindings({ status: 'OPEN', severity: 'critical' })) {
    try {
      if (!mayBeDue(finding, now, deps.afterMs)) {
        result.skipped++
        continue
      }
      const episode = episodeOf(finding)
      const marker = await deps.escalations.get(finding.id, episode)
      const stuck =
        marker?.state === 'escalating' && now.getTime() - Date.parse(marker.at) >= STUCK_ESCALATION_MS
      if (marker && !stuck) {
        result.skipped++
        continue
      }
      const opening = openingOf(await deps.store.history(finding.id))
      if (!opening || now.getTime() - Date.parse(opening.at) < deps.afterMs) {
        result.skipped++
        continue
      }
      const minutes = minutesOpen(opening, now)
      const claim: EscalationMarker = marker ?? {
        findingId: finding.id,
        episode,
        state: 'escalating',
        at: now.toISOString(),
        openSeq: opening.seq,
        openedAt: opening.at,
        minutes,
      }
      if (!marker && !(await deps.escalations.create(claim))) {
        result.skipped++
        continue
      }
      const account = await deps.directory?.account(finding.accountId).catch(() => undefined)
      const messageId = await deps.publish(
        buildEscalation(
          opening,
          claim.minutes ?? minutes,
          account ? { name: account.name, ...(account.ouPath ? { ouPath: account.ouPath } : {}) } : {},
        ),
      )
      await deps.escalations.complete({
        ...claim,
        state: 'escalated',
        messageId,
        at: deps.now().toISOString(),
      })
      result.escalated++
      deps.log.info('finding escalated', {
        findingId: finding.id,
        checkId: finding.checkId,
        unacknowledgedMinutes: claim.minutes ?? minutes,
        messageId,
      })
    } catch (err) {
      result.failed++
      deps.log.error('escalation failed; the next tick retries', {
        findingId: finding.id,
        error: String((err as Error)?.message ?? err),
      })
    }
  }
  return result
}

/**
 * Acknowledges the current opening of an open finding for escalation (`iamwatch ack` on a posture
 * finding): it will not be escalated; the finding stays open until it is fixed. 'already': escalated
 * or acknowledged before.
 */
export async function acknowledgeEscalation(
  escalations: EscalationRepository,
  finding: Finding,
  by: string,
  reason: string,
  at: string,
): Promise<'acknowledged' | EscalationMarker> {
  const marker: EscalationMarker = {
    findingId: finding.id,
    episode: episodeOf(finding),
    state: 'acknowledged',
    at,
    by,
    reason,
  }
  if (await escalations.create(marker)) return 'acknowledged'
  return (await escalations.get(finding.id, marker.episode)) ?? marker
}
