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
