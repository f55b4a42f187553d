import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { canonicalJson, sha256Hex } from '../model/canonical.ts'
import { GENESIS_HASH, type HistoryEntry } from '../model/finding.ts'
import { hashHistoryEntry } from '../model/history.ts'

/**
 * Signed digests of the findings history, as CloudTrail's log-file integrity digests are of its logs:
 * every period (hourly), a document naming the head (sequence number and hash) of every finding whose
 * hash chain moved since the previous digest, and the key and SHA-256 of that previous digest; signed
 * with an asymmetric KMS key (ECDSA P-256, SHA-256), stored in an S3 bucket under Object Lock. The
 * first digest of each UTC day is a checkpoint that lists the heads of every finding known, so a
 * finding deleted outright (state and history) is still named by the newest checkpoint.
 *
 * Whoever can rewrite the table can recompute the plain hashes of a chain, but not the signature over
 * the head a digest recorded; and whoever can write the bucket cannot remove a locked digest version,
 * re-sign a changed one, or put an old one in place of a newer one without breaking the chain of
 * `previous` links. Pure: the adapters (shared/aws/digests.ts, shared/aws/kms.ts) read and write.
 */

export const DIGEST_VERSION = 1
/** KMS's name of the signature scheme: ECDSA on NIST P-256 over a SHA-256 digest (MessageType DIGEST). */
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256'
/** The scheduled part's name: its heartbeat's `Part` dimension, and its schedule's input. */
export const DIGEST_PART = 'digest' as const
/** Every digest is stored under `digests/<accountId>/`. */
export const DIGEST_ROOT = 'digests'

/** A finding's chain head as a digest records it. */
export interface DigestHead {
  findingId: string
  seq: number
  headHash: string
}

/** The digest before this one: its object key and the SHA-256 of its canonical document. */
export interface DigestLink {
  key: string
  sha256: string
}

export type DigestKind = 'checkpoint' | 'delta'

/** What is signed. Canonical JSON of it (shared/model/canonical.ts) is what its SHA-256 is taken of. */
export interface DigestDocument {
  version: 1
  /** checkpoint: `heads` lists every finding known; delta: those whose chain moved in [from, to]. */
  kind: DigestKind
  accountId: string
  stage?: string
  /** The history it covers: transitions at or after `from` and at or before `to` (ISO 8601). */
  from: string
  to: string
  /** The digest before it; null only for the account's first digest (a checkpoint). */
  previous: DigestLink | null
  /** Sorted by finding id. */
  heads: DigestHead[]
  /** How many findings are known in all, after this digest. */
  findings: number
  generatedAt: string
}

export interface DigestSignature {
  algorithm: typeof SIGNING_ALGORITHM
  /** KMS signed the SHA-256 itself (MessageType DIGEST), which is the same as signing the document RAW. */
  messageType: 'DIGEST'
  /** The KMS key's ARN, as Sign returned it. */
  keyId: string
  /** DER-encoded ECDSA signature, base64. */
  value: string
}

/** The stored object: the document, its SHA-256 (hex) and the signature over it. */
export interface SignedDigest {
  document: DigestDocument
  sha256: string
  signature: DigestSignature
}

/** A digest as listed and read from storage: its key, and its body (text, or already parsed). */
export interface StoredDigest {
  key: string
  body: string | SignedDigest
}

/** The object key of an account's digest for a window ending at `to`: `digests/<account>/<YYYY>/<MM>/<DD>/<to>.json`. */
export function digestKey(accountId: string, to: string): string {
  const iso = new Date(to).toISOString()
  return `${digestDayPrefix(accountId, iso)}${iso}.json`
}

/** `digests/<account>/` */
export function digestAccountPrefix(accountId: string): string {
  return `${DIGEST_ROOT}/${accountId}/`
}

/** `digests/<account>/<YYYY>/<MM>/<DD>/` of the UTC day of an ISO time (or a `YYYY-MM-DD` day). */
export function digestDayPrefix(accountId: string, day: string): string {
  return `${digestAccountPrefix(accountId)}${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/`
}

/** The account and window end a key names; undefined for a key that is not a digest's. */
export function parseDigestKey(key: string): { accountId: string; to: string } | undefined {
  const m =
    /^digests\/([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\.json$/.exec(
      key,
    )
  if (!m) return undefined
  const to = m[5]!
  if (`${m[2]}-${m[3]}-${m[4]}` !== to.slice(0, 10) || Number.isNaN(Date.parse(to))) return undefined
  return { accountId: m[1]!, to }
}

/** SHA-256 (hex) of the canonical document: what `previous.sha256` names and what is signed. */
export function digestHash(document: DigestDocument): string {
  return sha256Hex(canonicalJson(document))
}

/** The 32 bytes KMS signs (Sign, ECDSA_SHA_256, MessageType DIGEST). */
export function digestToSign(document: DigestDocument): Buffer {
  return Buffer.from(digestHash(document), 'hex')
}

/** The stored form of a signed document. */
export function sealDigest(
  document: DigestDocument,
  signature: { keyId: string; value: Uint8Array },
): SignedDigest {
  return {
    document,
    sha256: digestHash(document),
    signature: {
      algorithm: SIGNING_ALGORITHM,
      messageType: 'DIGEST',
      keyId: signature.keyId,
      value: Buffer.from(signature.value).toString('base64'),
    },
  }
}

/** The object's body: canonical JSON, one line. */
export function serializeDigest(signed: SignedDigest): string {
  return `${canonicalJson(signed)}\n`
}

export class DigestFormatError extends Error {
  override name = 'DigestFormatError'
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)
const isIso = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))

/** Reads a stored digest, checking its shape (not its signature): throws DigestFormatError. */
export function parseDigest(body: string | SignedDigest): SignedDigest {
  let raw: unknown = body
  if (typeof body === 'string') {
    try {
      raw = JSON.parse(body)
    } catch {
      throw new DigestFormatError('not JSON')
    }
  }
  if (!isObject(raw) || !isObject(raw.document) || !isObject(raw.signature))
    throw new DigestFormatError('not a signed digest: document and signature expected')
  const d = raw.document
  const s = raw.signature
  if (d.version !== DIGEST_VERSION) throw new DigestFormatError(`unknown version ${String(d.version)}`)
  if (d.kind !== 'checkpoint' && d.kind !== 'delta')
    throw new DigestFormatError(`unknown kind ${String(d.kind)}`)
  if (typeof d.accountId !== 'string' || !isIso(d.from) || !isIso(d.to) || !isIso(d.generatedAt))
    throw new DigestFormatError('accountId, from, to and generatedAt expected')
  if (d.stage !== undefined && typeof d.stage !== 'string')
    throw new DigestFormatError('stage must be a string')
  if (
    d.previous !== null &&
    !(isObject(d.previous) && typeof d.previous.key === 'string' && isHex64(d.previous.sha256))
  )
    throw new DigestFormatError('previous must be null or { key, sha256 }')
  if (!Array.isArray(d.heads) || !Number.isInteger(d.findings))
    throw new DigestFormatError('heads and findings expected')
  for (const h of d.heads)
    if (!isObject(h) || typeof h.findingId !== 'string' || !Number.isInteger(h.seq) || !isHex64(h.headHash))
      throw new DigestFormatError('every head must be { findingId, seq, headHash }')
  if (
    s.algorithm !== SIGNING_ALGORITHM ||
    s.messageType !== 'DIGEST' ||
    typeof s.keyId !== 'string' ||
    typeof s.value !== 'string'
  )
    throw new DigestFormatError(
      `signature must be ${SIGNING_ALGORITHM} over the digest, with keyId and value`,
    )
  if (!isHex64(raw.sha256)) throw new DigestFormatError('sha256 expected')
  return raw as unknown as SignedDigest
}

/**
 * The window a digest made at `now` covers up to: `now - settleMs`, rounded down to the period.
 * Waiting `settleMs` lets the history-by-time index (eventually consistent) and the writers that date
 * a transition when they start (a scan runs up to 15 minutes) catch up with the window's end.
 */
export function windowEnd(now: Date, options: { settleMs: number; periodMs: number }): string {
  const t = now.getTime() - options.settleMs
  return new Date(t - (((t % options.periodMs) + options.periodMs) % options.periodMs)).toISOString()
}

/** A digest ending on a new UTC day (or the account's first) is a checkpoint. */
export function checkpointDue(previous: Pick<DigestDocument, 'to'> | undefined, to: string): boolean {
  return previous === undefined || previous.to.slice(0, 10) !== new Date(to).toISOString().slice(0, 10)
}

/** A head as the digests record it, and the digest that recorded it last. */
export interface RecordedHead extends DigestHead {
  digestKey: string
}

/**
 * The heads the digests record, by finding: from the newest checkpoint on (a checkpoint lists every
 * finding known), each later digest's heads replacing the earlier ones. `digests` oldest first.
 */
export function rollUp(digests: readonly DigestDocument[]): Map<string, RecordedHead> {
  let start = 0
  for (let i = digests.length - 1; i >= 0; i--)
    if (digests[i]!.kind === 'checkpoint') {
      start = i
      break
    }
  const heads = new Map<string, RecordedHead>()
  for (const d of digests.slice(start)) {
    const key = digestKey(d.accountId, d.to)
    for (const h of d.heads)
      heads.set(h.findingId, { findingId: h.findingId, seq: h.seq, headHash: h.headHash, digestKey: key })
  }
  return heads
}

/** Does an item's content still hash to its hash? */
const contentMatches = (e: HistoryEntry) => {
  const { hash, ...rest } = e
  return hashHistoryEntry(rest) === hash
}

/** A finding whose new items the digest will not record: they do not continue the chain it recorded. */
export interface RefusedHead {
  findingId: string
  seq: number
  reason: string
}

/**
 * A finding's next recorded head from its items, if they continue the chain from `base` (the head the
 * digests recorded, or the genesis): items `base.seq + 1 ..`, each linking to the one before and
 * hashing to its own hash. `items` are the finding's items (any order, any range); undefined when there
 * is nothing new, 'gap' when items between are not among them (read the whole chain and ask again).
 */
export function nextHead(
  base: { seq: number; headHash: string } | undefined,
  items: readonly HistoryEntry[],
): { head: DigestHead } | { refused: string; seq: number } | 'gap' | undefined {
  const from = base ?? { seq: 0, headHash: GENESIS_HASH }
  const bySeq = new Map<number, HistoryEntry>()
  for (const e of items) {
    const other = bySeq.get(e.seq)
    if (other && other.hash !== e.hash)
      return { refused: `two items claim sequence number ${e.seq}`, seq: e.seq }
    bySeq.set(e.seq, e)
  }
  const recorded = bySeq.get(from.seq)
  if (from.seq > 0 && recorded && recorded.hash !== from.headHash)
    return { refused: `item ${from.seq} no longer has the hash a digest recorded`, seq: from.seq }
  const newer = [...bySeq.keys()].filter((s) => s > from.seq).sort((a, b) => a - b)
  if (newer.length === 0) return undefined
  if (newer[0] !== from.seq + 1 || newer.some((s, i) => s !== from.seq + 1 + i)) return 'gap'
  let prev = from.headHash
  let last: HistoryEntry | undefined
  for (const seq of newer) {
    const e = bySeq.get(seq)!
    if (e.prevHash !== prev)
      return {
        refused: `item ${seq} does not link to item ${seq - 1} as the digests recorded it`,
        seq,
      }
    if (!contentMatches(e)) return { refused: `item ${seq}'s content does not match its hash`, seq }
    prev = e.hash
    last = e
  }
  return { head: { findingId: last!.findingId, seq: last!.seq, headHash: last!.hash } }
}

export interface DigestInput {
  accountId: string
  stage?: string
  from: string
  to: string
  /** The newest digest so far, and its key; null for the account's first. */
  previous: { key: string; document: DigestDocument } | null
  /** The heads the digests record so far (rollUp of the newest checkpoint and the digests after it). */
  known: ReadonlyMap<string, DigestHead>
  /** The heads that moved in the window, each continuing its recorded chain (nextHead). */
  changed: readonly DigestHead[]
  generatedAt: string
}

/** The next digest: a checkpoint of every head known when the day changed, else the heads that moved. */
export function buildDigest(input: DigestInput): DigestDocument {
  const all = new Map<string, DigestHead>()
  for (const [id, h] of input.known) all.set(id, { findingId: id, seq: h.seq, headHash: h.headHash })
  const changed = new Map<string, DigestHead>()
  for (const h of input.changed) {
    const known = all.get(h.findingId)
    if (known && known.seq >= h.seq) continue
    changed.set(h.findingId, h)
    all.set(h.findingId, h)
  }
  const kind: DigestKind = checkpointDue(input.previous?.document, input.to) ? 'checkpoint' : 'delta'
  const sorted = (heads: Iterable<DigestHead>) =>
    [...heads]
      .map((h) => ({ findingId: h.findingId, seq: h.seq, headHash: h.headHash }))
      .sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0))
  return {
    version: DIGEST_VERSION,
    kind,
    accountId: input.accountId,
    ...(input.stage ? { stage: input.stage } : {}),
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    previous: input.previous
      ? { key: input.previous.key, sha256: digestHash(input.previous.document) }
      : null,
    heads: sorted(kind === 'checkpoint' ? all.values() : changed.values()),
    findings: all.size,
    generatedAt: input.generatedAt,
  }
}

/** What went wrong, about a finding (`findingId`) or a digest (`digestKey`), or both. */
export type DigestProblemKind =
  /** The signature does not verify over the document, or was made by a key not trusted. */
  | 'bad-signature'
  /** A digest's `previous` does not name the digest before it (one was removed, replaced or inserted). */
  | 'digest-chain-broken'
  /** A valid digest stored under another window's key: an old digest put in place of a newer one. */
  | 'digest-replayed'
  /** Not a digest at all: not JSON, a wrong shape, another account's, a first digest that is no checkpoint. */
  | 'digest-invalid'
  /** No digest for longer than digests are made: the newest ones were hidden, or the writer stopped. */
  | 'digest-stale'
  /** A finding the digests record is not in the table (its state and history were deleted). */
  | 'finding-missing'
  /** The table's head of a finding contradicts the head a digest recorded (its chain was rewritten or rolled back). */
  | 'head-mismatch'
  /** A finding's head is older than the newest digest, and no digest records it. */
  | 'head-not-in-digest'

export interface DigestProblem {
  findingId?: string
  digestKey?: string
  kind: DigestProblemKind
  /** What is wrong, in one line. */
  detail: string
}

/** A public key: node:crypto's, or DER SubjectPublicKeyInfo as KMS GetPublicKey returns it. */
export type PublicKeyInput = KeyObject | Uint8Array

/** The signing keys trusted: one key, or keys by their KMS key ARN (or key id). */
export type TrustedKeys = PublicKeyInput | ReadonlyMap<string, PublicKeyInput>

const asKeyObject = (k: PublicKeyInput): KeyObject =>
  k instanceof Uint8Array ? createPublicKey({ key: Buffer.from(k), format: 'der', type: 'spki' }) : k

function trustedKey(keys: TrustedKeys, keyId: string): KeyObject | undefined {
  if (!(keys instanceof Map)) return asKeyObject(keys as PublicKeyInput)
  const map = keys as ReadonlyMap<string, PublicKeyInput>
  const id = keyId.split('/').at(-1) ?? keyId
  const found = map.get(keyId) ?? map.get(id) ?? [...map].find(([k]) => k.split('/').at(-1) === id)?.[1]
  return found ? asKeyObject(found) : undefined
}

/** Does the signature verify over the document's SHA-256 with this key? (ECDSA, DER, as KMS signs.) */
export function signatureValid(signed: SignedDigest, key: PublicKeyInput): boolean {
  if (signed.sha256 !== digestHash(signed.document)) return false
  try {
    return verify(
      'sha256',
      Buffer.from(canonicalJson(signed.document)),
      { key: asKeyObject(key), dsaEncoding: 'der' },
      Buffer.from(signed.signature.value, 'base64'),
    )
  } catch {
    return false
  }
}

export interface VerifyDigestsOptions {
  /** Every digest must be this account's. */
  accountId?: string
  /**
   * What the first digest given must name as its previous: null (default: the digests start at the
   * account's first), a link (they continue a chain verified before), or 'any' (a suffix, unanchored).
   */
  first?: DigestLink | null | 'any'
  /** With `maxAgeMs`: the newest digest must end no earlier than `now - maxAgeMs` (ISO or Date). */
  now?: string | Date
  maxAgeMs?: number
}

export interface DigestVerification {
  ok: boolean
  problems: DigestProblem[]
  /** The authentic documents (signature valid, stored under their own key), oldest first: for checkHeads. */
  digests: DigestDocument[]
}

/**
 * Verifies stored digests, oldest to newest by key: each one's shape and placement (its key names its
 * account and window), its signature (node:crypto, with the trusted public key), and its link to the
 * digest before it (key and SHA-256, and its window continuing that one's). A digest removed from the
 * listing breaks the link of the next; an old digest copied under a newer key is 'digest-replayed'; a
 * changed or forged one fails its signature. Pure.
 */
export function verifyDigests(
  stored: readonly StoredDigest[],
  keys: TrustedKeys,
  options: VerifyDigestsOptions = {},
): DigestVerification {
  const problems: DigestProblem[] = []
  const digests: DigestDocument[] = []
  const report = (digestKey: string, kind: DigestProblemKind, detail: string) =>
    problems.push({ digestKey, kind, detail })
  const sorted = [...stored].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  // The digest before the current one, as far as it could be read.
  let prev: { key: string; sha256?: string; to?: string } | undefined
  const first = options.first === undefined ? null : options.first
  for (const s of sorted) {
    let signed: SignedDigest
    try {
      signed = parseDigest(s.body)
    } catch (e) {
      report(s.key, 'digest-invalid', `not a signed digest: ${(e as Error).message}`)
      prev = { key: s.key }
      continue
    }
    const d = signed.document
    const sha256 = digestHash(d)
    const placed = parseDigestKey(s.key)
    if (!placed) {
      report(s.key, 'digest-invalid', 'stored under a key that is not a digest key')
      continue
    }
    if (placed.accountId !== d.accountId || placed.to !== new Date(d.to).toISOString()) {
      report(
        s.key,
        'digest-replayed',
        `holds the digest of ${d.accountId} up to ${d.to} (${digestKey(d.accountId, d.to)}), not the one of this key: an older digest put in place of a newer one`,
      )
      continue
    }
    if (options.accountId !== undefined && d.accountId !== options.accountId) {
      report(s.key, 'digest-invalid', `a digest of account ${d.accountId}, not ${options.accountId}`)
      continue
    }
    const key = trustedKey(keys, signed.signature.keyId)
    const authentic = key !== undefined && signatureValid(signed, key)
    if (!authentic)
      report(
        s.key,
        'bad-signature',
        key === undefined
          ? `signed by ${signed.signature.keyId}, which is not a trusted key`
          : signed.sha256 !== sha256
            ? 'its document does not hash to the SHA-256 it states: the document was changed'
            : `its signature does not verify with the public key of ${signed.signature.keyId}: the document was changed or the signature forged`,
      )
    // The link to the digest before.
    if (prev === undefined) {
      if (first === null && d.previous !== null)
        report(
          s.key,
          'digest-chain-broken',
          `the first digest names a previous one (${d.previous.key}) that is not there: earlier digests were removed`,
        )
      else if (
        first !== null &&
        first !== 'any' &&
        (d.previous?.key !== first.key || d.previous.sha256 !== first.sha256)
      )
        report(s.key, 'digest-chain-broken', `does not continue ${first.key}, the digest verified before it`)
      if (first === null && d.previous === null && d.kind !== 'checkpoint')
        report(s.key, 'digest-invalid', "the account's first digest is not a checkpoint")
    } else if (d.previous === null) {
      report(s.key, 'digest-chain-broken', `names no previous digest, but ${prev.key} comes before it`)
    } else if (d.previous.key !== prev.key) {
      report(
        s.key,
        'digest-chain-broken',
        `names ${d.previous.key} as its previous digest, but the one before it is ${prev.key}: a digest between them was removed or inserted`,
      )
    } else if (prev.sha256 !== undefined && d.previous.sha256 !== prev.sha256) {
      report(
        s.key,
        'digest-chain-broken',
        `its previous digest ${prev.key} is not the document it linked to (SHA-256 differs): that digest was replaced`,
      )
    } else if (prev.to !== undefined && new Date(d.from).toISOString() !== prev.to) {
      report(s.key, 'digest-chain-broken', `covers from ${d.from}, but ${prev.key} ended at ${prev.to}`)
    }
    if (authentic) {
      digests.push(d)
      prev = { key: s.key, sha256, to: new Date(d.to).toISOString() }
    } else prev = { key: s.key }
  }
  if (options.now !== undefined && options.maxAgeMs !== undefined) {
    const now = new Date(options.now).getTime()
    const newest = digests.at(-1)
    if (!newest) problems.push({ kind: 'digest-stale', detail: 'no authentic digest at all' })
    else if (Date.parse(newest.to) < now - options.maxAgeMs)
      problems.push({
        digestKey: digestKey(newest.accountId, newest.to),
        kind: 'digest-stale',
        detail: `the newest digest ends at ${newest.to}, more than ${Math.round(options.maxAgeMs / 60_000)} minutes ago: newer digests are hidden, or none were made`,
      })
  }
  return { ok: problems.length === 0, problems, digests }
}

/** A finding as the table has it: its head, and when the head transition happened. */
export interface TableHead {
  id: string
  seq: number
  headHash: string
  /** Its account: a finding of another account than the digests' is not theirs to judge. */
  accountId?: string
  /** The head transition's time (the state's lastTransitionAt); without it, every unrecorded head is reported. */
  lastTransitionAt?: string
  /**
   * Its history items' hashes by sequence number, when read: a head the digests recorded at an older
   * sequence number is then checked too (a chain rewritten below its newer head).
   */
  hashAt?: (seq: number) => string | undefined
}

/** A finding's head from its state item, or, without one, from its newest history item; with its chain's hashes. */
export function tableHead(chain: {
  findingId: string
  state?: { seq: number; headHash: string; lastTransitionAt?: string; accountId?: string }
  history: ReadonlyArray<{ seq: number; hash: string; at: string; accountId?: string }>
}): TableHead | undefined {
  const hashes = new Map(chain.history.map((h) => [h.seq, h.hash]))
  const newest = [...chain.history].sort((a, b) => a.seq - b.seq).at(-1)
  const head = chain.state
    ? { seq: chain.state.seq, headHash: chain.state.headHash, lastTransitionAt: chain.state.lastTransitionAt }
    : newest
      ? { seq: newest.seq, headHash: newest.hash, lastTransitionAt: newest.at }
      : undefined
  if (!head) return undefined
  const accountId = chain.state?.accountId ?? newest?.accountId
  return {
    id: chain.findingId,
    ...(accountId !== undefined ? { accountId } : {}),
    seq: head.seq,
    headHash: head.headHash,
    ...(head.lastTransitionAt !== undefined ? { lastTransitionAt: head.lastTransitionAt } : {}),
    hashAt: (seq) => hashes.get(seq),
  }
}

/** How far in the future a head may be dated (clock skew between writers) before it is suspect. */
const FUTURE_SKEW_MS = 5 * 60_000

/**
 * Compares the table's findings with the heads the digests record (`digests`: authentic documents,
 * oldest first, from a checkpoint on; verifyDigests gives them): a finding the digests record that the
 * table lacks ('finding-missing'), a head the table has that contradicts the recorded one
 * ('head-mismatch': same sequence number but another hash, fewer items than recorded, or, with
 * `hashAt`, the recorded item's hash changed under newer items), and a head older than the newest
 * digest that no digest records ('head-not-in-digest'; so is a head dated in the future, given `now`).
 */
export function checkHeads(
  findings: readonly TableHead[],
  digests: readonly DigestDocument[],
  options: { now?: string | Date } = {},
): DigestProblem[] {
  const newest = digests.at(-1)
  if (!newest) return []
  const recorded = rollUp(digests)
  const coveredTo = Date.parse(newest.to)
  const newestKey = digestKey(newest.accountId, newest.to)
  const future =
    options.now === undefined ? Number.POSITIVE_INFINITY : new Date(options.now).getTime() + FUTURE_SKEW_MS
  const problems: DigestProblem[] = []
  const mine = findings.filter((f) => f.accountId === undefined || f.accountId === newest.accountId)
  const inTable = new Set(mine.map((f) => f.id))
  for (const [id, r] of recorded)
    if (!inTable.has(id))
      problems.push({
        findingId: id,
        digestKey: r.digestKey,
        kind: 'finding-missing',
        detail: `digest ${r.digestKey} records finding ${id} at item ${r.seq}, but the table has no such finding: it was deleted`,
      })
  for (const f of mine) {
    const r = recorded.get(f.id)
    const at = f.lastTransitionAt === undefined ? Number.NaN : Date.parse(f.lastTransitionAt)
    const when = f.lastTransitionAt === undefined ? 'of unknown time' : `at ${f.lastTransitionAt}`
    // Should a digest have recorded this head by now? Yes unless it is newer than the newest digest.
    const due = Number.isNaN(at) || at <= coveredTo || at > future
    const notInDigest = (detail: string) =>
      problems.push({ findingId: f.id, digestKey: newestKey, kind: 'head-not-in-digest', detail })
    if (!r) {
      if (due)
        notInDigest(
          at > future
            ? `its head (item ${f.seq}) is dated ${f.lastTransitionAt}, in the future, and no digest records the finding`
            : `its head (item ${f.seq} ${when}) is older than the newest digest (up to ${newest.to}), which does not record the finding`,
        )
      continue
    }
    const mismatch = (detail: string) =>
      problems.push({ findingId: f.id, digestKey: r.digestKey, kind: 'head-mismatch', detail })
    if (f.seq === r.seq) {
      if (f.headHash !== r.headHash)
        mismatch(
          `item ${f.seq}'s hash is not the one digest ${r.digestKey} recorded: the chain was rewritten`,
        )
      continue
    }
    if (f.seq < r.seq) {
      mismatch(
        `the table's head is item ${f.seq}, but digest ${r.digestKey} recorded item ${r.seq}: items were removed`,
      )
      continue
    }
    const below = f.hashAt?.(r.seq)
    if (f.hashAt && below !== r.headHash)
      mismatch(
        below === undefined
          ? `item ${r.seq}, which digest ${r.digestKey} recorded, is gone`
          : `item ${r.seq}'s hash is not the one digest ${r.digestKey} recorded: the chain was rewritten below its head`,
      )
    if (due)
      notInDigest(
        `its head (item ${f.seq} ${when}) is older than the newest digest (up to ${newest.to}), which records only item ${r.seq}`,
      )
  }
  return problems.sort(
    (a, b) =>
      (a.findingId ?? '').localeCompare(b.findingId ?? '') ||
      (a.digestKey ?? '').localeCompare(b.digestKey ?? ''),
  )
}
