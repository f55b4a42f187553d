import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { runScan } from '../../shared/app/scan.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const account = () =>
  new AccountBuilder('444455556666')
    .root((r) => r.mfa('none'))
    .passwordPolicy({ ...CIS_PASSWORD_POLICY })
    .user('alice', (u) => u.console({ lastUsedDaysAgo: 1 }))
    .user('bob', (u) => u.mfa('hardware').accessKey({ ageDays: 300, lastUsedDaysAgo: 2 }))
    .build()

const transitionIds = (alerts: Array<{ attributes: Record<string, string> }>) =>
  alerts.map((a) => a.attributes.transitionId).sort()

describe('each transition reaches SNS exactly once', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('retries a failed publish and delivers every transition once', async () => {
    // Prepare
    h = await startHarness(account())
    const publish = h.notifierDeps.publish
    let failures = 1
    h.notifierDeps.publish = async (alert) => {
      if (failures-- > 0) throw new Error('SNS unavailable')
      return publish(alert)
    }
    // Act
    await h.scan()
    const alerts = await h.alerts()
    // Assess
    const open = await h.store.listFindings({ status: 'OPEN' })
    expect(open.length).toBeGreaterThan(3)
    expect(transitionIds(alerts)).toEqual(open.map((f) => `${f.id}:000001`).sort())
    expect(h.poller.invocations).toBeGreaterThan(1)
  })

  it('delivers transitions committed before a crash, once, when the notifier runs later', async () => {
    // Prepare: the scan commits its transitions; the notifier's first invocation dies before publishing.
    h = await startHarness(account())
    await h.scan()
    h.crashNotifier(1)
    // Act: the platform invokes it again with the same records.
    const alerts = await h.alerts()
    // Assess
    const open = await h.store.listFindings({ status: 'OPEN' })
    expect(transitionIds(alerts)).toEqual(open.map((f) => `${f.id}:000001`).sort())
    expect(h.poller.failed).toEqual([])
  })

  it('sends nothing again when the stream delivers the same records twice', async () => {
    // Prepare
    h = await startHarness(account())
    const seen: unknown[] = []
    const notify = (await import('../../functions/notify.ts')).createHandler(() => h.notifierDeps)
    await h.scan()
    const first = await h.alerts()
    // Act: replay every record to the handler, as a redelivering event source would.
    const { DynamoDBStreamsClient, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand } =
      await import('@aws-sdk/client-dynamodb-streams')
    const { inject } = await import('vitest')
    const streams = new DynamoDBStreamsClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    const streamArn = (h.poller as unknown as { streamArn: string }).streamArn
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))
    for (const shard of StreamDescription?.Shards ?? []) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
      const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator }))
      seen.push(...Records)
      await notify({ Records: Records as never }, {} as never)
    }
    const second = await h.alerts()
    // Assess
    expect(seen.length).toBeGreaterThan(first.length)
    expect(first.length).toBeGreaterThan(0)
    expect(second).toEqual([])
  })

  it('loses and duplicates nothing when the scan crashes half way through its writes and is retried', async () => {
    // Prepare: DynamoDB commits the first group of transitions, then fails on the second.
    h = await startHarness(account())
    const store = h.scanDeps.store as FindingsStore
    const apply = store.applyTransitions.bind(store)
    store.applyTransitions = async (transitions) => {
      await apply(transitions.slice(0, 2))
      throw new Error('DynamoDB unavailable')
    }
    // Act: the first invocation fails (the platform will retry it); the retry succeeds.
    await expect(h.scan()).rejects.toThrow('DynamoDB unavailable')
    store.applyTransitions = apply
    h.sim.account.expireReport()
    await h.scan()
    const alerts = await h.alerts()
    // Assess
    const findings = await h.store.listFindings()
    for (const f of findings)
      expect(
        (await h.store.history(f.id)).map((e) => e.transition),
        f.checkId,
      ).toEqual(['OPENED'])
    expect(transitionIds(alerts)).toEqual(findings.map((f) => `${f.id}:000001`).sort())
  })

  it('never forks a finding when two scans run at the same time', async () => {
    // Prepare
    h = await startHarness(account())
    // Act
    const [a, b] = await Promise.all([runScan(h.scanDeps), runScan(h.scanDeps)])
    // Assess: whichever plans second either conflicts on commit or finds the findings already open.
    const sum = (key: string) => (a.counts[key] ?? 0) + (b.counts[key] ?? 0)
    const findings = await h.store.listFindings()
    expect(sum('opened')).toBe(findings.length)
    expect(sum('conflicts') + sum('unchanged')).toBe(findings.length)
    for (const f of findings) expect((await h.store.history(f.id)).map((e) => e.seq)).toEqual([1])
    expect(await h.alerts()).toHaveLength(findings.length)
  })

  it('sends a poison record to the failure destination after its retries instead of blocking the stream', async () => {
    // Prepare
    h = await startHarness(account())
    h.notifierDeps.publish = async () => {
      throw new Error('always failing')
    }
    // Act
    await h.scan()
    await h.poller.drain()
    // Assess
    expect(h.poller.failed.length).toBeGreaterThan(0)
  })
})
