import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb'
import type { PlannedTransition } from '../engine/reconcile.ts'
import type { ChainInput } from '../engine/verify.ts'
import type { Finding, FindingStatus, HistoryEntry } from '../model/finding.ts'
import type { Severity } from '../model/severity.ts'
import { errorCode, mapLimit, sleep } from './clients.ts'
import {
  AS_OF_SHARDS,
  type AsOfEntry,
  asOfShard,
  fromAsOfEntry,
  historyItem,
  historyPartitions,
  keys,
  stateItem,
  TABLE,
  toFinding as toFindingItem,
  toHistory as toHistoryItem,
} from './findings-table.ts'
import type { ItemMac } from './kms.ts'
import { MonitorRecords } from './monitor-records.ts'
import { SuppressionRulesStore } from './suppressions.ts'

export type { ScanRun } from './monitor-records.ts'

export class TransitionConflict extends Error {}

/**
 * Item MACs (kms:GenerateMac of the store's `mac` key, base64) are stored beside the hashed content,
 * never in it: `mac` on a history item (over its `hash`), `headMac` on the state item (the same MAC, of
 * its head). Read back, they are taken off the entry and the finding, so hashes and exports are as
 * before; verification reads the state's `headMac` through ChainInput.
 */
const MAC_ATTRIBUTE = 'mac'
const HEAD_MAC_ATTRIBUTE = 'headMac'

function toHistory(item: Record<string, unknown>): HistoryEntry {
  const { [MAC_ATTRIBUTE]: _mac, ...rest } = item
  return toHistoryItem(rest)
}

function toFinding(item: Record<string, unknown>): Finding {
  const { [HEAD_MAC_ATTRIBUTE]: _mac, ...rest } = item
  return toFindingItem(rest)
}

const TRANSITIONS_PER_TRANSACTION = 50

function isConditionFailure(err: unknown): boolean {
  return (
    errorCode(err) === 'TransactionCanceledException' &&
    String((err as Error).message).includes('ConditionalCheckFailed')
  )
}

export interface FindingQuery {
  status?: FindingStatus
  severity?: Severity
  checkId?: string
  accountId?: string
}

/** Counts the finding writes the store made: the benchmark's "unchanged re-scan writes nothing". */
export interface WriteCounters {
  transitions: number
}

/**
 * A finding's stored items (its state item and history items, as read) as verification takes them: the
 * history items whose keys or index keys are not those their content gives are listed as misindexed
 * (moved, or missing from or misplaced in the time indexes).
 */
function chainOf(findingId: string, items: readonly Record<string, unknown>[]): ChainInput {
  const chain: ChainInput & { history: HistoryEntry[]; misindexed: number[] } = {
    findingId,
    history: [],
    misindexed: [],
  }
  for (const item of items) {
    if (item.sk === 'STATE') {
      chain.state = toFinding(item)
      if (typeof item[HEAD_MAC_ATTRIBUTE] === 'string') chain.headMac = item[HEAD_MAC_ATTRIBUTE]
      continue
    }
    const entry = toHistory(item)
    chain.history.push(entry)
    const expected = historyItem(entry)
    if (INDEXED.some((k) => item[k] !== expected[k])) chain.misindexed.push(entry.seq)
  }
  return chain
}
/** A state item without a MAC carried over from the finding it was planned from: only a new MAC names a new head. */
function withoutHeadMac(item: Record<string, unknown>): Record<string, unknown> {
  const { [HEAD_MAC_ATTRIBUTE]: _stale, ...rest } = item
  return rest
}

const INDEXED = ['pk', 'sk', 'historyKey', 'historySort', 'asOfKey', 'asOfSort'] as const

export class FindingsStore {
  readonly writes: WriteCounters = { transitions: 0 }
  /** Scan runs, event intake and notification markers, in the same table. */
  readonly records: MonitorRecords
  /** Suppression rules stored beside the findings (`iamwatch suppress --check ... --resource ...`). */
  readonly rules: SuppressionRulesStore
  private readonly db: DynamoDBDocumentClient
  readonly tableName: string
  /** The item MAC key, when the writer has one: every transition written carries its MAC. */
  readonly mac: ItemMac | undefined
  /** Each planned transition's MAC, generated once however often its write is tried. */
  private readonly macs = new WeakMap<PlannedTransition, Promise<string>>()
  constructor(db: DynamoDBDocumentClient, tableName: string, options: { mac?: ItemMac } = {}) {
    this.db = db
    this.tableName = tableName
    this.mac = options.mac
    this.records = new MonitorRecords(db, tableName)
    this.rules = new SuppressionRulesStore(db, tableName)
  }

  async getFindings(ids: readonly string[]): Promise<Map<string, Finding>> {
    const found = new Map<string, Finding>()
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
        [this.tableName]: { Keys: unique.slice(i, i + 100).map(keys.finding) },
      }
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000))
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }))
        for (const item of out.Responses?.[this.tableName] ?? [])
          found.set(item.id as string, toFinding(item))
        request = out.UnprocessedKeys as typeof request
      }
    }
    return found
  }

  async getFinding(id: string): Promise<Finding | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.finding(id), ConsistentRead: true }),
    )
    return out.Item ? toFinding(out.Item) : undefined
  }

  /** OPEN findings of one check in one account (of one resource, when given), from the by-check index. */
  async listOpenByCheck(accountId: string, checkId: string, resourceId?: string): Promise<Finding[]> {
    const out: Finding[] = []
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: TABLE.byCheckIndex,
        KeyConditionExpression: 'checkKey = :c AND begins_with(statusKey, :s)',
        ExpressionAttributeValues: {
          ':c': `${accountId}#${checkId}`,
          ':s': resourceId ? `OPEN#${resourceId}#` : 'OPEN#',
        },
      },
    )
    for await (const page of pages) for (const item of page.Items ?? []) out.push(toFinding(item))
    return out
  }

  async listFindings(query: FindingQuery = {}): Promise<Finding[]> {
    const out: Finding[] = []
    const keep = (f: Finding) =>
      (!query.status || f.status === query.status) &&
      (!query.severity || f.severity === query.severity) &&
      (!query.checkId || f.checkId === query.checkId) &&
      (!query.accountId || f.accountId === query.accountId)
    const pages =
      query.status === 'OPEN' && query.severity
        ? paginateQuery(
            { client: this.db },
            {
              TableName: this.tableName,
              IndexName: TABLE.bySeverityIndex,
              KeyConditionExpression: 'openSeverity = :s',
              ExpressionAttributeValues: { ':s': query.severity },
            },
          )
        : paginateScan(
            { client: this.db },
            {
              TableName: this.tableName,
              FilterExpression: '#k = :k',
              ExpressionAttributeNames: { '#k': 'kind' },
              ExpressionAttributeValues: { ':k': 'finding' },
            },
          )
    for await (const page of pages)
      for (const item of page.Items ?? []) if (keep(toFinding(item))) out.push(toFinding(item))
    return out
  }

  async history(id: string): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = []
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':p': keys.finding(id).pk, ':h': 'HIST#' },
        ConsistentRead: true,
      },
    )
    for await (const page of pages) for (const item of page.Items ?? []) out.push(toHistory(item))
    return out
  }

  /**
   * An account's history items from `from` to `to` (ISO times, both included), oldest first, across
   * findings: one query of the history-by-time index per month. The index is eventually consistent.
   */
  async historyBetween(accountId: string, from: string, to: string): Promise<HistoryEntry[]> {
    const [lo, hi] = [new Date(from).toISOString(), new Date(to).toISOString()]
    const out: HistoryEntry[] = []
    if (lo > hi) return out
    for (const partition of historyPartitions(accountId, lo, hi)) {
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.tableName,
          IndexName: TABLE.byTimeIndex,
          KeyConditionExpression: 'historyKey = :k AND historySort BETWEEN :lo AND :hi',
          // Sort keys are `${at}#...`: an item at exactly `hi` sorts after `hi` but before `${hi}$`.
          ExpressionAttributeValues: { ':k': partition, ':lo': lo, ':hi': `${hi}$` },
        },
      )
      for await (const page of pages) for (const item of page.Items ?? []) out.push(toHistory(item))
    }
    return out
  }

  /**
   * Visits the history items the history-as-of index lists for a time range (ISO times, both included;
   * either end open), of one account or of every account: per partition (16, read in parallel) and
   * account, one range query of keys-only entries. Without an account, each partition's accounts are
   * found by skipping from one to the next (one single-item read each). Eventually consistent.
   */
  async forEachAsOfEntry(
    range: { accountId?: string; from?: string; to?: string; shards?: readonly string[] },
    visit: (entry: AsOfEntry) => void,
    inFlight = 16,
  ): Promise<void> {
    await mapLimit(range.shards ?? AS_OF_SHARDS, inFlight, async (shard) => {
      if (range.accountId !== undefined) return this.queryAsOf(shard, range.accountId, range, visit)
      let after: string | undefined
      for (;;) {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE.asOfIndex,
            KeyConditionExpression: after ? 'asOfKey = :k AND asOfSort > :a' : 'asOfKey = :k',
            ExpressionAttributeValues: { ':k': shard, ...(after ? { ':a': after } : {}) },
            Limit: 1,
          }),
        )
        const sort = out.Items?.[0]?.asOfSort
        if (typeof sort !== 'string') return
        const account = fromAsOfEntry(out.Items![0]!)?.accountId
        // An entry not in the expected shape is stepped over; an account's entries are read in one range.
        if (account === undefined) {
          after = sort
          continue
        }
        await this.queryAsOf(shard, account, range, visit)
        after = `${account}#~`
      }
    })
  }

  private async queryAsOf(
    shard: string,
    accountId: string,
    range: { from?: string; to?: string },
    visit: (entry: AsOfEntry) => void,
  ): Promise<void> {
    // Sort keys are `<account>#<at>#<code>`: `~` sorts after every code and after the times' digits.
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: TABLE.asOfIndex,
        KeyConditionExpression: 'asOfKey = :k AND asOfSort BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':k': shard,
          ':lo': `${accountId}#${range.from ?? ''}`,
          ':hi': range.to !== undefined ? `${accountId}#${range.to}#~` : `${accountId}#~`,
        },
      },
    )
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const entry = fromAsOfEntry(item)
        if (entry && entry.accountId === accountId) visit(entry)
      }
  }

  /** History items by finding and sequence number (BatchGetItem, 100 a call); those not found are left out. */
  async getHistoryEntries(
    refs: ReadonlyArray<{ findingId: string; seq: number }>,
    inFlight = 8,
  ): Promise<HistoryEntry[]> {
    const chunks: Array<Array<Record<string, string>>> = []
    for (let i = 0; i < refs.length; i += 100)
      chunks.push(refs.slice(i, i + 100).map((r) => keys.history(r.findingId, r.seq)))
    const found = await mapLimit(chunks, inFlight, async (chunk) => {
      const out: HistoryEntry[] = []
      let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
        [this.tableName]: { Keys: chunk },
      }
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000))
        const res = await this.db.send(new BatchGetCommand({ RequestItems: request }))
        for (const item of res.Responses?.[this.tableName] ?? []) out.push(toHistory(item))
        request = res.UnprocessedKeys as typeof request
      }
      return out
    })
    return found.flat()
  }

  /**
   * The ids of findings with history whose id begins with `prefix` (one character at least), sorted:
   * reads the one history-as-of partition of its first digit (a sixteenth of the index).
   */
  async findingIdsWithPrefix(prefix: string): Promise<string[]> {
    const p = prefix.toLowerCase()
    if (p.length === 0) return []
    const ids = new Set<string>()
    await this.forEachAsOfEntry({ shards: [asOfShard(p)] }, (e) => {
      if (e.findingId.startsWith(p)) ids.add(e.findingId)
    })
    return [...ids].sort()
  }

  /**
   * Visits every finding in the table, its state item and all its history items, reading the table once
   * in parallel scan segments. Items of one finding come together in a scan; should one finding's items
   * ever come apart, that finding is read again on its own and visited again (last visit wins).
   */
  async forEachFinding(
    visit: (chain: ChainInput) => void,
    options: { segments?: number; inFlight?: number } = {},
  ): Promise<void> {
    const segments = options.segments ?? 16
    const finished = new Set<string>()
    const split = new Set<string>()
    await mapLimit(
      Array.from({ length: segments }, (_, i) => i),
      options.inFlight ?? 8,
      async (segment) => {
        let current: { findingId: string; items: Record<string, unknown>[] } | undefined
        const close = () => {
          if (!current) return
          if (finished.has(current.findingId)) split.add(current.findingId)
          else {
            finished.add(current.findingId)
            visit(chainOf(current.findingId, current.items))
          }
        }
        const pages = paginateScan(
          { client: this.db },
          {
            TableName: this.tableName,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: 'begins_with(pk, :f) AND (sk = :s OR begins_with(sk, :h))',
            ExpressionAttributeValues: { ':f': 'FINDING#', ':s': 'STATE', ':h': 'HIST#' },
          },
        )
        for await (const page of pages)
          for (const item of page.Items ?? []) {
            const id = String(item.pk).slice('FINDING#'.length)
            if (current?.findingId !== id) {
              close()
              current = { findingId: id, items: [] }
            }
            current.items.push(item)
          }
        close()
      },
    )
    await mapLimit([...split], 16, async (id) => visit(await this.readFinding(id)))
  }

  /** One finding as stored, read directly and consistently: its state item and its history items. */
  async readFinding(id: string): Promise<ChainInput> {
    const items: Record<string, unknown>[] = []
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': keys.finding(id).pk },
        ConsistentRead: true,
      },
    )
    for await (const page of pages) items.push(...(page.Items ?? []))
    return chainOf(
      id,
      items.filter((i) => i.sk === 'STATE' || String(i.sk).startsWith('HIST#')),
    )
  }

  /**
   * Writes a finding's new state and its history item in one transaction. The state must still be at
   * the sequence the plan was made from, so two writers can never fork a finding's hash chain.
   */
  async applyTransition(t: PlannedTransition): Promise<void> {
    const mac = await this.macOf(t)
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: this.transitionItems(t, mac) }))
      this.writes.transitions++
    } catch (err) {
      if (isConditionFailure(err)) {
        throw new TransitionConflict(
          `finding ${t.finding.id} changed since it was read (expected seq ${t.expectedSeq})`,
        )
      }
      throw err
    }
  }

  /**
   * Writes a detection's transition together with a marker for the event that caused it, in one
   * transaction: a redelivered event finds its marker and changes nothing ('duplicate'); a finding moved
   * by a concurrent writer is reported as 'conflict' so the caller can re-read and retry.
   */
  async applyEventTransition(
    t: PlannedTransition,
    eventMarker: string,
  ): Promise<'applied' | 'duplicate' | 'conflict'> {
    const marker = {
      Put: {
        TableName: this.tableName,
        Item: {
          pk: keys.finding(t.finding.id).pk,
          sk: `EVENT#${eventMarker}`,
          kind: 'event-marker',
          transitionId: t.entry.transitionId,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }
    const mac = await this.macOf(t)
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: [...this.transitionItems(t, mac), marker] }),
      )
      this.writes.transitions++
      return 'applied'
    } catch (err) {
      if (errorCode(err) !== 'TransactionCanceledException') throw err
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []
      if (reasons[2]?.Code === 'ConditionalCheckFailed') return 'duplicate'
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'conflict'
      if (isConditionFailure(err)) return 'conflict'
      throw err
    }
  }

  /**
   * Applies many transitions with few round trips: up to 50 per TransactWriteItems (100 items, the
   * API's limit), each still conditioned on its own sequence number. When a group is cancelled by a
   * condition, its transitions are retried one by one so only the conflicting ones are skipped.
   * Returns the transitions that conflicted.
   */
  async applyTransitions(
    transitions: readonly PlannedTransition[],
    inFlight = 4,
  ): Promise<PlannedTransition[]> {
    const groups: PlannedTransition[][] = []
    for (let i = 0; i < transitions.length; i += TRANSITIONS_PER_TRANSACTION)
      groups.push(transitions.slice(i, i + TRANSITIONS_PER_TRANSACTION))
    const conflicts: PlannedTransition[] = []
    await mapLimit(groups, inFlight, async (group) => {
      const macs = await mapLimit(group, 8, (t) => this.macOf(t))
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: group.flatMap((t, i) => this.transitionItems(t, macs[i])),
          }),
        )
        this.writes.transitions += group.length
      } catch (err) {
        if (!isConditionFailure(err)) throw err
        for (const t of group) {
          await this.applyTransition(t).catch((e) => {
            if (!(e instanceof TransitionConflict)) throw e
            conflicts.push(t)
          })
        }
      }
    })
    return conflicts
  }

  /** The MAC of a transition's new head (its history item's hash), base64; undefined without a MAC key. */
  private macOf(t: PlannedTransition): Promise<string | undefined> {
    const mac = this.mac
    if (!mac) return Promise.resolve(undefined)
    let made = this.macs.get(t)
    if (!made) {
      made = mac.generate(t.entry.hash).then((m) => Buffer.from(m).toString('base64'))
      // A failed GenerateMac is not remembered: a retry asks again.
      made.catch(() => this.macs.delete(t))
      this.macs.set(t, made)
    }
    return made
  }

  private transitionItems(t: PlannedTransition, mac?: string) {
    const stateCondition =
      t.expectedSeq === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'seq = :expected',
            ExpressionAttributeValues: { ':expected': t.expectedSeq },
          }
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...withoutHeadMac(stateItem(t.finding)), ...(mac ? { [HEAD_MAC_ATTRIBUTE]: mac } : {}) },
          ...stateCondition,
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...historyItem(t.entry), ...(mac ? { [MAC_ATTRIBUTE]: mac } : {}) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]
  }
}
