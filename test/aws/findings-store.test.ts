import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { advance, type RunScope, reconcile } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId, GENESIS_HASH, type Outcome } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'
import { newStore } from '../support/harness.ts'

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
  const finding = (user: string): Finding => ({
    id: findingId({ accountId: account, checkId: 'user-no-mfa', resourceId: user }),
    accountId: account,
    region: 'us-east-1',
    checkId: 'user-no-mfa',
    severity: 'medium',
    status: 'OPEN',
    resourceType: 'AwsIamUser',
    resourceId: user,
    resourceArn: `arn:aws:iam::${account}:user/${user}`,
    title: 'user without MFA',
    evidence: { mfaActive: false },
    firstOpenedAt: '2026-01-31T23:00:00.000Z',
    lastTransitionAt: '2026-01-31T23:00:00.000Z',
    seq: 0,
    headHash: GENESIS_HASH,
  })
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
