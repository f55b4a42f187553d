import { canonicalJson } from '../model/canonical.ts'
import { type Finding, GENESIS_HASH, type HistoryEntry } from '../model/finding.ts'
import { hashMatches } from '../model/history.ts'
import type { DigestProblem, DigestProblemKind } from './digest.ts'

/**
 * Verification of stored findings: each finding's hash chain, from the genesis hash to the head its
 * state item names. Pure: the store reads, this judges. Every problem is reported, not only the first,
 * each with the finding (and item) it concerns.
 *
 * Kinds are additive. Checks with keys join through `Verifier.addProblem`: the item MAC of each state's
 * head ('bad-mac', 'mac-missing') and the signed digests (DigestProblemKind: 'finding-missing',
 * 'head-not-in-digest', 'bad-signature', ...; a digest's problem names its digest key, not always a finding).
 */
export type ProblemKind =
  /** An item's content does not match its hash (edited in place). */
  | 'altered'
  /** An item's previous hash is not the hash of the item before it (or the genesis hash for the first). */
  | 'broken-link'
  /** Items are missing between the first and the newest one present (a gap). */
  | 'missing'
  /** More than one item claims one sequence number. */
  | 'duplicate'
  /** An item stored under this finding belongs to another, or has no valid sequence number. */
  | 'misfiled'
  /** The newest items, up to the head the state names, are gone. */
  | 'ends-before-head'
  /** Items past the head the state names (the state was rolled back, or items were added). */
  | 'past-head'
  /** The item at the state's head does not have the state's head hash. */
  | 'head-mismatch'
  /** The state item says something its head item does not (status, severity, evidence, suppression, ...). */
  | 'state-altered'
  /** History items without a state item. */
  | 'no-state'
  /** An item stored under keys, or time-index keys, its content does not give: hidden from time queries. */
  | 'misindexed'
  /** The state's head MAC is not the MAC key's over its head hash: the head was written without the key. */
  | 'bad-mac'
  /** The state item has no head MAC, though the table is verified with a MAC key. */
  | 'mac-missing'
  /** What the signed digests say of the table, or of themselves (shared/engine/digest.ts). */
  | DigestProblemKind

export interface Problem {
  kind: ProblemKind
  /** The finding it concerns; absent for a problem of the table as a whole (a digest's signature, later). */
  findingId?: string
  /** The history item it concerns (the first of a range), when one does. */
  seq?: number
  /** The digest it concerns (a digest's problem, or the digest that recorded the finding). */
  digestKey?: string
  /** What is wrong, in one line. */
  message: string
}

/** One finding as stored: its state item (if any) and every history item under its key, in any order. */
export interface ChainInput {
  findingId: string
  state?: Finding
  history: readonly HistoryEntry[]
  /** Items (by their own sequence number) whose stored keys or index keys are not those their content gives. */
  misindexed?: readonly number[]
  /** The state item's MAC of its head hash (base64), when its writer had the MAC key. */
  headMac?: string
}

/**
 * The MAC check of one finding's state: given whether KMS verified its `headMac` over its `headHash`
 * (undefined: there was no headMac to verify). The chain then authenticates every item below the head.
 */
export function macProblem(
  findingId: string,
  state: { seq: number },
  verdict: boolean | undefined,
): Problem | undefined {
  if (verdict === true) return undefined
  return verdict === undefined
    ? {
        kind: 'mac-missing',
        findingId,
        seq: state.seq,
        message: `the state item has no MAC of its head (item ${state.seq}): it was written without the MAC key`,
      }
    : {
        kind: 'bad-mac',
        findingId,
        seq: state.seq,
        message: `the MAC of the state's head (item ${state.seq}) does not verify with the MAC key: the head was written or rewritten without it`,
      }
}

/** A signed-digest problem as a verification problem. */
export function digestProblem(p: DigestProblem): Problem {
  return {
    kind: p.kind,
    ...(p.findingId !== undefined ? { findingId: p.findingId } : {}),
    ...(p.digestKey !== undefined ? { digestKey: p.digestKey } : {}),
    message: p.detail,
  }
}

/** The fields a state item shares with its head item: they must agree. */
const SHARED_FIELDS = [
  'accountId',
  'region',
  'checkId',
  'severity',
  'status',
  'resourceType',
  'resourceId',
  'resourceArn',
  'credentialId',
  'title',
  'evidence',
  'resolution',
  'asOf',
  'suppression',
] as const

const range = (from: number, to: number) => (from === to ? `item ${from}` : `items ${from}-${to}`)

/** Every problem of one finding's chain against its state's head. An intact finding has none. */
export function verifyFinding(chain: ChainInput, genesis: string = GENESIS_HASH): Problem[] {
  const id = chain.findingId
  const problems: Problem[] = []
  const report = (kind: ProblemKind, message: string, seq?: number) =>
    problems.push({ kind, findingId: id, ...(seq !== undefined ? { seq } : {}), message })

  const bySeq = new Map<number, HistoryEntry[]>()
  for (const e of chain.history) {
    if (e.findingId !== id)
      report('misfiled', `an item of finding ${e.findingId} is stored under this one`, e.seq)
    else if (!Number.isInteger(e.seq) || e.seq < 1) report('misfiled', `an item has sequence number ${e.seq}`)
    else bySeq.set(e.seq, [...(bySeq.get(e.seq) ?? []), e])
  }

  // One item per sequence number: of duplicates, the one that verifies is taken as the original.
  const items = new Map<number, HistoryEntry>()
  for (const [seq, candidates] of [...bySeq].sort((a, b) => a[0] - b[0])) {
    if (candidates.length > 1)
      report('duplicate', `${candidates.length} items claim sequence number ${seq}`, seq)
    items.set(seq, candidates.length > 1 ? (candidates.find(hashMatches) ?? candidates[0]!) : candidates[0]!)
  }

  for (const [seq, e] of items) {
    if (!hashMatches(e))
      report('altered', `item ${seq} (${e.transition} at ${e.at}): its content does not match its hash`, seq)
    const expected = seq === 1 ? genesis : items.get(seq - 1)?.hash
    if (expected !== undefined && e.prevHash !== expected)
      report(
        'broken-link',
        seq === 1
          ? 'item 1 does not start from the genesis hash'
          : `item ${seq} does not link to item ${seq - 1}: item ${seq - 1} was rewritten or replaced`,
        seq,
      )
  }

  for (const seq of chain.misindexed ?? [])
    report(
      'misindexed',
      `item ${seq} is stored under keys or index keys its content does not give: time queries miss or misplace it`,
      seq,
    )

  // Gaps between the items present, as ranges (a forged sequence number far ahead is one range).
  let newest = 0
  for (const seq of items.keys()) {
    if (seq > newest + 1) report('missing', `${range(newest + 1, seq - 1)} missing`, newest + 1)
    newest = seq
  }
  const head = chain.state?.seq

  const state = chain.state
  if (!state) {
    if (items.size > 0) report('no-state', `${chain.history.length} history items but no state item`)
    return problems
  }
  if (state.id !== id) report('state-altered', `the state item names finding ${state.id}`)
  if (head === undefined || !Number.isInteger(head) || head < 1) {
    report('state-altered', `the state's head is sequence number ${head}`)
    return problems
  }
  if (newest < head)
    report(
      'ends-before-head',
      newest === 0
        ? `no history items: ${range(1, head)} gone (the state's head is item ${head})`
        : `history ends at item ${newest} but the state's head is item ${head}: ${range(newest + 1, head)} gone`,
      newest + 1,
    )
  if (newest > head)
    report('past-head', `${range(head + 1, newest)} past the state's head (item ${head})`, head + 1)
  const headItem = items.get(head)
  if (headItem && headItem.hash !== state.headHash)
    report('head-mismatch', `the state's head hash is not item ${head}'s hash`, head)
  if (headItem) {
    const differs: string[] = SHARED_FIELDS.filter(
      (f) => canonicalJson(state[f] ?? null) !== canonicalJson(headItem[f] ?? null),
    )
    const first = items.get(1)
    if (first && state.firstOpenedAt !== first.at) differs.push('firstOpenedAt')
    if (differs.length > 0)
      report('state-altered', `the state item differs from item ${head} in ${differs.join(', ')}`, head)
  }
  return problems
}

/** The outcome of verifying a table, or part of one. */
export interface VerifyReport {
  ok: boolean
  /** Findings verified. */
  findings: number
  /** History items read. */
  items: number
  /** Findings with at least one problem. */
  broken: number
  /** Every problem, by finding id, then item. */
  problems: Problem[]
}

/**
 * Collects verdicts finding by finding, so a table can be verified as it streams by; verifying a finding
 * again replaces its verdict. Problems from other checks (signed digests) join through `addProblem`.
 */
export class Verifier {
  private readonly genesis: string
  private readonly verdicts = new Map<string, { items: number; problems: Problem[] }>()
  private readonly other: Problem[] = []

  constructor(genesis: string = GENESIS_HASH) {
    this.genesis = genesis
  }

  add(chain: ChainInput): Problem[] {
    const problems = verifyFinding(chain, this.genesis)
    this.verdicts.set(chain.findingId, { items: chain.history.length, problems })
    return problems
  }

  addProblem(problem: Problem): void {
    this.other.push(problem)
  }

  report(): VerifyReport {
    const problems = [...[...this.verdicts.values()].flatMap((v) => v.problems), ...this.other]
    problems.sort(
      (a, b) =>
        (a.findingId ?? '').localeCompare(b.findingId ?? '') ||
        (a.seq ?? 0) - (b.seq ?? 0) ||
        (a.digestKey ?? '').localeCompare(b.digestKey ?? ''),
    )
    const broken = new Set(problems.flatMap((p) => (p.findingId ? [p.findingId] : [])))
    let items = 0
    for (const v of this.verdicts.values()) items += v.items
    return {
      ok: problems.length === 0,
      findings: this.verdicts.size,
      items,
      broken: broken.size,
      problems,
    }
  }
}
