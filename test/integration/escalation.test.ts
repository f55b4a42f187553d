import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { acknowledgeEscalation } from '../../shared/app/escalation.ts'
import { acknowledgeFinding } from '../../shared/engine/suppression.ts'
import { record, root } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const MINUTE = 60_000
const rootCall = (id: string) =>
  record({
    eventID: id,
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    userIdentity: { ...root, accessKeyId: 'ASIAROOTSESSION0001' },
  })

describe('critical findings nobody acknowledged are escalated', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('publishes an unacknowledged critical finding to the escalation topic once, after 30 minutes, saying for how long', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).build())
    await h.event(rootCall('11111111-1111-4111-8111-111111111111'))
    await h.alerts()
    const [finding] = await h.store.listFindings({ checkId: 'root-activity' })
    // Act
    h.advance(29 * MINUTE)
    const early = await h.tick()
    h.advance(2 * MINUTE)
    const due = await h.tick()
    const escalations = await h.escalations()
    h.advance(60 * MINUTE)
    const later = await h.tick()
    // Assess
    expect(early.escalation).toMatchObject({ escalated: 0 })
    expect(due.escalation).toMatchObject({ escalated: 1 })
    expect(later.escalation).toMatchObject({ escalated: 0 })
    expect(await h.escalations()).toEqual([])
    expect(escalations).toHaveLength(1)
    const [e] = escalations
    expect(e!.subject).toMatch(
      /^\[iamwatch\] ESCALATED CRITICAL, unacknowledged 31 min: The root user made an\.\.\. - root \(123456789012\)$/,
    )
    expect(e!.message).toContain('ESCALATED: UNACKNOWLEDGED FOR 31 MINUTES.')
    expect(e!.message).toContain(`Take it: iamwatch ack ${finding!.id} --reason`)
    expect(e!.attributes).toMatchObject({
      transition: 'ESCALATED',
      severity: 'critical',
      checkId: 'root-activity',
    })
    expect(e!.detail).toMatchObject({ escalation: { unacknowledgedMinutes: 31 }, findingId: finding!.id })
  }, 60_000)

  it('does not escalate a detection finding acknowledged in time, nor a posture finding acknowledged with iamwatch ack', async () => {
    // Prepare: root-activity (a detection) and root-access-key (a posture check), both critical
    h = await startHarness(
      new AccountBuilder(ACCOUNT)
        .root((r) => r.mfa('hardware').accessKey({ ageDays: 10, lastUsedDaysAgo: 5 }))
        .build(),
    )
    await h.event(rootCall('22222222-2222-4222-8222-222222222222'))
    await h.scan()
    await h.alerts()
    const open = await h.store.listFindings({ status: 'OPEN', severity: 'critical' })
    const detection = open.find((f) => f.checkId === 'root-activity')!
    const posture = open.find((f) => f.checkId !== 'root-activity')!
    // Act
    h.advance(10 * MINUTE)
    await acknowledgeFinding(
      h.store,
      detection.id,
      'arn:aws:iam::123456789012:user/ops',
      'me, on it',
      'cli:ack',
      h.now().toISOString(),
    )
    const acked = await acknowledgeEscalation(
      h.tickDeps.escalations,
      h.store,
      posture,
      'arn:aws:iam::123456789012:user/ops',
      'rotating today',
      h.now().toISOString(),
    )
    h.advance(60 * MINUTE)
    const tick = await h.tick()
    // Assess
    expect(acked).toBe('acknowledged')
    expect(tick.escalation).toMatchObject({ escalated: 0 })
    expect(await h.escalations()).toEqual([])
    expect((await h.store.getFinding(posture.id))?.status).toBe('OPEN')
  }, 60_000)

  it('sends an escalation whose publish failed on the next tick, to the topic that missed it only', async () => {
    // Prepare: the stack's topic, and an external one that fails once
    h = await startHarness(new AccountBuilder(ACCOUNT).build())
    await h.event(rootCall('33333333-3333-4333-8333-333333333333'))
    await h.alerts()
    const external: string[] = []
    let failures = 1
    h.tickDeps.escalationTargets = [
      h.tickDeps.escalationTargets[0]!,
      async (alert) => {
        if (failures-- > 0) throw new Error('the external topic is unavailable')
        external.push(alert.subject)
        return 'external-1'
      },
    ]
    // Act
    h.advance(31 * MINUTE)
    const failed = await h.tick()
    const tooSoon = await h.tick()
    h.advance(3 * MINUTE)
    const retried = await h.tick()
    const later = await h.tick()
    // Assess
    expect(failed.escalation).toMatchObject({ escalated: 0, failed: 1 })
    expect(tooSoon.escalation).toMatchObject({ escalated: 0 })
    expect(retried.escalation).toMatchObject({ escalated: 1 })
    expect(later.escalation).toMatchObject({ escalated: 0 })
    const received = await h.escalations()
    expect(received).toHaveLength(1)
    expect(external).toHaveLength(1)
    // Still "31 min": the time it was claimed, not when it got through.
    expect(external[0]).toMatch(/unacknowledged 31 min/)
  }, 60_000)

  it('escalates each time the finding opens again, once each time, and not what was open before escalation began', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).build())
    await h.event(rootCall('66666666-6666-4666-8666-666666666666'))
    await h.alerts()
    const [finding] = await h.store.listFindings({ checkId: 'root-activity' })
    // Act: escalated, acknowledged (closed), reopened by a new call, escalated again
    h.advance(31 * MINUTE)
    const first = await h.tick()
    await acknowledgeFinding(h.store, finding!.id, 'ops', 'seen', 'cli:ack', h.now().toISOString())
    await h.event(rootCall('77777777-7777-4777-8777-777777777777'))
    await h.alerts()
    h.advance(31 * MINUTE)
    const second = await h.tick()
    h.advance(31 * MINUTE)
    const third = await h.tick()
    // Assess
    expect([first, second, third].map((t) => t.escalation)).toMatchObject([
      { escalated: 1 },
      { escalated: 1 },
      { escalated: 0 },
    ])
    expect((await h.escalations()).map((e) => e.attributes.transitionId)).toEqual([
      `${finding!.id}:escalation:000001`,
      `${finding!.id}:escalation:000003`,
    ])
  }, 60_000)

  it('marks a critical finding open for days before the first tick as stale instead of paging it', async () => {
    // Prepare: escalation deployed three days after the finding opened
    h = await startHarness(new AccountBuilder(ACCOUNT).build())
    await h.event(rootCall('88888888-8888-4888-8888-888888888888'))
    await h.alerts()
    h.advance(3 * 24 * 60 * MINUTE)
    // Act
    const tick = await h.tick()
    const again = await h.tick()
    // Assess
    expect(tick.escalation).toMatchObject({ escalated: 0, stale: 1 })
    expect(again.escalation).toMatchObject({ escalated: 0, stale: 0, skipped: 1 })
    expect(await h.escalations()).toEqual([])
  }, 60_000)
})
