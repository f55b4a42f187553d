import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { createHandler as createNotifyHandler } from '../../functions/notify.ts'
import { createHandler as createEventHandler } from '../../functions/on-cloudtrail-event.ts'
import { createHandler as createKeyActivityHandler } from '../../functions/on-key-activity.ts'
import { createHandler as createScanHandler } from '../../functions/scan-credentials.ts'
import type { SimAccount } from '../../local/iam-sim/model.ts'
import { type IamSimulator, type SimulatorOptions, startIamSimulator } from '../../local/iam-sim/server.ts'
import { createFindingsTable, createTopic, drainQueue, subscribeQueue } from '../../local/stack.ts'
import { StreamPoller } from '../../local/stream-poller.ts'
import { createAlertsTickHandler, type TickDeps, type TickResult } from '../../shared/app/alerts-tick.ts'
import type { CloudTrailDeps, CloudTrailSummary } from '../../shared/app/cloudtrail-events.ts'
import type { BatchResponse, KeyActivityDeps } from '../../shared/app/key-activity.ts'
import { silentLog } from '../../shared/app/log.ts'
import type { NotifierDeps } from '../../shared/app/notifier.ts'
import type { ScanDeps } from '../../shared/app/scan.ts'
import { accessAnalyzerClient } from '../../shared/aws/access-analyzer.ts'
import { AlertGroupsStore, EscalationsStore } from '../../shared/aws/alert-records.ts'
import { documentClient, iamClient, snsClient } from '../../shared/aws/clients.ts'
import { cloudTrailClient } from '../../shared/aws/cloudtrail.ts'
import { DynamoCounters } from '../../shared/aws/counters.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { publishAlert } from '../../shared/aws/publisher.ts'
import { DynamoSightings } from '../../shared/aws/sightings.ts'
import { stsClient } from '../../shared/aws/sts.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { LoadedPosture } from '../../shared/engine/posture.ts'
import { toEventBridge } from '../../shared/eventbridge/patterns.ts'

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

export async function newStore(): Promise<{ store: FindingsStore; streamArn: string; tableName: string }> {
  const tableName = uniqueName('findings')
  const streamArn = await createFindingsTable(inject('dynamoEndpoint'), tableName)
  return {
    store: new FindingsStore(
      documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' }),
      tableName,
    ),
    streamArn,
    tableName,
  }
}

export interface Harness {
  sim: IamSimulator
  store: FindingsStore
  poller: StreamPoller
  scanDeps: ScanDeps
  notifierDeps: NotifierDeps
  topicArn: string
  queueUrl: string
  /** Makes the next N notifier invocations crash (throw) before doing anything, as a dying process would. */
  crashNotifier(times: number): void
  eventDeps: CloudTrailDeps
  /** Delivers one CloudTrail record to the real on-cloudtrail-event handler, in an EventBridge envelope. */
  event(record: Record<string, unknown>): Promise<CloudTrailSummary>
  keyActivityDeps: KeyActivityDeps
  /**
   * Delivers SQS messages to the real on-key-activity handler as one batch, as the queue's event source
   * mapping does: each record in its EventBridge envelope, or a raw body string (a malformed message).
   */
  keyActivity(messages: ReadonlyArray<Record<string, unknown> | string>): Promise<BatchResponse>
  /** Runs the real scan handler once. */
  scan(): Promise<Record<string, unknown>>
  /** Runs the real scan handler with a Lambda context (its remaining time). */
  scanWithContext(context: { getRemainingTimeInMillis: () => number }): Promise<Record<string, unknown>>
  /** The heartbeat lines (EMF) the scan handler wrote. */
  heartbeats: string[]
  /** Lets the notifier consume the stream, then returns what the subscribed queue received. */
  alerts(): Promise<Awaited<ReturnType<typeof drainQueue>>>
  /** The tick's deps (occurrence follow-ups, escalation), and one run of the real tick handler. */
  tickDeps: TickDeps
  tick(): Promise<TickResult>
  /** What the queue subscribed to the escalation topic received. */
  escalations(): Promise<Awaited<ReturnType<typeof drainQueue>>>
  /** The clock of the notifier, the event handler and the tick: moved forward by `advance`. */
  now(): Date
  advance(ms: number): void
  stop(): Promise<void>
}

/** The whole credential pipeline on real local components: simulator -> handler -> DynamoDB -> stream -> SNS -> SQS. */
export async function startHarness(
  account: SimAccount,
  options: { sim?: SimulatorOptions; config?: unknown } = {},
): Promise<Harness> {
  const snsEndpoint = inject('snsSqsEndpoint')
  const sim = await startIamSimulator(account, { reportDelayMs: 20, ...options.sim })
  const { store, streamArn } = await newStore()
  const topicArn = await createTopic(snsEndpoint, uniqueName('alerts'))
  const queueUrl = await subscribeQueue(snsEndpoint, topicArn, uniqueName('subscriber'))
  const config = parseConfig(options.config ?? {})
  const sns = snsClient({ endpoint: snsEndpoint, region: 'us-east-1' })
  let offset = 0
  const now = () => new Date(Date.now() + offset)
  const escalationTopicArn = await createTopic(snsEndpoint, uniqueName('escalation'))
  const escalationQueueUrl = await subscribeQueue(snsEndpoint, escalationTopicArn, uniqueName('pager'))
  const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
  const groups = new AlertGroupsStore(db, store.tableName)
  const scanDeps: ScanDeps = {
    iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 4 }),
    sts: stsClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
    cloudTrail: cloudTrailClient({ endpoint: sim.endpoint }),
    accessAnalyzer: (region) => accessAnalyzerClient(region, { endpoint: sim.endpoint }),
    store,
    config,
    region: 'us-east-1',
    log: silentLog,
    report: { pollIntervalMs: 10, timeoutMs: 10_000 },
  }
  const notifierDeps: NotifierDeps = {
    store,
    groups,
    publish: (a) => publishAlert(sns, topicArn, a),
    config,
    log: silentLog,
    now,
  }
  const tickDeps: TickDeps = {
    config,
    groups,
    escalations: new EscalationsStore(db, store.tableName),
    store,
    publishAlert: (a) => publishAlert(sns, topicArn, a),
    escalationTargets: [(a) => publishAlert(sns, escalationTopicArn, a)],
    log: silentLog,
    now,
  }
  const tickHandler = createAlertsTickHandler(() => tickDeps)
  const notify = createNotifyHandler(() => notifierDeps)
  let crashes = 0
  const poller = new StreamPoller(inject('dynamoEndpoint'), streamArn, async (event) => {
    if (crashes > 0) {
      crashes--
      throw new Error('notifier process crashed')
    }
    return notify(event as never, {} as never)
  })
  const heartbeats: string[] = []
  const scanHandler = createScanHandler(
    () => scanDeps,
    (line) => heartbeats.push(line),
  )
  const eventDeps: CloudTrailDeps = {
    iam: scanDeps.iam,
    cloudTrail: scanDeps.cloudTrail!,
    accessAnalyzer: scanDeps.accessAnalyzer!,
    store,
    counters: new DynamoCounters(db, store.tableName),
    sightings: new DynamoSightings(db, store.tableName),
    posture: new LoadedPosture((id) => store.records.groupPosture(id), 0),
    config,
    region: 'us-east-1',
    log: silentLog,
    accountId: account.accountId,
    now,
  }
  const eventHandler = createEventHandler(() => eventDeps)
  const keyActivityDeps: KeyActivityDeps = {
    store,
    counters: eventDeps.counters,
    sightings: new DynamoSightings(db, store.tableName),
    config,
    region: 'us-east-1',
    log: silentLog,
    accountId: account.accountId,
  }
  const keyActivityHandler = createKeyActivityHandler(() => keyActivityDeps)
  return {
    sim,
    store,
    poller,
    scanDeps,
    notifierDeps,
    topicArn,
    queueUrl,
    eventDeps,
    event: (record) =>
      eventHandler(toEventBridge(record, account.accountId), {} as never) as Promise<CloudTrailSummary>,
    keyActivityDeps,
    keyActivity: (messages) =>
      keyActivityHandler(
        {
          Records: messages.map((m, i) => ({
            messageId: `m-${i}`,
            receiptHandle: `rh-${i}`,
            body: typeof m === 'string' ? m : JSON.stringify(toEventBridge(m, account.accountId)),
            attributes: { ApproximateReceiveCount: '1' },
            eventSource: 'aws:sqs',
          })),
        },
        {} as never,
      ) as Promise<BatchResponse>,
    crashNotifier: (times) => {
      crashes = times
    },
    scan: () => scanHandler({}, {} as never) as Promise<Record<string, unknown>>,
    scanWithContext: (context) => scanHandler({}, context as never) as Promise<Record<string, unknown>>,
    heartbeats,
    alerts: async () => {
      await poller.drain()
      return drainQueue(snsEndpoint, queueUrl)
    },
    tickDeps,
    tick: () => tickHandler({}, {} as never) as Promise<TickResult>,
    escalations: () => drainQueue(snsEndpoint, escalationQueueUrl),
    now,
    advance: (ms) => {
      offset += ms
    },
    stop: () => sim.stop(),
  }
}
