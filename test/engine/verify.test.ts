import { describe, expect, it } from 'vitest'
import { advance, type PlannedTransition } from '../../shared/engine/reconcile.ts'
import { type ChainInput, Verifier, verifyFinding } from '../../shared/engine/verify.ts'
import type { Finding, HistoryEntry } from '../../shared/model/finding.ts'
import { hashHistoryEntry } from '../../shared/model/history.ts'
import { noMfaFinding } from '../support/history.ts'

const base = (user: string): Finding =>
  noMfaFinding(user, '2026-01-01T00:00:00.000Z', { evidence: { mfaActive: false, passwordEnabled: true } })

/** OPENED, RESOLVED, REOPENED, RESOLVED: four items, and the state after the last. */
function lifecycle(user: string): PlannedTransition[] {
  const opened = advance(base(user), 'OPENED', 'scan-1', '2026-01-01T00:00:00.000Z')
  const resolved = advance(
    {
      ...opened.finding,
      status: 'RESOLVED',
      resolution: 'passed',
      evidence: { mfaActive: true, passwordEnabled: true },
      resolvedAt: '2026-01-02T00:00:00.000Z',
      lastTransitionAt: '2026-01-02T00:00:00.000Z',
    },
    'RESOLVED',
    'scan-2',
    '2026-01-02T00:00:00.000Z',
  )
  const { resolution: _r, resolvedAt: _a, ...open } = resolved.finding
  const reopened = advance(
    { ...open, status: 'OPEN', evidence: { mfaActive: false }, lastTransitionAt: '2026-01-03T00:00:00.000Z' },
    'REOPENED',
    'scan-3',
    '2026-01-03T00:00:00.000Z',
  )
  const again = advance(
    {
      ...reopened.finding,
      status: 'RESOLVED',
      resolution: 'passed',
      resolvedAt: '2026-01-04T00:00:00.000Z',
      lastTransitionAt: '2026-01-04T00:00:00.000Z',
    },
    'RESOLVED',
    'scan-4',
    '2026-01-04T00:00:00.000Z',
  )
  return [opened, resolved, reopened, again]
}

const chainOf = (plans: PlannedTransition[], state = plans.at(-1)!.finding): ChainInput => ({
  findingId: plans[0]!.finding.id,
  state,
  history: plans.map((p) => p.entry),
})

describe('verifyFinding', () => {
  it('finds nothing wrong with an untouched chain that ends at its head', () => {
    expect(verifyFinding(chainOf(lifecycle('alice')))).toEqual([])
  })

  it("detects an item's evidence edited in place, naming the finding and the item", () => {
    // Prepare
    const plans = lifecycle('alice')
    const chain = chainOf(plans)
    const history = chain.history.map((e) =>
      e.seq === 2 ? { ...e, evidence: { ...e.evidence, mfaActive: false } } : e,
    )
    // Act
    const problems = verifyFinding({ ...chain, history })
    // Assess
    expect(problems).toEqual([
      {
        kind: 'altered',
        findingId: chain.findingId,
        seq: 2,
        message: 'item 2 (RESOLVED at 2026-01-02T00:00:00.000Z): its content does not match its hash',
      },
    ])
  })

  it('detects an item edited and rehashed: the next item no longer links to it', () => {
    const chain = chainOf(lifecycle('alice'))
    const history = chain.history.map((e) => {
      if (e.seq !== 2) return e
      const { hash: _, ...body } = { ...e, scanId: 'forged' }
      return { ...body, hash: hashHistoryEntry(body) }
    })
    expect(verifyFinding({ ...chain, history }).map((p) => [p.kind, p.seq])).toEqual([['broken-link', 3]])
  })

  it('detects the newest item deleted', () => {
    const chain = chainOf(lifecycle('alice'))
    const problems = verifyFinding({ ...chain, history: chain.history.slice(0, 3) })
    expect(problems).toEqual([
      {
        kind: 'ends-before-head',
        findingId: chain.findingId,
        seq: 4,
        message: "history ends at item 3 but the state's head is item 4: item 4 gone",
      },
    ])
  })

  it('detects a middle item deleted', () => {
    const chain = chainOf(lifecycle('alice'))
    const problems = verifyFinding({ ...chain, history: chain.history.filter((e) => e.seq !== 2) })
    expect(problems).toEqual([
      { kind: 'missing', findingId: chain.findingId, seq: 2, message: 'item 2 missing' },
    ])
  })

  it('detects every item deleted but the state', () => {
    const chain = chainOf(lifecycle('alice'))
    expect(verifyFinding({ ...chain, history: [] })).toMatchObject([
      {
        kind: 'ends-before-head',
        seq: 1,
        message: "no history items: items 1-4 gone (the state's head is item 4)",
      },
    ])
  })

  it("detects the state's head hash changed", () => {
    const chain = chainOf(lifecycle('alice'))
    const state = { ...chain.state!, headHash: 'f'.repeat(64) }
    expect(verifyFinding({ ...chain, state })).toEqual([
      {
        kind: 'head-mismatch',
        findingId: chain.findingId,
        seq: 4,
        message: "the state's head hash is not item 4's hash",
      },
    ])
  })

  it("detects the state's head rolled back to an earlier item: history past the head", () => {
    // Prepare: the state as it was after item 3, so it still matches that item.
    const plans = lifecycle('alice')
    // Act
    const problems = verifyFinding(chainOf(plans, plans[2]!.finding))
    // Assess
    expect(problems).toEqual([
      {
        kind: 'past-head',
        findingId: plans[0]!.finding.id,
        seq: 4,
        message: "item 4 past the state's head (item 3)",
      },
    ])
  })

  it("detects the state's status changed without a transition", () => {
    const chain = chainOf(lifecycle('alice'))
    const state: Finding = { ...chain.state!, status: 'OPEN', evidence: {} }
    expect(verifyFinding({ ...chain, state })).toMatchObject([
      { kind: 'state-altered', seq: 4, message: 'the state item differs from item 4 in status, evidence' },
    ])
  })

  it('detects items appended past the head, duplicates, misfiled items and history without a state', () => {
    // Prepare
    const alice = lifecycle('alice')
    const bob = lifecycle('bob')
    const extra = advance(alice[3]!.finding, 'REOPENED', 'forged', '2026-01-05T00:00:00.000Z').entry
    const copy: HistoryEntry = { ...alice[1]!.entry, scanId: 'copy' }
    // Act
    const appended = verifyFinding({ ...chainOf(alice), history: [...chainOf(alice).history, extra] })
    const duplicated = verifyFinding({ ...chainOf(alice), history: [...chainOf(alice).history, copy] })
    const misfiled = verifyFinding({ ...chainOf(alice), history: [...chainOf(alice).history, bob[0]!.entry] })
    const stateless = verifyFinding({ findingId: alice[0]!.finding.id, history: chainOf(alice).history })
    // Assess
    expect(appended.map((p) => [p.kind, p.seq])).toEqual([['past-head', 5]])
    expect(duplicated.map((p) => [p.kind, p.seq])).toEqual([['duplicate', 2]])
    expect(misfiled).toMatchObject([
      {
        kind: 'misfiled',
        seq: 1,
        message: `an item of finding ${bob[0]!.finding.id} is stored under this one`,
      },
    ])
    expect(stateless).toMatchObject([{ kind: 'no-state', message: '4 history items but no state item' }])
  })

  it('reports an item forged far ahead as one missing range, at once', () => {
    const chain = chainOf(lifecycle('alice'))
    const far = { ...chain.history[3]!, seq: 1_000_000_000 }
    const problems = verifyFinding({ ...chain, history: [...chain.history, far] })
    expect(problems.map((p) => [p.kind, p.seq])).toEqual([
      ['altered', 1_000_000_000],
      ['missing', 5],
      ['past-head', 5],
    ])
  })

  it('reports items whose stored keys do not match their content', () => {
    const chain = chainOf(lifecycle('alice'))
    expect(verifyFinding({ ...chain, misindexed: [3] })).toMatchObject([{ kind: 'misindexed', seq: 3 }])
  })

  it('checks the first item against the genesis hash it is given', () => {
    const chain = chainOf(lifecycle('alice'))
    expect(verifyFinding(chain, 'a'.repeat(64))).toMatchObject([
      { kind: 'broken-link', seq: 1, message: 'item 1 does not start from the genesis hash' },
    ])
  })
})

describe('Verifier', () => {
  it('reports exactly the findings that were tampered with, each by id, among intact ones', () => {
    // Prepare: five findings; alice's evidence edited, bob's newest item deleted, carol's middle item
    // deleted, dave's state head changed; erin untouched.
    const [alice, bob, carol, dave, erin] = ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) =>
      chainOf(lifecycle(u)),
    )
    const verifier = new Verifier()
    // Act
    verifier.add({
      ...alice!,
      history: alice!.history.map((e) => (e.seq === 1 ? { ...e, evidence: { mfaActive: true } } : e)),
    })
    verifier.add({ ...bob!, history: bob!.history.slice(0, -1) })
    verifier.add({ ...carol!, history: carol!.history.filter((e) => e.seq !== 3) })
    verifier.add({ ...dave!, state: { ...dave!.state!, headHash: '0'.repeat(64) } })
    verifier.add(erin!)
    const report = verifier.report()
    // Assess
    expect(report).toMatchObject({ ok: false, findings: 5, items: 18, broken: 4 })
    const byFinding = new Map<string, string[]>()
    for (const p of report.problems)
      byFinding.set(p.findingId!, [...(byFinding.get(p.findingId!) ?? []), p.kind])
    expect(Object.fromEntries(byFinding)).toEqual({
      [alice!.findingId]: ['altered'],
      [bob!.findingId]: ['ends-before-head'],
      [carol!.findingId]: ['missing'],
      [dave!.findingId]: ['head-mismatch'],
    })
  })

  it('replaces a finding verified again, and takes problems of other checks', () => {
    const alice = chainOf(lifecycle('alice'))
    const verifier = new Verifier()
    verifier.add({ ...alice, history: [] })
    verifier.add(alice)
    expect(verifier.report()).toEqual({ ok: true, findings: 1, items: 4, broken: 0, problems: [] })
    // A later step (signed digests) reports what it finds the same way.
    verifier.addProblem({ kind: 'no-state', message: 'a problem of another check' })
    expect(verifier.report()).toMatchObject({ ok: false, broken: 0 })
  })
})
