/**
 * End-to-end latency on the local stack: from invoking on-cloudtrail-event with an EventBridge event to
 * the alert arriving in an SQS queue subscribed to the topic (handler -> DynamoDB -> stream -> notifier
 * -> SNS -> SQS), one event at a time.
 */
import { randomUUID } from 'node:crypto'
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { createHandler as createNotifyHandler } from '../functions/notify.ts'
import { createHandler as createEventHandler } from '../functions/on-cloudtrail-event.ts'
import {
  createFindingsTable,
  createTopic,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalStack,
  subscribeQueue,
} from '../local/stack.ts'
import { StreamPoller } from '../local/stream-poller.ts'
import { silentLog } from '../shared/app/log.ts'
import { documentClient, snsClient } from '../shared/aws/clients.ts'
import { DynamoCounters } from '../shared/aws/counters.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { publishAlert } from '../shared/aws/publisher.ts'
import { parseConfig } from '../shared/config/config.ts'
import { toEventBridge } from '../shared/eventbridge/patterns.ts'

const ACCOUNT = '123456789012'
const actor = {
  type: 'IAMUser',
  accountId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:user/ops`,
  userName: 'ops',
}

/** Events that each fire exactly one detection (so each produces exactly one alert). */
function eventFor(i: number): Record<string, unknown> {
  const base = {
    eventVersion: '1.09',
    eventID: randomUUID(),
    eventTime: new Date().toISOString(),
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'bench',
    recipientAccountId: ACCOUNT,
    userIdentity: actor,
  }
  switch (i % 4) {
    case 0:
      return {
        ...base,
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: 'trail' },
      }
    case 1:
      return { ...base, eventSource: 'guardduty.amazonaws.com', eventName: 'DeleteDetector' }
    case 2:
      return { ...base, eventSource: 'iam.amazonaws.com', eventName: 'UpdateAccountPasswordPolicy' }
    default:
      return { ...base, eventSource: 'organizations.amazonaws.com', eventName: 'LeaveOrganization' }
  }
}

export async function measureLatency(stack: LocalStack, count: number): Promise<number[]> {
  const ddb = stack.dynamo.endpoint
  const streamArn = await createFindingsTable(ddb, 'bench-events')
  const topicArn = await createTopic(stack.snsSqs.endpoint, 'bench-alerts')
  const queueUrl = await subscribeQueue(stack.snsSqs.endpoint, topicArn, 'bench-subscriber')
  const db = documentClient({ endpoint: ddb, region: LOCAL_REGION })
  const store = new FindingsStore(db, 'bench-events')
  const config = parseConfig({})
  const sns = snsClient({ endpoint: stack.snsSqs.endpoint, region: LOCAL_REGION })
  const onEvent = createEventHandler(() => ({
    store,
    counters: new DynamoCounters(db, 'bench-events'),
    config,
    region: LOCAL_REGION,
    log: silentLog,
    accountId: ACCOUNT,
  }))
  const notify = createNotifyHandler(() => ({
    store,
    publish: (a) => publishAlert(sns, topicArn, a),
    config,
    log: silentLog,
  }))
  const poller = new StreamPoller(ddb, streamArn, (e) => notify(e as never, {} as never) as never)
  const sqs = new SQSClient({
    endpoint: stack.snsSqs.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  })
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const envelope = toEventBridge(eventFor(i), ACCOUNT)
    const started = performance.now()
    await onEvent(envelope, {} as never)
    let received = 0
    while (received === 0) {
      await poller.drain()
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      )
      received = Messages.length
    }
    latencies.push(performance.now() - started)
  }
  return latencies
}
