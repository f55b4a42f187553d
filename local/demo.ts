/**
 * npm start: iamwatch end to end, offline. Local DynamoDB, SNS/SQS and a simulated IAM account; the
 * real Lambda handlers configured purely by environment, exactly as in AWS; a queue subscribed to the
 * alert topic shows what a security team receives. Changes to the account are made through IAM's API
 * with the SDK; the simulator records each one in CloudTrail, and every record goes through the
 * generated EventBridge rules into the real on-cloudtrail-event handler, and, when it was signed with a
 * long-term access key, through the key-activity SQS queue into the real on-key-activity handler, in batches.
 * The last chapter makes the account the security account of an AWS Organization (local/demo-organization.ts):
 * the real org-dispatch handler, the account-scans queue drained into the real scan-account handler, and a
 * member account's change forwarded by its rules to the central handler, alerted with the account's name.
 */
import { IAMClient } from '@aws-sdk/client-iam'
import { SQSClient } from '@aws-sdk/client-sqs'
import type { HttpRequest } from '@smithy/types'
import { DEMO_KEYS, demoAccount, fixes } from './demo-account.ts'
import { ATTACKER_IP, type DemoClients, type Step } from './demo-attack.ts'
import { LOCAL_FUNCTIONS_ROLE, simForwarding } from './demo-organization.ts'
import {
  type Delivery,
  describeBatch,
  describeDelivery,
  eventPath,
  type HandlerSummary,
  type QueueOutcome,
  watchDetections,
} from './event-path.ts'
import { roleSession } from './iam-sim/identity.ts'
import { startIamSimulator } from './iam-sim/server.ts'
import { type BatchReport, QueuePoller } from './queue-poller.ts'
import {
  createFindingsTable,
  createTopic,
  createWorkQueue,
  drainQueue,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type ReceivedAlert,
  sqsTarget,
  startLocalStack,
  subscribeQueue,
} from './stack.ts'
import { StreamPoller } from './stream-poller.ts'

const tDemo = performance.now()
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const section = (title: string) => console.log(`\n${bold(`== ${title} `.padEnd(78, '='))}`)
/** How long one step took (each step prints its own duration, not the time since start). */
const timer = () => {
  const t = performance.now()
  return () => `${((performance.now() - t) / 1000).toFixed(1)} s`
}

section('Starting local components')
const tStart = timer()
// The simulator hands each IAM write's CloudTrail record to the event path (wired below, once the
// handlers can read the environment).
let deliver: (record: Record<string, unknown>) => Promise<Delivery> = async () => {
  throw new Error('the event path is not wired yet')
}
// The functions' credentials: a session of their role in the account (as Lambda gives each function its role's).
const functionsSession = roleSession(demoAccount().accountId, LOCAL_FUNCTIONS_ROLE, 'lambda')
const [stack, sim] = await Promise.all([
  startLocalStack(),
  startIamSimulator(demoAccount(), {
    reportDelayMs: 300,
    cloudTrail: (record) => deliver(record),
    credentials: [functionsSession],
  }),
])
const streamArn = await createFindingsTable(stack.dynamo.endpoint, 'iamwatch-findings')
const topicArn = await createTopic(stack.snsSqs.endpoint, 'iamwatch-alerts')
const allAlerts = await subscribeQueue(stack.snsSqs.endpoint, topicArn, 'security-team-all')
const pager = await subscribeQueue(stack.snsSqs.endpoint, topicArn, 'on-call-pager', {
  severity: ['critical', 'high'],
})
// The key-activity queue (stacks/data.ts): every call signed with a long-term key, for on-key-activity. A
// 2-second visibility timeout instead of the stack's 6 minutes, so the demo's redelivered batch comes back soon.
const keyActivityQueue = await createWorkQueue(stack.snsSqs.endpoint, 'iamwatch-key-activity', {
  visibilityTimeoutSeconds: 2,
  maxReceiveCount: 5,
})
console.log(
  `DynamoDB Local ${stack.dynamo.endpoint}, SNS/SQS (fauxqs) ${stack.snsSqs.endpoint}, IAM simulator ${sim.endpoint} (${tStart()})`,
)
console.log(
  'Queues subscribed to the alert topic: security-team-all (everything), on-call-pager (filter: severity critical|high)',
)
console.log(
  'Key-activity queue: iamwatch-key-activity (EventBridge rule access-keys -> SQS -> on-key-activity, batches of up to 100)',
)

// The handlers read exactly what Lambda gives them: environment variables and the SDK's standard configuration.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: functionsSession.accessKeyId,
  AWS_SECRET_ACCESS_KEY: functionsSession.secretAccessKey,
  AWS_SESSION_TOKEN: functionsSession.sessionToken,
  AWS_ENDPOINT_URL_IAM: sim.endpoint,
  AWS_ENDPOINT_URL_STS: sim.endpoint,
  AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
  AWS_ENDPOINT_URL_SNS: stack.snsSqs.endpoint,
  FINDINGS_TABLE: 'iamwatch-findings',
  ALERT_TOPIC_ARN: topicArn,
  REPORT_POLL_MS: '100',
  IAMWATCH_LOG_LEVEL: process.env.IAMWATCH_LOG_LEVEL ?? 'ERROR',
  ACCOUNT_ID: sim.account.accountId,
})
// The real scan handler, wired from the environment as in Lambda; its heartbeat lines (EMF metrics
// for CloudWatch) are kept rather than printed.
const runtime = await import('../shared/app/runtime.ts')
const { once, scanDepsFromEnv } = runtime
const heartbeats: string[] = []
const scan = (await import('../functions/scan-credentials.ts')).createHandler(once(scanDepsFromEnv), (line) =>
  heartbeats.push(line),
)
// `let`: the organization chapter redeploys them (cold, with the organization's environment).
let notify = (await import('../functions/notify.ts')).handler
let onEvent = (await import('../functions/on-cloudtrail-event.ts')).handler
// on-key-activity from the environment too; its store is watched so each batch can say what it recorded
// (the handler answers Lambda only with the messages to deliver again).
let recorded: () => QueueOutcome[] = () => []
const onKeyActivity = (await import('../functions/on-key-activity.ts')).createHandler(
  once(() => {
    const deps = runtime.keyActivityDepsFromEnv()
    recorded = watchDetections(deps.store)
    return deps
  }),
)
const { FindingsStore } = await import('../shared/aws/findings-store.ts')
const { documentClient } = await import('../shared/aws/clients.ts')
const { bySeverity, recordFromFinding, toTable } = await import('../shared/export/records.ts')
const { verifyChain } = await import('../shared/model/history.ts')
const { GENESIS_HASH } = await import('../shared/model/finding.ts')
// Every write DynamoDB applied shows up on the table's stream: count finding/history writes there, independently of our code.
let findingWrites = 0
const poller = new StreamPoller(stack.dynamo.endpoint, streamArn, async (event) => {
  for (const r of event.Records as Array<{ dynamodb?: { NewImage?: { kind?: { S?: string } } } }>) {
    if (['finding', 'history'].includes(r.dynamodb?.NewImage?.kind?.S ?? '')) findingWrites++
  }
  return notify(event as never, {} as never) as never
})
const store = new FindingsStore(documentClient(), 'iamwatch-findings')
const lambdaContext = { awsRequestId: 'local', functionName: 'scan-credentials' } as never

// The key-activity queue's event source mapping (stacks/iamwatch.ts: batches of up to 100, a 5 s window).
const sqsOf = () =>
  new SQSClient({ endpoint: stack.snsSqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
const [eventBridgeSqs, pollerSqs] = [sqsOf(), sqsOf()]
const batches: Array<{ report: BatchReport; recorded: QueueOutcome[] }> = []
const keyActivity = new QueuePoller(
  pollerSqs,
  keyActivityQueue.queueUrl,
  (event, context) => onKeyActivity(event, context as never),
  {
    batchSize: 100,
    windowMs: 5000,
    onBatch: (report) => {
      batches.push({ report, recorded: recorded() })
    },
  },
)

// CloudTrail -> the generated EventBridge rules -> the real on-cloudtrail-event handler, and the key-activity queue.
const deliveries: Delivery[] = []
deliver = eventPath({
  accountId: sim.account.accountId,
  handle: (envelope) => onEvent(envelope, lambdaContext) as Promise<HandlerSummary>,
  enqueue: sqsTarget(eventBridgeSqs, keyActivityQueue.queueUrl),
  // Another account's records (the organization chapter's) reach this account's bus through its forwarding rules only.
  forwarding: simForwarding(sim),
  afterDelivery: (d) => {
    deliveries.push(d)
  },
})

// The people of the story, each with an IAM client signing with their own access key.
const iamAs = (accessKeyId: string) =>
  new IAMClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: 'demo-secret-not-checked' },
  })
const attacker = iamAs(DEMO_KEYS.bob)
// The attacker calls from far away: the simulator logs the first X-Forwarded-For address as the source IP.
attacker.middlewareStack.add(
  (next) => (args) => {
    ;(args.request as HttpRequest).headers['x-forwarded-for'] = ATTACKER_IP
    return next(args)
  },
  { step: 'build', name: 'attackerAddress' },
)
const clients: DemoClients = { root: iamAs(DEMO_KEYS.root), admin: iamAs(DEMO_KEYS.admin), attacker }

/**
 * Makes one step happen (IAM calls through the wire, or replayed records) and waits until its CloudTrail
 * records went through the handler and the key-activity queue (a redelivered batch included) and the
 * notifier published; then says what each record triggered, and what each on-key-activity batch did.
 */
async function run(step: Step): Promise<void> {
  const before = deliveries.length
  const batchesBefore = batches.length
  const started = performance.now()
  if (step.timesOutOnce) keyActivity.faults.lostAnswers++
  if (step.act) await step.act(clients)
  for (const record of [...(step.record ? [step.record] : []), ...(step.records ?? [])]) await deliver(record)
  await sim.cloudTrail.idle()
  await keyActivity.drain({ inFlight: true })
  await poller.drain()
  const ms = performance.now() - started
  console.log(`- ${step.say} (${ms.toFixed(0)} ms to the queue)`)
  for (const d of deliveries.slice(before)) {
    const origin = step.act ? 'recorded by the simulator' : 'replayed'
    console.log(`    ${d.eventName} (${origin}): ${describeDelivery(d)}`)
  }
  for (const b of batches.slice(batchesBefore))
    console.log(`    key-activity queue, ${describeBatch(b.report, b.recorded)}`)
}

/** "12 records sent to the key-activity queue (one SendMessage each): 9 batches, 9 invocations of on-key-activity" */
function queueSummary(since: { deliveries: number; batches: number }): string {
  const sent = deliveries.slice(since.deliveries).filter((d) => d.queued?.messageId).length
  const mine = batches.slice(since.batches)
  const again = mine.filter((b) => b.report.messages.some((m) => m.receiveCount > 1)).length
  const sizes = mine.map((b) => b.report.messages.length)
  return `${sent} record(s) sent to the key-activity queue (one SendMessage each) -> ${mine.length} batch(es) = ${mine.length} invocation(s) of on-key-activity (sizes ${sizes.join(', ') || '-'}${again ? `; ${again} redelivered` : ''})`
}

function showAlerts(label: string, alerts: ReceivedAlert[]) {
  console.log(`${label}: ${alerts.length} message(s)`)
  for (const a of alerts) console.log(`  ${a.subject}`)
}

/** Clients the organization chapter makes, closed at the end. */
const orgClients: Array<{ destroy(): void }> = []

/**
 * The organization (issue 13): the demo account becomes the security account of an AWS Organization; the
 * functions are redeployed as an organization deployment; the real org-dispatch handler discovers the
 * accounts, probes each through its reader role, runs the organization checks and queues one scan per
 * reachable member on the account-scans queue, which a poller drains into the real scan-account handler
 * (as the event source mapping does: one message per batch, two batches at once); then a member's own
 * change goes through its forwarding rules into the central handler, and its alert names the account.
 */
async function organizationChapter(): Promise<void> {
  const o = await import('./demo-organization.ts')
  const { DEFAULT_READER_ROLE } = await import('../shared/organization/model.ts')
  const { AttachUserPolicyCommand } = await import('@aws-sdk/client-iam')
  section('An AWS Organization: iamwatch in the security account watches every account')
  const tOrg = timer()
  const chapterStart = new Date().toISOString()
  const organization = o.serveDemoOrganization(sim, { centralPrincipalArns: o.centralPrincipals() })
  console.log(
    `The company's organization ${organization.id}: this account, ${sim.account.accountId}, is its security account (IAM's delegated`,
  )
  console.log(
    `administrator), where iamwatch runs. The member StackSet (the reader role ${DEFAULT_READER_ROLE}, trusting the functions'`,
  )
  console.log(
    `role from inside the organization, and the iamwatch-forward-* rules to this account's bus) targets the Workloads OU.`,
  )
  const width = Math.max(...o.ORG_ACCOUNTS.map((a) => a.name.length))
  for (const a of o.ORG_ACCOUNTS)
    console.log(
      `  ${a.id}  ${a.name.padEnd(width)}  ${`Root${a.ouPath ? `/${a.ouPath}` : ''}`.padEnd(23)}  ${a.story}`,
    )

  // Redeployed as an organization deployment (stacks/organization.ts): the functions' new environment, as
  // the stack sets it; every function starts cold (the directory the event path and the notifier read is
  // the one the dispatch is about to write).
  const accountScansQueue = await createWorkQueue(stack.snsSqs.endpoint, 'iamwatch-account-scans', {
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 3,
  })
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ORGANIZATIONS: sim.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: sim.endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: sim.endpoint,
    AWS_ENDPOINT_URL_ACCESSANALYZER: sim.endpoint,
    AWS_ENDPOINT_URL_SQS: stack.snsSqs.endpoint,
    IAMWATCH_READER_ROLE: DEFAULT_READER_ROLE,
    IAMWATCH_FORWARD_REGIONS: LOCAL_REGION,
    ACCOUNT_SCANS_QUEUE_URL: accountScansQueue.queueUrl,
    // The security account's functions assume every member's reader role, which trusts them: expected.
    IAMWATCH_CONFIG: JSON.stringify({ trustedAccounts: [sim.account.accountId] }),
  })
  onEvent = (await import('../functions/on-cloudtrail-event.ts')).createHandler(
    once(runtime.cloudTrailDepsFromEnv),
  )
  notify = (await import('../functions/notify.ts')).createHandler(once(runtime.notifierDepsFromEnv))
  const orgDispatch = (await import('../shared/app/organization-handlers.ts')).createOrgDispatchHandler(
    once(runtime.dispatchDepsFromEnv),
    (line) => heartbeats.push(line),
  )
  const scanAccount = (await import('../functions/scan-account.ts')).handler
  console.log(
    `\nRedeployed as an organization deployment (IAMWATCH_READER_ROLE=${DEFAULT_READER_ROLE}, the account-scans queue, this account in`,
  )
  console.log('trustedAccounts): every function starts cold.')

  const tDispatch = timer()
  const parts = ['credentials', 'authorization']
  const trailBefore = deliveries.length
  const dispatched = (await orgDispatch({ parts }, lambdaContext)) as Record<string, number>
  console.log(
    `\norg-dispatch ${JSON.stringify({ parts })}: ${dispatched.accounts} accounts discovered; the organization checks opened ${dispatched.opened} finding(s);`,
  )
  console.log(
    `the reader role answered in ${dispatched.scannedAccounts} member account(s) and was denied in ${dispatched.readerMissing}: ${dispatched.queued} account-scan request(s) (one per account and part) sent to iamwatch-account-scans (${tDispatch()})`,
  )
  const tScans = timer()
  const scanBatches: BatchReport[] = []
  const pollers = [sqsOf(), sqsOf()].map((sqs) => {
    orgClients.push(sqs)
    return new QueuePoller(
      sqs,
      accountScansQueue.queueUrl,
      (event, context) => scanAccount(event, context as never),
      {
        batchSize: 1,
        functionName: 'scan-account',
        timeoutMs: 900_000,
        onBatch: (b) => {
          scanBatches.push(b)
        },
      },
    )
  })
  await Promise.all(pollers.map((p) => p.drain()))
  for (const b of scanBatches) {
    const accounts = b.messages.map((m) => {
      const request = JSON.parse(m.body) as { accountId: string; parts: string[] }
      return `${o.accountLabel(request.accountId)}: ${request.parts.join(', ')}`
    })
    const outcome = b.error
      ? `failed: ${String((b.error as Error)?.message ?? b.error)}`
      : b.failed.length
        ? 'left for redelivery'
        : 'deleted'
    console.log(
      `scan-account: 1 message (${accounts.join(', ')}) -> scanned through its reader role; ${outcome} (${(b.ms / 1000).toFixed(1)} s)`,
    )
  }
  console.log(`(the account-scans queue drained in ${tScans()})`)
  await sim.cloudTrail.idle()
  await keyActivity.drain({ inFlight: true })
  await poller.drain()
  // Each AssumeRole of a reader role is recorded in the member's CloudTrail, and forwarded like any event.
  const assumed = deliveries.slice(trailBefore).filter((d) => d.eventName === 'AssumeRole')
  const forwarded = assumed.filter((d) => d.forwardedBy?.length)
  const outcomes = new Set(forwarded.map((d) => describeDelivery(d).split('; ').slice(1).join('; ')))
  console.log(
    `The members recorded ${assumed.length} AssumeRole of ${DEFAULT_READER_ROLE} in CloudTrail; ${assumed.length - forwarded.length} denied (in accounts that forward nothing), ${forwarded.length} forwarded by iamwatch-forward-sts: ${[...outcomes].join('; ')} (this account is trusted)`,
  )

  // Each account: where it sits, and what this chapter opened there (the table, per account).
  const directory = await store.records.directory()
  const reached = new Set(
    scanBatches.flatMap((b) =>
      b.messages.map((m) => (JSON.parse(m.body) as { accountId: string }).accountId),
    ),
  )
  console.log()
  console.log(
    `  ${'ACCOUNT'.padEnd(width)}  ID            ${'OU PATH'.padEnd(23)}  SCANNED BY             FINDINGS OPENED IN THIS CHAPTER`,
  )
  for (const a of directory?.accounts ?? []) {
    const opened = (await store.listFindings({ accountId: a.id, status: 'OPEN' })).filter(
      (f) => f.firstOpenedAt >= chapterStart,
    )
    const by =
      a.id === sim.account.accountId
        ? 'its own functions'
        : reached.has(a.id)
          ? 'scan-account'
          : 'nothing: not monitored'
    const checks = [
      ...new Set(
        opened
          .map(recordFromFinding)
          .sort(bySeverity)
          .map((f) => f.checkId),
      ),
    ]
    console.log(
      `  ${a.name.padEnd(width)}  ${a.id}  ${a.ouPath.padEnd(23)}  ${by.padEnd(23)}${opened.length}: ${checks.join(', ')}`,
    )
  }
  const open = await store.listFindings({ status: 'OPEN' })
  console.log()
  for (const f of open.filter((f) => f.checkId === 'member-account-not-monitored')) {
    const e = f.evidence as { readerRole?: string; detail?: string }
    console.log(
      `member-account-not-monitored: ${o.accountLabel(f.accountId)}, reader role ${e.readerRole}: ${e.detail ?? ''}`,
    )
  }
  for (const f of open.filter((f) => f.resourceType === 'AwsOrganization')) {
    const e = f.evidence as { featuresMissing?: string[]; featuresEnabled?: string[] }
    console.log(
      `${f.checkId}: the organization ${f.resourceId} (in ${o.accountLabel(f.accountId)}): ${e.featuresEnabled?.join(', ')} enabled, ${e.featuresMissing?.join(', ')} not`,
    )
  }
  const orgAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  console.log()
  showAlerts('security-team-all', orgAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))

  console.log(
    `\nA change in acme-prod, made with acme-prod's own credentials: CloudTrail records it there (recipientAccountId ${o.PROD_ACCOUNT});`,
  )
  console.log("its forwarding rules send it to this account's bus, where the same rules route it:")
  const member = (account: keyof typeof o.ORG_ADMINS) => {
    const c = iamAs(o.ORG_ADMINS[account].accessKeyId)
    orgClients.push(c)
    return c
  }
  const prodAdmin = member(o.PROD_ACCOUNT)
  await run({
    say: 'prod.admin attaches AdministratorAccess to web.oncall (a console user without MFA) in acme-prod',
    act: () =>
      prodAdmin.send(
        new AttachUserPolicyCommand({
          UserName: 'web.oncall',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      ),
  })
  const memberAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  showAlerts('security-team-all', memberAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  const attached = memberAlerts.find((a) => a.attributes.checkId === 'admin-policy-attached')
  if (attached) {
    console.log(`\nThe member's alert in full:\n\nSubject: ${attached.subject}\n`)
    console.log(attached.message.replace(/^/gm, '  '))
    const { detail: _detail, ...attributes } = attached.attributes
    console.log(`\n  attributes: ${JSON.stringify(attributes)}`)
  }
  const sandboxDev = member(o.SANDBOX_ACCOUNT)
  await run({
    say: 'sandbox.dev attaches PowerUserAccess to itself in acme-sandbox',
    act: () =>
      sandboxDev.send(
        new AttachUserPolicyCommand({
          UserName: 'sandbox.dev',
          PolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
        }),
      ),
  })
  const sandboxAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  console.log(
    `security-team-all: ${sandboxAlerts.length} message(s): acme-sandbox forwards nothing, as its member-account-not-monitored finding says (${tOrg()} for the chapter)`,
  )
}

try {
  section(`Scan 1: ${sim.account.users.size} IAM users in account ${sim.account.accountId}`)
  const tScan1 = timer()
  const first = (await scan({}, lambdaContext)) as { status: string; counts: Record<string, number> }
  console.log(`scan ${first.status}: ${first.counts.opened} findings opened (${tScan1()})`)
  console.log(`IAM calls: ${[...sim.requests].map(([a, n]) => `${a} ${n}`).join(', ')}`)
  console.log()
  console.log(toTable((await store.listFindings({ status: 'OPEN' })).map(recordFromFinding).sort(bySeverity)))

  section('Alerts delivered (the stream drives the notifier, as Lambda would)')
  const tAlerts = timer()
  await poller.drain()
  const firstAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  showAlerts('security-team-all', firstAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  console.log(`(${tAlerts()})`)
  const sample = firstAlerts.find((a) => a.attributes.checkId === 'root-access-key')
  if (sample) {
    console.log(
      `\nOne alert in full (subject, body, and the filterable attributes):\n\nSubject: ${sample.subject}\n`,
    )
    console.log(sample.message.replace(/^/gm, '  '))
    const { detail: _detail, ...attributes } = sample.attributes
    console.log(`\n  attributes: ${JSON.stringify(attributes)}`)
  }

  section('The team fixes some things through the IAM API; CloudTrail sees each call')
  const tFixes = timer()
  for (const step of fixes()) await run(step)
  console.log(`(${tFixes()})`)
  // IAM caches the credential report for four hours: the team asks for a new one (the simulator's admin call).
  await fetch(`${sim.endpoint}/__admin/expire-report`, { method: 'POST' })
  const tScan2 = timer()
  const second = (await scan({}, lambdaContext)) as { status: string; counts: Record<string, number> }
  console.log(
    `\nThe scan runs again: scan ${second.status}: resolved ${second.counts.resolved}, opened ${second.counts.opened}, unchanged ${second.counts.unchanged} (${tScan2()})`,
  )
  await poller.drain()
  const resolvedAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  showAlerts('security-team-all', resolvedAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  const rootResolved = resolvedAlerts.find((a) => a.attributes.checkId === 'root-access-key')
  if (rootResolved) console.log(`\nThe root key's alert says why: ${rootResolved.message.split('\n')[0]}`)

  section('Re-scan with nothing changed: no writes, no alerts')
  const tScan3 = timer()
  await fetch(`${sim.endpoint}/__admin/expire-report`, { method: 'POST' })
  const writesBefore = findingWrites
  const third = (await scan({}, lambdaContext)) as { counts: Record<string, number> }
  await poller.drain()
  console.log(
    `unchanged ${third.counts.unchanged}; finding/history items written (per the table's stream): ${findingWrites - writesBefore}; alerts: ${(await drainQueue(stack.snsSqs.endpoint, allAlerts)).length} (${tScan3()})`,
  )

  section(
    'Real time: an attack through the IAM API, and what CloudTrail records, through the generated EventBridge rules',
  )
  const tAttack = timer()
  const { attackStory } = await import('./demo-attack.ts')
  const storyStart = { deliveries: deliveries.length, batches: batches.length }
  for (const step of attackStory()) await run(step)
  const attackAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  console.log(`\n${queueSummary(storyStart)}`)
  console.log()
  showAlerts('security-team-all', attackAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  console.log(`(${tAttack()})`)
  const newNetwork = attackAlerts.find((a) => a.attributes.checkId === 'access-key-new-network')
  if (newNetwork) {
    console.log(`\nThe new-network alert (through the key-activity queue and on-key-activity):\n`)
    console.log(`Subject: ${newNetwork.subject}\n`)
    console.log(newNetwork.message.replace(/^/gm, '  '))
  }
  const rootAlert = attackAlerts.find((a) => a.attributes.checkId === 'root-console-login')
  if (rootAlert) {
    console.log(`\nThe root-login alert ops receive:\n\nSubject: ${rootAlert.subject}\n`)
    console.log(rootAlert.message.replace(/^/gm, '  '))
  }

  section('Unused access: the daily authorization scan and Access Advisor cycle (one IAM job per principal)')
  const tUnused = timer()
  const authorizationScan = (await import('../functions/scan-authorization.ts')).createHandler(
    once(scanDepsFromEnv),
    (line) => heartbeats.push(line),
  )
  await authorizationScan({}, lambdaContext)
  const advisorScan = (await import('../functions/scan-access-advisor.ts')).createHandler(
    once(() => ({ ...scanDepsFromEnv(), cycle: { advisor: { pollIntervalMs: 20 } } })),
    (line) => heartbeats.push(line),
  )
  const cycle = (await advisorScan({}, lambdaContext)) as {
    status: string
    done: number
    stats: { jobs: number; calls: number }
  }
  console.log(
    `Access Advisor cycle ${cycle.status}: ${cycle.done} principals and policies read in ${cycle.stats.jobs} jobs, ${cycle.stats.calls} IAM calls (${tUnused()})`,
  )
  const UNUSED = [
    'role-unused',
    'user-unused',
    'unused-service-access',
    'unused-action-access',
    'unused-permissions-policy',
  ]
  const unusedFindings = (await store.listFindings({ status: 'OPEN' })).filter((f) =>
    UNUSED.includes(f.checkId),
  )
  console.log()
  console.log(toTable(unusedFindings.map(recordFromFinding).sort(bySeverity)))
  await poller.drain()
  const dailyAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  const unusedAlerts = dailyAlerts.filter((a) => UNUSED.includes(String(a.attributes.checkId)))
  showAlerts('security-team-all, unused access', unusedAlerts)
  console.log(
    `(and ${dailyAlerts.length - unusedAlerts.length} from the daily authorization scan: admin policies, privilege escalation, trust)`,
  )
  await drainQueue(stack.snsSqs.endpoint, pager)

  // The CLI, in this process, against the same endpoints (as `npm run local` users would run it).
  const { main } = await import('../bin/cli.ts')
  const cli = async (...argv: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
    return { code, out: out.join(''), err: err.join('') }
  }
  const appArn = `arn:aws:iam::${sim.account.accountId}:role/app-backend`
  const recommended = await cli('recommend', appArn)
  console.log(`\n$ iamwatch recommend ${appArn}\n${recommended.err}${recommended.out}`)
  const before = await cli(
    'can',
    appArn,
    'sqs:SendMessage',
    `arn:aws:sqs:us-east-1:${sim.account.accountId}:orders`,
  )
  console.log(
    `$ iamwatch can ${appArn} sqs:SendMessage arn:aws:sqs:us-east-1:...:orders   (exit ${before.code})`,
  )
  console.log(before.out.replace(/^/gm, '  '))

  const { PutRolePolicyCommand } = await import('@aws-sdk/client-iam')
  await run({
    say: "alice.admin replaces app-backend's policy with the recommended one (CloudTrail: PutRolePolicy)",
    act: ({ admin }) =>
      admin.send(
        new PutRolePolicyCommand({
          RoleName: 'app-backend',
          PolicyName: 'app',
          PolicyDocument: recommended.out,
        }),
      ),
  })
  showAlerts('security-team-all', await drainQueue(stack.snsSqs.endpoint, allAlerts))
  const after = await cli(
    'can',
    appArn,
    'sqs:SendMessage',
    `arn:aws:sqs:us-east-1:${sim.account.accountId}:orders`,
  )
  console.log(
    `$ iamwatch can ${appArn} sqs:SendMessage ...   (exit ${after.code}): ${after.out.split('\n')[0]}`,
  )

  process.env.IAMWATCH_TABLE = 'iamwatch-findings'
  const { alertsChapter } = await import('./demo-alerts.ts')
  await alertsChapter({
    snsSqsEndpoint: stack.snsSqs.endpoint,
    accountId: sim.account.accountId,
    allAlerts,
    deliver: (record) => deliver(record),
    drainStream: async () => {
      await sim.cloudTrail.idle()
      await keyActivity.drain({ inFlight: true })
      await poller.drain()
    },
    cli,
    section,
  })
  await drainQueue(stack.snsSqs.endpoint, pager)

  section('Audit trail of one finding (tamper-evident hash chain)')
  const rootKey = (await store.listFindings({ checkId: 'root-access-key' }))[0]
  if (rootKey) {
    const history = await store.history(rootKey.id)
    for (const e of history)
      console.log(
        `  #${e.seq} ${e.at} ${e.transition.padEnd(8)} hash ${e.hash.slice(0, 16)}… prev ${e.prevHash.slice(0, 16)}…`,
      )
    console.log(`  chain verifies: ${verifyChain(history, GENESIS_HASH, rootKey).ok}`)
  }
  section('For auditors: verify every chain, and the evidence report')
  process.env.IAMWATCH_TABLE = 'iamwatch-findings'
  const verified = await cli('verify')
  console.log(`$ iamwatch verify   (exit ${verified.code})\n${verified.out}${verified.err}`)
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const reportFile = join(mkdtempSync(join(tmpdir(), 'iamwatch-demo-')), 'cis-aws-5.0-evidence.html')
  const report = await cli('export', '--format', 'html', '--framework', 'cis-aws-5.0', '--out', reportFile)
  console.log(
    `$ iamwatch export --format html --framework cis-aws-5.0 --out ${reportFile}   (exit ${report.code})`,
  )
  console.log(`${report.err.trim()}\nOpen it in a browser: file://${reportFile}`)

  await organizationChapter()
  console.log(`\nDone in ${((performance.now() - tDemo) / 1000).toFixed(1)} s in all.`)
} finally {
  for (const c of [...Object.values(clients), eventBridgeSqs, pollerSqs, ...orgClients]) c.destroy()
  await sim.stop()
  await stack.stop()
}
