import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb'
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { tableDefinition } from '../shared/aws/findings-table.ts'
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb/dynamodb-local.ts'
import { type LocalSnsSqs, startFauxqs } from './fauxqs.ts'

/** Credentials for local emulators only: they check no signatures. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }
export const LOCAL_REGION = 'us-east-1'

export interface LocalStack {
  dynamo: DynamoDbLocal
  snsSqs: LocalSnsSqs
  stop(): Promise<void>
}

export async function startLocalStack(): Promise<LocalStack> {
  const [dynamo, snsSqs] = await Promise.all([startDynamoDbLocal(), startFauxqs()])
  return {
    dynamo,
    snsSqs,
    stop: async () => {
      await Promise.allSettled([dynamo.stop(), snsSqs.stop()])
    },
  }
}

const local = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })

/** Creates the findings table as the infrastructure defines it (keys, indexes, stream); returns its stream ARN. */
export async function createFindingsTable(endpoint: string, tableName: string): Promise<string> {
  const db = new DynamoDBClient(local(endpoint))
  const out = await db.send(new CreateTableCommand(tableDefinition(tableName)))
  await waitUntilTableExists({ client: db, maxWaitTime: 30 }, { TableName: tableName })
  db.destroy()
  const arn = out.TableDescription?.LatestStreamArn
  if (!arn) throw new Error(`table ${tableName} has no stream`)
  return arn
}

export async function createTopic(endpoint: string, name: string): Promise<string> {
  const sns = new SNSClient(local(endpoint))
  const out = await sns.send(new CreateTopicCommand({ Name: name }))
  sns.destroy()
  return out.TopicArn!
}

/** Creates an SQS queue and subscribes it to the topic, optionally with a filter policy. */
export async function subscribeQueue(
  endpoint: string,
  topicArn: string,
  queueName: string,
  filterPolicy?: Record<string, unknown>,
): Promise<string> {
  const sqs = new SQSClient(local(endpoint))
  const sns = new SNSClient(local(endpoint))
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }))
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes!.QueueArn!,
      ...(filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(filterPolicy) } } : {}),
    }),
  )
  sqs.destroy()
  sns.destroy()
  return reachableQueueUrl(endpoint, QueueUrl!)
}

/** What stacks/ gives the key-activity queue: a visibility timeout, and a dead-letter queue after maxReceiveCount. */
export interface WorkQueueOptions {
  /** Seconds a received message stays invisible before it is delivered again. Default 30. */
  visibilityTimeoutSeconds?: number
  /** Receives before a message goes to the dead-letter queue (`<name>-dlq`). Default 5. */
  maxReceiveCount?: number
}

/** Creates a standard SQS queue with its dead-letter queue; returns both URLs (reachable, see below). */
export async function createWorkQueue(
  endpoint: string,
  name: string,
  options: WorkQueueOptions = {},
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const sqs = new SQSClient(local(endpoint))
  try {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))
    const dlqAttrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttrs.Attributes!.QueueArn!,
            maxReceiveCount: options.maxReceiveCount ?? 5,
          }),
        },
      }),
    )
    return {
      queueUrl: reachableQueueUrl(endpoint, queue.QueueUrl!),
      dlqUrl: reachableQueueUrl(endpoint, dlq.QueueUrl!),
    }
  } finally {
    sqs.destroy()
  }
}

/**
 * EventBridge's SQS target: each matched event is one SendMessage whose body is the event's JSON (resolves
 * with the message id). The caller owns the client.
 */
export function sqsTarget(
  sqs: SQSClient,
  queueUrl: string,
): (envelope: Record<string, unknown>) => Promise<string> {
  return async (envelope) => {
    const out = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelope) }),
    )
    return out.MessageId!
  }
}

/**
 * fauxqs names queues `http://sqs.<region>.<host>:<port>/<account>/<name>`, a host the SDK can neither
 * parse (a numeric last label) nor resolve (`localhost` subdomains), and the SDK sends SQS calls to the
 * queue URL's host. fauxqs finds a queue by the last segment of its URL, so the same path on the
 * emulator's own address names the same queue and works with any SQS client.
 */
export function reachableQueueUrl(endpoint: string, queueUrl: string): string {
  return queueUrl.replace(/^https?:\/\/[^/]+/, endpoint.replace(/\/$/, ''))
}

/**
 * One SNS notification as an SQS subscriber receives it (the SNS envelope, parsed). Alerts are published
 * with a body per protocol, and an SQS subscriber gets the machine JSON: `body` is it, parsed, and
 * `message` the readable text it carries (the email body); a message that is not an alert's JSON is
 * `message` as it came, with an empty `body`.
 */
export interface ReceivedAlert {
  subject: string
  message: string
  body: Record<string, unknown>
  attributes: Record<string, string>
  detail: Record<string, unknown>
}

/** The message an SQS subscriber got: an alert's machine JSON (with its text), or anything else as is. */
function alertBody(message: string): { text: string; body: Record<string, unknown> } {
  try {
    const body = JSON.parse(message) as unknown
    if (body && typeof body === 'object' && typeof (body as { text?: unknown }).text === 'string')
      return { text: (body as { text: string }).text, body: body as Record<string, unknown> }
  } catch {
    // not JSON: someone else's message
  }
  return { text: message, body: {} }
}

/** Receives and deletes everything currently in the queue. */
export async function drainQueue(endpoint: string, queueUrl: string): Promise<ReceivedAlert[]> {
  const sqs = new SQSClient(local(endpoint))
  const out: ReceivedAlert[] = []
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    )
    if (Messages.length === 0) break
    for (const m of Messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as {
        Subject?: string
        Message?: string
        MessageAttributes?: Record<string, { Type: string; Value: string }>
      }
      const attributes = Object.fromEntries(
        Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
      )
      const { text, body } = alertBody(envelope.Message ?? '')
      out.push({
        subject: envelope.Subject ?? '',
        message: text,
        body,
        attributes,
        detail: attributes.detail ? JSON.parse(attributes.detail) : {},
      })
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    )
  }
  sqs.destroy()
  return out
}
