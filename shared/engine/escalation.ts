import type { Finding, HistoryEntry } from '../model/finding.ts'

/**
 * Escalation of critical findings nobody acknowledged: once an open critical finding has been alertable
 * for `afterMs` without an acknowledgement (`iamwatch ack`) or a resolution, it is published again to the
 * escalation topic, once per time it opened. Pure rules here; shared/app/escalation.ts applies them.
 *
 * One marker per opening of a finding (its OPENED or REOPENED transition, by sequence number) says what
 * happened to it: `escalating` (claimed, the message on its way), `escalated`, `acknowledged` (someone
 * took it: no escalation), or `stale` (it had been open far longer than the escalation delay when the
 * escalation first saw it: known before escalation existed, not paged).
 */
export interface EscalationMarker {
  findingId: string
  /** The sequence number of the transition that opened the finding. */
  openSeq: number
  state: 'escalating' | 'escalated' | 'acknowledged' | 'stale'
  at: string
  /** When the finding became alertable (opened, or its suppression lifted), and the minutes it then had been. */
  since?: string
  minutes?: number
  messageId?: string
  /** The escalation topics (by position) it was published to so far: a retry publishes to the others only. */
  sentTo?: number[]
  /** Who acknowledged it and why. */
  by?: string
  reason?: string
}

export interface EscalationRepository {
  get(findingId: string, openSeq: number): Promise<EscalationMarker | undefined>
  /** Creates the marker; false when the opening has one already (escalated, on its way, or acknowledged). */
  create(marker: EscalationMarker): Promise<boolean>
  /** Replaces `before` (still in the state and time read) by `after`; false when it moved. */
  replace(before: EscalationMarker, after: EscalationMarker): Promise<boolean>
}

/** A claim this old was left by a sender that crashed before publishing: the next tick sends it. */
export const STUCK_ESCALATION_MS = 2 * 60_000
/**
 * How long past the escalation delay a finding may be when first seen and still be escalated: older
 * ones were open before escalation was deployed (or turned on) and are marked `stale`, not paged.
 */
export const ESCALATION_LOOKBACK_MS = 24 * 3_600_000

/**
 * Could the finding be due, from its state alone? Open, critical, not suppressed (an expired suppression
 * too: its lift alerts first, and the clock starts there), and open at least `afterMs` when the state
 * says since when.
 */
export function mayBeDue(finding: Finding, now: Date, afterMs: number): boolean {
  if (finding.status !== 'OPEN' || finding.severity !== 'critical' || finding.suppression) return false
  return !finding.openedAt || now.getTime() - Date.parse(finding.openedAt) >= afterMs
}

/** The transition that opened the finding's current episode: its last OPENED or REOPENED. */
export function openingOf(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!
    if (e.transition === 'OPENED' || e.transition === 'REOPENED') return e
  }
  return undefined
}

/**
 * Since when the opening could be acted on: when it opened, or when a suppression it opened under (or
 * got later) was lifted, whichever is later: a suppressed finding is nobody's to acknowledge.
 */
export function alertableSince(history: readonly HistoryEntry[], opening: HistoryEntry): string {
  let since = opening.at
  for (const e of history)
    if (e.seq > opening.seq && e.transition === 'UNSUPPRESSED' && Date.parse(e.at) > Date.parse(since))
      since = e.at
  return since
}

/** Whole minutes since `since`. */
export function minutesSince(since: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(since)) / 60_000)
}

/** Escalation markers in memory, with the repository's conditional semantics. */
export class MemoryEscalations implements EscalationRepository {
  readonly markers = new Map<string, EscalationMarker>()
  async get(findingId: string, openSeq: number) {
    const m = this.markers.get(`${findingId}#${openSeq}`)
    return m && { ...m }
  }
  async create(marker: EscalationMarker) {
    const key = `${marker.findingId}#${marker.openSeq}`
    if (this.markers.has(key)) return false
    this.markers.set(key, { ...marker })
    return true
  }
  async replace(before: EscalationMarker, after: EscalationMarker) {
    const key = `${before.findingId}#${before.openSeq}`
    const stored = this.markers.get(key)
    if (!stored || stored.state !== before.state || stored.at !== before.at) return false
    this.markers.set(key, { ...after })
    return true
  }
}
