import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AsOfFold, openAt } from '../../shared/engine/as-of.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import type { Finding, HistoryEntry, Suppression } from '../../shared/model/finding.ts'
import { noMfaFinding } from '../support/history.ts'

const fresh = (user: string, at: string): Finding => noMfaFinding(user, at)

type Step = 'fail' | 'pass' | 'suppress' | 'unsuppress' | 'acknowledge'

/**
 * One finding's life as the writers make it (reconcile, detections, suppressions): each step's history
 * entry and the state it leaves. Steps that do not apply to the state (passing a resolved finding) are
 * skipped, as the writers skip them.
 */
function live(user: string, steps: ReadonlyArray<{ step: Step; at: string }>) {
  const out: Array<{ entry: HistoryEntry; state: Finding }> = []
  let f: Finding | undefined
  const record = (t: ReturnType<typeof advance>) => {
    out.push({ entry: t.entry, state: t.finding })
    f = t.finding
  }
  for (const { step, at } of steps) {
    if (step === 'fail') {
      if (!f) record(advance(fresh(user, at), 'OPENED', `scan-${at}`, at))
      else if (f.status === 'OPEN')
        record(
          advance(
            { ...f, evidence: { mfaActive: false, at }, lastTransitionAt: at },
            'OCCURRED',
            `event:${at}`,
            at,
          ),
        )
      else {
        const { resolution: _r, resolvedAt: _a, acknowledged: _k, ...rest } = f
        record(advance({ ...rest, status: 'OPEN', lastTransitionAt: at }, 'REOPENED', `scan-${at}`, at))
      }
    } else if (!f) {
    } else if (step === 'pass' && f.status === 'OPEN') {
      const next: Finding = {
        ...f,
        status: 'RESOLVED',
        resolution: 'passed',
        resolvedAt: at,
        lastTransitionAt: at,
      }
      record(advance(next, 'RESOLVED', `scan-${at}`, at))
    } else if (step === 'acknowledge' && f.status === 'OPEN') {
      const next: Finding = {
        ...f,
        status: 'RESOLVED',
        resolution: 'acknowledged',
        resolvedAt: at,
        lastTransitionAt: at,
        acknowledged: { by: 'arn:aws:iam::1:user/ops', reason: 'expected', at },
      }
      record(
        advance(next, 'ACKNOWLEDGED', 'manual', at, undefined, {
          actor: 'arn:aws:iam::1:user/ops',
          reason: 'expected',
        }),
      )
    } else if (step === 'suppress' && !f.suppression) {
      const s: Suppression = {
        reason: 'accepted',
        owner: 'sec',
        until: '2030-01-01T00:00:00.000Z',
        by: 'x',
        at,
      }
      record(
        advance({ ...f, suppression: s }, 'SUPPRESSED', 'manual', at, undefined, {
          actor: 'x',
          reason: 'accepted',
        }),
      )
    } else if (step === 'unsuppress' && f.suppression) {
      const { suppression, ...rest } = f
      record(
        advance(rest, 'UNSUPPRESSED', 'manual', at, undefined, {
          actor: 'x',
          reason: 'done',
          lifted: suppression,
        }),
      )
    }
  }
  return out
}

const day = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString()

describe('openAt: the findings open at a time, from history alone', () => {
  // alice: opened day 1, resolved day 3, reopened day 5. bob: opened day 2, resolved day 4. carol: opened day 6.
  const alice = live('alice', [
    { step: 'fail', at: day(1) },
    { step: 'pass', at: day(3) },
    { step: 'fail', at: day(5) },
  ])
  const bob = live('bob', [
    { step: 'fail', at: day(2) },
    { step: 'pass', at: day(4) },
  ])
  const carol = live('carol', [{ step: 'fail', at: day(6) }])
  const entries = [...carol, ...bob, ...alice].map((x) => x.entry)
  const openUsers = (at: string) =>
    openAt(entries, at)
      .map((f) => f.resourceId)
      .sort()

  it('lets the last transition at or before the time decide', () => {
    expect(openUsers(day(0))).toEqual([])
    expect(openUsers(day(1))).toEqual(['alice'])
    expect(openUsers(day(2.5))).toEqual(['alice', 'bob'])
    expect(openUsers(day(3))).toEqual(['bob'])
    expect(openUsers(day(4.5))).toEqual([])
    expect(openUsers(day(5))).toEqual(['alice'])
    expect(openUsers(day(9))).toEqual(['alice', 'carol'])
  })

  it('includes a transition at exactly the time, and not one a millisecond later', () => {
    const justBefore = new Date(Date.parse(day(1)) - 1).toISOString()
    expect(openUsers(justBefore)).toEqual([])
    expect(openUsers(day(1))).toEqual(['alice'])
  })

  it('gives each finding as it stood then, not as it stands now', () => {
    // alice reopened on day 5: at day 2 she is the finding her first OPENED item made.
    expect(openAt(entries, day(2)).find((f) => f.resourceId === 'alice')).toEqual(alice[0]!.state)
    expect(openAt(entries, day(9)).find((f) => f.resourceId === 'alice')).toEqual(alice[2]!.state)
  })

  it('takes the highest sequence number when transitions share a time, in any order', () => {
    const same = live('dave', [
      { step: 'fail', at: day(1) },
      { step: 'pass', at: day(1) },
    ])
    const fold = new AsOfFold(day(1))
    for (const e of [...same].reverse()) fold.add(e.entry)
    expect(fold.open()).toEqual([])
    expect(fold.all()).toMatchObject([{ seq: 2, status: 'RESOLVED', firstOpenedAt: day(1) }])
  })

  it('keeps a suppressed finding open with its suppression, and an acknowledged one resolved', () => {
    const erin = live('erin', [
      { step: 'fail', at: day(1) },
      { step: 'suppress', at: day(2) },
      { step: 'unsuppress', at: day(3) },
      { step: 'acknowledge', at: day(4) },
    ])
    const at = (d: number) =>
      openAt(
        erin.map((x) => x.entry),
        day(d),
      )
    expect(at(2)).toEqual([erin[1]!.state])
    expect(at(2)[0]).toMatchObject({ suppression: { reason: 'accepted' }, lastTransitionAt: day(1) })
    expect(at(3)).toEqual([erin[2]!.state])
    expect(at(4)).toEqual([])
  })

  it('refuses a time it cannot read', () => {
    expect(() => new AsOfFold('yesterday')).toThrow('not a time: "yesterday"')
  })

  it('matches the state each finding had at any time, for any lives (property)', () => {
    const step = fc.constantFrom<Step>('fail', 'fail', 'pass', 'suppress', 'unsuppress', 'acknowledge')
    const life = fc.array(fc.record({ step, gap: fc.integer({ min: 0, max: 3 }) }), { maxLength: 12 })
    fc.assert(
      fc.property(
        fc.array(life, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 40 }),
        (lives, probe) => {
          // Prepare: each finding's steps at non-decreasing days; the state after each one.
          const all = lives.map((steps, i) => {
            const days = steps.map((_, k) => steps.slice(0, k + 1).reduce((sum, x) => sum + x.gap, 0))
            return live(
              `user-${i}`,
              steps.map((s, k) => ({ step: s.step, at: day(days[k]!) })),
            )
          })
          // Act
          const open = openAt(
            all.flatMap((l) => l.map((x) => x.entry)),
            day(probe),
          )
          // Assess: each finding's state after its last step at or before the probe, when open.
          const expected = all
            .map((l) => l.filter((x) => x.entry.at <= day(probe)).at(-1)?.state)
            .filter((s): s is Finding => s?.status === 'OPEN')
            .sort((a, b) => a.id.localeCompare(b.id))
          expect(open).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})
