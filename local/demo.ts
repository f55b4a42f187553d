/**
 * npm start: iamwatch end to end, offline. Local DynamoDB, SNS/SQS and a simulated IAM account; the
 * real Lambda handlers configured purely by environment, exactly as in AWS; a queue subscribed to the
 * alert topic shows what a security team receives.
 */
import { demoAccount, fixSome } from './demo-account.ts'
import { startIamSimulator } from './iam-sim/server.ts'
import {
  createFindingsTable,
  createTopic,
  drainQueue,
  LOCAL_CREDENTIALS,
  type ReceivedAlert,
  startLocalStack,
  subscribeQueue,
} from './stack.ts'
import { StreamPoller } from './stream-poller.ts'

const t0 = Date.now()
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const section = (title: string) => console.log(`\n${bold(`== ${title} `.padEnd(78, '='))}`)
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`

section('Starting local components')
const stack = await startLocalStack()
const sim = await startIamSimulator(demoAccount(), { reportDelayMs: 300 })
const streamArn = await createFindingsTable(stack.dynamo.endpoint, 'iamwatch-findings')
const topicArn = await createTopic(stack.snsSqs.endpoint, 'iamwatch-alerts')
const allAlerts = await subscribeQueue(stack.snsSqs.endpoint, topicArn, 'security-team-all')
const pager = await subscribeQueue(stack.snsSqs.endpoint, topicArn, 'on-call-pager', {
  severity: ['critical', 'high'],
})
console.log(
  `DynamoDB Local ${stack.dynamo.endpoint}, SNS/SQS (fauxqs) ${stack.snsSqs.endpoint}, IAM simulator ${sim.endpoint}`,
)
console.log(
  'Queues subscribed to the alert topic: security-team-all (everything), on-call-pager (filter: severity critical|high)',
)

// The handlers read exactly what Lambda gives them: environment variables and the SDK's standard configuration.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
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
const { once, scanDepsFromEnv } = await import('../shared/app/runtime.ts')
const heartbeats: string[] = []
const scan = (await import('../functions/scan-credentials.ts')).createHandler(once(scanDepsFromEnv), (line) =>
  heartbeats.push(line),
)
const notify = (await import('../functions/notify.ts')).handler
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

function showAlerts(label: string, alerts: ReceivedAlert[]) {
  console.log(`${label}: ${alerts.length} message(s)`)
  for (const a of alerts) console.log(`  ${a.subject}`)
}

try {
  section(`Scan 1: ${sim.account.users.size} IAM users in account ${sim.account.accountId}`)
  const first = (await scan({}, lambdaContext)) as { status: string; counts: Record<string, number> }
  console.log(`scan ${first.status}: ${first.counts.opened} findings opened (${elapsed()})`)
  console.log(`IAM calls: ${[...sim.requests].map(([a, n]) => `${a} ${n}`).join(', ')}`)
  console.log()
  console.log(toTable((await store.listFindings({ status: 'OPEN' })).map(recordFromFinding).sort(bySeverity)))

  section('Alerts delivered (the stream drives the notifier, as Lambda would)')
  await poller.drain()
  const firstAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  showAlerts('security-team-all', firstAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  const sample = firstAlerts.find((a) => a.attributes.checkId === 'root-access-key')
  if (sample) {
    console.log(
      `\nOne alert in full (subject, body, and the filterable attributes):\n\nSubject: ${sample.subject}\n`,
    )
    console.log(sample.message.replace(/^/gm, '  '))
    const { detail: _detail, ...attributes } = sample.attributes
    console.log(`\n  attributes: ${JSON.stringify(attributes)}`)
  }

  section('The team fixes some things; the scan runs again')
  for (const fix of fixSome(sim.account)) console.log(`- ${fix}`)
  const second = (await scan({}, lambdaContext)) as { status: string; counts: Record<string, number> }
  console.log(
    `\nscan ${second.status}: resolved ${second.counts.resolved}, opened ${second.counts.opened}, unchanged ${second.counts.unchanged} (${elapsed()})`,
  )
  await poller.drain()
  const resolvedAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  showAlerts('security-team-all', resolvedAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))

  section('Re-scan with nothing changed: no writes, no alerts')
  sim.account.expireReport()
  const writesBefore = findingWrites
  const third = (await scan({}, lambdaContext)) as { counts: Record<string, number> }
  await poller.drain()
  console.log(
    `unchanged ${third.counts.unchanged}; finding/history items written (per the table's stream): ${findingWrites - writesBefore}; alerts: ${(await drainQueue(stack.snsSqs.endpoint, allAlerts)).length}`,
  )

  section('Real time: an attack, as CloudTrail records it, through the generated EventBridge rules')
  const { attackStory } = await import('./demo-attack.ts')
  const { rulePatterns, toEventBridge } = await import('../shared/eventbridge/patterns.ts')
  const { matchesPattern } = await import('../shared/eventbridge/match.ts')
  const onEvent = (await import('../functions/on-cloudtrail-event.ts')).handler
  const rules = rulePatterns()
  for (const step of attackStory()) {
    step.apply?.(sim.account)
    const envelope = toEventBridge(step.record, sim.account.accountId)
    const routed = rules.filter((r) => matchesPattern(r.pattern, envelope)).map((r) => r.name)
    const started = performance.now()
    const result = (await onEvent(envelope, lambdaContext)) as {
      fired: Array<{ detectionId: string; result: string }>
      reevaluated: string[]
    }
    await poller.drain()
    const ms = performance.now() - started
    const fired = result.fired.map((f) =>
      f.result === 'duplicate' ? `${f.detectionId} (duplicate: ignored)` : f.detectionId,
    )
    console.log(`- ${step.say}`)
    console.log(
      `    rule ${routed.join(', ')} -> ${fired.join(', ') || 'nothing'}${result.reevaluated.length ? `; posture of ${result.reevaluated.join(', ')} re-evaluated` : ''} (${ms.toFixed(0)} ms to the queue)`,
    )
  }
  const attackAlerts = await drainQueue(stack.snsSqs.endpoint, allAlerts)
  console.log()
  showAlerts('security-team-all', attackAlerts)
  showAlerts('on-call-pager', await drainQueue(stack.snsSqs.endpoint, pager))
  const rootAlert = attackAlerts.find((a) => a.attributes.checkId === 'root-console-login')
  if (rootAlert) {
    console.log(`\nThe root-login alert ops receive:\n\nSubject: ${rootAlert.subject}\n`)
    console.log(rootAlert.message.replace(/^/gm, '  '))
  }

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
  console.log(`\nDone in ${elapsed()}.`)
} finally {
  await sim.stop()
  await stack.stop()
}
