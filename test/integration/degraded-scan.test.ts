import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
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

  it('resolves nothing when a malformed report row was rejected, and records the reason on the scan', async () => {
    // Prepare
    await openedThenFixed()
    h.sim.account.reportTransform = (csv) => csv.replace(/\nbob,[^\n]*/, '\nbob,not-an-arn,garbage')
    // Act
    const summary = (await h.scan()) as { scanId: string; status: string; counts: Record<string, number> }
    const alerts = await h.alerts()
    // Assess
    expect(summary.status).toBe('degraded')
    expect(summary.counts.resolved).toBe(0)
    expect(summary.counts.withheldResolutions).toBeGreaterThan(0)
    expect(alerts).toEqual([])
    const run = await h.store.records.getScan(summary.scanId)
    expect(run).toMatchObject({ status: 'degraded', counts: { rejectedInputs: 1 } })
    expect(run?.rejections?.[0]).toMatchObject({
      source: 'credential-report',
      line: 4,
      reason: 'expected 22 fields, found 3',
    })
  })

  it('resolves nothing when a call still fails after retries, yet still opens what it saw', async () => {
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
    }
    // Assess
    expect(summary.status).toBe('degraded')
    expect(summary.incomplete[0]).toMatch(/^ListVirtualMFADevices failed: ServiceFailure/)
    expect(summary.counts.resolved).toBe(0)
    expect(h.sim.requestCount('ListVirtualMFADevices')).toBe(4) // the SDK retried before giving up
  })

  it('completes when throttling is retried successfully', async () => {
    h = await startHarness(account())
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
