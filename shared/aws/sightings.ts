import { createHash } from 'node:crypto'
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import {
  applySighting,
  type Baseline,
  type BaselineLimits,
  emptyBaseline,
  lastSighting,
  type NetworkSighting,
  type Sighting,
  type SightingResult,
  type SightingStore,
} from '../detections/first-seen.ts'
import { errorCode } from './clients.ts'

const DAY_MS = 86_400_000
const MAX_ATTEMPTS = 5

export interface SightingsOptions {
  /**
   * A known network's last-seen time is written back only when it moved by at least this much (default one
   * hour): a key calling from the same network all day costs a read per batch, not a write per call. The
   * window (30 days) dwarfs it: a network is forgotten at most this much early.
   */
  refreshMs?: number
  /**
   * A baseline read is reused by later batches of the same warm function for this long (default 5 min).
   * Only "known" answers come from it: anything new is a conditional write against the stored version,
   * which re-reads on conflict, so the cache can never make a network look new twice.
   */
  cacheMs?: number
  /** Baselines cached at most (default 10,000; the oldest read dropped first). */
  maxCached?: number
  now?: () => number
}

/** What a store did, for the benchmark's cost figures. */
export interface SightingsUsage {
  reads: number
  writes: number
  conflicts: number
  cacheHits: number
  readUnits: number
  writeUnits: number
}

interface Cached {
  state: Baseline
  version: number
  at: number
}

/**
 * First-seen baselines in the findings table: one item per detection and subject (`SEEN#...`, kind
 * `baseline`), its networks with first/last seen, a version for optimistic concurrency, and a TTL a day
 * past the window after its last sighting. Written only when something changed that matters.
 */
export class DynamoSightings implements SightingStore {
  readonly usage: SightingsUsage = {
    reads: 0,
    writes: 0,
    conflicts: 0,
    cacheHits: 0,
    readUnits: 0,
    writeUnits: 0,
  }
  private readonly db: DynamoDBDocumentClient
  private readonly tableName: string
  private readonly refreshMs: number
  private readonly cacheMs: number
  private readonly maxCached: number
  private readonly now: () => number
  private readonly cache = new Map<string, Cached>()

  constructor(db: DynamoDBDocumentClient, tableName: string, options: SightingsOptions = {}) {
    this.db = db
    this.tableName = tableName
    this.refreshMs = options.refreshMs ?? 3_600_000
    this.cacheMs = options.cacheMs ?? 300_000
    this.maxCached = options.maxCached ?? 10_000
    this.now = options.now ?? Date.now
  }

  async sight(
    baselineId: string,
    sightings: readonly Sighting[],
    limits: BaselineLimits,
  ): Promise<SightingResult[]> {
    const key = { pk: `SEEN#${keyPart(baselineId)}`, sk: 'BASELINE' }
    let fresh = false
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const stored = fresh ? undefined : this.cached(baselineId)
      const { state, version } = stored ?? (await this.read(key, attempt > 1))
      const before = clone(state)
      const results = sightings.map((s) => applySighting(state, s, limits))
      if (!this.changed(before, state)) {
        this.remember(baselineId, { state: before, version, at: stored?.at ?? this.now() })
        return results
      }
      if (await this.write(key, baselineId, state, version, limits)) {
        this.remember(baselineId, { state, version: version + 1, at: this.now() })
        return results
      }
      // Another invocation wrote first: read again, consistently, and decide again.
      this.usage.conflicts++
      this.cache.delete(baselineId)
      fresh = true
    }
    throw new Error(`baseline ${baselineId} kept changing; giving up after ${MAX_ATTEMPTS} attempts`)
  }

  private cached(baselineId: string): Cached | undefined {
    const c = this.cache.get(baselineId)
    if (!c) return undefined
    if (this.now() - c.at > this.cacheMs) {
      this.cache.delete(baselineId)
      return undefined
    }
    this.usage.cacheHits++
    return { state: clone(c.state), version: c.version, at: c.at }
  }

  private remember(baselineId: string, c: Cached): void {
    this.cache.delete(baselineId)
    this.cache.set(baselineId, c)
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!)
  }

  /** Written when a network was added, replaced or dropped, or a last-seen time moved by refreshMs. */
  private changed(before: Baseline, after: Baseline): boolean {
    const a = Object.keys(before.networks)
    const b = Object.keys(after.networks)
    if (a.length !== b.length) return true
    for (const k of b) {
      const was = before.networks[k]
      const is = after.networks[k]!
      if (!was || was.by !== is.by || was.first !== is.first) return true
      if (is.last - was.last >= this.refreshMs) return true
    }
    return false
  }

  private async read(
    key: Record<string, string>,
    consistent: boolean,
  ): Promise<{ state: Baseline; version: number }> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: consistent,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    )
    this.usage.reads++
    this.usage.readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0
    const item = out.Item
    const state = emptyBaseline()
    const networks = item?.networks
    if (networks && typeof networks === 'object')
      for (const [k, v] of Object.entries(networks as Record<string, Partial<NetworkSighting>>))
        if (typeof v?.first === 'number' && typeof v.last === 'number')
          state.networks[k] = {
            first: v.first,
            last: v.last,
            ...(typeof v.by === 'string' ? { by: v.by } : {}),
          }
    return { state, version: typeof item?.version === 'number' ? item.version : 0 }
  }

  private async write(
    key: Record<string, string>,
    baselineId: string,
    state: Baseline,
    version: number,
    limits: BaselineLimits,
  ): Promise<boolean> {
    try {
      const out = await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            kind: 'baseline',
            baseline: baselineId.slice(0, 512),
            networks: state.networks,
            version: version + 1,
            expiresAt: Math.ceil((lastSighting(state) + limits.windowMs + DAY_MS) / 1000),
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      )
      this.usage.writes++
      this.usage.writeUnits += out.ConsumedCapacity?.CapacityUnits ?? 0
      return true
    } catch (err) {
      if (errorCode(err) === 'ConditionalCheckFailedException') return false
      throw err
    }
  }
}

/** A subject comes from the record (a hostile one could be long): long ones are hashed into the key. */
function keyPart(baselineId: string): string {
  return baselineId.length <= 512
    ? baselineId
    : `sha256:${createHash('sha256').update(baselineId).digest('hex')}`
}

function clone(b: Baseline): Baseline {
  const out = emptyBaseline()
  for (const [k, v] of Object.entries(b.networks)) out.networks[k] = { ...v }
  return out
}
