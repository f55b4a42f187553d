import { KMSClient } from '@aws-sdk/client-kms'
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { verifyTable } from '../../bin/commands/verify.ts'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { writeDigest } from '../../shared/app/digest.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { S3DigestObjects, s3Client } from '../../shared/aws/digests.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { historyItem, keys, stateItem } from '../../shared/aws/findings-table.ts'
import { kmsDigestSigner, kmsItemMac } from '../../shared/aws/kms.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { GENESIS_HASH } from '../../shared/model/finding.ts'
import { hashHistoryEntry } from '../../shared/model/history.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { type Harness, startHarness } from '../support/harness.ts'

/**
 * Item MACs under a KMS HMAC key, against DynamoDB Local and the simulator's KMS and S3: transitions
 * written through a MAC'd store verify; a chain rewritten by whoever can write the table but not use
 * the key does not; `iamwatch verify` checks MACs and signed digests, and says which it did not check.
 */
const ACCOUNT = '123456789012'
const BUCKET = 'iamwatch-test-mac-digests'
const db = () => documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })

interface World {
  h: Harness
  store: FindingsStore
  kms: KMSClient
  macKeyArn: string
  signingKeyArn: string
  ids: string[]
}

let world: World | undefined
afterEach(async () => {
  await world?.h.stop()
  world = undefined
})

/** A table scanned two hours ago through a MAC'd store, then one finding resolved (one transition more). */
async function setUp(): Promise<World> {
  const now = Date.now()
  const h = await startHarness(
    new AccountBuilder(ACCOUNT, new Date(now - 3 * 3_600_000))
      .root((r) => r.mfa('none'))
      .passwordPolicy({ minimumPasswordLength: 8 })
      .user('alice', (u) => u.console({ lastUsedDaysAgo: 2 }).accessKey({ ageDays: 200, lastUsedDaysAgo: 1 }))
      .user('bob', (u) => u.console({ lastUsedDaysAgo: 1 }))
      .build(),
    {
      sim: {
        kmsKeys: [
          { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', alias: 'alias/iamwatch-item-mac' },
          { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', alias: 'alias/iamwatch-digests' },
        ],
        buckets: [{ name: BUCKET, objectLock: { mode: 'COMPLIANCE', days: 1 } }],
      },
    },
  )
  const [macKey, signingKey] = h.sim.kms.list()
  const kms = new KMSClient({
    endpoint: h.sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const store = new FindingsStore(db(), h.store.tableName, { mac: kmsItemMac(kms, macKey!.arn) })
  h.scanDeps.store = store
  h.scanDeps.now = () => new Date(now - 2 * 3_600_000)
  expect((await h.scan()).status).toBe('complete')
  const ids = (await store.listFindings()).map((f) => f.id).sort()
  expect(ids.length).toBeGreaterThanOrEqual(3)
  // One transition through applyTransition too (the scan wrote through applyTransitions).
  const f = (await store.getFinding(ids[0]!))!
  const at = new Date(now - 100 * 60_000).toISOString()
  await store.applyTransition(
    advance(
      { ...f, status: 'RESOLVED', resolution: 'passed', resolvedAt: at, lastTransitionAt: at },
      'RESOLVED',
      'scan-later',
      at,
    ),
  )
  world = { h, store, kms, macKeyArn: macKey!.arn, signingKeyArn: signingKey!.arn, ids }
  return world
}

/** The raw stored item. */
async function raw(w: World, key: Record<string, string>) {
  return (await db().send(new GetCommand({ TableName: w.store.tableName, Key: key }))).Item!
}

/**
 * A forger with the table only: edits a finding's first item, recomputes the plain hash chain and the
 * state's head (hash, and evidence when the head is the item edited), and keeps the MACs it finds (it cannot make new ones).
 */
async function forge(w: World, id: string): Promise<void> {
  const history = (await w.store.history(id)).sort((a, b) => a.seq - b.seq)
  let prev = GENESIS_HASH
  let evidence = history.at(-1)!.evidence
  for (const [i, e] of history.entries()) {
    const { hash: _h, ...body } = i === 0 ? { ...e, evidence: { ...e.evidence, forged: true } } : e
    const next = { ...body, prevHash: prev }
    const entry = { ...next, hash: hashHistoryEntry(next) }
    prev = entry.hash
    evidence = entry.evidence
    const old = await raw(w, keys.history(id, e.seq))
    await db().send(
      new PutCommand({ TableName: w.store.tableName, Item: { ...historyItem(entry), mac: old.mac } }),
    )
  }
  const state = await raw(w, keys.finding(id))
  const finding = (await w.store.getFinding(id))!
  await db().send(
    new PutCommand({
      TableName: w.store.tableName,
      Item: { ...stateItem({ ...finding, evidence, headHash: prev }), headMac: state.headMac },
    }),
  )
}

async function iamwatch(w: World, ...args: string[]) {
  return runCli(args, awsEnv({ dynamo: true, fallback: w.h.sim.endpoint }))
}

describe('item MACs', () => {
  it('MACs every transition once, beside the hash, and the chain verifies with the key', async () => {
    // Prepare / Act
    const w = await setUp()
    const mac = kmsItemMac(w.kms, w.macKeyArn)
    const report = await verifyTable(w.store, undefined, { mac })
    // Assess: clean, and one GenerateMac per transition written
    expect(report).toMatchObject({ ok: true, problems: [], findings: w.ids.length })
    expect(w.h.sim.requests.get('GenerateMac')).toBe(report.items)
    const state = await raw(w, keys.finding(w.ids[0]!))
    const head = await raw(w, keys.history(w.ids[0]!, state.seq))
    expect(state.headMac).toBe(head.mac)
    expect(await mac.verify(String(state.headHash), Buffer.from(String(state.headMac), 'base64'))).toBe(true)
    // Read back, the MACs are not part of the entries or findings
    expect((await w.store.history(w.ids[0]!))[0]).not.toHaveProperty('mac')
    expect(await w.store.getFinding(w.ids[0]!)).not.toHaveProperty('headMac')
  })

  it('names a chain rewritten with recomputed plain hashes and a rewritten head: bad-mac, that finding only', async () => {
    // Prepare
    const w = await setUp()
    const target = w.ids[1]!
    // Act
    await forge(w, target)
    const report = await verifyTable(w.store, undefined, { mac: kmsItemMac(w.kms, w.macKeyArn) })
    const plain = await verifyTable(w.store)
    // Assess: the plain chain verifies again; its MAC does not
    expect(plain.problems).toEqual([])
    expect(report.problems.map((p) => [p.findingId, p.kind])).toEqual([[target, 'bad-mac']])
    // ...and through the CLI, exit 3
    const cli = await iamwatch(w, 'verify', '--table', w.store.tableName, '--mac-key', w.macKeyArn)
    expect(cli.code).toBe(3)
    expect(cli.stdout).toContain(`${target}  bad-mac: the MAC of the state's head`)
    expect(cli.stderr).toContain('digests not checked: no --digest-bucket')
    expect(cli.stderr).not.toContain('MACs not checked')
  })

  it('names a head written without the key: mac-missing', async () => {
    // Prepare: a writer without the MAC key moves a finding on
    const w = await setUp()
    const plainStore = new FindingsStore(db(), w.store.tableName)
    const f = (await plainStore.getFinding(w.ids[2]!))!
    const at = new Date().toISOString()
    await plainStore.applyTransition(
      advance(
        { ...f, status: 'RESOLVED', resolution: 'passed', resolvedAt: at, lastTransitionAt: at },
        'RESOLVED',
        'plain',
        at,
      ),
    )
    // Act
    const report = await verifyTable(w.store, undefined, { mac: kmsItemMac(w.kms, w.macKeyArn) })
    // Assess
    expect(report.problems.map((p) => [p.findingId, p.kind])).toEqual([[w.ids[2]!, 'mac-missing']])
  })

  it('says which checks were not run when no keys are given, and verifies the MACs when one is', async () => {
    // Prepare
    const w = await setUp()
    // Act
    const unchecked = await iamwatch(w, 'verify', '--table', w.store.tableName)
    const checked = await iamwatch(w, 'verify', '--table', w.store.tableName, '--mac-key', w.macKeyArn)
    // Assess
    expect(unchecked.code).toBe(0)
    expect(unchecked.stdout).toContain('every chain intact')
    expect(unchecked.stderr).toContain('MACs not checked: no --mac-key')
    expect(unchecked.stderr).toContain('digests not checked: no --digest-bucket')
    expect(checked.code).toBe(0)
    expect(checked.stderr).not.toContain('MACs not checked')
  })
})

describe('iamwatch verify with the signed digests', () => {
  it('names a finding deleted outright (state and history): finding-missing, from the digest that recorded it', async () => {
    // Prepare: a digest of the table (now: its window is the last whole hour at least half an hour ago)
    const w = await setUp()
    const objects = new S3DigestObjects(
      s3Client({ endpoint: w.h.sim.endpoint, region: 'us-east-1', maxAttempts: 1 }),
      BUCKET,
    )
    const digest = await writeDigest({
      store: w.store,
      digests: objects,
      signer: kmsDigestSigner(w.kms, w.signingKeyArn),
      accountId: ACCOUNT,
      log: { info() {}, warn() {}, error() {} },
      epoch: new Date(Date.now() - 86_400_000).toISOString(),
    })
    expect(digest.status).toBe('written')
    const args = ['verify', '--table', w.store.tableName, '--digest-bucket', BUCKET]
    const clean = await iamwatch(w, ...args, '--digest-key', w.signingKeyArn, '--mac-key', w.macKeyArn)
    expect(clean).toMatchObject({ code: 0 })
    expect(clean.stderr).not.toContain('not checked')
    const gone = w.ids[2]!
    // Act: the finding deleted, state and every history item
    for (const e of await w.store.history(gone))
      await db().send(new DeleteCommand({ TableName: w.store.tableName, Key: keys.history(gone, e.seq) }))
    await db().send(new DeleteCommand({ TableName: w.store.tableName, Key: keys.finding(gone) }))
    const text = await iamwatch(w, ...args, '--digest-key', w.signingKeyArn)
    const json = await iamwatch(w, ...args, '--digest-key', w.signingKeyArn, '--json')
    // Assess
    expect(text.code).toBe(3)
    expect(text.stdout).toContain(`${gone}  finding-missing: digest ${digest.key} records finding ${gone}`)
    expect(text.stderr).toContain('MACs not checked: no --mac-key')
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout).problems).toEqual([
      {
        kind: 'finding-missing',
        findingId: gone,
        digestKey: digest.key,
        message: expect.stringContaining('it was deleted'),
      },
    ])
  })

  it('refuses --digest-bucket without the key to verify the digests with', async () => {
    const w = await setUp()
    const { code, stderr } = await iamwatch(
      w,
      'verify',
      '--table',
      w.store.tableName,
      '--digest-bucket',
      BUCKET,
    )
    expect(code).toBe(1)
    expect(stderr).toContain('--digest-bucket needs --digest-key')
  })
})
