import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import type { SQSEvent } from 'aws-lambda'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { QueuePoller } from '../../local/queue-poller.ts'
import { createWorkQueue, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack.ts'
import { uniqueName } from '../support/harness.ts'

const sqs = new SQSClient({
  endpoint: inject('snsSqsEndpoint'),
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
})
afterAll(() => sqs.destroy())

/** A fresh queue (and its dead-letter queue) holding `n` messages with bodies "0", "1", ... */
async function queueWith(
  n: number,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
) {
  const q = await createWorkQueue(inject('snsSqsEndpoint'), uniqueName('work'), options)
  for (let i = 0; i < n; i += 10)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.queueUrl,
        Entries: Array.from({ length: Math.min(10, n - i) }, (_, j) => ({
          Id: String(j),
          MessageBody: String(i + j),
        })),
      }),
    )
  return q
}

describe('the queue poller (the key-activity event source mapping, locally)', () => {
  it('gathers batches of up to batchSize, 10 messages per receive, and invokes with the event Lambda gives', async () => {
    // Prepare
    const { queueUrl } = await queueWith(25)
    const events: SQSEvent[] = []
    const poller = new QueuePoller(
      sqs,
      queueUrl,
      async (event) => {
        events.push(event)
        return { batchItemFailures: [] }
      },
      { batchSize: 100, windowMs: 1000 },
    )
    // Act
    const delivered = await poller.drain()
    // Assess: one invocation of 25 (three receives), every message deleted.
    expect(delivered).toBe(25)
    expect(events.map((e) => e.Records.length)).toEqual([25])
    expect(poller.requests).toMatchObject({ receives: 3, deletes: 3 })
    const r = events[0]!.Records[0]!
    expect(r).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: expect.any(String),
      md5OfBody: expect.any(String),
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d{12}:work-/),
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
    })
    expect(events[0]!.Records.map((x) => Number(x.body)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    )
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined()
  })

  it('without a batching window, invokes with what one receive returns (10 at most)', async () => {
    // Prepare
    const { queueUrl } = await queueWith(25)
    const sizes: number[] = []
    const poller = new QueuePoller(sqs, queueUrl, async (event) => {
      sizes.push(event.Records.length)
      return undefined
    })
    // Act
    await poller.drain()
    // Assess
    expect(sizes).toEqual([10, 10, 5])
    expect(poller.invocations).toBe(3)
  })

  it('deletes all but the reported failures; those, and a batch whose handler threw, come back after the visibility timeout', async () => {
    // Prepare: the handler fails message "1" on its first receive, and throws on the first sight of "2".
    const { queueUrl } = await queueWith(3, { visibilityTimeoutSeconds: 1 })
    const seen: Array<{ body: string; receiveCount: string }> = []
    let threw = false
    const poller = new QueuePoller(
      sqs,
      queueUrl,
      async (event) => {
        for (const r of event.Records)
          seen.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })
        const two = event.Records.find((r) => r.body === '2')
        if (two && !threw && event.Records.length === 1) {
          threw = true
          throw new Error('boom')
        }
        const one = event.Records.find((r) => r.body === '1' && r.attributes.ApproximateReceiveCount === '1')
        return { batchItemFailures: one ? [{ itemIdentifier: one.messageId }] : [] }
      },
      { batchSize: 2, windowMs: 10 },
    )
    // Act
    await poller.drain({ inFlight: true, timeoutMs: 10_000 })
    // Assess: "0" once; "1" twice (reported, then done); "2" until its batch stopped throwing.
    const count = (body: string) => seen.filter((s) => s.body === body).length
    expect(count('0')).toBe(1)
    expect(seen.filter((s) => s.body === '1').map((s) => s.receiveCount)).toEqual(['1', '2'])
    expect(count('2')).toBeGreaterThanOrEqual(2)
    expect(threw).toBe(true)
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined()
  })

  it('fails the whole batch on an answer naming no message of it, and dead-letters after maxReceiveCount', async () => {
    // Prepare
    const { queueUrl, dlqUrl } = await queueWith(1, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 })
    let invocations = 0
    const poller = new QueuePoller(sqs, queueUrl, async () => {
      invocations++
      return { batchItemFailures: [{ itemIdentifier: '' }] }
    })
    // Act
    await poller.drain({ inFlight: true, timeoutMs: 10_000 })
    // Assess: received twice, then moved to the dead-letter queue.
    expect(invocations).toBe(2)
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }))
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['0'])
  })

  it('a lost answer (a timeout after the work) deletes nothing: the batch comes back', async () => {
    // Prepare
    const { queueUrl } = await queueWith(2, { visibilityTimeoutSeconds: 1 })
    const receives: string[] = []
    const poller = new QueuePoller(
      sqs,
      queueUrl,
      async (event) => {
        receives.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount))
        return { batchItemFailures: [] }
      },
      { batchSize: 10, windowMs: 10 },
    )
    poller.faults.lostAnswers = 1
    // Act
    await poller.drain({ inFlight: true, timeoutMs: 10_000 })
    // Assess
    expect(receives).toEqual(['1', '1', '2', '2'])
    expect(poller.invocations).toBe(2)
  })
})
