import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { record, root } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const account = () => new AccountBuilder(ACCOUNT).user('alice', (u) => u.mfa('virtual')).build()
const MINUTE = 60_000
const ACTIONS = [
  ['iam.amazonaws.com', 'ListUsers'],
  ['iam.amazonaws.com', 'GetAccountSummary'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['s3.amazonaws.com', 'ListBuckets'],
] as const

/** The i-th call of one root console session (one temporary key), 12 s apart from 10:00 on. */
const rootCall = (i: number, session = 'ASIAROOTSESSION0001') => {
  const [eventSource, eventName] = ACTIONS[i % ACTIONS.length]!
  return record({
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    eventTime: new Date(Date.parse('2026-11-23T10:00:00Z') + i * 12_000).toISOString(),
    eventSource,
    eventName,
    userIdentity: { ...root, accessKeyId: session },
    sourceIPAddress: i % 50 === 0 ? '198.51.100.7' : '198.51.100.23',
    userAgent: 'console.amazonaws.com',
  })
}

describe('occurrences of an open detection finding are grouped, not alerted one by one', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('alerts a root session of 200 calls twice: the first call, then one follow-up with the count, the actions and the span', async () => {
    // Prepare
    h = await startHarness(account())
    // Act: 200 calls, 20 of them delivered twice, and the notifier crashing once on the way
    for (let i = 0; i < 200; i++) {
      await h.event(rootCall(i))
      if (i % 10 === 3) await h.event(rootCall(i))
      if (i === 120) h.crashNotifier(1)
    }
    const during = await h.alerts()
    const early = await h.tick()
    h.advance(16 * MINUTE)
    const late = await h.tick()
    const after = await h.alerts()
    // Assess
    expect(during.map((a) => `${a.attributes.checkId}:${a.attributes.transition}`)).toEqual([
      'root-activity:OPENED',
    ])
    expect(early.followUps.sent).toBe(0)
    expect(late.followUps.sent).toBe(1)
    expect(after).toHaveLength(1)
    const [followUp] = after
    expect(followUp!.attributes).toMatchObject({
      transition: 'GROUPED',
      severity: 'critical',
      checkId: 'root-activity',
      ruleType: 'detection',
      accountId: ACCOUNT,
    })
    expect(followUp!.subject).toMatch(/^\[iamwatch\] CRITICAL REPEATED x199: The root user made an API call/)
    expect(followUp!.detail).toMatchObject({
      schema: 'iamwatch.occurrences/1',
      count: 199,
      actions: {
        'iam:ListUsers': 49,
        'iam:GetAccountSummary': 50,
        'ec2:DescribeInstances': 50,
        's3:ListBuckets': 50,
      },
      firstAt: '2026-11-23T10:00:12.000Z',
      lastAt: '2026-11-23T10:39:48.000Z',
      sourceIps: ['198.51.100.23', '198.51.100.7'],
      session: 'ASIAROOTSESSION0001',
    })
    expect(followUp!.message).toContain(
      'When (UTC):  2026-11-23T10:00:12.000Z to 2026-11-23T10:39:48.000Z (40 min)',
    )
    expect(followUp!.message).toContain('  iam:GetAccountSummary x50')
    // Every occurrence is in the finding's history, one item each.
    const [finding] = await h.store.listFindings({ checkId: 'root-activity' })
    expect((await h.store.history(finding!.id)).length).toBe(200)
    // Nothing more once it is sent.
    h.advance(30 * MINUTE)
    expect((await h.tick()).followUps.sent).toBe(0)
  }, 120_000)

  it('alerts again when the activity resumes after a quiet window, from another session', async () => {
    // Prepare
    h = await startHarness(account())
    await h.event(rootCall(0))
    await h.event(rootCall(1))
    await h.alerts()
    h.advance(16 * MINUTE)
    await h.tick()
    await h.alerts()
    // Act: an hour later, a new session
    const later = { ...rootCall(400, 'ASIAROOTSESSION0002'), eventTime: '2026-11-23T11:30:00Z' }
    await h.event(later)
    const alerts = await h.alerts()
    // Assess
    expect(alerts.map((a) => a.attributes.transition)).toEqual(['OCCURRED'])
  }, 60_000)

  it('sends the pending follow-up before the alert that starts a new group', async () => {
    // Prepare: two grouped calls, not yet told
    h = await startHarness(account())
    await h.event(rootCall(0))
    await h.event(rootCall(1))
    await h.event(rootCall(2))
    await h.alerts()
    // Act: a call an hour later, before any tick
    await h.event({ ...rootCall(3, 'ASIAROOTSESSION0003'), eventTime: '2026-11-23T11:30:00Z' })
    const alerts = await h.alerts()
    // Assess
    expect(alerts.map((a) => a.attributes.transition)).toEqual(['GROUPED', 'OCCURRED'])
    expect(alerts[0]!.detail).toMatchObject({ count: 2 })
  }, 60_000)
})
