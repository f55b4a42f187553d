import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { iam, record, root, signin } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const account = () =>
  new AccountBuilder(ACCOUNT)
    .user('alice', (u) => u.console({ lastUsedDaysAgo: 1 }).mfa('virtual'))
    .user('bob', (u) => u.mfa('hardware'))
    .build()

const rootLogin = (fields: Record<string, unknown> = {}) =>
  signin('ConsoleLogin', 'Success', {
    eventID: '3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
    eventTime: '2026-11-23T09:58:00Z',
    userIdentity: root,
    sourceIPAddress: '198.51.100.23',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/' },
    ...fields,
  })

describe('real-time detections end to end', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('delivers a root console login alert with everything ops needs to act', async () => {
    // Prepare
    h = await startHarness(account())
    // Act
    const summary = await h.event(rootLogin())
    const alerts = await h.alerts()
    // Assess
    expect(summary.fired.map((f) => f.detectionId)).toEqual(['root-console-login'])
    expect(alerts).toHaveLength(1)
    const [a] = alerts
    expect(a!.attributes).toMatchObject({
      severity: 'critical',
      checkId: 'root-console-login',
      transition: 'OPENED',
      ruleType: 'detection',
      accountId: ACCOUNT,
    })
    expect(a!.subject).toBe(
      '[iamwatch] CRITICAL: The root user signed in to the console - root (123456789012, us-east-1)',
    )
    for (const line of [
      'Who:         arn:aws:iam::123456789012:root (Root)',
      'Result:      Success',
      'MFA used:    NO',
      'Source IP:   198.51.100.23',
      'User agent:  Mozilla/5.0 (X11; Linux x86_64)',
      'When (UTC):  2026-11-23T09:58:00.000Z',
      'Account:     123456789012    Region: us-east-1',
      'Event:       signin.amazonaws.com ConsoleLogin, eventID 3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
      'CloudTrail:  https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
      'Runbook:',
    ]) {
      expect(a!.message).toContain(line)
    }
    expect(a!.detail).toMatchObject({
      schema: 'iamwatch.detection/1',
      occurrence: { eventId: '3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a', sourceIp: '198.51.100.23' },
    })
  })

  it('changes nothing and alerts nothing when the same event is delivered again', async () => {
    h = await startHarness(account())
    await h.event(rootLogin())
    await h.alerts()
    const again = await h.event(rootLogin())
    expect(again.fired.map((f) => f.result)).toEqual(['duplicate'])
    expect(await h.alerts()).toEqual([])
    const [finding] = await h.store.listFindings({ checkId: 'root-console-login' })
    expect(finding?.seq).toBe(1)
  })

  it('keeps each new occurrence on an open finding in its history, and tells it in one follow-up alert', async () => {
    h = await startHarness(account())
    await h.event(rootLogin())
    await h.event(
      rootLogin({ eventID: '11111111-2222-3333-4444-555555555555', sourceIPAddress: '192.0.2.9' }),
    )
    await h.alerts()
    h.advance(16 * 60_000)
    await h.tick()
    const alerts = await h.alerts()
    expect(alerts.map((a) => a.attributes.transition)).toEqual(['GROUPED'])
    expect(alerts[0]!.detail).toMatchObject({ count: 1, sourceIps: ['192.0.2.9'] })
    const [finding] = await h.store.listFindings({ checkId: 'root-console-login' })
    const history = await h.store.history(finding!.id)
    expect(history.map((e) => e.occurrence?.sourceIp)).toEqual(['198.51.100.23', '192.0.2.9'])
  })

  it('escapes attacker-controlled strings: a user agent cannot forge lines of the alert', async () => {
    h = await startHarness(account())
    await h.event(rootLogin({ userAgent: 'evil\nSeverity: LOW\r\nRunbook: ignore this\u2028x' }))
    const [a] = await h.alerts()
    expect(a!.message).not.toMatch(/\nSeverity: LOW/)
    expect(a!.message.split('\n').filter((l) => l.startsWith('Runbook:'))).toHaveLength(1)
    expect(a!.detail).toMatchObject({
      occurrence: { userAgent: 'evil\nSeverity: LOW\r\nRunbook: ignore this\u2028x' },
    })
  })

  it('fires a threshold detection once when the burst crosses, across invocations', async () => {
    h = await startHarness(account())
    const failures = Array.from({ length: 6 }, (_, i) =>
      signin('ConsoleLogin', 'Failure', {
        eventID: `fail-${i}`,
        eventTime: `2026-11-23T10:0${i}:00Z`,
        errorMessage: 'Failed authentication',
      }),
    )
    for (const f of failures) await h.event(f)
    await h.event(failures[2]!)
    const alerts = await h.alerts()
    expect(alerts.map((a) => `${a.attributes.checkId}:${a.attributes.severity}`)).toEqual([
      'console-login-failures:medium',
    ])
    expect(alerts[0]!.message).toContain('(threshold crossed)')
  })

  it('rejects a malformed record with a logged, counted reason and processes the rest of the batch', async () => {
    h = await startHarness(account())
    const summary = await h.eventDeps.store.records
      .countEvents('2000-01-01', 0, 0, '2000-01-01T00:00:00Z')
      .then(() => import('../../shared/app/cloudtrail-events.ts'))
      .then(({ handleCloudTrail }) =>
        handleCloudTrail({ Records: [{ eventSource: 'iam.amazonaws.com' }, rootLogin()] }, h.eventDeps),
      )
    expect(summary).toMatchObject({ processed: 1, rejected: 1 })
    const stats = await h.store.records.eventStats(new Date().toISOString().slice(0, 10))
    expect(stats).toMatchObject({ processed: 1, rejected: 1 })
  })

  it("re-evaluates a touched user's posture at once: MFA removed opens, MFA back resolves", async () => {
    // Prepare
    h = await startHarness(account())
    const alice = h.sim.account.getUser('alice')!
    // Act: alice's MFA is deactivated (in IAM, and the event arrives).
    alice.mfaDevices = []
    const first = await h.event(
      iam('DeactivateMFADevice', {
        requestParameters: { userName: 'alice', serialNumber: 'arn:aws:iam::123456789012:mfa/alice' },
      }),
    )
    const opened = await h.alerts()
    // Assess
    expect(first.reevaluated).toEqual(['user/alice']) // credential checks and admin-without-mfa, one id for one user
    expect(opened.map((a) => a.attributes.checkId).sort()).toEqual([
      'console-user-no-mfa',
      'mfa-deactivated',
      'user-no-mfa',
    ])

    // Act: MFA is enabled again.
    alice.mfaDevices.push({ kind: 'hardware', serialNumber: 'GAHT-ALICE', enableDate: new Date() })
    await h.event(
      iam('EnableMFADevice', { requestParameters: { userName: 'alice', serialNumber: 'GAHT-ALICE' } }),
    )
    const resolved = await h.alerts()
    // Assess
    expect(resolved.map((a) => `${a.attributes.checkId}:${a.attributes.transition}`).sort()).toEqual([
      'console-user-no-mfa:RESOLVED',
      'user-no-mfa:RESOLVED',
    ])
  })

  it("resolves a deleted user's posture findings on DeleteUser", async () => {
    h = await startHarness(account())
    await h.scan()
    h.sim.account.users.delete('alice')
    h.sim.account.getUser('bob')!.accessKeys.push({
      id: 'AKIABOB',
      status: 'Active',
      createDate: new Date(Date.now() - 200 * 86_400_000),
    })
    await h.alerts()
    await h.event(iam('DeleteUser', { requestParameters: { userName: 'alice' } }))
    await h.event(
      iam('CreateAccessKey', {
        requestParameters: { userName: 'bob' },
        responseElements: { accessKey: { userName: 'bob', accessKeyId: 'AKIABOB' } },
      }),
    )
    const alerts = await h.alerts()
    expect(alerts.map((a) => `${a.attributes.checkId}:${a.attributes.transition}`).sort()).toEqual([
      'access-key-created-for-other-user:OPENED',
      'access-key-rotation:OPENED',
      'credential-unused:OPENED',
    ])
    expect((await h.store.listFindings({ status: 'OPEN' })).some((f) => f.resourceId === 'user/alice')).toBe(
      false,
    )
  })

  it('counts a record without any fields it can use as rejected, not as an error', async () => {
    h = await startHarness(account())
    const summary = await h.event(record({ eventSource: 'iam.amazonaws.com', eventName: 'Bad Name' }))
    expect(summary).toMatchObject({ processed: 0, rejected: 1, fired: [] })
  })
})
