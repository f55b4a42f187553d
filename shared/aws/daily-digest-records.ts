import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns'
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import type { DailyDigest, DailyDigestCounts, DailyDigestJson } from '../notify/daily-digest.ts'
import { machineBody, SNS_MAX_BYTES } from '../notify/sns-message.ts'
import { isConditionFailure, writeIf } from './clients.ts'
import { keys, TABLE } from './findings-table.ts'

/**
 * The daily digest's markers (not the hourly signed digest's objects): one item per day in the findings
 * table, pk `DAILYDIGEST#<scope>` (`all`: the deployment's one digest), sk the day (YYYY-MM-DD in the
 * configured zone), kind `daily-digest`. Claimed before the digest is built, marked sent after it was
 * published: the day's digest goes out once. Finding listings (kind `finding`), the notifier's stream
 * filter (kind `history`) and the findings' scans (pk `FINDING#`) pass them by. They expire (TTL) after
 * {@link MARKER_TTL_DAYS} days.
 */
export const dailyDigestKeys = {
  day: keys.dailyDigest,
} as const

export const DAILY_DIGEST_KIND = 'daily-digest'
/** How long a marker is kept: the newest sent one gives the next digest's `since`. */
export const MARKER_TTL_DAYS = 400

/** A day's marker as stored. */
export interface DailyDigestMarker {
  day: string
  /** When the run that holds the day claimed it. */
  claimedAt: string
  /** Until when that run may still be alive (its Lambda deadline); a later claim may take over after. */
  claimedUntil: string
  /** How many runs claimed it (more than one: a run died between claim and publish). */
  claims: number
  /** When it was published: the end of the period it covered (the next digest's `since`). */
  sentAt?: string
  messageId?: string
  counts?: DailyDigestCounts
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

function toMarker(item: Record<string, unknown>): DailyDigestMarker {
  const { pk: _pk, sk, kind: _kind, [TABLE.ttlAttribute]: _ttl, ...rest } = item
  return { day: String(sk), ...(rest as Omit<DailyDigestMarker, 'day'>) }
}

export class DailyDigestRecords {
  private readonly db: DynamoDBDocumentClient
  readonly tableName: string
  readonly scope: string
  constructor(db: DynamoDBDocumentClient, tableName: string, scope = 'all') {
    this.db = db
    this.tableName = tableName
    this.scope = scope
  }

  private key(day: string) {
    if (!DAY.test(day)) throw new Error(`a daily digest day is YYYY-MM-DD, got ${JSON.stringify(day)}`)
    return dailyDigestKeys.day(this.scope, day)
  }

  /**
   * Claims the day (a conditional put): true when this run now holds it, false when it was claimed
   * before (sent, or held by another run: see {@link get} and {@link takeOver}). `until` is how long
   * the claiming run may live (default: 10 minutes after `at`).
   */
  async claim(day: string, at: string, until?: string): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(day),
          kind: DAILY_DIGEST_KIND,
          claimedAt: at,
          claimedUntil: until ?? new Date(Date.parse(at) + 10 * 60_000).toISOString(),
          claims: 1,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(at) / 1000) + MARKER_TTL_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    )
  }

  /** The day's marker (read consistently), if it was claimed. */
  async get(day: string): Promise<DailyDigestMarker | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(day), ConsistentRead: true }),
    )
    return out.Item ? toMarker(out.Item) : undefined
  }

  /**
   * Takes over a claim that was never sent, from the run that held it (`seen`, as read): conditional on
   * the marker being still unsent and still that run's, so of two runs taking over, one wins. True when
   * this run now holds the day.
   */
  async takeOver(seen: DailyDigestMarker, at: string, until: string): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(seen.day),
        UpdateExpression: 'SET claimedAt = :at, claimedUntil = :until ADD claims :one',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt) AND claimedAt = :seen',
        ExpressionAttributeValues: { ':at': at, ':until': until, ':one': 1, ':seen': seen.claimedAt },
      }),
    )
  }

  /**
   * Gives the day back after a failed publish (the claim this run made at `claimedAt`, still unsent): its
   * hold ends now, so the platform's retry takes it over at once. Nothing happens when it is no longer
   * this run's. (An update, not a delete: the marker keeps its count of claims.)
   */
  async release(day: string, claimedAt: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(day),
          UpdateExpression: 'SET claimedUntil = :mine',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt) AND claimedAt = :mine',
          ExpressionAttributeValues: { ':mine': claimedAt },
        }),
      )
    } catch (err) {
      if (!isConditionFailure(err)) throw err
    }
  }

  /** Marks the day sent: the message id, and `at`, the end of the period the digest covered. */
  async markSent(day: string, messageId: string, at: string, counts?: DailyDigestCounts): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(day),
        UpdateExpression: `SET sentAt = :at, messageId = :m, kind = :k${counts ? ', #counts = :c' : ''}`,
        ...(counts ? { ExpressionAttributeNames: { '#counts': 'counts' } } : {}),
        ExpressionAttributeValues: {
          ':at': at,
          ':m': messageId,
          ':k': DAILY_DIGEST_KIND,
          ...(counts ? { ':c': counts } : {}),
        },
      }),
    )
  }

  /** The newest sent digest's time (the end of the period it covered), if any was sent. */
  async last(): Promise<string | undefined> {
    const pages = paginateQuery(
      { client: this.db, pageSize: 10 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'attribute_exists(sentAt)',
        ExpressionAttributeValues: { ':p': dailyDigestKeys.day(this.scope, '').pk },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    )
    for await (const page of pages) {
      const sent = page.Items?.find((i) => typeof i.sentAt === 'string')
      if (sent) return sent.sentAt as string
    }
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------
// Publishing

/** The lists of the JSON that may be cut, and how far, in order (`undefined`: whole). */
const LIST_LEVELS: readonly (number | undefined)[] = [undefined, 100, 50, 20, 10, 5, 0]
/** The longest line kept in the text at each level after the first. */
const LINE_LEVELS: readonly number[] = [2000, 1000, 500, 300, 200, 160]

function cutLists(json: DailyDigestJson, max: number): DailyDigestJson {
  return {
    ...json,
    open: {
      ...json.open,
      byCheck: json.open.byCheck.slice(0, max),
      byAccount: json.open.byAccount.slice(0, max),
    },
    opened: { ...json.opened, items: json.opened.items.slice(0, max) },
    resolved: { ...json.resolved, items: json.resolved.items.slice(0, max) },
    oldestCritical: json.oldestCritical.slice(0, max),
    expiringSuppressions: {
      ...json.expiringSuppressions,
      items: json.expiringSuppressions.items.slice(0, max),
    },
    truncated: true,
  }
}

function cutLines(text: string, max: number): string {
  return text
    .split('\n')
    .map((l) => (l.length > max ? `${l.slice(0, max - 3)}...` : l))
    .join('\n')
}

/** The bytes SNS counts: the message, and each attribute's name, data type and value. */
function bytes(message: string, attributes: Record<string, string>): number {
  let total = Buffer.byteLength(message, 'utf8')
  for (const [k, v] of Object.entries(attributes))
    total += Buffer.byteLength(k, 'utf8') + 'String'.length + Buffer.byteLength(v, 'utf8')
  return total
}

/** The per-protocol message of a digest (SNS `MessageStructure: 'json'`), its lists cut to `max` items. */
function render(digest: DailyDigest, level: number): string {
  const max = LIST_LEVELS[level]
  const json = max === undefined ? digest.json : cutLists(digest.json, max)
  const lineMax = level === 0 ? undefined : LINE_LEVELS[Math.min(level - 1, LINE_LEVELS.length - 1)]!
  const text = lineMax === undefined ? digest.text : cutLines(digest.text, lineMax)
  return JSON.stringify({
    default: JSON.stringify(
      machineBody({ json: json as unknown as Record<string, unknown>, subject: digest.subject, text }),
    ),
    email: text,
    https: JSON.stringify(digest.chatbot),
    sms: digest.subject,
  })
}

/**
 * The Publish request of a daily digest, like an alert's (shared/aws/publisher.ts): one publish with
 * `MessageStructure: 'json'`, a body per protocol (`default` the machine JSON with the subject and the
 * text, for SQS, Lambda and other programs; `email` the text; `https` the AWS Chatbot card; `sms` the
 * subject), and the attributes (`messageType: digest`, which the routes' filter policies select) as
 * String message attributes. Kept within SNS's 256 KB: the JSON's lists and the text's long lines are
 * cut (the JSON then says `truncated: true`; the counts stay whole).
 */
export function dailyDigestPublishInput(
  topicArn: string,
  digest: DailyDigest,
  maxBytes: number = SNS_MAX_BYTES,
): PublishCommandInput {
  let message = render(digest, 0)
  for (let level = 1; level < LIST_LEVELS.length && bytes(message, digest.attributes) > maxBytes; level++)
    message = render(digest, level)
  return {
    TopicArn: topicArn,
    Subject: digest.subject,
    MessageStructure: 'json',
    Message: message,
    MessageAttributes: Object.fromEntries(
      Object.entries(digest.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    ),
  }
}

/** Publishes a daily digest to the alerts topic (see dailyDigestPublishInput); resolves with the message id. */
export async function publishDailyDigest(
  sns: SNSClient,
  topicArn: string,
  digest: DailyDigest,
): Promise<string> {
  const out = await sns.send(new PublishCommand(dailyDigestPublishInput(topicArn, digest)))
  return out.MessageId ?? 'unknown'
}
