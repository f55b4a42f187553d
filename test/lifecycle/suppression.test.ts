/**
 * The findings lifecycle with suppressions in play: the model-based world of world.ts (random account
 * changes, events lost, duplicated or late, scans on fresh or cached reports, faults, SNS outages), driven
 * through its public steps, plus findings suppressed and unsuppressed by hand and rules stored, with
 * expiries a few steps ahead. The world checks its own invariants after each of its steps (nothing
 * resolves while its condition holds, fresh scans match ground truth, no transition alerted twice, every
 * chain whole): suppressions must not disturb any of them. On top, this test checks that:
 * - a suppression never changes a finding's status, as-of or last status change;
 * - after a fresh, complete scan no open finding it judged keeps an expired suppression;
 * - at the end, each transition was alerted exactly once if it should be and never otherwise, by an
 *   oracle walking each chain with the model's own rules.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import type { ScheduleName } from '../../shared/checks/types.ts'
import {
  applyRuleToOpen,
  ruleId,
  type SuppressionRule,
  suppressFinding,
  unsuppressFinding,
} from '../../shared/engine/suppression.ts'
import type { Finding, HistoryEntry } from '../../shared/model/finding.ts'
import { CHECKS_UNDER_TEST, type Change, type Delivery, type Fault, USERS, World } from './world.ts'

const ACCOUNT = '123456789012'
const ACTOR = `arn:aws:iam::${ACCOUNT}:user/auditor`
const SCHEDULE = new Map(CHECKS.map((c) => [c.id, c.triggers.schedule]))
/** The user checks suppressions are tried on (per-user, no credential in the finding id). */
const SUPPRESSIBLE = [
  'console-user-no-mfa',
  'user-no-mfa',
  'admin-without-mfa',
  'multiple-active-keys',
] as const
type UserName = (typeof USERS)[number]
type Suppressible = (typeof SUPPRESSIBLE)[number]

/** The world plus what this test knows of the rules it stored. */
class SuppressionWorld {
  readonly world: World
  /**
   * The model's rules, each version stored: check, resource, expiry, and the outbox positions between
   * which it was the stored version (findings opening in that span, before its expiry, open suppressed).
   */
  readonly rules: Array<{
    id: string
    check: string
    resource: string
    until: number
    from: number
    to: number
  }> = []
  constructor(world: World) {
    this.world = world
  }
  get repo() {
    return this.world.repo
  }

  /** The account's clock, as far as the findings tell (each step moves it on by a second). */
  clock(): number {
    const times = this.repo.outbox.map((e) => Date.parse(e.at))
    return Math.max(Date.now(), ...times)
  }

  /** The `pick`-th of the findings that `keep` (in a stable order), if any. */
  private nth(pick: number, keep: (f: Finding) => boolean): Finding | undefined {
    const found = [...this.repo.states.values()].filter(keep).sort((a, b) => a.id.localeCompare(b.id))
    return found.length ? found[pick % found.length] : undefined
  }

  /**
   * Suppresses one of the stored findings (any status, posture or detection) for a few steps. A
   * detection's occurrences go through recordOccurrence (shared/engine/suppression.ts), which keeps
   * the suppression and sends no alert while it lasts.
   */
  async suppress(pick: number, steps: number) {
    const f = this.nth(pick, () => true)
    if (!f) return
    const now = this.clock()
    await suppressFinding(
      this.repo,
      f.id,
      {
        reason: 'accepted for now',
        owner: 'team',
        until: new Date(now + steps * 1000).toISOString(),
        by: ACTOR,
        at: new Date(now).toISOString(),
      },
      `cli:${now}`,
    )
  }

  /** Lifts one of the suppressions in force. */
  async unsuppress(pick: number) {
    const f = this.nth(pick, (x) => x.suppression !== undefined)
    if (!f) return
    const now = new Date(this.clock()).toISOString()
    await unsuppressFinding(this.repo, f.id, ACTOR, 'no longer accepted', `cli:${now}`, now)
  }

  async rule(user: UserName, check: Suppressible, steps: number) {
    const now = this.clock()
    const resource = `user/${user}`
    const rule: SuppressionRule & { accountId: string } = {
      id: ruleId('table', check, resource, ACCOUNT),
      source: 'table',
      accountId: ACCOUNT,
      check,
      resource,
      reason: 'accepted by rule',
      owner: 'team',
      until: new Date(now + steps * 1000).toISOString(),
      by: ACTOR,
    }
    const from = this.repo.outbox.length
    for (const r of this.rules) if (r.id === rule.id && r.to === Number.POSITIVE_INFINITY) r.to = from
    await this.repo.rules.putRule(rule)
    this.rules.push({ id: rule.id, check, resource, until: Date.parse(rule.until), from, to: Infinity })
    await applyRuleToOpen(this.repo, rule, ACCOUNT, `cli:${now}`, new Date(now).toISOString())
  }

  /** A scan through the world; then, if it was fresh, fault-free and complete, no expired suppression is left open. */
  async scan(fresh: boolean, parts: ScheduleName[], fault: Fault) {
    const before = new Set(this.repo.records.scans.keys())
    await this.world.scan(fresh, parts, fault)
    const run = [...this.repo.records.scans.values()].find((s) => !before.has(s.scanId))
    if (!fresh || fault !== 'none' || run?.status !== 'complete') return
    for (const f of this.repo.states.values()) {
      if (f.status !== 'OPEN' || !f.suppression || !parts.includes(SCHEDULE.get(f.checkId)!)) continue
      if (Date.parse(f.suppression.until) <= Date.parse(run.startedAt))
        this.violation(`${f.checkId} ${f.resourceId} kept a suppression expired at ${f.suppression.until}`)
    }
  }

  /** Does a model rule suppress this finding as it opens (written at `position` in the outbox)? */
  private ruleSuppresses(e: HistoryEntry): boolean {
    const position = this.repo.outbox.findIndex((o) => o.transitionId === e.transitionId)
    return this.rules.some(
      (r) =>
        r.check === e.checkId &&
        r.resource === e.resourceId &&
        r.from <= position &&
        position < r.to &&
        r.until > Date.parse(e.at),
    )
  }

  /** The checks on each chain, and (at the end) that each transition alerted exactly when it should. */
  async check(final: boolean) {
    for (const f of this.repo.states.values()) {
      const chain = await this.repo.history(f.id)
      let muted = false
      for (const [i, e] of chain.entries()) {
        const prev = chain[i - 1]
        let alerts: boolean
        if (e.transition === 'SUPPRESSED' || e.transition === 'UNSUPPRESSED') {
          // A suppression never changes the status, nor the data's as-of.
          if (!prev || prev.status !== e.status || prev.asOf !== e.asOf)
            this.violation(`${e.transitionId} ${e.transition} changed the status or as-of`)
        }
        if (e.transition === 'SUPPRESSED') {
          muted = true
          alerts = false
        } else if (e.transition === 'UNSUPPRESSED') {
          muted = false
          alerts = e.actor === 'iamwatch' && e.reason === 'expired' && e.status === 'OPEN'
        } else if (e.transition === 'ACKNOWLEDGED') {
          alerts = false
        } else {
          if ((e.transition === 'OPENED' || e.transition === 'REOPENED') && !muted && this.ruleSuppresses(e))
            muted = true
          alerts = !muted
        }
        if (!final) continue
        const notified = this.repo.records.notified.has(`${e.findingId}#${e.seq}`)
        if (notified !== alerts)
          this.violation(`${e.transitionId} (${e.transition}) ${notified ? 'alerted' : 'not alerted'}`)
      }
    }
  }

  /** Ends the outage, lets the notifier catch up, and checks every alert. */
  async finish() {
    await this.world.setOutage(false)
    await this.check(true)
  }

  violation(what: string): never {
    throw new Error(`suppression lifecycle violation: ${what}\n  steps: ${this.world.log.join(' ; ')}`)
  }
}

type Cmd = fc.AsyncCommand<object, SuppressionWorld>
const step = (name: string, act: (w: SuppressionWorld) => Promise<void>): Cmd => ({
  check: () => true,
  async run(_, w) {
    w.world.log.push(name)
    await act(w)
    await w.check(false)
  },
  toString: () => name,
})

const user = fc.constantFrom(...USERS)
const check = fc.constantFrom(...SUPPRESSIBLE)
const steps = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 40 }))
const fault = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fault>('none') },
  { weight: 1, arbitrary: fc.constantFrom<Fault>('fail-report', 'throttle', 'crash-mid-write') },
)
const change = fc.constantFrom<Change>(
  'create',
  'delete',
  'mfa-on',
  'mfa-off',
  'login-on',
  'login-off',
  'new-key',
  'key-delete',
  'join-admins',
  'leave-admins',
)
const delivery = fc.constantFrom<Delivery>('now', 'now', 'lost', 'twice', 'late')
const parts = fc.constantFrom<ScheduleName[]>(
  ['credentials'],
  ['authorization'],
  ['credentials', 'authorization'],
)

const pick = fc.nat(20)
const weighted = (weight: number, arbitrary: fc.Arbitrary<Cmd>) => ({ weight, arbitrary })
const commands = (maxCommands: number) =>
  fc.commands(
    [
      fc.oneof(
        weighted(
          4,
          fc
            .tuple(user, change, delivery, fault)
            .map(([u, c, d, f]) =>
              step(`${c}(${u}, event ${d}${f === 'none' ? '' : `, ${f}`})`, (w) =>
                w.world.change(u, c, d, f),
              ),
            ),
        ),
        weighted(
          2,
          fc
            .tuple(fc.boolean(), parts, fault)
            .map(([fresh, p, f]) =>
              step(
                `scan(${p.join('+')}, ${fresh ? 'fresh' : 'cached'}${f === 'none' ? '' : `, ${f}`})`,
                (w) => w.scan(fresh, p, f),
              ),
            ),
        ),
        weighted(
          1,
          parts.map((p) => step(`scan(${p.join('+')}, fresh)`, (w) => w.scan(true, p, 'none'))),
        ),
        weighted(
          3,
          fc.tuple(pick, steps).map(([k, n]) => step(`suppress(#${k}, ${n} s)`, (w) => w.suppress(k, n))),
        ),
        weighted(
          1,
          pick.map((k) => step(`unsuppress(#${k})`, (w) => w.unsuppress(k))),
        ),
        weighted(
          2,
          fc
            .tuple(user, check, fc.integer({ min: 2, max: 20 }))
            .map(([u, c, n]) => step(`rule(${c} ${u}, ${n} s)`, (w) => w.rule(u, c, n))),
        ),
        weighted(1, fc.constant(step('deliver-late-event', (w) => w.world.deliverLate()))),
        weighted(
          1,
          fc
            .boolean()
            .map((on) => step(`sns-outage(${on ? 'begins' : 'ends'})`, (w) => w.world.setOutage(on))),
        ),
      ),
    ],
    { maxCommands, size: 'max' },
  )

describe('the findings lifecycle with suppressions (model-based)', () => {
  it('keeps every lifecycle invariant, never lets a suppression change a status, lifts expired ones and alerts exactly what is not suppressed', async () => {
    expect(CHECKS_UNDER_TEST).toEqual(expect.arrayContaining([...SUPPRESSIBLE]))
    await fc.assert(
      fc.asyncProperty(commands(40), async (cmds) => {
        const w = new SuppressionWorld(await World.start())
        try {
          await fc.asyncModelRun(() => ({ model: {}, real: w }), cmds)
          await w.finish()
        } finally {
          await w.world.stop()
        }
      }),
      {
        numRuns: Number(process.env.SUPPRESSION_RUNS ?? 30),
        seed: Number(process.env.LIFECYCLE_SEED ?? 20261201),
      },
    )
  }, 240_000)
})
