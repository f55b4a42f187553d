import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { HEARTBEAT } from '../../shared/app/heartbeat.ts'
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
