import middy from '@middy/core'
import { documentClient } from '../aws/clients.ts'
import {
  type DigestObjects,
  loadDigests,
  newestDigestKey,
  S3DigestObjects,
  s3Client,
} from '../aws/digests.ts'
import { FindingsStore } from '../aws/findings-store.ts'
import { type DigestSigner, kmsClient, kmsDigestSigner } from '../aws/kms.ts'
import {
  buildDigest,
  checkHeads,
  DIGEST_PART,
  type DigestDocument,
  type DigestHead,
  type DigestKind,
  type DigestProblem,
  digestHash,
  digestKey,
  digestToSign,
  nextHead,
  parseDigest,
  parseDigestKey,
  type RefusedHead,
  rollUp,
  sealDigest,
  serializeDigest,
  type TableHead,
  type TrustedKeys,
  verifyDigests,
  windowEnd,
} from '../engine/digest.ts'
import { mapLimit } from '../engine/limit.ts'
import type { HistoryEntry } from '../model/finding.ts'
import { requiredEnv } from './env.ts'
import { heartbeatRecord, stdoutLine } from './heartbeat.ts'
import { consoleLog, type Log } from './log.ts'
import { logFailure } from './middleware.ts'

/** What writing a digest needs: the table, the bucket, the signing key. */
export interface DigestDeps {
  /** The history-by-time index for the window; a finding's own history when its items in the window leave a gap. */
  store: Pick<FindingsStore, 'historyBetween' | 'history'>
  digests: DigestObjects
  signer: DigestSigner
  accountId: string
  /** Written into each digest (IAMWATCH_STAGE). */
  stage?: string
  log: Log
  now?: () => Date
  /** How long after a window's end it is digested (DIGEST_DEFAULTS.settleMs). */
  settleMs?: number
  /** The window: an hour (DIGEST_DEFAULTS.periodMs). */
  periodMs?: number
  /** Where the account's first digest starts reading history (DIGEST_DEFAULTS.epoch). */
  epoch?: string
}

export const DIGEST_DEFAULTS = {
  /**
   * Half an hour: a scan dates its transitions when it starts and may run 15 minutes (Lambda's limit),
   * and the history-by-time index is eventually consistent; a window is digested once both are behind it.
   */
  settleMs: 30 * 60_000,
  periodMs: 3_600_000,
  /** Before iamwatch kept any history: the first digest reads every month since (one query a month). */
  epoch: '2020-01-01T00:00:00.000Z',
} as const

export interface DigestResult {
  /** written: a new digest; exists: another run wrote this window's first; up-to-date: nothing to digest yet. */
  status: 'written' | 'exists' | 'up-to-date'
  key: string
  to: string
  kind?: DigestKind
  from?: string
  /** Heads the digest lists, and findings known in all. */
  heads?: number
  findings?: number
  /** Findings whose new items do not continue the chain the digests recorded: not recorded, for verification to report. */
  refused: RefusedHead[]
}

/** The digests cannot be read back to a checkpoint: one was removed, replaced or cannot be parsed. */
export class DigestChainError extends Error {
  override name = 'DigestChainError'
}

/** How far back the previous links are followed looking for a checkpoint (a day is 24 digests). */
const MAX_CHAIN = 1000

/**
 * The digests from the newest checkpoint to `newestKey`, oldest first, read by following each one's
 * `previous` link and checking it (key placement, SHA-256). Throws DigestChainError when a link is
 * missing or does not match: the writer does not build on a chain it cannot read back.
 */
export async function chainToCheckpoint(
  objects: DigestObjects,
  newestKey: string,
): Promise<Array<{ key: string; document: DigestDocument }>> {
  const chain: Array<{ key: string; document: DigestDocument }> = []
  let key = newestKey
  let expected: string | undefined
  for (let i = 0; i < MAX_CHAIN; i++) {
    const body = await objects.get(key)
    if (body === undefined)
      throw new DigestChainError(`digest ${key} cannot be read: it was removed or hidden`)
    let document: DigestDocument
    try {
      document = parseDigest(body).document
    } catch (e) {
      throw new DigestChainError(`digest ${key} is not a digest: ${(e as Error).message}`)
    }
    if (expected !== undefined && digestHash(document) !== expected)
      throw new DigestChainError(`digest ${key} is not the document its successor linked to`)
    if (parseDigestKey(key)?.to !== new Date(document.to).toISOString())
      throw new DigestChainError(`digest ${key} holds the digest of another window (${document.to})`)
    chain.unshift({ key, document })
    if (document.kind === 'checkpoint' || document.previous === null) return chain
    expected = document.previous.sha256
    key = document.previous.key
  }
  throw new DigestChainError(`no checkpoint within ${MAX_CHAIN} digests of ${newestKey}`)
}

/**
 * Writes the next digest of the account, if its window has ended: every finding whose chain moved since
 * the newest digest (the history-by-time index from that digest's end to this window's), each head
 * checked to continue the chain recorded before it; a checkpoint of every known head on a new UTC day.
 * Signed by KMS (ECDSA_SHA_256 over the document's SHA-256), put with If-None-Match so a window has
 * one digest however often it runs: idempotent.
 */
export async function writeDigest(deps: DigestDeps): Promise<DigestResult> {
  const now = deps.now?.() ?? new Date()
  const { accountId } = deps
  const to = windowEnd(now, {
    settleMs: deps.settleMs ?? DIGEST_DEFAULTS.settleMs,
    periodMs: deps.periodMs ?? DIGEST_DEFAULTS.periodMs,
  })
  const newestKey = await newestDigestKey(deps.digests, accountId)
  const newestTo = newestKey ? parseDigestKey(newestKey)!.to : undefined
  if (newestKey && newestTo! >= to)
    return { status: 'up-to-date', key: newestKey, to: newestTo!, refused: [] }

  const chain = newestKey ? await chainToCheckpoint(deps.digests, newestKey) : []
  const previous = chain.at(-1)
  const known = rollUp(chain.map((c) => c.document))
  const from = previous?.document.to ?? deps.epoch ?? DIGEST_DEFAULTS.epoch
  const items = await deps.store.historyBetween(accountId, from, to)
  const byFinding = new Map<string, HistoryEntry[]>()
  for (const e of items)
    if (e.accountId === accountId && e.at <= to)
      byFinding.set(e.findingId, [...(byFinding.get(e.findingId) ?? []), e])

  const changed: DigestHead[] = []
  const refused: RefusedHead[] = []
  await mapLimit([...byFinding], 8, async ([id, found]) => {
    const base = known.get(id)
    let next = nextHead(base, found)
    // Items in between are not in the window (dated before it): read the finding's whole chain.
    if (next === 'gap')
      next = nextHead(
        base,
        (await deps.store.history(id)).filter((e) => e.at <= to),
      )
    if (next === 'gap')
      refused.push({ findingId: id, seq: (base?.seq ?? 0) + 1, reason: 'items are missing from its history' })
    else if (next && 'head' in next) changed.push(next.head)
    else if (next) refused.push({ findingId: id, seq: next.seq, reason: next.refused })
  })

  const document = buildDigest({
    accountId,
    ...(deps.stage ? { stage: deps.stage } : {}),
    from,
    to,
    previous: previous ?? null,
    known,
    changed,
    generatedAt: now.toISOString(),
  })
  const { keyId, signature } = await deps.signer.signDigest(digestToSign(document))
  const key = digestKey(accountId, to)
  const created = await deps.digests.create(
    key,
    serializeDigest(sealDigest(document, { keyId, value: signature })),
  )
  for (const r of refused.slice(0, 20))
    deps.log.warn('finding not digested: its chain does not continue the recorded head', { ...r })
  const result: DigestResult = {
    status: created === 'created' ? 'written' : 'exists',
    key,
    to: document.to,
    kind: document.kind,
    from: document.from,
    heads: document.heads.length,
    findings: document.findings,
    refused,
  }
  deps.log.info('digest', { ...result, refused: refused.length })
  return result
}

/** The heartbeat of the digest part: the scans' CloudWatch EMF record, for part `digest`. */
export function digestHeartbeatRecord(functionName: string, degraded: boolean, at: Date) {
  return heartbeatRecord(DIGEST_PART, functionName, degraded, at)
}

/** The hourly handler: writes the digest, then its heartbeat (degraded when findings were refused). */
export function createDigestHandler(deps: () => DigestDeps, write: (line: string) => void = stdoutLine) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async () => {
      const result = await writeDigest(deps())
      write(
        JSON.stringify(
          digestHeartbeatRecord(
            process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local',
            result.refused.length > 0,
            new Date(),
          ),
        ),
      )
      return result
    })
}

/** Wiring from the Lambda environment: FINDINGS_TABLE, ACCOUNT_ID, DIGEST_BUCKET, DIGEST_SIGNING_KEY_ARN. */
export function digestDepsFromEnv(env: NodeJS.ProcessEnv = process.env): DigestDeps {
  return {
    store: new FindingsStore(documentClient(), requiredEnv(env, 'FINDINGS_TABLE')),
    digests: new S3DigestObjects(s3Client(), requiredEnv(env, 'DIGEST_BUCKET')),
    signer: kmsDigestSigner(kmsClient(), requiredEnv(env, 'DIGEST_SIGNING_KEY_ARN')),
    accountId: requiredEnv(env, 'ACCOUNT_ID'),
    ...(env.IAMWATCH_STAGE ? { stage: env.IAMWATCH_STAGE } : {}),
    log: consoleLog(),
  }
}

/** What auditing the digests needs: the bucket (read-only), the account, the signing keys trusted. */
export interface DigestAuditDeps {
  digests: DigestObjects
  accountId: string
  /** The signing key's public key (kms:GetPublicKey, shared/aws/kms.ts signingPublicKey), or keys by ARN. */
  publicKeys: TrustedKeys
  now?: () => Date
  /** The newest digest may be at most this old (default 3 hours: an hourly digest, half an hour late, and slack). */
  maxAgeMs?: number
  /** Verify from the UTC day of this time on (its first digest is a checkpoint); default: from the first. */
  from?: string
}

export interface DigestAudit {
  ok: boolean
  problems: DigestProblem[]
  /** Digests read, and the newest authentic one's key. */
  digests: number
  newest?: string
}

/**
 * Verifies the account's digests (signatures, chain, freshness) and, given the table's findings (their
 * heads; tableHead() makes one from a finding as stored), compares them with the heads the digests
 * recorded. What `iamwatch verify` adds to its chain checks.
 */
export async function auditDigests(
  deps: DigestAuditDeps,
  findings?: readonly TableHead[],
): Promise<DigestAudit> {
  const now = deps.now?.() ?? new Date()
  const stored = await loadDigests(deps.digests, deps.accountId, deps.from ? { from: deps.from } : {})
  const verification = verifyDigests(stored, deps.publicKeys, {
    accountId: deps.accountId,
    first: deps.from ? 'any' : null,
    now,
    maxAgeMs: deps.maxAgeMs ?? 3 * 3_600_000,
  })
  const problems = [
    ...verification.problems,
    ...(findings ? checkHeads(findings, verification.digests, { now }) : []),
  ]
  const newest = verification.digests.at(-1)
  return {
    ok: problems.length === 0,
    problems,
    digests: stored.length,
    ...(newest ? { newest: digestKey(newest.accountId, newest.to) } : {}),
  }
}
