import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './stack.ts'

export type StreamHandler = (event: {
  Records: unknown[]
}) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> } | undefined>

export interface PollerOptions {
  batchSize?: number
  /** Attempts per batch before its records go to the failure destination (Lambda's MaximumRetryAttempts + 1). */
  maxAttempts?: number
}

interface ShardCursor {
  shardId: string
  /** The iterator to continue with (GetRecords' NextShardIterator), while no retry is pending. */
  iterator?: string
  /** Resume after this sequence number; undefined: from the start of the shard. */
  after?: string
  /** Retry from this sequence number (a reported batch item failure). */
  at?: string
  attempts: number
}

/**
 * Drives a handler from a DynamoDB stream the way Lambda's event source mapping does: batches in
 * order per shard, ReportBatchItemFailures (resume at the first failed record), retries, and an
 * on-failure destination for batches that keep failing.
 */
export class StreamPoller {
  readonly failed: unknown[] = []
  invocations = 0
  private readonly client: DynamoDBStreamsClient
  private readonly cursors = new Map<string, ShardCursor>()
  private readonly streamArn: string
  private readonly handler: StreamHandler
  private readonly options: Required<PollerOptions>

  constructor(endpoint: string, streamArn: string, handler: StreamHandler, options: PollerOptions = {}) {
    this.client = new DynamoDBStreamsClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    })
    this.streamArn = streamArn
    this.handler = handler
    this.options = { batchSize: options.batchSize ?? 100, maxAttempts: options.maxAttempts ?? 3 }
  }

  /** Processes everything in the stream now; resolves when a full pass found nothing new. */
  async drain(): Promise<number> {
    let total = 0
    for (let pass = 0; pass < 1000; pass++) {
      const n = await this.pollOnce()
      total += n
      if (n === 0) return total
    }
    throw new Error('stream did not drain')
  }

  private shards?: string[]

  private async pollOnce(): Promise<number> {
    // Shards are listed once and then followed with their iterators, as Lambda's poller does; a shard
    // that ends (no NextShardIterator) makes the next poll list them again.
    if (!this.shards) {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn }),
      )
      this.shards = (StreamDescription?.Shards ?? []).map((shard) => shard.ShardId!)
    }
    let delivered = 0
    for (const id of this.shards) {
      const cursor = this.cursors.get(id) ?? { shardId: id, attempts: 0 }
      this.cursors.set(id, cursor)
      const { Records = [], NextShardIterator } = await this.getRecords(cursor)
      cursor.iterator = NextShardIterator
      if (!NextShardIterator) this.shards = undefined
      if (Records.length === 0) continue
      delivered += Records.length
      await this.invoke(cursor, Records)
    }
    return delivered
  }

  /**
   * Reads the next batch of a shard. An iterator DynamoDB no longer honours is replaced by a fresh one
   * from the cursor's position (DynamoDB Local gives TrimmedDataAccessException for an iterator taken on an
   * empty shard once other tables were written; AWS expires iterators after 15 minutes).
   */
  private async getRecords(cursor: ShardCursor) {
    const read = async () =>
      this.client.send(
        new GetRecordsCommand({
          ShardIterator: cursor.iterator ?? (await this.iteratorFor(cursor)),
          Limit: this.options.batchSize,
        }),
      )
    try {
      return await read()
    } catch (err) {
      const name = (err as Error).name
      if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw err
      cursor.iterator = undefined
      return read()
    }
  }

  private async iteratorFor(cursor: ShardCursor): Promise<string | undefined> {
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: cursor.shardId,
        ...(cursor.at
          ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: cursor.at }
          : cursor.after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    )
    return ShardIterator
  }

  private async invoke(cursor: ShardCursor, records: _Record[]): Promise<void> {
    this.invocations++
    let firstFailure: string | undefined
    try {
      const result = await this.handler({ Records: records.map(toLambdaRecord) })
      const failures = result?.batchItemFailures ?? []
      firstFailure = failures.length
        ? failures.map((f) => f.itemIdentifier).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0]
        : undefined
    } catch {
      firstFailure = records[0]!.dynamodb!.SequenceNumber
    }
    if (!firstFailure) {
      cursor.after = records.at(-1)!.dynamodb!.SequenceNumber
      cursor.at = undefined
      cursor.attempts = 0
      return
    }
    // A retry re-reads from a sequence number: the continuation iterator no longer applies.
    cursor.iterator = undefined
    cursor.attempts++
    const failedIndex = records.findIndex((r) => r.dynamodb?.SequenceNumber === firstFailure)
    if (cursor.attempts >= this.options.maxAttempts) {
      // Give up on this batch: record it for the on-failure destination and move past it.
      this.failed.push(...records.slice(Math.max(failedIndex, 0)).map(toLambdaRecord))
      cursor.iterator = undefined
      cursor.after = records.at(-1)!.dynamodb!.SequenceNumber
      cursor.at = undefined
      cursor.attempts = 0
      return
    }
    cursor.at = firstFailure
  }
}

function toLambdaRecord(r: _Record): unknown {
  const when = r.dynamodb?.ApproximateCreationDateTime
  return {
    ...r,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ...r.dynamodb,
      ...(r.dynamodb?.NewImage ? { NewImage: typedImage(r.dynamodb.NewImage) } : {}),
      ...(r.dynamodb?.OldImage ? { OldImage: typedImage(r.dynamodb.OldImage) } : {}),
      ApproximateCreationDateTime: when ? Math.floor(new Date(when).getTime() / 1000) : undefined,
    },
  }
}

/**
 * The image as Lambda's event carries it. The Streams client reads an empty map attribute (`{"M": {}}` on
 * the wire) back as `{}`, a value of no type that unmarshall rejects; Lambda's JSON event keeps `{"M": {}}`.
 */
export function typedImage(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, typedValue(v)]))
}

function typedValue(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v
  const keys = Object.keys(v)
  if (keys.length === 0) return { M: {} }
  const av = v as { M?: Record<string, unknown>; L?: unknown[] }
  if (av.M) return { M: typedImage(av.M) }
  if (av.L) return { L: av.L.map(typedValue) }
  return v
}
