import { marshall } from '@aws-sdk/util-dynamodb'
import { describe, expect, it } from 'vitest'
import { silentLog } from '../../shared/app/log.ts'
import { notifyRecords } from '../../shared/app/notifier.ts'
import { ConfigError, type IamwatchConfig, parseConfig } from '../../shared/config/config.ts'
import type { Judgement } from '../../shared/engine/evaluate.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'
import { applyPlan, planTransitions } from '../../shared/engine/pipeline.ts'
import {
  acknowledgeFinding,
  alertable,
  applyRuleToOpen,
  liftRule,
  parseUntil,
  recordOccurrence,
  ruleFor,
  ruleId,
  rulesInForce,
  type SuppressionRule,
  suppressFinding,
  unsuppressFinding,
  validateSuppression,
} from '../../shared/engine/suppression.ts'
import {
  type Finding,
  findingId,
  GENESIS_HASH,
  type HistoryEntry,
  type Occurrence,
  type Outcome,
} from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'
import { detectionFinding } from '../export/fixtures.ts'

const ACCOUNT = '123456789012'
const DAY = 86_400_000
const T0 = new Date('2026-11-01T00:00:00Z')
const at = (days: number) => new Date(T0.getTime() + days * DAY)
const ARN = `arn:aws:iam::${ACCOUNT}:user/auditor`
const scope = { accountId: ACCOUNT, region: 'us-east-1' }

const out = (user: string, status: 'pass' | 'fail'): Outcome => ({
  checkId: 'user-no-mfa',
  status,
  resource: { type: 'AwsIamUser', id: `user/${user}`, arn: `arn:aws:iam::${ACCOUNT}:user/${user}` },
  evidence: {},
})
const idOf = (user: string) =>
  findingId({ accountId: ACCOUNT, checkId: 'user-no-mfa', resourceId: `user/${user}` })

/** The engine, the table's stream and the real notifier, in memory: what a deployment does per run. */
class World {
  readonly repo = new MemoryFindingsRepository()
  readonly alerted: HistoryEntry[] = []
  private cursor = 0
  config: IamwatchConfig = parseConfig({})

  /** A whole-account judgement of user-no-mfa at `now` (the users given fail, the others pass). */
  async scan(now: Date, outcomes: Outcome[], runId = `scan-${now.toISOString()}`) {
    const judgement: Judgement = {
      checkId: 'user-no-mfa',
      status: 'judged',
      outcomes,
      asOf: now,
      complete: true,
      unknown: new Map(),
    }
    const plan = await planTransitions(this.repo, scope, [judgement], runId, now, { config: this.config })
    return applyPlan(this.repo, plan, silentLog)
  }

  /** Lets the notifier consume the stream; returns what it published since the last call. */
  async alerts(): Promise<HistoryEntry[]> {
    const before = this.alerted.length
    const records = this.repo.outbox.slice(this.cursor).map((entry, i) => ({
      eventName: 'INSERT',
      eventID: String(this.cursor + i),
      dynamodb: {
        NewImage: marshall({ kind: 'history', ...entry }, { removeUndefinedValues: true }) as never,
      },
    }))
    this.cursor = this.repo.outbox.length
    await notifyRecords(records, {
      store: this.repo,
      config: this.config,
      log: silentLog,
      publish: async (alert) => {
        this.alerted.push(this.repo.outbox.find((e) => e.transitionId === alert.attributes.transitionId)!)
        return `m-${alert.attributes.transitionId}`
      },
    })
    return this.alerted.slice(before)
  }

  transitions(id: string) {
    return (this.repo.histories.get(id) ?? []).map((e) => e.transition)
  }

  async chainVerifies(): Promise<boolean> {
    for (const f of this.repo.states.values())
      if (!verifyChain(await this.repo.history(f.id), GENESIS_HASH, f).ok) return false
    return true
  }
}

const suppression = (until: Date, now: Date, extra: { rule?: string } = {}) => ({
  reason: 'break-glass user, accepted by the risk committee',
  owner: 'platform-team',
  until: until.toISOString(),
  by: ARN,
  at: now.toISOString(),
  ...extra,
})

describe('suppressing a finding', () => {
  it('sends no alert for the suppression, nor for the resolution that follows while it stands', async () => {
    // Prepare: alice has no MFA; the finding is open and alerted
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    expect((await w.alerts()).map((e) => e.transition)).toEqual(['OPENED'])
    // Act: suppressed for 30 days, then alice enables MFA
    const change = await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1)), 'cli:1')
    await w.scan(at(2), [out('alice', 'pass')])
    // Assess
    expect(change.outcome).toBe('applied')
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED', 'RESOLVED'])
    expect(await w.alerts()).toEqual([])
    const [, suppressed, resolved] = w.repo.histories.get(idOf('alice'))!
    expect(suppressed).toMatchObject({
      actor: ARN,
      reason: suppression(at(30), at(1)).reason,
      status: 'OPEN',
    })
    expect(resolved).toMatchObject({ status: 'RESOLVED', suppression: { owner: 'platform-team' } })
    expect(await w.chainVerifies()).toBe(true)
  })

  it('keeps the status and the time of the last status change: a suppressed finding is still open', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    const before = w.repo.states.get(idOf('alice'))!
    // Act
    await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1)), 'cli:1')
    await w.scan(at(2), [out('alice', 'fail')])
    // Assess
    const after = w.repo.states.get(idOf('alice'))!
    expect(after).toMatchObject({
      status: 'OPEN',
      lastTransitionAt: before.lastTransitionAt,
      asOf: before.asOf,
    })
    expect(after.suppression).toMatchObject({ owner: 'platform-team', until: at(30).toISOString() })
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED'])
  })

  it('adds no history item when the same suppression is given again, and one when it changes', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1)), 'cli:1')
    // Act
    const again = await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1.5)), 'cli:2')
    const longer = await suppressFinding(w.repo, idOf('alice'), suppression(at(60), at(2)), 'cli:3')
    // Assess
    expect(again.outcome).toBe('unchanged')
    expect(longer.outcome).toBe('applied')
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED', 'SUPPRESSED'])
  })

  it('lifts a suppression by hand without an alert, and alerts the finding again afterwards', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1)), 'cli:1')
    await w.alerts()
    // Act
    const lifted = await unsuppressFinding(
      w.repo,
      idOf('alice'),
      ARN,
      'risk no longer accepted',
      'cli:2',
      at(2).toISOString(),
    )
    const twice = await unsuppressFinding(w.repo, idOf('alice'), ARN, 'again', 'cli:3', at(2).toISOString())
    await w.scan(at(3), [out('alice', 'pass')])
    // Assess
    expect([lifted.outcome, twice.outcome]).toEqual(['applied', 'unchanged'])
    expect(w.repo.histories.get(idOf('alice'))![2]).toMatchObject({
      transition: 'UNSUPPRESSED',
      actor: ARN,
      reason: 'risk no longer accepted',
      lifted: { owner: 'platform-team' },
    })
    expect((await w.alerts()).map((e) => e.transition)).toEqual(['RESOLVED'])
  })
})

describe('an expired suppression', () => {
  it('is lifted by the next run that judges the finding, and that one item alerts while the finding is open', async () => {
    // Prepare: suppressed until day 10
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(10), at(1)), 'cli:1')
    await w.alerts()
    await w.scan(at(9), [out('alice', 'fail')])
    expect(await w.alerts()).toEqual([])
    // Act: the first scan after day 10, then another
    const counts = await w.scan(at(11), [out('alice', 'fail')])
    await w.scan(at(12), [out('alice', 'fail')])
    // Assess
    const alerts = await w.alerts()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({
      transition: 'UNSUPPRESSED',
      actor: 'iamwatch',
      reason: 'expired',
      status: 'OPEN',
      severity: 'medium',
      lifted: { until: at(10).toISOString() },
    })
    expect(alerts[0]!.suppression).toBeUndefined()
    expect(counts.unsuppressed).toBe(1)
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED', 'UNSUPPRESSED'])
    expect(w.repo.states.get(idOf('alice'))!.suppression).toBeUndefined()
    expect(await w.chainVerifies()).toBe(true)
  })

  it('on a finding fixed in the same run: the resolution is written first and nothing alerts', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(10), at(1)), 'cli:1')
    await w.alerts()
    // Act
    await w.scan(at(11), [out('alice', 'pass')])
    // Assess
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED', 'RESOLVED', 'UNSUPPRESSED'])
    expect(await w.alerts()).toEqual([])
    expect(await w.chainVerifies()).toBe(true)
  })

  it('on a resolved finding that fails again: lifted first (silently), then the reopening alerts', async () => {
    // Prepare: resolved while suppressed
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(10), at(1)), 'cli:1')
    await w.scan(at(2), [out('alice', 'pass')])
    await w.alerts()
    // Act: it fails again after the expiry
    await w.scan(at(11), [out('alice', 'fail')])
    // Assess
    expect(w.transitions(idOf('alice'))).toEqual([
      'OPENED',
      'SUPPRESSED',
      'RESOLVED',
      'UNSUPPRESSED',
      'REOPENED',
    ])
    expect((await w.alerts()).map((e) => e.transition)).toEqual(['REOPENED'])
    expect(await w.chainVerifies()).toBe(true)
  })

  it('is kept across a resolution and a reopening while it stands (no alert for either)', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await suppressFinding(w.repo, idOf('alice'), suppression(at(10), at(1)), 'cli:1')
    await w.alerts()
    // Act
    await w.scan(at(2), [out('alice', 'pass')])
    await w.scan(at(3), [out('alice', 'fail')])
    // Assess
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED', 'SUPPRESSED', 'RESOLVED', 'REOPENED'])
    expect(w.repo.states.get(idOf('alice'))!.suppression?.until).toBe(at(10).toISOString())
    expect(await w.alerts()).toEqual([])
  })
})

describe('suppression rules', () => {
  const rule = (until: Date, resource = 'user/svc-*'): SuppressionRule & { accountId: string } => ({
    id: ruleId('table', 'user-no-mfa', resource, ACCOUNT),
    source: 'table',
    accountId: ACCOUNT,
    check: 'user-no-mfa',
    resource,
    reason: 'service users sign in with keys only',
    owner: 'platform-team',
    until: until.toISOString(),
    by: ARN,
    createdAt: at(0).toISOString(),
  })

  it('suppresses a finding that opens later as it opens: one OPENED item, no alert', async () => {
    // Prepare: a stored rule for service users
    const w = new World()
    await w.repo.rules.putRule(rule(at(90)))
    // Act
    const counts = await w.scan(at(1), [out('svc-ci', 'fail'), out('alice', 'fail')])
    // Assess
    expect(w.transitions(idOf('svc-ci'))).toEqual(['OPENED'])
    expect(w.repo.states.get(idOf('svc-ci'))!.suppression).toMatchObject({ rule: rule(at(90)).id, by: ARN })
    expect(w.repo.histories.get(idOf('svc-ci'))![0]!.suppression?.rule).toBe(rule(at(90)).id)
    expect((await w.alerts()).map((e) => e.resourceId)).toEqual(['user/alice'])
    expect(counts.suppressedOnOpening).toBe(1)
  })

  it('matches the resource id or its ARN, in any case, and only its own check and account', () => {
    const f = {
      accountId: ACCOUNT,
      checkId: 'user-no-mfa',
      resourceId: 'user/SVC-ci',
      resourceArn: `arn:aws:iam::${ACCOUNT}:user/SVC-ci`,
    }
    expect(ruleFor([rule(at(9))], f)?.id).toBe(rule(at(9)).id)
    expect(ruleFor([rule(at(9), 'arn:aws:iam::*:user/svc-?i')], f)).toBeDefined()
    expect(ruleFor([rule(at(9))], { ...f, checkId: 'console-user-no-mfa' })).toBeUndefined()
    expect(ruleFor([rule(at(9))], { ...f, accountId: '999999999999' })).toBeUndefined()
    // Of two rules, the one that expires first
    expect(ruleFor([rule(at(20), '*'), rule(at(9))], f)?.until).toBe(at(9).toISOString())
  })

  it('applies at once to the open findings it matches, once however often it is applied', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('svc-ci', 'fail'), out('svc-deploy', 'fail'), out('alice', 'fail')])
    await w.alerts()
    // Act
    const first = await applyRuleToOpen(w.repo, rule(at(90)), ACCOUNT, 'cli:1', at(1).toISOString())
    const again = await applyRuleToOpen(w.repo, rule(at(90)), ACCOUNT, 'cli:2', at(1).toISOString())
    // Assess
    expect(first.map((c) => c.outcome)).toEqual(['applied', 'applied'])
    expect(again.map((c) => c.outcome)).toEqual(['unchanged', 'unchanged'])
    expect(w.transitions(idOf('svc-ci'))).toEqual(['OPENED', 'SUPPRESSED'])
    expect(w.transitions(idOf('alice'))).toEqual(['OPENED'])
    expect(await w.alerts()).toEqual([])
  })

  it('lifts what a removed rule suppressed, and nothing else', async () => {
    // Prepare
    const w = new World()
    await w.scan(at(0), [out('svc-ci', 'fail'), out('alice', 'fail')])
    await applyRuleToOpen(w.repo, rule(at(90)), ACCOUNT, 'cli:1', at(1).toISOString())
    await suppressFinding(w.repo, idOf('alice'), suppression(at(30), at(1)), 'cli:2')
    // Act
    const changes = await liftRule(
      w.repo,
      rule(at(90)),
      [...w.repo.states.values()],
      ARN,
      'cli:3',
      at(2).toISOString(),
    )
    // Assess
    expect(changes.map((c) => c.finding.resourceId)).toEqual(['user/svc-ci'])
    expect(w.repo.histories.get(idOf('svc-ci'))!.at(-1)).toMatchObject({
      transition: 'UNSUPPRESSED',
      reason: `rule ${rule(at(90)).id} removed`,
    })
    expect(w.repo.states.get(idOf('alice'))!.suppression).toBeDefined()
  })

  it('applies rules of the configuration too, and not one expiring beyond suppressions.maxDays', async () => {
    // Prepare
    const w = new World()
    w.config = parseConfig({
      suppressions: {
        maxDays: 30,
        rules: [
          { check: 'user-no-mfa', resource: 'user/svc-*', reason: 'keys only', until: '2026-11-20' },
          { check: 'user-no-mfa', resource: 'user/alice', reason: 'too long', until: '2027-06-01' },
        ],
      },
    })
    const warnings: string[] = []
    // Act
    await w.scan(at(1), [out('svc-ci', 'fail'), out('alice', 'fail')])
    const inForce = await rulesInForce(w.repo, w.config, ACCOUNT, at(1), {
      ...silentLog,
      warn: (m) => warnings.push(m),
    })
    // Assess
    expect(w.repo.states.get(idOf('svc-ci'))!.suppression).toMatchObject({ by: 'config', owner: 'config' })
    expect(w.repo.states.get(idOf('alice'))!.suppression).toBeUndefined()
    expect(inForce.map((r) => r.resource)).toEqual(['user/svc-*'])
    expect(warnings).toEqual(['suppression rule not applied: it expires beyond suppressions.maxDays'])
  })

  it('no longer applies once expired', async () => {
    // Prepare
    const w = new World()
    await w.repo.rules.putRule(rule(at(5)))
    // Act
    await w.scan(at(6), [out('svc-ci', 'fail')])
    // Assess
    expect(w.repo.states.get(idOf('svc-ci'))!.suppression).toBeUndefined()
    expect((await w.alerts()).map((e) => e.transition)).toEqual(['OPENED'])
  })
})

describe('refusing a suppression', () => {
  const now = at(0)
  const valid = { reason: 'accepted', until: '2026-12-01', owner: 'ops' }
  const check =
    (input: Partial<typeof valid>, maxDays = 365) =>
    () =>
      validateSuppression(input, { now, maxDays, defaultOwner: ARN })

  it('without a reason', () => {
    expect(check({ ...valid, reason: undefined })).toThrow('a suppression needs a reason (--reason)')
    expect(check({ ...valid, reason: '   ' })).toThrow('a suppression needs a reason (--reason)')
  })

  it('without an expiry, or with one that is not a date or has passed', () => {
    expect(check({ ...valid, until: undefined })).toThrow('a suppression needs an expiry (--until)')
    expect(check({ ...valid, until: 'next week' })).toThrow(/is not a date/)
    expect(check({ ...valid, until: '2026-02-30' })).toThrow(/is not a date/)
    expect(check({ ...valid, until: '2026-10-01' })).toThrow(/has already passed/)
  })

  it('beyond the maximum (365 days by default, or suppressions.maxDays)', () => {
    expect(check({ ...valid, until: '2027-11-02' })).toThrow(/more than 365 days away/)
    expect(check({ ...valid, until: '2026-12-31' }, 30)).toThrow(/more than 30 days away/)
    expect(check({ ...valid, until: '366d' })).toThrow(/more than 365 days away/)
  })

  it('accepts a date (midnight UTC), an ISO time and a number of days, and defaults the owner', () => {
    expect(check({ reason: 'r', until: '2026-12-01' })()).toEqual({
      reason: 'r',
      until: '2026-12-01T00:00:00.000Z',
      owner: ARN,
    })
    expect(parseUntil('2026-12-01T18:30:00+02:00', now)?.toISOString()).toBe('2026-12-01T16:30:00.000Z')
    // Days from today, to midnight UTC: the same command repeated that day gives the same expiry.
    expect(parseUntil('30d', new Date('2026-11-01T17:45:00Z'))?.toISOString()).toBe(at(30).toISOString())
  })

  it('in the configuration without a reason or an expiry, or for an unknown check', () => {
    expect(() =>
      parseConfig({ suppressions: [{ check: 'user-no-mfa', resource: '*', until: '2027-01-01' }] }),
    ).toThrow(ConfigError)
    expect(() =>
      parseConfig({ suppressions: [{ check: 'user-no-mfa', resource: '*', reason: 'r' }] }),
    ).toThrow(/until/)
    expect(() =>
      parseConfig({ suppressions: [{ check: 'no-such', resource: '*', reason: 'r', until: '2027-01-01' }] }),
    ).toThrow('suppressions.rules.0.check: no such check or detection "no-such"')
    expect(parseConfig({}).suppressions).toEqual({ maxDays: 365, rules: [] })
  })
})

describe('acknowledging a detection finding', () => {
  const occurrence = (key: string): Occurrence => ({
    eventKey: key,
    eventId: key,
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    actor: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` },
    kind: 'match',
    details: { result: 'Success', mfaUsed: false },
  })
  const id = findingId({ accountId: ACCOUNT, checkId: 'root-console-login', resourceId: 'root' })

  /** What the event path does for one root sign-in (shared/app/on-event.ts), through recordOccurrence. */
  async function signIn(w: World, key: string, now: Date) {
    const current = await w.repo.getFinding(id)
    const finding: Finding = detectionFinding({
      id,
      title: 'Root user signed in to the console',
      evidence: { eventId: key },
      firstOpenedAt: current?.firstOpenedAt ?? now.toISOString(),
      lastTransitionAt: now.toISOString(),
      seq: current?.seq ?? 0,
      headHash: current?.headHash ?? GENESIS_HASH,
    })
    const kind = !current ? 'OPENED' : current.status === 'RESOLVED' ? 'REOPENED' : 'OCCURRED'
    return recordOccurrence(w.repo, w.config, {
      current,
      finding,
      kind,
      scanId: `event:${key}`,
      at: now.toISOString(),
      occurrence: occurrence(key),
      marker: `${key}#match`,
    })
  }

  it('closes it (RESOLVED, acknowledged, who and why) without an alert; the next occurrence reopens it with one', async () => {
    // Prepare
    const w = new World()
    await signIn(w, 'e1', at(0))
    await w.alerts()
    // Act
    const ack = await acknowledgeFinding(
      w.repo,
      id,
      ARN,
      'planned root task, ticket SEC-42',
      'cli:1',
      at(1).toISOString(),
    )
    const again = await acknowledgeFinding(w.repo, id, ARN, 'again', 'cli:2', at(1).toISOString())
    const acked = await w.alerts()
    await signIn(w, 'e2', at(2))
    // Assess
    expect([ack.outcome, again.outcome]).toEqual(['applied', 'unchanged'])
    expect(ack.finding).toMatchObject({
      status: 'RESOLVED',
      resolution: 'acknowledged',
      acknowledged: { by: ARN, reason: 'planned root task, ticket SEC-42' },
    })
    expect(acked).toEqual([])
    expect(w.transitions(id)).toEqual(['OPENED', 'ACKNOWLEDGED', 'REOPENED'])
    expect((await w.alerts()).map((e) => [e.transition, e.severity])).toEqual([['REOPENED', 'critical']])
    expect(w.repo.states.get(id)).toMatchObject({ status: 'OPEN' })
    expect(w.repo.states.get(id)!.acknowledged).toBeUndefined()
    expect(await w.chainVerifies()).toBe(true)
  })

  it('refuses a posture finding: it resolves when its check passes', async () => {
    const w = new World()
    await w.scan(at(0), [out('alice', 'fail')])
    await expect(
      acknowledgeFinding(w.repo, idOf('alice'), ARN, 'r', 'cli:1', at(1).toISOString()),
    ).rejects.toThrow(/is a posture finding/)
  })

  it('records occurrences of a suppressed detection without alerts, and a redelivered event once', async () => {
    // Prepare
    const w = new World()
    await signIn(w, 'e1', at(0))
    await suppressFinding(w.repo, id, suppression(at(10), at(1)), 'cli:1')
    await w.alerts()
    // Act
    const results = [await signIn(w, 'e2', at(2)), await signIn(w, 'e2', at(2))]
    // Assess
    expect(results).toEqual(['applied', 'duplicate'])
    expect(w.transitions(id)).toEqual(['OPENED', 'SUPPRESSED', 'OCCURRED'])
    expect(w.repo.states.get(id)!.suppression).toBeDefined()
    expect(await w.alerts()).toEqual([])
  })

  it('lifts an expired suppression on the next occurrence: both the lift and the occurrence alert', async () => {
    // Prepare
    const w = new World()
    await signIn(w, 'e1', at(0))
    await suppressFinding(w.repo, id, suppression(at(10), at(1)), 'cli:1')
    await w.alerts()
    // Act
    await signIn(w, 'e2', at(11))
    await signIn(w, 'e2', at(11))
    // Assess
    expect(w.transitions(id)).toEqual(['OPENED', 'SUPPRESSED', 'UNSUPPRESSED', 'OCCURRED'])
    expect((await w.alerts()).map((e) => e.transition)).toEqual(['UNSUPPRESSED', 'OCCURRED'])
  })

  it('opens a new detection finding suppressed when a rule matches it', async () => {
    // Prepare
    const w = new World()
    await w.repo.rules.putRule({
      id: ruleId('table', 'root-console-login', 'root', ACCOUNT),
      source: 'table',
      accountId: ACCOUNT,
      check: 'root-console-login',
      resource: 'root',
      reason: 'break-glass drill this week',
      owner: 'secops',
      until: at(7).toISOString(),
      by: ARN,
    })
    // Act
    await signIn(w, 'e1', at(1))
    // Assess
    expect(w.transitions(id)).toEqual(['OPENED'])
    expect(await w.alerts()).toEqual([])
  })
})

describe('what alerts', () => {
  const entry = (e: Partial<HistoryEntry>) =>
    alertable({ transition: 'OPENED', status: 'OPEN', ...e } as HistoryEntry)
  it('is every status transition of an unsuppressed finding, and an expired suppression lifted from an open one', () => {
    expect(entry({})).toBe(true)
    expect(entry({ suppression: suppression(at(1), at(0)) })).toBe(false)
    expect(entry({ transition: 'SUPPRESSED', suppression: suppression(at(1), at(0)) })).toBe(false)
    expect(entry({ transition: 'ACKNOWLEDGED', status: 'RESOLVED' })).toBe(false)
    expect(entry({ transition: 'UNSUPPRESSED', actor: ARN, reason: 'expired' })).toBe(false)
    expect(
      entry({ transition: 'UNSUPPRESSED', actor: 'iamwatch', reason: 'expired', status: 'RESOLVED' }),
    ).toBe(false)
    expect(entry({ transition: 'UNSUPPRESSED', actor: 'iamwatch', reason: 'expired' })).toBe(true)
  })
})
