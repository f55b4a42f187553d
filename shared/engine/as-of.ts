import type { Finding, FindingStatus, HistoryEntry, TransitionKind } from '../model/finding.ts'

/**
 * "Which findings were open at time T", from the immutable history alone: for each finding, the last of
 * its transitions at or before T decides, by the status it left the finding in. OPENED, REOPENED and
 * OCCURRED leave it open; RESOLVED and ACKNOWLEDGED resolved; SUPPRESSED and UNSUPPRESSED as it was (a
 * suppressed finding is still open, and carries its suppression). A finding whose first transition is
 * after T did not exist yet. The last transition is the one with the highest sequence number among
 * those at or before T (the chain's order, whatever the clocks said).
 */

/** What reconstruction needs of one history item: which finding, its place in the chain, time, kind. */
export interface TransitionMark {
  accountId: string
  findingId: string
  seq: number
  /** ISO 8601. */
  at: string
  /** The finding's status after the transition. */
  status: FindingStatus
  transition: TransitionKind
}

/** Transitions that change only the suppression: the finding keeps its last transition's time. */
const SUPPRESSION_ONLY: ReadonlySet<TransitionKind> = new Set(['SUPPRESSED', 'UNSUPPRESSED'])

/** A finding's transition in force at T, with when it was first opened and last changed before T. */
export interface Deciding {
  accountId: string
  findingId: string
  seq: number
  at: string
  status: FindingStatus
  transition: TransitionKind
  /** The time of its first transition. */
  firstOpenedAt: string
  /** The time of its last transition at or before T that was not SUPPRESSED or UNSUPPRESSED. */
  lastTransitionAt: string
  /** Its last OPENED or REOPENED at or before T (the opening its state names). */
  openedSeq?: number
  openedAt?: string
}

/** The instant an ISO time names, in milliseconds; NaN when it names none. */
const instant = (iso: string) => Date.parse(iso)

interface Folded extends Deciding {
  firstSeq: number
  changeSeq: number
}

/**
 * Folds transition marks, in any order and of any number of findings, into the transition in force at
 * `at` for each finding. Memory is one small record per finding, so a million marks can stream through.
 */
export class AsOfFold {
  private readonly at: number
  private readonly byFinding = new Map<string, Folded>()

  constructor(at: string) {
    this.at = instant(at)
    if (Number.isNaN(this.at)) throw new Error(`not a time: "${at}"`)
  }

  add(m: TransitionMark): void {
    const t = instant(m.at)
    if (Number.isNaN(t) || t > this.at) return
    const changes = !SUPPRESSION_ONLY.has(m.transition)
    const opens = m.transition === 'OPENED' || m.transition === 'REOPENED'
    const seen = this.byFinding.get(m.findingId)
    if (!seen) {
      this.byFinding.set(m.findingId, {
        ...pick(m),
        firstOpenedAt: m.at,
        firstSeq: m.seq,
        lastTransitionAt: changes ? m.at : '',
        changeSeq: changes ? m.seq : 0,
        ...(opens ? { openedSeq: m.seq, openedAt: m.at } : {}),
      })
      return
    }
    if (opens && m.seq > (seen.openedSeq ?? 0)) Object.assign(seen, { openedSeq: m.seq, openedAt: m.at })
    if (m.seq < seen.firstSeq) Object.assign(seen, { firstOpenedAt: m.at, firstSeq: m.seq })
    if (m.seq > seen.seq) Object.assign(seen, pick(m))
    if (changes && m.seq > seen.changeSeq) Object.assign(seen, { lastTransitionAt: m.at, changeSeq: m.seq })
  }

  /** The findings open at the time, each with its deciding transition; sorted by finding id. */
  open(): Deciding[] {
    return this.all().filter((d) => d.status === 'OPEN')
  }

  /** Every finding that existed at the time, open or resolved; sorted by finding id. */
  all(): Deciding[] {
    return [...this.byFinding.values()]
      .map(({ firstSeq: _f, changeSeq: _c, ...d }) => ({
        ...d,
        lastTransitionAt: d.lastTransitionAt || d.firstOpenedAt,
      }))
      .sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0))
  }
}

const pick = (m: TransitionMark) => ({
  accountId: m.accountId,
  findingId: m.findingId,
  seq: m.seq,
  at: m.at,
  status: m.status,
  transition: m.transition,
})

/**
 * The finding as it stood after `entry` (its transition in force at T): what it was about and how it
 * stood then (suppression included), its head at that point of the chain, and its dates up to then.
 * Nothing of its current state is used.
 */
export function findingFromEntry(
  entry: HistoryEntry,
  dates: Pick<Deciding, 'firstOpenedAt' | 'lastTransitionAt' | 'openedSeq' | 'openedAt'>,
): Finding {
  const e = entry
  return {
    id: e.findingId,
    accountId: e.accountId,
    ...(e.accountName !== undefined ? { accountName: e.accountName } : {}),
    region: e.region,
    checkId: e.checkId,
    severity: e.severity,
    status: e.status,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    resourceArn: e.resourceArn,
    ...(e.credentialId !== undefined ? { credentialId: e.credentialId } : {}),
    title: e.title,
    evidence: e.evidence,
    ...(e.resolution !== undefined ? { resolution: e.resolution } : {}),
    ...(e.asOf !== undefined ? { asOf: e.asOf } : {}),
    ...(e.suppression !== undefined ? { suppression: e.suppression } : {}),
    firstOpenedAt: dates.firstOpenedAt,
    lastTransitionAt: dates.lastTransitionAt,
    ...(e.status === 'RESOLVED' ? { resolvedAt: dates.lastTransitionAt } : {}),
    ...(e.transition === 'ACKNOWLEDGED' && e.actor
      ? { acknowledged: { by: e.actor, reason: e.reason ?? '', at: e.at } }
      : {}),
    ...(dates.openedSeq !== undefined && dates.openedAt !== undefined
      ? { openedSeq: dates.openedSeq, openedAt: dates.openedAt }
      : {}),
    seq: e.seq,
    headHash: e.hash,
  }
}

/** The findings open at `at`, from whole history entries (any order, any findings): for tests and small sets. */
export function openAt(entries: readonly HistoryEntry[], at: string): Finding[] {
  const fold = new AsOfFold(at)
  for (const e of entries) fold.add(e)
  const bySeq = new Map(entries.map((e) => [`${e.findingId}#${e.seq}`, e]))
  return fold.open().map((d) => findingFromEntry(bySeq.get(`${d.findingId}#${d.seq}`)!, d))
}
