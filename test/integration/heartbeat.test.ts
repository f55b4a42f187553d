import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { HEARTBEAT } from '../../shared/app/heartbeat.ts'
import { readingTime } from '../../shared/app/scan-handler.ts'
import { type Harness, startHarness } from '../support/harness.ts'

/** The embedded-metric-format specification's required shape (CloudWatch EMF specification). */
// biome-ignore lint/suspicious/noExplicitAny: an EMF record is untyped JSON; the assertions give it shape
function expectEmf(record: Record<string, any>) {
  const directive = record._aws.CloudWatchMetrics[0]
  expect(typeof record._aws.Timestamp).toBe('number')
  for (const dimension of directive.Dimensions[0]) expect(typeof record[dimension]).toBe('string')
  for (const metric of directive.Metrics) expect(typeof record[metric.Name]).toBe('number')
}

describe('the scan heartbeat', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('writes one metric line per part when a scan runs to its end', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder('123456789012').user('bob').build())
    // Act
    await h.scan()
    // Assess
    expect(h.heartbeats).toHaveLength(1)
    const record = JSON.parse(h.heartbeats[0]!)
    expectEmf(record)
    expect(record).toMatchObject({ Part: 'credentials', [HEARTBEAT.metric]: 1, [HEARTBEAT.degraded]: 0 })
    expect(record._aws.CloudWatchMetrics[0].Namespace).toBe(HEARTBEAT.namespace)
  })

  it('counts a degraded scan as finished, and says it was degraded', async () => {
    h = await startHarness(new AccountBuilder('123456789012').user('bob').build())
    h.sim.faults.failActions = { GetAccountPasswordPolicy: 'ServiceFailure' }
    await h.scan()
    expect(JSON.parse(h.heartbeats[0]!)).toMatchObject({ [HEARTBEAT.metric]: 1, [HEARTBEAT.degraded]: 1 })
  })

  it('writes nothing when a scan dies before its end, so the alarm sees the silence', async () => {
    h = await startHarness(new AccountBuilder('123456789012').build())
    h.scanDeps.accountId = undefined
    h.scanDeps.sts = undefined
    await expect(h.scan()).rejects.toThrow('no accountId and no STS client')
    expect(h.heartbeats).toEqual([])
  })
})

describe('a scan running out of Lambda time', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('gives up what it is still reading before the deadline, records itself degraded and still heartbeats', async () => {
    // Prepare: IAM takes 3 s to generate the credential report; the function has 15.5 s left,
    // of which reading may take 0.5 s (15 s are kept for the writes)
    h = await startHarness(new AccountBuilder('123456789012').user('bob').build(), {
      sim: { reportDelayMs: 3000 },
    })
    const started = Date.now()
    // Act
    const summary = (await h.scanWithContext({ getRemainingTimeInMillis: () => 15_500 })) as {
      status: string
      notEvaluated: string[]
      counts: Record<string, number>
    }
    // Assess
    expect(Date.now() - started).toBeLessThan(2500)
    expect(summary.status).toBe('degraded')
    expect(summary.notEvaluated).toContain(
      "user-no-mfa: credentials not read (credentials not read before the function's deadline)",
    )
    expect(summary.counts.checksEvaluated).toBe(4) // the password policy was read in time
    expect(JSON.parse(h.heartbeats[0]!)).toMatchObject({ [HEARTBEAT.degraded]: 1 })
  })

  it('keeps a fifth of the remaining time, at least 15 s, for the writes', () => {
    expect(readingTime(300_000)).toBe(240_000)
    expect(readingTime(20_000)).toBe(5_000)
    expect(readingTime(10_000)).toBe(0)
  })
})
