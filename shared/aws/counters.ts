import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import {
  type CounterResult,
  type CounterState,
  type CounterStore,
  type CounterUpdate,
  decide,
} from '../detections/thresholds.ts'
import { errorCode } from './clients.ts'

const EVENT_PREFIX = 'ev:'
const DAY_MS = 86_400_000

/**
 * Threshold counters in the findings table, one item per detection and key, expiring by TTL. Each event
 * is its own attribute set with if_not_exists, so a redelivered event counts once; firing is a
 * conditional write, so concurrent invocations fire a crossing once.
 */
export class DynamoCounters implements CounterStore {
  private readonly db: DynamoDBDocumentClient
  private readonly tableName: string
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.db = db
    this.tableName = tableName
  }

  async add(u: CounterUpdate): Promise<CounterResult> {
    const key = { pk: `COUNTER#${u.counterId}`, sk: 'STATE' }
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #e = if_not_exists(#e, :at), kind = :kind, expiresAt = :ttl',
        ExpressionAttributeNames: { '#e': `${EVENT_PREFIX}${u.eventId}` },
        ExpressionAttributeValues: {
          ':at': u.atMs,
          ':kind': 'counter',
          ':ttl': Math.ceil((u.atMs + u.windowMs + DAY_MS) / 1000),
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    const item = out.Attributes ?? {}
    const events = Object.fromEntries(
      Object.entries(item)
        .filter(([k]) => k.startsWith(EVENT_PREFIX))
        .map(([k, v]) => [k.slice(EVENT_PREFIX.length), Number(v)]),
    )
    const state: CounterState = {
      events,
      lastFiredAt: item.lastFiredAt as number | undefined,
      firedBy: item.firedBy as string | undefined,
    }
    const result = decide(state, u)
    await this.prune(key, events, u)
    if (!result.fire) return { count: result.count, crossed: result.crossed }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET lastFiredAt = :at, firedBy = :by',
          ConditionExpression: 'attribute_not_exists(lastFiredAt) OR lastFiredAt <= :since OR firedBy = :by',
          ExpressionAttributeValues: {
            ':at': result.fire.at,
            ':by': result.fire.by,
            ':since': u.atMs - u.windowMs,
          },
        }),
      )
      return { count: result.count, crossed: true }
    } catch (err) {
      if (errorCode(err) === 'ConditionalCheckFailedException') return { count: result.count, crossed: false }
      throw err
    }
  }

  /** Drops event attributes older than the window once there are more than twice the threshold. */
  private async prune(
    key: Record<string, string>,
    events: Record<string, number>,
    u: CounterUpdate,
  ): Promise<void> {
    const entries = Object.entries(events)
    if (entries.length <= u.threshold * 2) return
    const stale = entries
      .sort((a, b) => b[1] - a[1])
      .slice(u.threshold * 2)
      .map(([id]) => id)
      .slice(0, 50)
    if (stale.length === 0) return
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `REMOVE ${stale.map((_, i) => `#s${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(
          stale.map((id, i) => [`#s${i}`, `${EVENT_PREFIX}${id}`]),
        ),
      }),
    )
  }
}
