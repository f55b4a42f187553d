import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam'
import { KMSClient } from '@aws-sdk/client-kms'
import { S3Client } from '@aws-sdk/client-s3'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createHandler as createNotifyHandler } from '../functions/notify.ts'
import { createHandler as createEventHandler } from '../functions/on-cloudtrail-event.ts'
import { createHandler as createKeyActivityHandler } from '../functions/on-key-activity.ts'
import { runAlertsTick, type TickDeps } from '../shared/app/alerts-tick.ts'
import type { CloudTrailDeps } from '../shared/app/cloudtrail-events.ts'
import { sendDailyDigest } from '../shared/app/daily-digest.ts'
import { writeDigest } from '../shared/app/digest.ts'
import { LoadedDirectory } from '../shared/app/directory.ts'
import type { KeyActivityDeps } from '../shared/app/key-activity.ts'
import type { Log } from '../shared/app/log.ts'
import type { NotifierDeps } from '../shared/app/notifier.ts'
import type { OrganizationDeps } from '../shared/app/organization.ts'
import { type DispatchResult, dispatchOrganization } from '../shared/app/organization-scan.ts'
import { type AccountClients, AccountSessions, eventBridgeClient } from '../shared/aws/account-sessions.ts'
import { AlertGroupsStore, EscalationsStore } from '../shared/aws/alert-records.ts'
import { DynamoCounters } from '../shared/aws/counters.ts'
import { DailyDigestRecords, publishDailyDigest } from '../shared/aws/daily-digest-records.ts'
import { S3DigestObjects } from '../shared/aws/digests.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { kmsDigestSigner, kmsItemMac } from '../shared/aws/kms.ts'
import { organizationsClient } from '../shared/aws/organizations.ts'
import { publishAlert } from '../shared/aws/publisher.ts'
import { DynamoSightings } from '../shared/aws/sightings.ts'
import { stsClient } from '../shared/aws/sts.ts'
import { configFromEnv, type IamwatchConfig } from '../shared/config/config.ts'
import { LoadedPosture } from '../shared/engine/posture.ts'
import type { DailyDigest } from '../shared/notify/daily-digest.ts'
import type { AlertMessage } from '../shared/notify/message.ts'
import { zonedTime } from '../shared/notify/zoned-time.ts'
import { DEFAULT_READER_ROLE, type OrgDirectory } from '../shared/organization/model.ts'
import { demoAccount } from './demo-account.ts'
import {
  accountLabel,
  centralPrincipals,
  LOCAL_OPERATOR_ROLE,
  ORG_ADMINS,
  SECURITY_ACCOUNT,
  serveDemoOrganization,
  simForwarding,
} from './demo-organization.ts'
import { warmUpDynamoDb } from './dynamodb/warm-up.ts'
import {
  type Delivery,
  describeBatch,
  describeDelivery,
  eventPath,
  type HandlerSummary,
  watchDetections,
} from './event-path.ts'
import { roleSession, type SimCredential } from './iam-sim/identity.ts'
import type { SimAccount } from './iam-sim/model.ts'
import { type IamSimulator, startIamSimulator } from './iam-sim/server.ts'
import { type BatchReport, QueuePoller } from './queue-poller.ts'
import {
  createFindingsTable,
  createTopic,
  createWorkQueue,
  LOCAL_REGION,
  type LocalStack,
  sqsTarget,
  startLocalStack,
  subscribeQueue,
} from './stack.ts'
import { StreamPoller } from './stream-poller.ts'

export interface EmbeddedAwsOptions {
  /** The simulated account (default: the demo company, local/demo-account.ts). */
  account?: SimAccount
  /** Use running emulators instead of starting DynamoDB Local and fauxqs (tests share the run's). */
  dynamoEndpoint?: string
  snsSqsEndpoint?: string
  /** Names of the table, topics and queue (`<prefix>-findings`, ...). Default: iamwatch-local. */
  prefix?: string
  /** How long IAM takes to generate the credential report (wall clock). Default 500 ms. */
  reportDelayMs?: number
  /** Thresholds and switches, as IAMWATCH_CONFIG gives them. Default: IAMWATCH_CONFIG. */
  config?: IamwatchConfig
  /** One line per CloudTrail delivery and per alert published. Default: silent. */
  activity?: (line: string) => void
  /** How often the notifier polls the table's stream when nothing kicked it. Default 250 ms. */
  pollMs?: number
  /**
   * Serve the demo organization around the account (local/demo-organization.ts), the account being its
   * security account, and run one org-dispatch at start. Default: when the account is the demo's (123456789012).
   */
  organization?: boolean
}

/** The organization the embedded AWS serves, as the start-up dispatch found it. */
export interface EmbeddedOrganization {
  id: string
  managementAccountId: string
  /** The directory the dispatch stored: every account, its name and OU path. */
  directory: OrgDirectory
  /** The start-up dispatch (the organization checks' counts, the member scans it would have queued). */
  dispatch: DispatchResult
  /** The reader role the members have (not every member: see the not-monitored findings). */
  readerRole: string
  /** Each other account's administrator and its access key (any secret: the simulator checks none). */
  admins: Array<{ accountId: string; accountName: string; userName: string; accessKeyId: string }>
}

export interface EmbeddedAws {
  /** The settings a client needs, in the order `npm run local` prints them. */
  env: Record<string, string>
  account: SimAccount
  sim: IamSimulator
  tableName: string
  /** The Object Lock bucket of the signed digests, and the keys the stack creates for them (stacks/evidence.ts). */
  digestBucket: string
  signingKeyArn: string
  macKeyArn: string
  alertsTopicArn: string
  opsTopicArn: string
  queueUrl: string
  /**
   * The key-activity queue (every call signed with a long-term access key, from the access-keys rule) and its
   * poller, which feeds on-key-activity in batches as the event source mapping does; the last batches.
   */
  keyActivity: { queueUrl: string; deadLetterQueueUrl: string; poller: QueuePoller; batches: BatchReport[] }
  /** The operator's credentials (a role session in the account): what `env` exports. */
  operator: SimCredential
  /** The demo organization, when served (the account is then its security account). */
  organization?: EmbeddedOrganization
  /** The last deliveries of CloudTrail records through the event path, oldest first. */
  deliveries: Delivery[]
  /**
   * Resolves when every CloudTrail record so far went through the handler and the key-activity queue (a
   * failed batch included, once it came back), and the notifier caught up.
   */
  settled(): Promise<void>
  stop(): Promise<void>
}

const MAX_DELIVERIES = 1000

/**
 * The embedded AWS `npm run local` keeps running: the IAM/STS/CloudTrail/Access Analyzer/KMS/S3 simulator
 * with the account (and the digest bucket and keys), DynamoDB Local with the findings table, fauxqs with the alerts and ops topics, a queue
 * subscribed to alerts and the key-activity queue; every IAM write made with any client becomes a CloudTrail
 * record that goes through the generated EventBridge rules into the real on-cloudtrail-event handler and,
 * when it was signed with a long-term access key (AKIA...), into the key-activity queue, which a poller
 * drains into the real on-key-activity handler in batches; the real notifier runs from the table's stream.
 * Everything listens on 127.0.0.1.
 *
 * With the demo account, the simulator serves the demo organization around it (local/demo-organization.ts):
 * the account is its security account, the functions run as an organization deployment (the directory, the
 * members' reader roles through AccountSessions), and one org-dispatch runs at start so that the directory
 * exists before the first event. A member account's IAM write (made with its own credentials, recorded in
 * its trail) reaches the handler only through that member's forwarding rules, and its alert names the account.
 */
export async function startEmbeddedAws(options: EmbeddedAwsOptions = {}): Promise<EmbeddedAws> {
  const prefix = options.prefix ?? 'iamwatch-local'
  const account = options.account ?? demoAccount()
  const withOrganization = options.organization ?? account.accountId === SECURITY_ACCOUNT
  const activity = options.activity ?? (() => {})
  const owned: LocalStack | undefined =
    options.dynamoEndpoint && options.snsSqsEndpoint ? undefined : await startLocalStack()
  const dynamoEndpoint = options.dynamoEndpoint ?? owned!.dynamo.endpoint
  const snsSqsEndpoint = options.snsSqsEndpoint ?? owned!.snsSqs.endpoint
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  try {
    const operator = roleSession(account.accountId, LOCAL_OPERATOR_ROLE, 'local-operator')
    const functions = roleSession(account.accountId, `${prefix}-functions`, 'on-cloudtrail-event')
    const deliveries: Delivery[] = []
    let deliver: (record: Record<string, unknown>) => Promise<Delivery> = async () => {
      throw new Error('the event path is not wired yet')
    }
    // The functions' clients use their role session's credentials (whatever this process's environment says).
    const client = { region: LOCAL_REGION, credentials: functions, maxAttempts: 3 }
    const rawDb = new DynamoDBClient({ ...client, endpoint: dynamoEndpoint })
    cleanups.push(() => rawDb.destroy())
    const tableName = `${prefix}-findings`
    // What stacks/evidence.ts creates: the digest bucket under Object Lock (COMPLIANCE, 7 years), the
    // signing key (ECC_NIST_P256) and the item MAC key (HMAC_256), served by the simulator's S3 and KMS.
    const digestBucket = `${prefix}-digests-${account.accountId}`
    const [sim, [alertsTopicArn, opsTopicArn]] = await Promise.all([
      startIamSimulator(account, {
        reportDelayMs: options.reportDelayMs ?? 500,
        strictCredentials: true,
        credentials: [operator, functions],
        cloudTrail: (record) => deliver(record),
        kmsKeys: [
          {
            keySpec: 'ECC_NIST_P256',
            keyUsage: 'SIGN_VERIFY',
            alias: `alias/${prefix}-digest-signing`,
            description: 'iamwatch: signs the digests of the findings history',
            region: LOCAL_REGION,
          },
          {
            keySpec: 'HMAC_256',
            keyUsage: 'GENERATE_VERIFY_MAC',
            alias: `alias/${prefix}-item-mac`,
            description: 'iamwatch: MACs of the findings items',
            region: LOCAL_REGION,
          },
        ],
        buckets: [{ name: digestBucket, objectLock: { mode: 'COMPLIANCE', years: 7 }, region: LOCAL_REGION }],
      }).then((started) => {
        cleanups.push(() => started.stop())
        return started
      }),
      Promise.all([
        createTopic(snsSqsEndpoint, `${prefix}-alerts`),
        createTopic(snsSqsEndpoint, `${prefix}-ops`),
      ]),
      // DynamoDB Local's first transactions and index queries are slow until the JVM compiled them: warm
      // them on a scratch table first, so the first change made after start alerts as fast as the next.
      warmUpDynamoDb(rawDb, `${prefix}-warm-up`),
    ])
    // The rest of the organization: the management and member accounts, their reader roles (trusting the
    // functions' role and the operator's) and forwarding rules.
    const organization = withOrganization
      ? serveDemoOrganization(sim, {
          centralPrincipalArns: centralPrincipals(
            `${prefix}-functions`,
            LOCAL_OPERATOR_ROLE,
            account.accountId,
          ),
        })
      : undefined
    const streamArn = await createFindingsTable(dynamoEndpoint, tableName)
    const queueUrl = await subscribeQueue(snsSqsEndpoint, alertsTopicArn, `${prefix}-alerts-all`)
    // The escalation topic (stacks/alerts.ts) and a queue on it: what a pager would receive.
    const escalationTopicArn = await createTopic(snsSqsEndpoint, `${prefix}-escalation`)
    const escalationsQueueUrl = await subscribeQueue(
      snsSqsEndpoint,
      escalationTopicArn,
      `${prefix}-escalations`,
    )
    // The key-activity queue as stacks/data.ts makes it (5 receives, then its dead-letter queue); a shorter
    // visibility timeout than the stack's 6 minutes, so a failed batch comes back while you watch.
    const keyActivityQueue = await createWorkQueue(snsSqsEndpoint, `${prefix}-key-activity`, {
      visibilityTimeoutSeconds: 10,
      maxReceiveCount: 5,
    })

    const iam = new IAMClient({ ...client, endpoint: sim.endpoint })
    const cloudTrail = new CloudTrailClient({ ...client, endpoint: sim.endpoint })
    const analyzers = new Map<string, AccessAnalyzerClient>()
    const accessAnalyzer = (region: string) => {
      const known = analyzers.get(region)
      if (known) return known
      const created = new AccessAnalyzerClient({ ...client, region, endpoint: sim.endpoint })
      analyzers.set(region, created)
      return created
    }
    const db = DynamoDBDocumentClient.from(rawDb, {
      marshallOptions: { removeUndefinedValues: true },
    })
    const sns = new SNSClient({ ...client, endpoint: snsSqsEndpoint })
    // EventBridge's SQS target, and the event source mapping's poller (each with its own client, as in AWS).
    const eventBridgeSqs = new SQSClient({ ...client, endpoint: snsSqsEndpoint })
    const pollerSqs = new SQSClient({ ...client, endpoint: snsSqsEndpoint })
    cleanups.push(() => {
      for (const c of [iam, cloudTrail, sns, eventBridgeSqs, pollerSqs, ...analyzers.values()]) c.destroy()
    })
    // The functions MAC every transition with the item MAC key, as in the stack (IAMWATCH_MAC_KEY_ARN).
    const [signingKey, macKey] = sim.kms.list()
    const kms = new KMSClient({ ...client, endpoint: sim.endpoint })
    cleanups.push(() => kms.destroy())
    const store = new FindingsStore(db, tableName, { mac: kmsItemMac(kms, macKey!.arn) })
    const baseConfig = options.config ?? configFromEnv()
    // An organization deployment (as the stack configures it with IAMWATCH_READER_ROLE). The security account
    // is trusted: its functions assume every member's reader role, which trusts them (without it, every
    // dispatch would alert cross-account-role-assumption in each member, and each reader role
    // role-trust-external-account).
    const config: IamwatchConfig = organization
      ? {
          ...baseConfig,
          organization: baseConfig.organization ?? { readerRoleName: DEFAULT_READER_ROLE, concurrency: 20 },
          trustedAccounts: [...new Set([...baseConfig.trustedAccounts, account.accountId])],
        }
      : baseConfig
    const log: Log = {
      info() {},
      warn: (m, e) => activity(`warning: ${m}${e ? ` ${JSON.stringify(e)}` : ''}`),
      error: (m, e) => activity(`error: ${m}${e ? ` ${JSON.stringify(e)}` : ''}`),
    }
    const counters = new DynamoCounters(db, tableName)
    // The organization functions' clients (as runtime.ts's organizationDepsFromEnv makes them): the central
    // account's own, STS for the members' reader roles, Organizations; each member's through its reader role.
    const simClient = { endpoint: sim.endpoint, region: LOCAL_REGION, maxAttempts: 3 }
    const asFunctions = { ...simClient, credentials: functions }
    const central: AccountClients = {
      accountId: account.accountId,
      iam,
      cloudTrail,
      accessAnalyzer,
      events: (region) => eventBridgeClient({ ...asFunctions, region }),
    }
    const sts = stsClient(asFunctions)
    const organizations = organizationsClient(asFunctions)
    const memberSessions = (sessionName: string) =>
      new AccountSessions({
        sts,
        roleName: config.organization?.readerRoleName ?? DEFAULT_READER_ROLE,
        centralAccountId: account.accountId,
        central,
        sessionName,
        overrides: simClient,
      })
    const members = organization ? memberSessions('iamwatch-on-cloudtrail-event') : undefined
    cleanups.push(() => {
      members?.destroy()
      for (const c of [sts, organizations]) c.destroy()
    })
    // The directory every function reads (the stored item the dispatch writes; re-read every 5 minutes).
    const directory = organization ? new LoadedDirectory(store.records) : undefined
    // As shared/app/runtime.ts wires the functions: first-seen baselines and posture facts for on-cloudtrail-event.
    const eventDeps: CloudTrailDeps = {
      iam,
      cloudTrail,
      accessAnalyzer,
      store,
      counters,
      sightings: new DynamoSightings(db, tableName),
      posture: new LoadedPosture((accountId) => store.records.groupPosture(accountId)),
      config,
      region: LOCAL_REGION,
      log,
      accountId: account.accountId,
      ...(directory ? { directory } : {}),
      ...(members ? { members } : {}),
    }
    // on-key-activity's own store (its own warm Lambda), watched so each batch can say what it recorded.
    const keyActivityStore = new FindingsStore(db, tableName, { mac: kmsItemMac(kms, macKey!.arn) })
    const recorded = watchDetections(keyActivityStore)
    const keyActivityDeps: KeyActivityDeps = {
      store: keyActivityStore,
      counters,
      sightings: new DynamoSightings(db, tableName),
      config,
      region: LOCAL_REGION,
      log,
      accountId: account.accountId,
      ...(directory ? { directory } : {}),
    }
    const publishToAlerts = async (alert: AlertMessage) => {
      const id = await publishAlert(sns, alertsTopicArn, alert)
      activity(`alert: ${alert.subject}`)
      return id
    }
    const groups = new AlertGroupsStore(db, tableName)
    const notifierDeps: NotifierDeps = {
      store,
      groups,
      publish: publishToAlerts,
      config,
      log,
      ...(directory ? { directory } : {}),
    }
    // The alerts tick (every 5 minutes in the stack; every minute here) and the daily digest at its
    // configured time (checked each minute; once a day by its marker).
    const tickDeps: TickDeps = {
      config,
      groups,
      escalations: new EscalationsStore(db, tableName),
      store,
      publishAlert: publishToAlerts,
      escalationTargets: [
        async (alert) => {
          const id = await publishAlert(sns, escalationTopicArn, alert)
          activity(`escalation: ${alert.subject}`)
          return id
        },
      ],
      log,
      ...(directory ? { directory } : {}),
    }
    const dailyDigest = {
      store,
      records: new DailyDigestRecords(db, tableName),
      publish: async (d: DailyDigest) => {
        const id = await publishDailyDigest(sns, alertsTopicArn, d)
        activity(`daily digest: ${d.subject}`)
        return id
      },
      config,
      log,
      ...(directory ? { directory } : {}),
    }
    const everyMinute = setInterval(() => {
      void (async () => {
        await runAlertsTick(tickDeps)
        const { time, timeZone, enabled } = config.alerts.digest
        if (enabled && zonedTime(new Date(), timeZone).slice(11) === time) await sendDailyDigest(dailyDigest)
      })().catch((err) => activity(`error: alerts tick failed: ${(err as Error).message}`))
    }, 60_000)
    everyMinute.unref()
    cleanups.push(() => clearInterval(everyMinute))
    const onEvent = createEventHandler(() => eventDeps)
    const onKeyActivity = createKeyActivityHandler(() => keyActivityDeps)
    const notify = createNotifyHandler(() => notifierDeps)

    // The key-activity queue's event source mapping (stacks/iamwatch.ts: batches of up to 100, a 5 s window).
    const batches: BatchReport[] = []
    const keyActivityPoller = new QueuePoller(
      pollerSqs,
      keyActivityQueue.queueUrl,
      (event, context) => onKeyActivity(event, context as never),
      {
        batchSize: 100,
        windowMs: 5000,
        onBatch: (b) => {
          batches.push(b)
          if (batches.length > MAX_DELIVERIES) batches.splice(0, batches.length - MAX_DELIVERIES)
          activity(`key-activity queue: ${describeBatch(b, recorded())}`)
        },
      },
    )

    // The notifier, fed by the table's stream as Lambda's event source mapping feeds it: polled, and
    // kicked after each CloudTrail delivery so an alert does not wait for the next poll. The key-activity
    // queue is drained first (its findings reach the stream too).
    const poller = new StreamPoller(
      dynamoEndpoint,
      streamArn,
      (event) => notify(event as never, {} as never) as never,
    )
    let draining: Promise<void> | undefined
    let again = false
    let waitInFlight = false
    const kick = (inFlight = false): Promise<void> => {
      waitInFlight ||= inFlight
      if (draining) {
        again = true
        return draining
      }
      draining = (async () => {
        do {
          again = false
          const wait = waitInFlight
          waitInFlight = false
          await keyActivityPoller.drain({ inFlight: wait })
          await poller.drain()
        } while (again)
      })().finally(() => {
        draining = undefined
      })
      return draining
    }
    let stopping = false
    const timer = setInterval(() => {
      if (!stopping) kick().catch((err) => activity(`error: poll failed: ${(err as Error).message}`))
    }, options.pollMs ?? 250)
    cleanups.push(async () => {
      clearInterval(timer)
      await draining?.catch(() => {})
    })

    // Stopping runs the cleanups in reverse: first let the records already written finish their way.
    cleanups.push(() => within(5000, sim.cloudTrail.idle()))

    deliver = eventPath({
      accountId: account.accountId,
      handle: (envelope) => onEvent(envelope, {} as never) as Promise<HandlerSummary>,
      enqueue: sqsTarget(eventBridgeSqs, keyActivityQueue.queueUrl),
      // A member's record reaches the central bus through its forwarding rules only.
      ...(organization ? { forwarding: simForwarding(sim, account.accountId) } : {}),
      afterDelivery: async (d) => {
        deliveries.push(d)
        if (deliveries.length > MAX_DELIVERIES) deliveries.splice(0, deliveries.length - MAX_DELIVERIES)
        const record = sim.cloudTrail.records.findLast((r) => r.eventID === d.eventId)
        const who = (record?.userIdentity as { arn?: string } | undefined)?.arn ?? '?'
        const failed = record?.errorCode ? ` [${record.errorCode}]` : ''
        const where = d.account === account.accountId ? '' : ` in ${accountLabel(d.account)}`
        activity(
          `CloudTrail ${d.eventName}${failed}${where} by ${who}: ${describeDelivery(d)} (${d.ms.toFixed(0)} ms)`,
        )
        if (!stopping) await kick()
      },
    })

    // Warm the Node side of the path too: the modules the handler loads lazily, the first connections.
    await Promise.all([
      import('../shared/aws/iam-user.ts'),
      import('../shared/aws/cloudtrail.ts'),
      import('../shared/aws/access-analyzer.ts'),
      iam.send(new GetAccountSummaryCommand({})),
      store.listFindings({ status: 'OPEN' }),
    ])

    // The hourly digest function, as the stack schedules it: once now (the history so far), then hourly.
    const s3 = new S3Client({ ...client, endpoint: sim.endpoint, forcePathStyle: true })
    cleanups.push(() => s3.destroy())
    const digest = () =>
      writeDigest({
        store,
        digests: new S3DigestObjects(s3, digestBucket),
        signer: kmsDigestSigner(kms, signingKey!.arn),
        accountId: account.accountId,
        log,
      }).catch((err) => activity(`error: digest failed: ${(err as Error).message}`))
    // The organization: one org-dispatch now, as its schedule would run it (discovery, the directory the event
    // path and the notifier name accounts from, the organization checks), without queuing the member scans
    // (`iamwatch scan --organization` runs them); then everything it set off settles (its AssumeRole records,
    // forwarded by the members, and its alerts).
    let embeddedOrganization: EmbeddedOrganization | undefined
    if (organization) {
      const orgDeps: OrganizationDeps = {
        centralAccountId: account.accountId,
        central,
        sts,
        organizations,
        store,
        config,
        region: LOCAL_REGION,
        log,
        sessionName: 'iamwatch-org-dispatch',
        sessions: memberSessions('iamwatch-org-dispatch'),
        forwardRegions: [LOCAL_REGION],
      }
      const dispatch = await dispatchOrganization({ ...orgDeps, parts: ['credentials', 'authorization'] })
      orgDeps.sessions?.destroy()
      await sim.cloudTrail.idle()
      await kick(true)
      const names = new Map(dispatch.directory.accounts.map((a) => [a.id, a.name]))
      embeddedOrganization = {
        id: organization.id,
        managementAccountId: organization.managementAccountId,
        directory: dispatch.directory,
        dispatch,
        readerRole: config.organization?.readerRoleName ?? DEFAULT_READER_ROLE,
        admins: Object.entries(ORG_ADMINS).map(([accountId, a]) => ({
          accountId,
          accountName: names.get(accountId) ?? accountId,
          userName: a.userName,
          accessKeyId: a.accessKeyId,
        })),
      }
      activity(
        `org-dispatch: ${dispatch.directory.accounts.length} accounts in ${organization.id}; reachable ${dispatch.organization.counts.reachable}, reader role missing ${dispatch.organization.counts.readerMissing}; opened ${dispatch.organization.counts.opened}`,
      )
    }

    await digest()
    const hourly = setInterval(() => void digest(), 3_600_000)
    hourly.unref()
    cleanups.push(() => clearInterval(hourly))
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_IAM: sim.endpoint,
      AWS_ENDPOINT_URL_STS: sim.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: sim.endpoint,
      AWS_ENDPOINT_URL_ACCESSANALYZER: sim.endpoint,
      AWS_ENDPOINT_URL_KMS: sim.endpoint,
      AWS_ENDPOINT_URL_S3: sim.endpoint,
      AWS_ENDPOINT_URL_ORGANIZATIONS: sim.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: sim.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoEndpoint,
      AWS_ENDPOINT_URL_SNS: snsSqsEndpoint,
      AWS_ENDPOINT_URL_SQS: snsSqsEndpoint,
      AWS_REGION: LOCAL_REGION,
      // The AWS CLI v1 reads this one.
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: operator.accessKeyId,
      AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
      AWS_SESSION_TOKEN: operator.sessionToken!,
      IAMWATCH_TABLE: tableName,
      IAMWATCH_ALERTS_QUEUE_URL: queueUrl,
      IAMWATCH_ESCALATIONS_QUEUE_URL: escalationsQueueUrl,
      IAMWATCH_ESCALATION_TOPIC_ARN: escalationTopicArn,
      IAMWATCH_KEY_ACTIVITY_QUEUE_URL: keyActivityQueue.queueUrl,
      IAMWATCH_ALERTS_TOPIC_ARN: alertsTopicArn,
      IAMWATCH_OPS_TOPIC_ARN: opsTopicArn,
      IAMWATCH_DIGEST_BUCKET: digestBucket,
      IAMWATCH_DIGEST_KEY_ARN: signingKey!.arn,
      IAMWATCH_MAC_KEY_ARN: macKey!.arn,
      // The CLI judges as the functions do: the security account trusted (see config above).
      ...(organization ? { IAMWATCH_CONFIG: exportedConfig(options.config, config.trustedAccounts) } : {}),
    }
    return {
      env,
      account,
      sim,
      tableName,
      digestBucket,
      signingKeyArn: signingKey!.arn,
      macKeyArn: macKey!.arn,
      alertsTopicArn,
      opsTopicArn,
      queueUrl,
      keyActivity: {
        queueUrl: keyActivityQueue.queueUrl,
        deadLetterQueueUrl: keyActivityQueue.dlqUrl,
        poller: keyActivityPoller,
        batches,
      },
      operator,
      ...(embeddedOrganization ? { organization: embeddedOrganization } : {}),
      deliveries,
      settled: async () => {
        await sim.cloudTrail.idle()
        await kick(true)
      },
      stop: async () => {
        stopping = true
        await stopAll(cleanups)
        await owned?.stop()
      },
    }
  } catch (err) {
    await stopAll(cleanups)
    await owned?.stop()
    throw err
  }
}

const within = (ms: number, p: Promise<unknown>) =>
  Promise.race([p, new Promise((resolve) => setTimeout(resolve, ms).unref())])

/** Runs the cleanups in reverse order; one failing does not keep the others from running. */
async function stopAll(cleanups: Array<() => Promise<unknown> | unknown>): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup()
    } catch {
      // stopping anyway
    }
  }
}

/**
 * IAMWATCH_CONFIG for the CLI: the configuration `npm run local` was started with (IAMWATCH_CONFIG, unless a
 * parsed one was given), with the functions' trusted accounts.
 */
function exportedConfig(given: IamwatchConfig | undefined, trustedAccounts: readonly string[]): string {
  const raw = given ? {} : (JSON.parse(process.env.IAMWATCH_CONFIG || '{}') as Record<string, unknown>)
  return JSON.stringify({ ...raw, trustedAccounts })
}

/**
 * `export NAME=value` lines: URLs, ARNs, names and base64 keys are safe unquoted in a shell; anything else
 * (the JSON of IAMWATCH_CONFIG) is single-quoted, and must hold no single quote nor line break.
 */
export function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (/^[\w:/.@+=,-]+$/.test(value)) return `export ${name}=${value}`
    if (/['\n\r]/.test(value)) throw new Error(`${name} is not shell-safe: ${value}`)
    return `export ${name}='${value}'`
  })
}
