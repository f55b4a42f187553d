import { afterEach, describe, expect, inject, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { handleKeyActivity, type KeyActivityDeps } from '../../shared/app/key-activity.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { DynamoSightings } from '../../shared/aws/sightings.ts'
import { toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { alice, record } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const KEY = 'AKIAIOSFODNN7EXAMPLE'
const account = () => new AccountBuilder(ACCOUNT).user('alice', (u) => u.mfa()).build()

let n = 0
const keyCall = (ip: string, fields: Record<string, unknown> = {}) =>
  record({
    eventID: `call-${++n}`,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    readOnly: true,
    sourceIPAddress: ip,
    userIdentity: { ...alice, accessKeyId: KEY },
    ...fields,
  })

const newNetworkAlerts = async (h: Harness) =>
  (await h.alerts()).filter((a) => a.attributes.checkId === 'access-key-new-network')

describe('on-key-activity: long-term key use through the queue, in batches', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('alerts once when a known key is used from a new network, with the key, the network and the event', async () => {
    // Prepare
    h = await startHarness(account())
    await h.keyActivity([keyCall('198.51.100.7'), keyCall('198.51.100.8')])
    const attack = keyCall('185.220.101.47', { eventID: 'attack-1', userAgent: 'python-requests/2.31' })
    // Act
    const response = await h.keyActivity([attack, keyCall('185.220.101.47'), keyCall('198.51.100.7')])
    const alerts = await newNetworkAlerts(h)
    // Assess
    expect(response).toEqual({ batchItemFailures: [] })
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.attributes).toMatchObject({
      severity: 'medium',
      transition: 'OPENED',
      accountId: ACCOUNT,
    })
    expect(alerts[0]!.detail).toMatchObject({
      occurrence: {
        eventId: 'attack-1',
        sourceIp: '185.220.101.47',
        details: { accessKeyId: KEY, network: '185.220.101.0/24', knownNetworks: 1, windowDays: 30 },
      },
    })
  })

  it('changes nothing and alerts nothing when a batch is delivered again', async () => {
    // Prepare
    h = await startHarness(account())
    await h.keyActivity([keyCall('198.51.100.7')])
    const batch = [keyCall('185.220.101.47'), keyCall('185.220.101.50')]
    await h.keyActivity(batch)
    await newNetworkAlerts(h)
    // Act
    const again = await h.keyActivity(batch)
    // Assess
    expect(again).toEqual({ batchItemFailures: [] })
    expect(await newNetworkAlerts(h)).toEqual([])
    const [finding] = await h.store.listFindings({ checkId: 'access-key-new-network' })
    expect(finding?.seq).toBe(1)
  })

  it('rejects and counts a malformed message and still judges the rest of the batch', async () => {
    // Prepare
    h = await startHarness(account())
    await h.keyActivity([keyCall('198.51.100.7')])
    // Act
    const response = await h.keyActivity([
      '{"detail": {not json',
      keyCall('185.220.101.47'),
      '"just a string"',
    ])
    // Assess: bad data is not retried (it cannot get better); the good message alerts
    expect(response).toEqual({ batchItemFailures: [] })
    expect(await newNetworkAlerts(h)).toHaveLength(1)
    const day = new Date().toISOString().slice(0, 10)
    expect(await h.store.records.eventStats(day)).toMatchObject({ processed: 2, rejected: 2 })
  })

  it('hands back only the message whose recording failed, and alerts once when it comes again', async () => {
    // Prepare
    h = await startHarness(account())
    await h.keyActivity([keyCall('198.51.100.7')])
    const store = h.keyActivityDeps.store
    let failures = 1
    h.keyActivityDeps.store = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'applyEventTransition' && failures > 0)
          return async () => {
            failures--
            throw new Error('DynamoDB is unavailable')
          }
        const value = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const attack = keyCall('185.220.101.47')
    // Act
    const first = await h.keyActivity([keyCall('198.51.100.9'), attack])
    const afterFailure = await newNetworkAlerts(h)
    const retry = await h.keyActivity([attack])
    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] })
    expect(afterFailure).toEqual([])
    expect(retry).toEqual({ batchItemFailures: [] })
    expect(await newNetworkAlerts(h)).toHaveLength(1)
  })

  it('hands the whole batch back when the baselines cannot be read', async () => {
    // Prepare
    h = await startHarness(account())
    h.keyActivityDeps.sightings = {
      sight: async () => {
        throw new Error('ProvisionedThroughputExceededException')
      },
    }
    // Act
    const response = await h.keyActivity([keyCall('198.51.100.7'), keyCall('185.220.101.47')])
    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-0', 'm-1'])
  })

  it('alerts once when two invocations judge the same new network at the same time', async () => {
    // Prepare: two warm functions, each with its own baseline cache
    h = await startHarness(account())
    await h.keyActivity([keyCall('198.51.100.7')])
    const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    const other: KeyActivityDeps = {
      ...h.keyActivityDeps,
      sightings: new DynamoSightings(db, h.store.tableName),
    }
    const batch = (ip: string) => ({
      Records: [{ messageId: ip, body: JSON.stringify(toEventBridge(keyCall(ip), ACCOUNT)) }],
    })
    // Both have read the baseline (the other by a call from its known network, which writes nothing).
    await handleKeyActivity(batch('198.51.100.8'), other)
    // Act
    const [a, b] = await Promise.all([
      handleKeyActivity(batch('185.220.101.47'), h.keyActivityDeps),
      handleKeyActivity(batch('185.220.101.48'), other),
    ])
    // Assess
    expect(a.fired.length + b.fired.length).toBe(1)
    const conflicts = [h.keyActivityDeps.sightings, other.sightings].map(
      (x) => (x as DynamoSightings).usage.conflicts,
    )
    expect(conflicts[0]! + conflicts[1]!).toBe(1)
    expect(await newNetworkAlerts(h)).toHaveLength(1)
  })

  it('writes a baseline only when it changes: repeated calls from known networks cost reads, not writes', async () => {
    // Prepare
    h = await startHarness(account())
    const sightings = h.keyActivityDeps.sightings as DynamoSightings
    await h.keyActivity([keyCall('198.51.100.7')])
    const writesBefore = sightings.usage.writes
    // Act
    for (let i = 0; i < 5; i++)
      await h.keyActivity(Array.from({ length: 20 }, () => keyCall(`198.51.100.${10 + i}`)))
    // Assess: one write made the baseline; the 100 calls after it, from the same /24, wrote nothing
    expect(writesBefore).toBe(1)
    expect(sightings.usage.writes).toBe(1)
    expect(sightings.usage.cacheHits).toBeGreaterThanOrEqual(5)
  })

  it('refuses input that is not an SQS event', async () => {
    h = await startHarness(account())
    await expect(handleKeyActivity({ detail: keyCall('198.51.100.7') }, h.keyActivityDeps)).rejects.toThrow(
      /expects an SQS event/,
    )
  })
})
