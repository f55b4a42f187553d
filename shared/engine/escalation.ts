import type { Finding, HistoryEntry } from '../model/finding.ts'

/**
 * Escalation of critical findings nobody acknowledged: once an open critical finding has been open
 * `afterMs` without an acknowledgement (`iamwatch ack`) or a resolution, it is published again to the
 * escalation topic, once per time it opened. Pure rules here; shared/app/escalation.ts applies them.
 *
 * One marker per opening ("episode") of a finding says what happened to it: `escalating` (claimed, the
 * message on its way), `escalated`, or `acknowledged` (someone took it: no escalation). An episode is
 * named by what the finding's state says of it without reading its history: the time it first opened,
 * or, once it has been resolved, the time of its last resolution (it reopened after it).
 */
export interface EscalationMarker {
  findingId: string
  episode: string
  state: 'escalating' | 'escalated' | 'acknowledged'
  at: string
  /** The opening transition, its time, and for an escalation the minutes it had been unacknowledged. */
  openSeq?: number
  openedAt?: string
  minutes?: number
  messageId?: string
  /** Who acknowledged it and why. */
  by?: string
  reason?: string
}

export interface EscalationRepository {
  get(findingId: string, episode: string): Promise<EscalationMarker | undefined>
  /** Creates the marker; false when the episode has one already (escalated, on its way, or acknowledged). */
  create(marker: EscalationMarker): Promise<boolean>
  /** Moves an `escalating` marker on (to escalated); false when it is no longer `escalating`. */
  complete(marker: EscalationMarker): Promise<boolean>
}

/** A claim this old was left by a sender that crashed before publishing: the next tick sends it. */
export const STUCK_ESCALATION_MS = 2 * 60_000

/** The episode of an open finding (see {@link EscalationMarker}). */
export function episodeOf(finding: Pick<Finding, 'firstOpenedAt' | 'resolvedAt'>): string {
  return finding.resolvedAt ?? finding.firstOpenedAt
}

/**
 * Could the finding be due, from its state alone? Open, critical, not suppressed, and open at least
 * `afterMs` (it reopened after its last resolution, so that is the earliest it could have).
 */
export function mayBeDue(finding: Finding, now: Date, afterMs: number): boolean {
  if (finding.status !== 'OPEN' || finding.severity !== 'critical') return false
  if (finding.suppression && Date.parse(finding.suppression.until) > now.getTime()) return false
  return now.getTime() - Date.parse(episodeOf(finding)) >= afterMs
}

/** The transition that opened the finding's current episode: its last OPENED or REOPENED. */
export function openingOf(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!
    if (e.transition === 'OPENED' || e.transition === 'REOPENED') return e
  }
  return undefined
}

/** Whole minutes the finding has been open unacknowledged. */
export function minutesOpen(opening: Pick<HistoryEntry, 'at'>, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(opening.at)) / 60_000)
}

/** Escalation markers in memory, with the repository's conditional semantics. */
export class MemoryEscalations implements EscalationRepository {
  readonly markers = new Map<string, EscalationMarker>()
  async get(findingId: string, episode: string) {
    const m = this.markers.get(`${findingId}#${episode}`)
    return m && { ...m }
  }
  async create(marker: EscalationMarker) {
    const key = `${marker.findingId}#${marker.episode}`
    if (this.markers.has(key)) return false
    this.markers.set(key, { ...marker })
    return true
  }
  async complete(marker: EscalationMarker) {
    const key = `${marker.findingId}#${marker.episode}`
    if (this.markers.get(key)?.state !== 'escalating') return false
    this.markers.set(key, { ...marker })
    return true
  }
}
