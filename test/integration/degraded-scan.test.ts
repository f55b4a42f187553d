import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { seeded } from '../../local/iam-sim/generator.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const account = () =>
  new AccountBuilder('111122223333')
    .passwordPolicy(null)
    .user('alice', (u) => u.console({ lastUsedDaysAgo: 1 }).accessKey({ ageDays: 200, lastUsedDaysAgo: 1 }))
    .user('bob', (u) => u.console({ lastUsedDaysAgo: 1 }))
    .build()

describe('a scan that could not read everything', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  async function openedThenFixed() {
    h = await startHarness(account())
    await h.scan()
    await h.alerts()
    // Everything gets fixed, so a complete scan would resolve it all.
    for (const u of h.sim.account.users.values())
      u.mfaDevices.push({ kind: 'hardware', serialNumber: `GAHT-${u.name}`, enableDate: new Date() })
    h.sim.account.expireReport()
  }

  it("leaves a rejected report row's user as it is, resolves the others, and records the reason on the scan", async () => {
    // Prepare
    await openedThenFixed()
    h.sim.account.reportTransform = (csv) => csv.replace(/\nbob,[^\n]*/, '\nbob,not-an-arn,garbage')
    // Act
    const summary = (await h.scan()) as { scanId: string; status: string; counts: Record<string, number> }
    const alerts = await h.alerts()
    // Assess
    expect(summary.status).toBe('degraded')
    expect(alerts.map((a) => a.attributes.transition)).toEqual(['RESOLVED', 'RESOLVED'])
    expect(alerts.every((a) => a.message.includes('AwsIamUser user/alice'))).toBe(true)
    expect(summary.counts.leftNotEvaluated).toBe(2)
    const bob = (await h.store.listFindings({ status: 'OPEN' })).filter((f) => f.resourceId === 'user/bob')
    expect(bob.map((f) => f.checkId).sort()).toEqual(['console-user-no-mfa', 'user-no-mfa'])
    const run = await h.store.records.getScan(summary.scanId)
    expect(run).toMatchObject({ status: 'degraded', counts: { rejectedInputs: 1 } })
    expect(run?.rejections?.[0]).toMatchObject({
      source: 'credential-report',
      line: 4,
      reason: 'expected 22 fields, found 3',
    })
  })

  it('leaves what a failed call could not tell, and resolves what it read, when a call still fails after retries', async () => {
    // Prepare
    await openedThenFixed()
    h.sim.account.getUser('bob')!.mfaDevices = []
    h.sim.faults.failActions = { ListVirtualMFADevices: 'ServiceFailure' }
    h.sim.resetCounters()
    // Act
    const summary = (await h.scan()) as {
      status: string
      counts: Record<string, number>
      incomplete: string[]
      notEvaluated: string[]
    }
    // Assess
    expect(summary.status).toBe('degraded')
    expect(summary.incomplete[0]).toMatch(/^ListVirtualMFADevices failed: ServiceFailure/)
    expect(summary.notEvaluated).toEqual([
      'root-hardware-mfa on root: ListVirtualMFADevices could not be read',
    ])
    expect(summary.counts.resolved).toBe(2) // alice's MFA findings; bob still has none
    expect(h.sim.requestCount('ListVirtualMFADevices')).toBe(4) // the SDK retried before giving up
  })

  it('completes when throttling is retried successfully', async () => {
    // Seeded: the same calls are throttled every run, and the SDK's retries get through.
    h = await startHarness(account(), { sim: { random: seeded(11) } })
    h.sim.faults.throttleRate = 0.2
    const summary = (await h.scan()) as { status: string }
    expect(summary.status).toBe('complete')
  })

  it('runs the password checks when the credential report is unavailable, and the report checks not at all', async () => {
    h = await startHarness(account())
    h.sim.faults.failActions = { GenerateCredentialReport: 'ServiceFailure' }
    const summary = (await h.scan()) as { status: string; counts: Record<string, number> }
    expect(summary.status).toBe('degraded')
    expect(summary.counts.checksEvaluated).toBe(4)
    expect(
      (await h.store.listFindings()).map((f) => f.checkId).every((c) => c.startsWith('password-policy-')),
    ).toBe(true)
  })
})
