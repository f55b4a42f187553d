import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import type { SQSEvent, SQSRecord } from 'aws-lambda'

/**
 * A Lambda handler fed by an SQS event source mapping with ReportBatchItemFailures: it answers
 * `{ batchItemFailures: [{ itemIdentifier: <messageId> }] }` (nothing, or an empty list: all done).
 */
export type QueueHandler = (
  event: SQSEvent,
  context: { awsRequestId: string; functionName: string; getRemainingTimeInMillis(): number },
) => Promise<unknown>

export interface QueuePollerOptions {
  /** The event source mapping's BatchSize: messages per invocation at most. Default 10 (Lambda's default for SQS). */
  batchSize?: number
  /**
   * The event source mapping's MaximumBatchingWindowInSeconds, in ms: how long a batch may be gathered.
   * Default 0: what one ReceiveMessage returns (at most 10). Locally an empty receive also ends the window
   * (everything sent so far is in the batch), so draining never waits for messages nobody sends.
   */
  windowMs?: number
  /** The function's name, for the invocation context. */
  functionName?: string
  /** The function's timeout, for getRemainingTimeInMillis. Default 60 s. */
  timeoutMs?: number
  /** Called after each invocation, with what it did. */
  onBatch?: (batch: BatchReport) => void | Promise<void>
}

/** One invocation of the handler: its messages, and what became of them. */
export interface BatchReport {
  /** 1, 2, ...: the invocations of this poller. */
  invocation: number
  messages: Array<{ messageId: string; body: string; receiveCount: number }>
  /** Deleted from the queue: done. */
  deleted: string[]
  /** Left in the queue: they reappear after the visibility timeout (and go to the DLQ after maxReceiveCount). */
  failed: string[]
  /** What the handler threw (the whole batch is then left in the queue). */
  error?: unknown
  /** The handler ran, but its answer never reached Lambda (a timeout after its work): nothing deleted. */
  lost?: boolean
  /** The handler's duration: what Lambda bills. */
  ms: number
}

/** SQS requests this poller made, by kind (what Lambda's pollers would make for the same batches). */
export interface QueueRequests {
  /** ReceiveMessage calls that returned messages. */
  receives: number
  /** ReceiveMessage calls that returned nothing (Lambda's idle long polls are a fixed cost, not per event). */
  emptyReceives: number
  /** DeleteMessageBatch calls (up to 10 messages each). */
  deletes: number
  /** GetQueueAttributes calls the local drain makes to see messages in flight (Lambda makes none). */
  attributeReads: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Drives a handler from an SQS queue the way Lambda's SQS event source mapping does: receives in batches
 * (at most 10 messages per ReceiveMessage, gathered up to batchSize or the batching window), invokes the
 * handler with the event Lambda gives (Records with messageId, receiptHandle, body, attributes, eventSource
 * `aws:sqs`, eventSourceARN, awsRegion), deletes the messages not listed in batchItemFailures, and leaves
 * the failed ones (all of them when the handler throws or answers nonsense) to reappear after the queue's
 * visibility timeout; the queue's redrive policy dead-letters those received too often. One batch at a
 * time, in this process: the handler is the real function's, called as Lambda calls it.
 */
export class QueuePoller {
  invocations = 0
  readonly requests: QueueRequests = { receives: 0, emptyReceives: 0, deletes: 0, attributeReads: 0 }
  /** Handler time, summed over the invocations (ms). */
  handlerMs = 0
  /**
   * Faults to inject: `lostAnswers` makes that many next invocations lose their answer after the handler
   * ran (as when the function times out after its writes): no message of those batches is deleted.
   */
  readonly faults = { lostAnswers: 0 }
  private readonly sqs: SQSClient
  private readonly queueUrl: string
  private readonly handler: QueueHandler
  private readonly options: Required<Omit<QueuePollerOptions, 'onBatch'>> &
    Pick<QueuePollerOptions, 'onBatch'>
  private queueArn?: string
  private running?: Promise<number>

  constructor(sqs: SQSClient, queueUrl: string, handler: QueueHandler, options: QueuePollerOptions = {}) {
    const batchSize = options.batchSize ?? 10
    if (batchSize < 1 || batchSize > 10_000) throw new Error(`batchSize ${batchSize}: 1 to 10,000`)
    if (batchSize > 10 && !options.windowMs)
      throw new Error('a batchSize above 10 needs a batching window (as Lambda requires)')
    this.sqs = sqs
    this.queueUrl = queueUrl
    this.handler = handler
    this.options = {
      batchSize,
      windowMs: options.windowMs ?? 0,
      functionName: options.functionName ?? 'on-key-activity',
      timeoutMs: options.timeoutMs ?? 60_000,
      onBatch: options.onBatch,
    }
  }

  /**
   * Processes every message in the queue now, batch after batch; resolves with the number of messages
   * delivered. With `inFlight`, it also waits for messages received but not deleted (a failed batch) to
   * reappear and be processed again, up to `timeoutMs`. Calls made while a drain runs join it.
   */
  drain(options: { inFlight?: boolean; timeoutMs?: number } = {}): Promise<number> {
    const joined = this.running
    const run = async (): Promise<number> => {
      await joined?.catch(() => {})
      return this.drainNow(options)
    }
    const mine = run().finally(() => {
      if (this.running === mine) this.running = undefined
    })
    this.running = mine
    return mine
  }

  private async drainNow({ inFlight = false, timeoutMs = 60_000 }): Promise<number> {
    const until = performance.now() + timeoutMs
    let delivered = 0
    for (;;) {
      const batch = await this.gather()
      if (batch.length > 0) {
        delivered += batch.length
        await this.invoke(batch)
        continue
      }
      if (!inFlight || (await this.inFlight()) === 0) return delivered
      if (performance.now() > until) throw new Error(`queue did not drain within ${timeoutMs} ms`)
      await sleep(50)
    }
  }

  /** Messages received and not yet deleted (or delayed): they come back after their visibility timeout. */
  private async inFlight(): Promise<number> {
    this.requests.attributeReads++
    const { Attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    )
    return (
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    )
  }

  /** One batch: ReceiveMessage (10 at most each) until batchSize, the window's end, or an empty receive. */
  private async gather(): Promise<Message[]> {
    const { batchSize, windowMs } = this.options
    const deadline = performance.now() + windowMs
    const batch: Message[] = []
    while (batch.length < batchSize) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - batch.length),
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
      if (Messages.length === 0) {
        this.requests.emptyReceives++
        break
      }
      this.requests.receives++
      batch.push(...Messages)
      if (performance.now() >= deadline) break
    }
    return batch
  }

  private async invoke(batch: Message[]): Promise<void> {
    this.queueArn ??= await this.arn()
    const invocation = ++this.invocations
    const records = batch.map((m) => this.toRecord(m))
    const started = performance.now()
    let answer: unknown
    let error: unknown
    try {
      answer = await this.handler(
        { Records: records },
        {
          awsRequestId: `local-${invocation}`,
          functionName: this.options.functionName,
          getRemainingTimeInMillis: () => Math.max(0, this.options.timeoutMs - (performance.now() - started)),
        },
      )
    } catch (err) {
      error = err
    }
    const ms = performance.now() - started
    this.handlerMs += ms
    const lost = this.faults.lostAnswers > 0
    if (lost) this.faults.lostAnswers--
    const ids = new Set(records.map((r) => r.messageId))
    const listed = (answer as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures ?? []
    const failures = Array.isArray(listed)
      ? listed.map((f) => (f as { itemIdentifier?: unknown })?.itemIdentifier)
      : [undefined]
    // Lambda fails the whole batch when the function throws, or answers an item it cannot find in the batch
    // (no identifier, an empty one, another message's); an empty or missing list is a complete success.
    const wholeBatch =
      lost || error !== undefined || failures.some((id) => typeof id !== 'string' || !ids.has(id))
    const failed = wholeBatch ? [...ids] : [...new Set(failures as string[])]
    const done = batch.filter((m) => !failed.includes(m.MessageId!))
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10)
      this.requests.deletes++
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
        }),
      )
    }
    await this.options.onBatch?.({
      invocation,
      messages: records.map((r) => ({
        messageId: r.messageId,
        body: r.body,
        receiveCount: Number(r.attributes.ApproximateReceiveCount),
      })),
      deleted: done.map((m) => m.MessageId!),
      failed,
      ...(error !== undefined ? { error } : {}),
      ...(lost ? { lost } : {}),
      ms,
    })
  }

  private async arn(): Promise<string> {
    this.requests.attributeReads++
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }),
    )
    const arn = Attributes?.QueueArn
    if (!arn) throw new Error(`queue ${this.queueUrl} has no ARN`)
    return arn
  }

  /** A received message as Lambda's SQS event record carries it. */
  private toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {}
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          {
            dataType: v.DataType ?? 'String',
            ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn!,
      awsRegion: this.queueArn!.split(':')[3] ?? 'us-east-1',
    }
  }
}
