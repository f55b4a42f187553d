import { createPublicKey, verify } from 'node:crypto'
import { KMSClient } from '@aws-sdk/client-kms'
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { createHandler } from '../../functions/digest.ts'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import {
  auditDigests,
  DigestChainError,
  type DigestDeps,
  digestDepsFromEnv,
  writeDigest,
} from '../../shared/app/digest.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { loadDigests, S3DigestObjects, s3Client } from '../../shared/aws/digests.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { historyItem, keys, stateItem } from '../../shared/aws/findings-table.ts'
import { kmsDigestSigner, signingPublicKey } from '../../shared/aws/kms.ts'
import {
  checkHeads,
  type DigestDocument,
  digestHash,
  digestKey,
  digestToSign,
  parseDigest,
  sealDigest,
  serializeDigest,
  type TableHead,
  tableHead,
  verifyDigests,
  windowEnd,
} from '../../shared/engine/digest.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { type Finding, GENESIS_HASH, type HistoryEntry } from '../../shared/model/finding.ts'
import { hashHistoryEntry, verifyChain } from '../../shared/model/history.ts'
import { type Harness, startHarness } from '../support/harness.ts'

/**
 * Signed digests against DynamoDB Local and the simulator's KMS and S3: three hourly digests of a real
 * scan's findings and later transitions, then each tampering, detected with the finding or the digest
 * named.
 */
const ACCOUNT = '123456789012'
const BUCKET = 'iamwatch-test-digests'
const T0 = Date.parse('2026-03-10T09:10:00.000Z')
/** Minutes after 09:10 on 10 March 2026. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000)
const iso = (minutes: number) => at(minutes).toISOString()

interface World {
  h: Harness
  deps: DigestDeps
  objects: S3DigestObjects
  s3: S3Client
  kms: KMSClient
  db: DynamoDBDocumentClient
  publicKey: Uint8Array
  /** The findings the later transitions move: f1 resolved then reopened, f2 resolved; f3 untouched. */
  f1: string
  f2: string
  f3: string
  /** The three digests: 10:00 (checkpoint), 11:00 and 12:00 (deltas). */
  k1: string
  k2: string
  k3: string
}

function account() {
  return new AccountBuilder(ACCOUNT, at(-60))
    .root((r) => r.mfa('none'))
    .passwordPolicy({ minimumPasswordLength: 8 })
    .user('alice', (u) => u.console({ lastUsedDaysAgo: 2 }).accessKey({ ageDays: 200, lastUsedDaysAgo: 1 }))
    .user('bob', (u) => u.console({ lastUsedDaysAgo: 1 }))
    .build()
}

/** Moves a finding one transition on, at a time: written as the pipeline writes it. */
async function transition(store: FindingsStore, id: string, to: 'RESOLVED' | 'REOPENED', minutes: number) {
  const f = (await store.getFinding(id))!
  const { resolution: _r, resolvedAt: _a, ...open } = f
  const next: Finding =
    to === 'RESOLVED'
      ? {
          ...f,
          status: 'RESOLVED',
          resolution: 'passed',
          resolvedAt: iso(minutes),
          lastTransitionAt: iso(minutes),
        }
      : { ...open, status: 'OPEN', lastTransitionAt: iso(minutes) }
  await store.applyTransition(advance(next, to, `scan-${minutes}`, iso(minutes)))
}

let world: World | undefined
afterEach(async () => {
  await world?.h.stop()
  world = undefined
})

/** A table scanned at 09:10, digested at 10:00 (checkpoint), 11:00 and 12:00, with transitions in between. */
async function makeWorld(): Promise<World> {
  const h = await startHarness(account(), {
    sim: {
      kmsKeys: [{ keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', alias: 'alias/iamwatch-digests' }],
      buckets: [{ name: BUCKET, objectLock: { mode: 'COMPLIANCE', days: 1 } }],
    },
  })
  const endpoint = { endpoint: h.sim.endpoint, region: 'us-east-1', maxAttempts: 1 }
  const s3 = s3Client(endpoint)
  const kms = new KMSClient({ ...endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  const objects = new S3DigestObjects(s3, BUCKET)
  let now = at(0)
  const deps: DigestDeps = {
    store: h.store,
    digests: objects,
    signer: kmsDigestSigner(kms, 'alias/iamwatch-digests'),
    accountId: ACCOUNT,
    stage: 'test',
    log: { info() {}, warn() {}, error() {} },
    now: () => now,
    epoch: '2026-03-01T00:00:00.000Z',
  }
  h.scanDeps.now = () => at(0)
  const summary = await h.scan()
  expect(summary.status).toBe('complete')
  const ids = (await h.store.listFindings()).map((f) => f.id).sort()
  expect(ids.length).toBeGreaterThanOrEqual(3)
  const [f1, f2, f3] = ids as [string, string, string]
  now = at(80) // 10:30: the window up to 10:00
  const d1 = await writeDigest(deps)
  await transition(h.store, f1, 'RESOLVED', 70)
  await transition(h.store, f2, 'RESOLVED', 75)
  now = at(140)
  const d2 = await writeDigest(deps)
  await transition(h.store, f1, 'REOPENED', 130)
  now = at(200)
  const d3 = await writeDigest(deps)
  const { publicKey } = await signingPublicKey(kms, 'alias/iamwatch-digests')
  const db = DynamoDBDocumentClient.from(
    documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' }),
  )
  return { h, deps, objects, s3, kms, db, publicKey, f1, f2, f3, k1: d1.key, k2: d2.key, k3: d3.key }
}

/** The world of one test, stopped after it. */
async function setUp(): Promise<World> {
  world = await makeWorld()
  return world
}

/** Every finding of the table, as checkHeads takes it: the state's head, and the chain's hashes. */
async function tableHeads(store: FindingsStore): Promise<TableHead[]> {
  const findings = await store.listFindings()
  return Promise.all(
    findings.map(async (f) => tableHead({ findingId: f.id, state: f, history: await store.history(f.id) })!),
  )
}

async function audit(w: World) {
  return auditDigests(
    { digests: w.objects, accountId: ACCOUNT, publicKeys: w.publicKey, now: () => at(200) },
    await tableHeads(w.h.store),
  )
}

async function verified(w: World) {
  return verifyDigests(await loadDigests(w.objects, ACCOUNT), w.publicKey, { accountId: ACCOUNT })
}

/**
 * Edits a finding's first history item and recomputes the plain hash chain from there to the head, and the
 * state's head hash: what anyone with PutItem on the table can do.
 */
async function rewriteChain(
  w: World,
  id: string,
  edit: (e: HistoryEntry) => HistoryEntry,
): Promise<HistoryEntry[]> {
  const history = (await w.h.store.history(id)).sort((a, b) => a.seq - b.seq)
  const rewritten: HistoryEntry[] = []
  let prev = GENESIS_HASH
  for (const [i, e] of history.entries()) {
    const { hash: _h, ...body } = i === 0 ? edit(e) : e
    const next = { ...body, prevHash: prev }
    const entry = { ...next, hash: hashHistoryEntry(next) }
    rewritten.push(entry)
    prev = entry.hash
    await w.db.send(new PutCommand({ TableName: w.h.store.tableName, Item: historyItem(entry) }))
  }
  const state = (await w.h.store.getFinding(id))!
  await w.db.send(
    new PutCommand({ TableName: w.h.store.tableName, Item: stateItem({ ...state, headHash: prev }) }),
  )
  return rewritten
}

describe('writing digests', () => {
  it('writes a checkpoint of every finding, then deltas of the chains that moved, each signed, linked and locked', async () => {
    // Prepare / Act
    const w = await setUp()
    const stored = await loadDigests(w.objects, ACCOUNT)
    const [d1, d2, d3] = stored.map((s) => parseDigest(s.body)) as [
      ReturnType<typeof parseDigest>,
      ReturnType<typeof parseDigest>,
      ReturnType<typeof parseDigest>,
    ]
    const findings = await w.h.store.listFindings()
    const head = (id: string) => findings.find((f) => f.id === id)!
    const locked = await w.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: w.k2 }))
    // Assess: the keys, by account, day and window end
    expect(stored.map((s) => s.key)).toEqual([
      `digests/${ACCOUNT}/2026/03/10/2026-03-10T10:00:00.000Z.json`,
      `digests/${ACCOUNT}/2026/03/10/2026-03-10T11:00:00.000Z.json`,
      `digests/${ACCOUNT}/2026/03/10/2026-03-10T12:00:00.000Z.json`,
    ])
    expect([w.k1, w.k2, w.k3]).toEqual(stored.map((s) => s.key))
    // The checkpoint: every finding, as the scan left them
    expect(d1.document).toMatchObject({
      version: 1,
      kind: 'checkpoint',
      accountId: ACCOUNT,
      stage: 'test',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-10T10:00:00.000Z',
      previous: null,
      findings: findings.length,
      generatedAt: '2026-03-10T10:30:00.000Z',
    })
    expect(d1.document.heads).toHaveLength(findings.length)
    expect(d1.document.heads.find((x) => x.findingId === w.f3)).toEqual({
      findingId: w.f3,
      seq: 1,
      headHash: head(w.f3).headHash,
    })
    // The deltas: only what moved in their window, each linked to the one before
    expect(d2.document).toMatchObject({
      kind: 'delta',
      from: '2026-03-10T10:00:00.000Z',
      to: '2026-03-10T11:00:00.000Z',
      previous: { key: w.k1, sha256: digestHash(d1.document) },
      findings: findings.length,
    })
    expect(d2.document.heads.map((x) => [x.findingId, x.seq])).toEqual([
      [w.f1, 2],
      [w.f2, 2],
    ])
    expect(d3.document.heads).toEqual([{ findingId: w.f1, seq: 3, headHash: head(w.f1).headHash }])
    expect(d3.document.previous).toEqual({ key: w.k2, sha256: digestHash(d2.document) })
    // Signed by KMS over the document's SHA-256: node:crypto verifies it with the public key alone
    const key = createPublicKey({ key: Buffer.from(w.publicKey), format: 'der', type: 'spki' })
    for (const d of [d1, d2, d3]) {
      expect(d.signature).toMatchObject({
        algorithm: 'ECDSA_SHA_256',
        messageType: 'DIGEST',
        keyId: w.h.sim.kms.list()[0]!.arn,
      })
      expect(d.sha256).toBe(digestHash(d.document))
      expect(
        verify(
          'sha256',
          Buffer.from(JSON.stringify(JSON.parse(serializeDigest(d)).document)),
          {
            key,
            dsaEncoding: 'der',
          },
          Buffer.from(d.signature.value, 'base64'),
        ),
      ).toBe(true)
    }
    // Under Object Lock, in COMPLIANCE mode
    expect(locked.ObjectLockMode).toBe('COMPLIANCE')
    // And the table matches them
    expect(await audit(w)).toEqual({ ok: true, problems: [], digests: 3, newest: w.k3 })
  })

  it('is idempotent for a window: run again it writes nothing, run twice at once it writes one digest', async () => {
    // Prepare
    const w = await setUp()
    const later = { ...w.deps, now: () => at(260) }
    // Act
    const again = await writeDigest({ ...w.deps, now: () => at(200) })
    const both = await Promise.all([writeDigest(later), writeDigest(later)])
    const third = await writeDigest(later)
    // Assess
    expect(again).toMatchObject({ status: 'up-to-date', key: w.k3 })
    const k4 = digestKey(ACCOUNT, '2026-03-10T13:00:00.000Z')
    expect(both.map((r) => r.key)).toEqual([k4, k4])
    expect(both.filter((r) => r.status === 'written')).toHaveLength(1)
    expect(third).toMatchObject({ status: 'up-to-date', key: k4 })
    expect(w.h.sim.s3.buckets.get(BUCKET)!.objects.get(k4)).toHaveLength(1)
    expect((await verified(w)).ok).toBe(true)
  })

  it('runs as the hourly handler, and heartbeats', async () => {
    // Prepare
    const w = await setUp()
    const lines: string[] = []
    const handler = createHandler(
      () => ({ ...w.deps, now: () => at(260) }),
      (line) => lines.push(line),
    )
    // Act
    const result = await handler({ source: 'iamwatch.schedule', scan: 'digest' }, {} as never)
    // Assess
    expect(result).toMatchObject({ status: 'written', kind: 'delta', heads: 0 })
    expect(JSON.parse(lines[0]!)).toMatchObject({ Part: 'digest', ScanFinished: 1, ScanDegraded: 0 })
  })

  it('runs from the Lambda environment: endpoints from AWS_ENDPOINT_URL_*, S3 path-style', async () => {
    // Prepare
    const w = await setUp()
    const env = {
      AWS_ENDPOINT_URL_S3: w.h.sim.endpoint,
      AWS_ENDPOINT_URL_KMS: w.h.sim.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      FINDINGS_TABLE: w.h.store.tableName,
      ACCOUNT_ID: ACCOUNT,
      DIGEST_BUCKET: BUCKET,
      DIGEST_SIGNING_KEY_ARN: w.h.sim.kms.list()[0]!.arn,
      IAMWATCH_STAGE: 'prod',
    }
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
    try {
      // Act
      const result = await writeDigest({ ...digestDepsFromEnv(), now: () => at(260) })
      // Assess
      expect(result).toMatchObject({ status: 'written', key: digestKey(ACCOUNT, '2026-03-10T13:00:00.000Z') })
      expect(parseDigest((await w.objects.get(result.key))!).document.stage).toBe('prod')
      expect((await verified(w)).ok).toBe(true)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('makes the first digest of a new UTC day a checkpoint of every finding known', async () => {
    // Prepare
    const w = await setUp()
    // Act: 00:30 the next day digests up to 00:00, filed under that day
    const result = await writeDigest({ ...w.deps, now: () => new Date('2026-03-11T00:30:00.000Z') })
    // Assess
    const doc = parseDigest((await w.objects.get(result.key))!).document
    expect(result.key).toBe(`digests/${ACCOUNT}/2026/03/11/2026-03-11T00:00:00.000Z.json`)
    expect(doc.kind).toBe('checkpoint')
    expect(doc.heads).toHaveLength(doc.findings)
    expect(doc.heads.find((x) => x.findingId === w.f1)!.seq).toBe(3)
  })
})

describe('tampering, each detected and named', () => {
  it('a chain rewritten with recomputed plain hashes: its hashes verify, its head does not match the digest', async () => {
    // Prepare
    const w = await setUp()
    // Act: change the evidence of f2's first item and recompute every hash after it
    const rewritten = await rewriteChain(w, w.f2, (e) => ({
      ...e,
      evidence: { ...e.evidence, forged: true },
    }))
    const result = await audit(w)
    // Assess: the plain chain is consistent again...
    const state = (await w.h.store.getFinding(w.f2))!
    expect(verifyChain(rewritten, GENESIS_HASH, { seq: state.seq, headHash: state.headHash }).ok).toBe(true)
    // ...but the digest that recorded f2's head names it
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual([
      {
        findingId: w.f2,
        digestKey: w.k2,
        kind: 'head-mismatch',
        detail: `item 2's hash is not the one digest ${w.k2} recorded: the chain was rewritten`,
      },
    ])
  })

  it('a chain rewritten below a newer head: the item the digest recorded changed', async () => {
    // Prepare
    const w = await setUp()
    // Act: rewrite f1 (recorded at item 3 by the newest digest), then one transition more after 12:00
    await rewriteChain(w, w.f1, (e) => ({ ...e, evidence: { ...e.evidence, forged: true } }))
    await transition(w.h.store, w.f1, 'RESOLVED', 190)
    const problems = checkHeads(await tableHeads(w.h.store), (await verified(w)).digests)
    // Assess
    expect(problems.map((p) => [p.findingId, p.kind, p.digestKey])).toEqual([[w.f1, 'head-mismatch', w.k3]])
    expect(problems[0]!.detail).toContain("item 3's hash is not the one digest")
  })

  it('a finding deleted outright, state and history: the checkpoint still names it', async () => {
    // Prepare
    const w = await setUp()
    const items = await w.h.store.history(w.f3)
    // Act
    await w.db.send(new DeleteCommand({ TableName: w.h.store.tableName, Key: keys.finding(w.f3) }))
    for (const e of items)
      await w.db.send(new DeleteCommand({ TableName: w.h.store.tableName, Key: keys.history(w.f3, e.seq) }))
    const result = await audit(w)
    // Assess
    expect(result.problems).toEqual([
      {
        findingId: w.f3,
        digestKey: w.k1,
        kind: 'finding-missing',
        detail: `digest ${w.k1} records finding ${w.f3} at item 1, but the table has no such finding: it was deleted`,
      },
    ])
  })

  it('a finding written into the table but never digested: its head is older than the newest digest', async () => {
    // Prepare
    const w = await setUp()
    const f = (await w.h.store.getFinding(w.f3))!
    const planted = advance(
      { ...f, id: 'f'.repeat(32), resourceId: 'user/mallory', seq: 0, headHash: GENESIS_HASH },
      'OPENED',
      'scan-0',
      iso(0),
    )
    // Act: dated back to the first scan, written after the digests
    await w.h.store.applyTransition(planted)
    const result = await audit(w)
    // Assess
    expect(result.problems.map((p) => [p.findingId, p.kind])).toEqual([
      ['f'.repeat(32), 'head-not-in-digest'],
    ])
  })

  it('a digest version cannot be deleted under retention; one hidden from the listing breaks the chain', async () => {
    // Prepare
    const w = await setUp()
    const version = w.h.sim.s3.buckets.get(BUCKET)!.objects.get(w.k2)![0]!.versionId
    // Act
    const deleted = await w.s3
      .send(new DeleteObjectCommand({ Bucket: BUCKET, Key: w.k2, VersionId: version }))
      .then(
        () => 'deleted',
        (e: Error) => e.name,
      )
    await w.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: w.k2 }))
    const result = await verified(w)
    const writing = writeDigest({ ...w.deps, now: () => at(260) })
    // Assess
    expect(deleted).toBe('AccessDenied')
    expect(result.problems).toEqual([
      {
        digestKey: w.k3,
        kind: 'digest-chain-broken',
        detail: `names ${w.k2} as its previous digest, but the one before it is ${w.k1}: a digest between them was removed or inserted`,
      },
    ])
    // The writer does not build on a chain it cannot read back: the function fails, and its alarm fires
    await expect(writing).rejects.toThrow(DigestChainError)
    await expect(writing).rejects.toThrow(`digest ${w.k2} cannot be read: it was removed or hidden`)
  })

  it('the newest digest hidden: its changes look undigested yet, but the newest digest left is stale', async () => {
    // Prepare
    const w = await setUp()
    // Act
    await w.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: w.k3 }))
    const result = await auditDigests(
      {
        digests: w.objects,
        accountId: ACCOUNT,
        publicKeys: w.publicKey,
        now: () => at(320),
        maxAgeMs: 3_600_000,
      },
      await tableHeads(w.h.store),
    )
    // Assess: f1 moved after 11:00, which is as far as the digests left go, so only their age tells
    expect(result.problems.map((p) => [p.findingId, p.digestKey, p.kind])).toEqual([
      [undefined, w.k2, 'digest-stale'],
    ])
    expect(result.problems[0]!.detail).toBe(
      'the newest digest ends at 2026-03-10T11:00:00.000Z, more than 60 minutes ago: newer digests are hidden, or none were made',
    )
  })

  it('an old digest replayed as the newest', async () => {
    // Prepare
    const w = await setUp()
    const k4 = digestKey(ACCOUNT, '2026-03-10T13:00:00.000Z')
    // Act: the first digest, copied under the next window's key
    await w.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k4, Body: (await w.objects.get(w.k1))! }))
    const result = await verified(w)
    // Assess
    expect(result.problems).toEqual([
      {
        digestKey: k4,
        kind: 'digest-replayed',
        detail: `holds the digest of ${ACCOUNT} up to 2026-03-10T10:00:00.000Z (${w.k1}), not the one of this key: an older digest put in place of a newer one`,
      },
    ])
    expect(result.digests.map((d) => d.to)).toEqual([
      '2026-03-10T10:00:00.000Z',
      '2026-03-10T11:00:00.000Z',
      '2026-03-10T12:00:00.000Z',
    ])
  })

  it('a digest changed under its signature, and one signed with another key', async () => {
    // Prepare
    const w = await setUp()
    const d2 = parseDigest((await w.objects.get(w.k2))!)
    const d3 = parseDigest((await w.objects.get(w.k3))!)
    const attacker = w.h.sim.kms.createKey({ keySpec: 'ECC_NIST_P256', alias: 'alias/mine' })
    const forged: DigestDocument = {
      ...d3.document,
      from: d3.document.to,
      to: '2026-03-10T13:00:00.000Z',
      previous: { key: w.k3, sha256: digestHash(d3.document) },
      heads: [{ findingId: w.f2, seq: 2, headHash: 'f'.repeat(64) }],
    }
    const k4 = digestKey(ACCOUNT, forged.to)
    // Act: f2's head in the 11:00 digest changed (a new version of its object), and a digest of 13:00 signed by a key the attacker may use
    const changed = {
      ...d2,
      document: { ...d2.document, heads: d2.document.heads.filter((x) => x.findingId !== w.f2) },
    }
    await w.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: w.k2, Body: serializeDigest(changed) }))
    const signature = await kmsDigestSigner(w.kms, 'alias/mine').signDigest(digestToSign(forged))
    await w.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: k4,
        Body: serializeDigest(sealDigest(forged, { keyId: signature.keyId, value: signature.signature })),
      }),
    )
    const result = await verified(w)
    // Assess
    expect(result.problems).toEqual([
      {
        digestKey: w.k2,
        kind: 'bad-signature',
        detail: 'its document does not hash to the SHA-256 it states: the document was changed',
      },
      {
        digestKey: k4,
        kind: 'bad-signature',
        detail: `its signature does not verify with the public key of ${attacker.arn}: the document was changed or the signature forged`,
      },
    ])
    // Only the authentic digests count
    expect(result.digests.map((d) => d.to)).toEqual(['2026-03-10T10:00:00.000Z', '2026-03-10T12:00:00.000Z'])
  })

  it('a rewritten chain continued by a new transition: the next digest refuses to record it', async () => {
    // Prepare
    const w = await setUp()
    await rewriteChain(w, w.f2, (e) => ({ ...e, evidence: { ...e.evidence, forged: true } }))
    await transition(w.h.store, w.f2, 'REOPENED', 215)
    // Act
    const result = await writeDigest({ ...w.deps, now: () => at(260) })
    const problems = checkHeads(await tableHeads(w.h.store), (await verified(w)).digests)
    // Assess: not laundered into the digest; the auditors see both the rewrite and the unrecorded head
    expect(result).toMatchObject({
      status: 'written',
      heads: 0,
      refused: [
        { findingId: w.f2, seq: 3, reason: 'item 3 does not link to item 2 as the digests recorded it' },
      ],
    })
    expect(problems.map((p) => [p.findingId, p.kind, p.digestKey])).toEqual([
      [w.f2, 'head-mismatch', w.k2],
      [w.f2, 'head-not-in-digest', result.key],
    ])
  })
})

describe('the digest window', () => {
  it('ends at the last whole hour at least half an hour ago', () => {
    const o = { settleMs: 30 * 60_000, periodMs: 3_600_000 }
    expect(windowEnd(new Date('2026-03-10T10:29:59.999Z'), o)).toBe('2026-03-10T09:00:00.000Z')
    expect(windowEnd(new Date('2026-03-10T10:30:00.000Z'), o)).toBe('2026-03-10T10:00:00.000Z')
    expect(windowEnd(new Date('2026-03-11T00:45:00.000Z'), o)).toBe('2026-03-11T00:00:00.000Z')
  })
})
