import {
  alertableSince,
  ESCALATION_LOOKBACK_MS,
  type EscalationMarker,
  type EscalationRepository,
  mayBeDue,
  minutesSince,
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
  /** One publisher per escalation topic (the stack's, and the configured external one). */
  targets: ReadonlyArray<(alert: AlertMessage) => Promise<string>>
  afterMs: number
  log: Log
  now: () => Date
  directory?: LoadedDirectory
}

export interface EscalationResult {
  escalated: number
  /** Open critical findings left alone: acknowledged, escalated before, suppressed, or not yet due. */
  skipped: number
  /** Openings first seen long after their escalation was due (open before escalation was on): marked, not paged. */
  stale: number
  failed: number
}

/**
 * Publishes each open critical finding nobody acknowledged within `afterMs` of becoming alertable to the
 * escalation topic, once per opening: a marker is claimed (`escalating`) before the publish and completed
 * after it, so two ticks never both send it; a claim left by a tick that died is claimed again
 * (conditionally on the claim read) and sent. A finding acknowledged (`iamwatch ack`: a posture finding
 * gets an `acknowledged` marker, a detection finding is closed), resolved or suppressed is not escalated.
 */
export async function escalateUnacknowledged(deps: EscalationDeps): Promise<EscalationResult> {
  const result: EscalationResult = { escalated: 0, skipped: 0, stale: 0, failed: 0 }
  const now = deps.now()
  for (const finding of await deps.store.listFindings({ status: 'OPEN', severity: 'critical' })) {
    try {
      const outcome = await escalateOne(finding, now, deps)
      result[outcome]++
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

async function escalateOne(
  finding: Finding,
  now: Date,
  deps: EscalationDeps,
): Promise<'escalated' | 'skipped' | 'stale'> {
  if (!mayBeDue(finding, now, deps.afterMs)) return 'skipped'
  const settled = (m: EscalationMarker | undefined) =>
    m && !(m.state === 'escalating' && now.getTime() - Date.parse(m.at) >= STUCK_ESCALATION_MS)
  // The state names its opening: an escalated or acknowledged one costs one read.
  const named =
    finding.openedSeq !== undefined ? await deps.escalations.get(finding.id, finding.openedSeq) : undefined
  if (settled(named)) return 'skipped'
  const history = await deps.store.history(finding.id)
  const opening = openingOf(history)
  if (!opening) return 'skipped'
  // Read again only when the history names another opening (a finding opened before the state kept it).
  let marker = opening.seq === finding.openedSeq ? named : await deps.escalations.get(finding.id, opening.seq)
  if (settled(marker)) return 'skipped'
  const since = alertableSince(history, opening)
  const waited = now.getTime() - Date.parse(since)
  if (waited < deps.afterMs) return 'skipped'
  if (!marker) {
    const claim: EscalationMarker = {
      findingId: finding.id,
      openSeq: opening.seq,
      state: waited > deps.afterMs + ESCALATION_LOOKBACK_MS ? 'stale' : 'escalating',
      at: now.toISOString(),
      since,
      minutes: minutesSince(since, now),
    }
    if (!(await deps.escalations.create(claim))) return 'skipped'
    if (claim.state === 'stale') {
      deps.log.info('critical finding open since before escalation: not escalated', {
        findingId: finding.id,
        since,
      })
      return 'stale'
    }
    marker = claim
  } else {
    // A claim a crashed tick left: claimed again, so of two ticks only one sends it.
    const again = { ...marker, at: now.toISOString() }
    if (!(await deps.escalations.replace(marker, again))) return 'skipped'
    marker = again
  }
  const minutes = marker.minutes ?? minutesSince(since, now)
  const account = await deps.directory?.account(finding.accountId).catch(() => undefined)
  const alert = buildEscalation(
    opening,
    minutes,
    account ? { name: account.name, ...(account.ouPath ? { ouPath: account.ouPath } : {}) } : {},
  )
  // Topic by topic, each recorded on the claim: a retry after one failed publishes to the others only.
  const ids: string[] = []
  for (const [i, publish] of deps.targets.entries()) {
    if (marker.sentTo?.includes(i)) continue
    ids.push(await publish(alert))
    const next: EscalationMarker = {
      ...marker,
      sentTo: [...(marker.sentTo ?? []), i],
      at: deps.now().toISOString(),
    }
    if (!(await deps.escalations.replace(marker, next))) return 'skipped'
    marker = next
  }
  const messageId = ids.join(',')
  await deps.escalations.replace(marker, {
    ...marker,
    state: 'escalated',
    messageId,
    at: deps.now().toISOString(),
  })
  deps.log.info('finding escalated', { findingId: finding.id, checkId: finding.checkId, minutes, messageId })
  return 'escalated'
}

/**
 * Acknowledges the current opening of an open finding for escalation (`iamwatch ack` on a posture
 * finding): it will not be escalated; the finding stays open until it is fixed. Returns the marker that
 * was there when the opening had one already (escalated, or acknowledged before).
 */
export async function acknowledgeEscalation(
  escalations: EscalationRepository,
  store: Pick<EscalationDeps['store'], 'history'>,
  finding: Finding,
  by: string,
  reason: string,
  at: string,
): Promise<'acknowledged' | EscalationMarker> {
  const openSeq = finding.openedSeq ?? openingOf(await store.history(finding.id))?.seq ?? finding.seq
  const marker: EscalationMarker = { findingId: finding.id, openSeq, state: 'acknowledged', at, by, reason }
  if (await escalations.create(marker)) return 'acknowledged'
  return (await escalations.get(finding.id, openSeq)) ?? marker
}
