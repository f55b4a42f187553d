import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, inject, it } from 'vitest'
import { findingsAsOf } from '../../shared/app/as-of.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { keys, TABLE } from '../../shared/aws/findings-table.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { openAt } from '../../shared/engine/as-of.ts'
import { advance, type RunScope, reconcile } from '../../shared/engine/reconcile.ts'
import { Verifier, verifyFinding } from '../../shared/engine/verify.ts'
import { type Finding, GENESIS_HASH, type Outcome } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'
import { newStore } from '../support/harness.ts'
import { noMfaFinding } from '../support/history.ts'

const scope: RunScope = { accountId: '123456789012', region: 'us-east-1' }
const checks = new Map(CHECKS.map((c) => [c.id, c]))
const failing = (user: string): Outcome => ({
  checkId: 'user-no-mfa',
  status: 'fail',
  resource: { type: 'AwsIamUser', id: user, arn: `arn:aws:iam::123456789012:user/${user}` },
  evidence: { mfaActive: false },
})
const plan = (users: string[], existing = new Map()) =>
  reconcile({
    scope,
    judgements: [
      {
        checkId: 'user-no-mfa',
        status: 'judged',
        outcomes: users.map(failing),
        asOf: new Date(),
        complete: true,
        unknown: new Map(),
      },
    ],
    existing,
    now: new Date(),
    scanId: 's',
    checks,
  }).transitions

describe('FindingsStore.applyTransitions', () => {
  it('skips only the transitions whose finding changed since the plan was made', async () => {
    // Prepare: a plan for three users, made before another writer opened one of them.
    const { store } = await newStore()
    const stale = plan(['u1', 'u2', 'u3'])
    await store.applyTransitions(plan(['u2']))
    // Act
    const conflicts = await store.applyTransitions(stale)
    // Assess
    expect(conflicts.map((t) => t.finding.resourceId)).toEqual(['u2'])
    const open = (await store.listFindings({ status: 'OPEN' })).map((f) => f.resourceId).sort()
    expect(open).toEqual(['u1', 'u2', 'u3'])
    for (const f of await store.listFindings()) expect((await store.history(f.id)).length).toBe(1)
  })

  it('applies more transitions than one transaction can hold', async () => {
    const { store } = await newStore()
    const users = Array.from({ length: 120 }, (_, i) => `user-${i}`)
    expect(await store.applyTransitions(plan(users))).toEqual([])
    expect(await store.listFindings({ status: 'OPEN', severity: 'medium' })).toHaveLength(120)
    expect(store.writes.transitions).toBe(120)
  })

  it('never overwrites a history item', async () => {
    const { store } = await newStore()
    const [t] = plan(['u1'])
    await store.applyTransition(t!)
    await expect(store.applyTransition(t!)).rejects.toThrow(/changed since it was read/)
    expect(await store.history(t!.finding.id)).toHaveLength(1)
  })
})

describe('FindingsStore.listOpenByCheck', () => {
  it("reads one resource's open findings without the others'", async () => {
    const { store } = await newStore()
    await store.applyTransitions(plan(['alice', 'alicia', 'bob']))
    expect(
      (await store.listOpenByCheck('123456789012', 'user-no-mfa', 'alice')).map((f) => f.resourceId),
    ).toEqual(['alice'])
    expect(
      (await store.listOpenByCheck('123456789012', 'user-no-mfa')).map((f) => f.resourceId).sort(),
    ).toEqual(['alice', 'alicia', 'bob'])
  })
})

describe('FindingsStore.historyBetween', () => {
  const account = '123456789012'
  const finding = (user: string): Finding =>
    noMfaFinding(user, '2026-01-31T23:00:00.000Z', { accountId: account, title: 'user without MFA' })
  const resolve = (f: Finding, at: string) =>
    advance({ ...f, status: 'RESOLVED', resolution: 'passed', resolvedAt: at }, 'RESOLVED', 'scan-2', at)

  it("returns an account's transitions across months in time order", async () => {
    // Prepare: bob opened in January and resolved in February, alice opened in between, carol in March.
    const { store } = await newStore()
    const bobOpened = advance(finding('bob'), 'OPENED', 'scan-1', '2026-01-31T23:00:00.000Z')
    const aliceOpened = advance(finding('alice'), 'OPENED', 'scan-1', '2026-01-31T23:30:00.000Z')
    const bobResolved = resolve(bobOpened.finding, '2026-02-01T00:30:00.000Z')
    const carolOpened = advance(finding('carol'), 'OPENED', 'scan-3', '2026-03-01T00:00:00.000Z')
    for (const t of [bobOpened, carolOpened, aliceOpened, bobResolved]) await store.applyTransition(t)
    // Act
    const history = await store.historyBetween(
      account,
      '2026-01-31T23:00:00.000Z',
      '2026-02-28T23:59:59.999Z',
    )
    // Assess
    expect(history.map((e) => [e.resourceId, e.transition, e.at])).toEqual([
      ['bob', 'OPENED', '2026-01-31T23:00:00.000Z'],
      ['alice', 'OPENED', '2026-01-31T23:30:00.000Z'],
      ['bob', 'RESOLVED', '2026-02-01T00:30:00.000Z'],
    ])
    expect(
      await store.historyBetween('210987654321', '2026-01-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z'),
    ).toEqual([])
  })

  it('reads back history items without storage attributes, their hash chain intact', async () => {
    // Prepare
    const { store } = await newStore()
    const opened = advance(finding('bob'), 'OPENED', 'scan-1', '2026-01-31T23:00:00.000Z')
    const resolved = resolve(opened.finding, '2026-02-01T00:30:00.000Z')
    await store.applyTransition(opened)
    await store.applyTransition(resolved)
    // Act
    const byFinding = await store.history(opened.finding.id)
    const byTime = await store.historyBetween(account, '2026-01-01T00:00:00.000Z', '2026-02-28T00:00:00.000Z')
    // Assess
    expect(byFinding).toEqual([opened.entry, resolved.entry])
    expect(byTime).toEqual(byFinding)
    const state = (await store.getFinding(opened.finding.id))!
    expect(verifyChain(byTime, GENESIS_HASH, state)).toEqual({ ok: true })
  })
})

describe('the monitor records beside the findings', () => {
  it('advances a checkpoint only from the version it was read at', async () => {
    // Prepare
    const { store } = await newStore()
    const cp = {
      name: 'access-advisor',
      accountId: '1',
      cycleId: 'c1',
      startedAt: 'now',
      done: 0,
      degraded: 0,
      version: 1,
    }
    // Act
    const first = await store.records.putCheckpoint(cp)
    const again = await store.records.putCheckpoint(cp)
    const next = await store.records.putCheckpoint({ ...cp, after: 'role/a', done: 1, version: 2 })
    const stale = await store.records.putCheckpoint({ ...cp, after: 'role/b', done: 2, version: 2 })
    // Assess
    expect([first, again, next, stale]).toEqual([true, false, true, false])
    expect(await store.records.getCheckpoint('access-advisor', '1')).toMatchObject({
      after: 'role/a',
      version: 2,
    })
  })

  it('keeps the latest time of each grant seen, and lists them per holder', async () => {
    const { store } = await newStore()
    const policy = 'arn:aws:iam::1:policy/p'
    await store.records.recordGrant('1', { holder: 'role/a', key: policy, at: '2026-11-20T00:00:00.000Z' })
    await store.records.recordGrant('1', { holder: 'role/a', key: policy, at: '2026-11-01T00:00:00.000Z' })
    await store.records.recordGrant('1', {
      holder: 'user/b',
      key: 'group:admins',
      at: '2026-11-02T00:00:00.000Z',
    })
    await store.records.recordGrant('2', { holder: 'role/a', key: policy, at: '2026-11-03T00:00:00.000Z' })
    const ledger = await store.records.grantLedger('1')
    expect([...ledger.keys()].sort()).toEqual(['role/a', 'user/b'])
    expect(ledger.get('role/a')?.get(policy)?.toISOString()).toBe('2026-11-20T00:00:00.000Z')
  })
})

describe('as of a time, and verification, on the stored table', () => {
  const day = (d: number) => new Date(Date.UTC(2026, 2, 1) + d * 86_400_000).toISOString()
  const subject = (accountId: string, user: string, at: string): Finding =>
    noMfaFinding(user, at, { accountId, title: 'user without MFA' })
  const open = (accountId: string, user: string, at: string) =>
    advance(subject(accountId, user, at), 'OPENED', `scan-${at}`, at)
  const resolve = (f: Finding, at: string) =>
    advance(
      { ...f, status: 'RESOLVED', resolution: 'passed', resolvedAt: at, lastTransitionAt: at },
      'RESOLVED',
      `scan-${at}`,
      at,
    )
  const reopen = (f: Finding, at: string) => {
    const { resolution: _r, resolvedAt: _a, ...rest } = f
    return advance(
      { ...rest, status: 'OPEN', evidence: { mfaActive: false, reopened: true }, lastTransitionAt: at },
      'REOPENED',
      `scan-${at}`,
      at,
    )
  }
  const A = '111111111111'
  const B = '222222222222'

  /** alice (A): open day 1, resolved day 3, reopened day 5; bob (A): open day 2; carol (B): open day 2, resolved day 4. */
  async function seeded() {
    const { store, tableName } = await newStore()
    const alice = [open(A, 'alice', day(1))]
    alice.push(resolve(alice[0]!.finding, day(3)))
    alice.push(reopen(alice[1]!.finding, day(5)))
    const bob = [open(A, 'bob', day(2))]
    const carol = [open(B, 'carol', day(2))]
    carol.push(resolve(carol[0]!.finding, day(4)))
    for (const t of [...alice, ...bob, ...carol]) await store.applyTransition(t)
    return { store, tableName, alice, bob, carol }
  }
  const db = () => documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })

  it('reconstructs the findings open at a time, each as it stood then, in every account or one', async () => {
    // Prepare
    const { store, alice, bob, carol } = await seeded()
    // Act
    const midway = await findingsAsOf(store, day(2.5), { status: 'OPEN' })
    const later = await findingsAsOf(store, day(3.5), { status: 'OPEN' })
    const onlyB = await findingsAsOf(store, day(2.5), { accountId: B, status: 'OPEN' })
    const everything = await findingsAsOf(store, day(4.5))
    // Assess: each is the state its deciding transition wrote, not the current one.
    const byId = (fs: Finding[]) => [...fs].sort((a, b) => a.id.localeCompare(b.id))
    expect(midway).toEqual(byId([alice[0]!.finding, bob[0]!.finding, carol[0]!.finding]))
    expect(later).toEqual(byId([bob[0]!.finding, carol[0]!.finding]))
    expect(onlyB).toEqual([carol[0]!.finding])
    expect(everything).toEqual(byId([alice[1]!.finding, bob[0]!.finding, carol[1]!.finding]))
    expect(await findingsAsOf(store, day(0))).toEqual([])
    expect((await findingsAsOf(store, day(9), { status: 'OPEN' })).map((f) => f.resourceId).sort()).toEqual([
      'alice',
      'bob',
    ])
  })

  it('agrees with reconstruction from whole history entries', async () => {
    const { store, alice, bob, carol } = await seeded()
    const entries = (
      await Promise.all([alice, bob, carol].map((l) => store.history(l[0]!.finding.id)))
    ).flat()
    for (const d of [0, 1, 1.5, 2, 3, 3.5, 4, 5, 6])
      expect(await findingsAsOf(store, day(d), { status: 'OPEN' })).toEqual(openAt(entries, day(d)))
  })

  it('lists transitions from a time on, and finding ids by prefix', async () => {
    const { store, alice, carol } = await seeded()
    const since: string[] = []
    await store.forEachAsOfEntry({ from: day(3.5) }, (e) =>
      since.push(`${e.findingId}:${e.seq}:${e.transition}`),
    )
    expect(since.sort()).toEqual(
      [`${alice[0]!.finding.id}:3:REOPENED`, `${carol[0]!.finding.id}:2:RESOLVED`].sort(),
    )
    const id = alice[0]!.finding.id
    expect(await store.findingIdsWithPrefix(id.slice(0, 6))).toEqual([id])
    expect(await store.findingIdsWithPrefix(`${id.slice(0, 5)}${id[5] === 'f' ? '0' : 'f'}`)).toEqual([])
  })

  it('verifies an intact table, then names each finding tampered with and how', async () => {
    // Prepare
    const { store, tableName, alice, bob, carol } = await seeded()
    const intact = new Verifier()
    await store.forEachFinding((c) => intact.add(c), { segments: 3 })
    expect(intact.report()).toEqual({ ok: true, findings: 3, items: 6, broken: 0, problems: [] })
    const dave = [open(A, 'dave', day(1))]
    dave.push(resolve(dave[0]!.finding, day(2)))
    for (const t of dave) await store.applyTransition(t)
    const client = db()
    const [aliceId, bobId, carolId, daveId] = [alice, bob, carol, dave].map((l) => l[0]!.finding.id)
    // Act: alice's first item's evidence edited; carol's newest item deleted; dave's first item deleted;
    // bob's state head changed.
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.history(aliceId!, 1),
        UpdateExpression: 'SET evidence = :e',
        ExpressionAttributeValues: { ':e': { mfaActive: true } },
      }),
    )
    await client.send(new DeleteCommand({ TableName: tableName, Key: keys.history(carolId!, 2) }))
    await client.send(new DeleteCommand({ TableName: tableName, Key: keys.history(daveId!, 1) }))
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.finding(bobId!),
        UpdateExpression: 'SET headHash = :h',
        ExpressionAttributeValues: { ':h': 'f'.repeat(64) },
      }),
    )
    const verifier = new Verifier()
    await store.forEachFinding((c) => verifier.add(c))
    // Assess
    const report = verifier.report()
    expect(report).toMatchObject({ ok: false, findings: 4, items: 6, broken: 4 })
    expect(Object.fromEntries(report.problems.map((p) => [p.findingId, `${p.kind} ${p.seq}`]))).toEqual({
      [aliceId!]: 'altered 1',
      [bobId!]: 'head-mismatch 1',
      [carolId!]: 'ends-before-head 2',
      [daveId!]: 'missing 1',
    })
  })

  it('finds an item taken out of the time indexes', async () => {
    const { store, tableName, bob } = await seeded()
    const bobId = bob[0]!.finding.id
    await db().send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.history(bobId, 1),
        UpdateExpression: 'REMOVE asOfSort',
      }),
    )
    // Hidden from as-of queries ...
    expect((await findingsAsOf(store, day(9))).map((f) => f.id)).not.toContain(bobId)
    // ... and reported by verification.
    expect(verifyFinding(await store.readFinding(bobId))).toMatchObject([
      { kind: 'misindexed', findingId: bobId, seq: 1 },
    ])
  })

  it('reads the history-as-of index in 16 partitions of keys-only entries', async () => {
    // Prepare: 40 findings spread over the partitions.
    const { store, tableName } = await newStore()
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`)
    await store.applyTransitions(users.map((u, i) => open(A, u, day(i / 10))))
    // Act
    const entries = await db().send(new ScanCommand({ TableName: tableName, IndexName: TABLE.asOfIndex }))
    // Assess
    const shards = new Set(entries.Items!.map((i) => i.asOfKey))
    expect(shards.size).toBeGreaterThan(8)
    expect(Object.keys(entries.Items![0]!).sort()).toEqual(['asOfKey', 'asOfSort', 'pk', 'sk'])
    expect((await findingsAsOf(store, day(9))).length).toBe(40)
  })
})
