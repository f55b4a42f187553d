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

/** Verifies one finding's history: sequence without gaps, each item's hash, and each link. */
export function verifyChain(entries: readonly HistoryEntry[], genesis: string): ChainVerdict {
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
  return { ok: true }
}
