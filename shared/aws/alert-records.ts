import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb'
import type { AlertGroup, AlertGroupsRepository } from '../engine/alert-groups.ts'
import type { EscalationMarker, EscalationRepository } from '../engine/escalation.ts'
import { writeIf } from './clients.ts'
import { keys, TABLE } from './findings-table.ts'

/**
 * A sent group is kept two days (redeliveries of its occurrences come within minutes; the tick reads the
 * whole partition, so it stays small), one still open or closing two weeks (the table's TTL removes them).
 */
const SENT_KEEP_SECONDS = 2 * 86_400
const OPEN_KEEP_SECONDS = 14 * 86_400

const ttl = (iso: string, keep: number) => Math.floor(Date.parse(iso) / 1000) + keep

/**
 * Occurrence groups in the findings table: one partition (`ALERTGROUPS`), a finding's groups sorted by
 * the transition that opened each, so the newest is one query and the tick reads the groups not yet
 * sent in one partition. Writes are conditional on the group read (status and last sequence).
 */
export class AlertGroupsStore implements AlertGroupsRepository {
  private readonly db: DynamoDBDocumentClient
  private readonly tableName: string
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.db = db
    this.tableName = tableName
  }

  async latest(findingId: string): Promise<AlertGroup | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':p': keys.alertGroup(findingId, 0).pk, ':f': `${findingId}#` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    )
    const item = out.Items?.[0]
    return item ? (item.group as AlertGroup) : undefined
  }

  async create(group: AlertGroup): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(group),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    )
  }

  async replace(before: AlertGroup, after: AlertGroup): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(after),
        ConditionExpression: '#s = :s AND lastSeq = :l AND updatedAt = :u',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': before.status, ':l': before.lastSeq, ':u': before.updatedAt },
      }),
    )
  }

  async unsent(): Promise<AlertGroup[]> {
    const out: AlertGroup[] = []
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        FilterExpression: '#s <> :sent',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':p': keys.alertGroup('', 0).pk, ':sent': 'sent' },
        ConsistentRead: true,
      },
    )
    for await (const page of pages) for (const item of page.Items ?? []) out.push(item.group as AlertGroup)
    return out
  }

  private item(group: AlertGroup) {
    return {
      ...keys.alertGroup(group.findingId, group.openerSeq),
      kind: 'alert-group',
      status: group.status,
      lastSeq: group.lastSeq,
      updatedAt: group.updatedAt,
      group,
      [TABLE.ttlAttribute]: group.sentAt
        ? ttl(group.sentAt, SENT_KEEP_SECONDS)
        : ttl(group.openedAt, OPEN_KEEP_SECONDS),
    }
  }
}

/**
 * Escalation markers in the findings table, in their own partition (`ESCALATIONS`, a finding's markers
 * sorted by the opening they are about), so the tick writes nothing else. Never expire: they are the
 * record of who acknowledged what.
 */
export class EscalationsStore implements EscalationRepository {
  private readonly db: DynamoDBDocumentClient
  private readonly tableName: string
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.db = db
    this.tableName = tableName
  }

  async get(findingId: string, openSeq: number): Promise<EscalationMarker | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.escalation(findingId, openSeq),
        ConsistentRead: true,
      }),
    )
    return out.Item ? (out.Item.marker as EscalationMarker) : undefined
  }

  async create(marker: EscalationMarker): Promise<boolean> {
    return this.put(marker, 'attribute_not_exists(pk)')
  }

  async replace(before: EscalationMarker, after: EscalationMarker): Promise<boolean> {
    return this.put(
      after,
      '#s = :s AND #a = :a',
      { '#s': 'state', '#a': 'at' },
      { ':s': before.state, ':a': before.at },
    )
  }

  private put(
    marker: EscalationMarker,
    condition: string,
    names?: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.escalation(marker.findingId, marker.openSeq),
          kind: 'escalation',
          state: marker.state,
          at: marker.at,
          marker,
        },
        ConditionExpression: condition,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    )
  }
}
