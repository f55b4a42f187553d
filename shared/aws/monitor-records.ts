import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import type { GroupPosture } from '../engine/posture.ts'
import type { Checkpoint, MonitorRecordsRepository, ScanRun } from '../engine/repository.ts'
import type { GrantLedger } from '../model/access.ts'
import type { HistoryEntry } from '../model/finding.ts'
import type { OrgDirectory } from '../organization/model.ts'
import { errorCode } from './clients.ts'
import { keys } from './findings-table.ts'

export type { ScanRun } from '../engine/repository.ts'

/**
 * The monitor's own records, in the findings table beside the findings: scan runs (complete or
 * degraded, and why), daily CloudTrail intake (processed, rejected, last event), and the markers that
 * make each transition's alert go out once.
 */
export class MonitorRecords implements MonitorRecordsRepository {
  readonly writes = { records: 0 }
  private readonly db: DynamoDBDocumentClient
  readonly tableName: string
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.db = db
    this.tableName = tableName
  }

  /**
   * Counts CloudTrail records per day (processed, rejected) and remembers when the last one arrived:
   * the monitor's own evidence that its event stream is alive.
   */
  async countEvents(day: string, processed: number, rejected: number, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: 'STATS#cloudtrail', sk: `DAY#${day}` },
        UpdateExpression: 'ADD #p :p, #r :r SET #k = :k, lastEventAt = :at',
        ExpressionAttributeNames: { '#p': 'processed', '#r': 'rejected', '#k': 'kind' },
        ExpressionAttributeValues: { ':p': processed, ':r': rejected, ':k': 'stats', ':at': at },
      }),
    )
  }

  async eventStats(
    day: string,
  ): Promise<{ processed: number; rejected: number; lastEventAt?: string } | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: 'STATS#cloudtrail', sk: `DAY#${day}` },
        ConsistentRead: true,
      }),
    )
    return out.Item
      ? {
          processed: Number(out.Item.processed ?? 0),
          rejected: Number(out.Item.rejected ?? 0),
          lastEventAt: out.Item.lastEventAt,
        }
      : undefined
  }

  async startScan(run: ScanRun): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.scan(run.scanId), kind: 'scan', ...run } }),
    )
    this.writes.records++
  }

  async finishScan(run: ScanRun): Promise<void> {
    await this.startScan(run)
  }

  async getScan(scanId: string): Promise<ScanRun | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.scan(scanId), ConsistentRead: true }),
    )
    if (!out.Item) return undefined
    const { pk: _p, sk: _s, kind: _k, ...run } = out.Item
    return run as ScanRun
  }

  /** Idempotent: a redelivered or older event never moves a grant's time back. */
  async recordGrant(accountId: string, g: { holder: string; key: string; at: string }): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.grant(accountId, g.holder, g.key), kind: 'grant', ...g },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': g.at },
        }),
      )
      this.writes.records++
    } catch (err) {
      if (errorCode(err) !== 'ConditionalCheckFailedException') throw err
    }
  }

  /** Conditioned on time: a slow scan finishing after a newer one never moves the record back. */
  async putGroupPosture(posture: GroupPosture): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `POSTURE#${posture.accountId}`, sk: 'GROUPS', kind: 'posture', ...posture },
          ConditionExpression: 'attribute_not_exists(pk) OR asOf <= :asOf',
          ExpressionAttributeValues: { ':asOf': posture.asOf },
        }),
      )
      this.writes.records++
    } catch (err) {
      if (errorCode(err) !== 'ConditionalCheckFailedException') throw err
    }
  }

  /**
   * The organization's accounts as last discovered (one item: 1,000 accounts are about 200 KB). A directory
   * older than the stored one is not written (two dispatches racing).
   */
  async putDirectory(directory: OrgDirectory): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // Without the e-mail addresses (not needed, and personal) and the OU ids: about 150 bytes an
          // account with a three-level OU path, so 1,000 accounts are about 150 KB of DynamoDB's 400 KB.
          Item: {
            pk: 'ORG#DIRECTORY',
            sk: 'CURRENT',
            kind: 'directory',
            ...directory,
            accounts: directory.accounts.map(({ email: _email, ouIds: _ids, ...a }) => a),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR asOf <= :asOf',
          ExpressionAttributeValues: { ':asOf': directory.asOf },
        }),
      )
      this.writes.records++
    } catch (err) {
      if (errorCode(err) !== 'ConditionalCheckFailedException') throw err
    }
  }

  async directory(): Promise<OrgDirectory | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: 'ORG#DIRECTORY', sk: 'CURRENT' } }),
    )
    const item = out.Item as (OrgDirectory & { pk?: string; sk?: string; kind?: string }) | undefined
    if (!item?.asOf || !Array.isArray(item.accounts)) return undefined
    const { pk: _pk, sk: _sk, kind: _kind, ...directory } = item
    return directory
  }

  async groupPosture(accountId: string): Promise<GroupPosture | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `POSTURE#${accountId}`, sk: 'GROUPS' } }),
    )
    const item = out.Item as Partial<GroupPosture> | undefined
    if (!item?.asOf || !item.groups || typeof item.groups !== 'object') return undefined
    return { accountId, asOf: item.asOf, groups: item.groups }
  }

  async grantLedger(accountId: string): Promise<GrantLedger> {
    const ledger = new Map<string, Map<string, Date>>()
    let start: Record<string, unknown> | undefined
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `GRANTS#${accountId}` },
          ExclusiveStartKey: start,
        }),
      )
      for (const item of page.Items ?? []) {
        const { holder, key, at } = item as { holder?: string; key?: string; at?: string }
        if (!holder || !key || !at) continue
        const m = ledger.get(holder) ?? new Map<string, Date>()
        m.set(key, new Date(at))
        ledger.set(holder, m)
      }
      start = page.LastEvaluatedKey
    } while (start)
    return ledger
  }

  async getCheckpoint(name: string, accountId: string): Promise<Checkpoint | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.checkpoint(name, accountId),
        ConsistentRead: true,
      }),
    )
    if (!out.Item) return undefined
    const { pk: _p, sk: _s, kind: _k, ...cp } = out.Item
    return cp as Checkpoint
  }

  /** A conditional put: only over the version it advances from (or where there is none, for version 1). */
  async putCheckpoint(cp: Checkpoint): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.checkpoint(cp.name, cp.accountId), kind: 'checkpoint', ...cp },
          ConditionExpression: cp.version === 1 ? 'attribute_not_exists(pk)' : 'version = :previous',
          ...(cp.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': cp.version - 1 } }),
        }),
      )
      this.writes.records++
      return true
    } catch (err) {
      if (errorCode(err) === 'ConditionalCheckFailedException') return false
      throw err
    }
  }

  async isNotified(findingIdValue: string, seq: number): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.notified(findingIdValue, seq),
        ConsistentRead: true,
      }),
    )
    return out.Item !== undefined
  }

  /** Records that a transition was published; false when another worker recorded it first. */
  async markNotified(
    entry: Pick<HistoryEntry, 'findingId' | 'seq' | 'transitionId'>,
    messageId: string,
    at: string,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notified(entry.findingId, entry.seq),
          UpdateExpression: 'SET kind = :k, transitionId = :t, messageId = :m, notifiedAt = :a',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: {
            ':k': 'notified',
            ':t': entry.transitionId,
            ':m': messageId,
            ':a': at,
          },
        }),
      )
      this.writes.records++
      return true
    } catch (err) {
      if (errorCode(err) === 'ConditionalCheckFailedException') return false
      throw err
    }
  }
}
