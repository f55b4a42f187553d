import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { reconcile, type ScanScope } from '../../shared/engine/reconcile.ts'
import type { Outcome } from '../../shared/model/finding.ts'
import { newStore } from '../support/harness.ts'

const scope: ScanScope = {
  accountId: '123456789012',
  region: 'us-east-1',
  checkIds: new Set(['user-no-mfa']),
}
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
    outcomes: users.map(failing),
    existing,
    complete: true,
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
