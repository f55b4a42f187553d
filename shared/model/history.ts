import { canonicalJson, sha256Hex } from './canonical.ts'
import type { HistoryEntry } from './finding.ts'

/** The hash of a history entry covers every field but the hash itself, including the previous hash. */
export function hashHistoryEntry(entry: Omit<HistoryEntry, 'hash'>): string {
  return sha256Hex(canonicalJson(entry))
}

export interface ChainVerdict {
  ok: boolean
  /** The first sequence number whose hash or link does not verify. */
  brokenAt?: number
  reason?: string
}

/**
 * Verifies one finding's history: sequence without gaps, each item's hash, and each link. Given the
 * finding state's head (`seq`, `headHash`), the chain must also end exactly there, so deleting the newest
 * items is detected too.
 */
export function verifyChain(
  entries: readonly HistoryEntry[],
  genesis: string,
  head?: { seq: number; headHash: string },
): ChainVerdict {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq)
  let prev = genesis
  for (const [index, entry] of sorted.entries()) {
    if (entry.seq !== index + 1) return { ok: false, brokenAt: entry.seq, reason: 'sequence gap' }
    if (entry.prevHash !== prev)
      return { ok: false, brokenAt: entry.seq, reason: 'link to previous item broken' }
    const { hash, ...rest } = entry
    if (hashHistoryEntry(rest) !== hash) return { ok: false, brokenAt: entry.seq, reason: 'content altered' }
    prev = hash
  }
  if (!head) return { ok: true }
  // The items are 1..n now; the state's head must be the last of them.
  const n = sorted.length
  if (n < head.seq) return { ok: false, brokenAt: n + 1, reason: 'history ends before the state head' }
  if (n > head.seq) return { ok: false, brokenAt: head.seq + 1, reason: 'history goes past the state head' }
  if (prev !== head.headHash) return { ok: false, brokenAt: n, reason: 'head hash does not match' }
  return { ok: true }
}

/** Does the entry's content still hash to its `hash`? */
export function hashMatches(entry: HistoryEntry): boolean {
  const { hash, ...rest } = entry
  return hashHistoryEntry(rest) === hash
}

type EvidenceValue = HistoryEntry['evidence'][string]

/** What changed in a finding's evidence from one history item to the next, key by key. */
export interface EvidenceDiff {
  added: Record<string, EvidenceValue>
  removed: Record<string, EvidenceValue>
  changed: Record<string, { from: EvidenceValue; to: EvidenceValue }>
}

/** The field-level difference between two evidence objects (values compared as canonical JSON). */
export function evidenceDiff(
  beforeEvidence: HistoryEntry['evidence'] | undefined,
  afterEvidence: HistoryEntry['evidence'] | undefined,
): EvidenceDiff {
  const [before, after] = [beforeEvidence ?? {}, afterEvidence ?? {}]
  const diff: EvidenceDiff = { added: {}, removed: {}, changed: {} }
  const has = (o: object, k: string) => Object.hasOwn(o, k) && (o as Record<string, unknown>)[k] !== undefined
  for (const key of Object.keys(after).sort()) {
    if (!has(after, key)) continue
    if (!has(before, key)) diff.added[key] = after[key]!
    else if (canonicalJson(before[key]) !== canonicalJson(after[key]))
      diff.changed[key] = { from: before[key]!, to: after[key]! }
  }
  for (const key of Object.keys(before).sort())
    if (has(before, key) && !has(after, key)) diff.removed[key] = before[key]!
  return diff
}

export const isEmptyDiff = (d: EvidenceDiff): boolean =>
  Object.keys(d.added).length + Object.keys(d.removed).length + Object.keys(d.changed).length === 0
