/**
 * Cost per million events of the key-activity path (issue 12): every API call signed with a long-term
 * access key goes EventBridge (rule access-keys) -> SQS (one SendMessage per event) -> on-key-activity in
 * batches (the event source mapping of stacks/iamwatch.ts: up to 100 messages, a 5 s batching window) ->
 * DynamoDB (first-seen baselines, findings). Run by bench.ts in a fresh process, or alone:
 *   node bench/key-activity.ts [events] [events per second]
 * Prints one JSON object on its last line; `keyActivityRows` turns it into the table's rows.
 *
 * What runs for real: the SQS queue in fauxqs (every send, receive and delete), the QueuePoller doing what
 * Lambda's pollers do, the real on-key-activity handler, DynamoDB Local (every read and write, with the
 * capacity it reports). What is simulated: time. Events arrive as a Poisson stream at the given rate on a
 * virtual clock; each batch holds what arrived within the 5 s window after its first message (at most 100),
 * which is what the event source mapping would hand the function at that rate; the function and its
 * baseline cache (5 minutes in a warm instance) see the virtual time, so the bench runs in seconds what
 * the account does in an hour.
 *
 * The stream: a few hundred IAM users' keys with Zipf-skewed activity (a few CI keys make most calls), each
 * calling from its own one to three networks (an office /24 shared by people, CI runner /24s, an IPv6 /48),
 * whose baselines exist already (the account was monitored yesterday); some new keys (their first call is
 * their baseline); 1% of calls made through AWS services (sourceIPAddress a service host, ignored); and a
 * few keys that, once, call from a network they never used (then a few more calls from it): those alert.
 */
import { randomUUID } from 'node:crypto'
import { SQSClient } from '@aws-sdk/client-sqs'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createHandler } from '../functions/on-key-activity.ts'
import { QueuePoller } from '../local/queue-poller.ts'
import {
  createFindingsTable,
  createWorkQueue,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  sqsTarget,
  startLocalStack,
} from '../local/stack.ts'
import type { KeyActivityDeps } from '../shared/app/key-activity.ts'
import { silentLog } from '../shared/app/log.ts'
import { documentClient } from '../shared/aws/clients.ts'
import { DynamoCounters } from '../shared/aws/counters.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { DynamoSightings } from '../shared/aws/sightings.ts'
import { parseConfig } from '../shared/config/config.ts'
import { toEventBridge } from '../shared/eventbridge/patterns.ts'
import { FUNCTIONS } from '../stacks/functions.ts'

/*
 * Prices, us-east-1, on-demand (checked for this bench; each from the page named):
 * - Lambda, Arm (arm64): $0.20 per million requests; $0.0000133334 per GB-second (the first 7.5 billion
 *   GB-seconds a month). https://aws.amazon.com/lambda/pricing/ (its tables are rendered client-side; the
 *   same figures, us-east-1 tiers: https://cloudchipr.com/blog/aws-lambda-pricing).
 * - SQS, standard queue: $0.40 per million requests (after the first million a month, free); each 64 KB
 *   chunk of a request's payload is billed as one request. https://aws.amazon.com/sqs/pricing/, as quoted by
 *   https://cloudburn.io/blog/amazon-sqs-pricing (March 2026) and
 *   https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/ (June 2026).
 * - DynamoDB, on-demand, Standard table class: $0.625 per million write request units, $0.125 per million read
 *   request units (since the 50% cut of November 1, 2024). https://aws.amazon.com/dynamodb/pricing/on-demand/,
 *   as quoted by https://airbyte.com/data-engineering-resources/dynamodb-pricing; the cut:
 *   https://aws.amazon.com/blogs/aws/amazon-dynamodb-on-demand-no-capacity-planning-and-pay-per-request-pricing
 *   (updated January 31, 2025). A transactional write costs two WRU per KB.
 * - EventBridge: AWS management events on the default bus, rule matching and delivery to SQS or Lambda in the
 *   same account are free; an event a rule sends to an event bus in another Region (iamwatch forwards the
 *   regional rules' events home, stacks/events.ts) is billed as a custom event, $1.00 per million (64 KB
 *   chunks). https://aws.amazon.com/eventbridge/pricing/ ; "Events sent from one event bus to another are
 *   charged as custom events": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html
 */
export const PRICES = {
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  sqsPerRequest: 0.4 / 1e6,
  dynamoPerWru: 0.625 / 1e6,
  dynamoPerRru: 0.125 / 1e6,
  eventBridgeCrossRegionPerEvent: 1 / 1e6,
}

/** The function's memory (stacks/functions.ts; 512 MB if it says nothing). */
const MEMORY_MB = (FUNCTIONS as Record<string, { memoryMb?: number }>)['on-key-activity']?.memoryMb ?? 512
/** At 1,769 MB a Lambda function has one vCPU; below, a proportional share (Lambda's documentation). */
const CPU_SHARE = Math.min(1, MEMORY_MB / 1769)

const ACCOUNT = '123456789012'
const HOUR = 3_600_000
const WINDOW_MS = 5000
const BATCH_SIZE = 100

/** Deterministic randomness (mulberry32), so every run sends the same stream. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Key {
  id: string
  user: string
  networks: string[]
  /** Seen before the stream (its baseline exists); false: a new key, its first call is its baseline. */
  known: boolean
  /** The new network it calls from once in the stream, if any. */
  stray?: { ip: string; atIndex: number }
}

const CALLS: Array<[string, string, Record<string, unknown> | null]> = [
  ['s3.amazonaws.com', 'ListBuckets', { Host: 's3.amazonaws.com' }],
  [
    's3.amazonaws.com',
    'GetBucketLocation',
    { bucketName: 'example-corp-artifacts', Host: 's3.amazonaws.com' },
  ],
  ['ec2.amazonaws.com', 'DescribeInstances', { instancesSet: {}, filterSet: {} }],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', { securityGroupSet: {}, filterSet: {} }],
  ['sts.amazonaws.com', 'GetCallerIdentity', null],
  ['ecr.amazonaws.com', 'GetAuthorizationToken', null],
  ['cloudformation.amazonaws.com', 'DescribeStacks', { stackName: 'app-prod' }],
  ['lambda.amazonaws.com', 'ListFunctions20150331', null],
  ['logs.amazonaws.com', 'DescribeLogGroups', { logGroupNamePrefix: '/aws/lambda/' }],
  ['iam.amazonaws.com', 'GetUser', null],
]
const AGENTS = [
  'aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#standard',
  'APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.80.0 aws-sdk-go-v2/1.32.6 os/linux lang/go#1.23.3',
  'Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.10 cfg/retry-mode#legacy Botocore/1.35.76',
]

/** The keys and their networks; a stream of `events` calls from them, with arrival times at `rate` per second. */
export function stream(events: number, rate: number, seed = 12) {
  const rnd = random(seed)
  const keys: Key[] = []
  const KEYS = 300
  for (let i = 0; i < KEYS; i++) {
    const nets: string[] = []
    const people = i % 3 !== 0
    if (people) nets.push(`198.51.100.${1 + Math.floor(rnd() * 250)}`) // the office
    if (!people || rnd() < 0.3) nets.push(`203.0.${113 - (i % 40)}.${1 + Math.floor(rnd() * 250)}`) // CI runners
    if (rnd() < 0.2) nets.push(`2001:db8:${(i * 7) % 4096}::${1 + Math.floor(rnd() * 9999)}`) // home, IPv6
    const known = i < KEYS - 6
    keys.push({
      id: `AKIA${String(i).padStart(4, '0')}${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`,
      user: people ? `dev.${i}` : `ci-${i}`,
      // A new key calls from one network: its first call is its baseline, and nothing else is new.
      networks: known ? nets : nets.slice(0, 1),
      known,
    })
  }
  // Zipf-like activity (s = 1.1): rank r calls in proportion to 1 / r^1.1.
  const weights = keys.map((_, r) => 1 / (r + 1) ** 1.1)
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative: number[] = []
  weights.reduce((acc, w, i) => {
    cumulative[i] = (acc + w) / total
    return acc + w
  }, 0)
  const pick = () => {
    const x = rnd()
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return keys[lo]!
  }
  // One call in 1,000 is a known key's first from a network it never used (attackers', travellers'); a few
  // more calls from there follow.
  const strayAt = new Map<number, Key>()
  for (let n = 0; n < Math.max(1, Math.round(events / 1000)); n++) {
    const key = keys[1 + Math.floor(rnd() * 120)]!
    if (key.stray) continue
    key.stray = {
      ip: `185.220.${100 + n}.${1 + Math.floor(rnd() * 250)}`,
      atIndex: Math.floor(rnd() * events * 0.9),
    }
    strayAt.set(key.stray.atIndex, key)
  }
  const start = Date.UTC(2026, 5, 1, 9)
  let t = start
  const records: Array<{ at: number; record: Record<string, unknown> }> = []
  const followUps: Array<{ key: Key; left: number }> = []
  for (let i = 0; i < events; i++) {
    t += (-Math.log(1 - rnd()) / rate) * 1000
    let key = pick()
    let ip = key.networks[Math.floor(rnd() * key.networks.length)]!
    const stray = strayAt.get(i)
    const follow = followUps.find((f) => f.left > 0 && rnd() < 0.02)
    if (stray) {
      key = stray
      ip = stray.stray!.ip
      followUps.push({ key, left: 3 })
    } else if (follow) {
      follow.left--
      key = follow.key
      ip = key.stray!.ip
    } else if (rnd() < 0.01) ip = rnd() < 0.5 ? 'cloudformation.amazonaws.com' : 'AWS Internal'
    const [eventSource, eventName, requestParameters] = CALLS[Math.floor(rnd() * CALLS.length)]!
    records.push({
      at: t,
      record: {
        eventVersion: '1.09',
        userIdentity: {
          type: 'IAMUser',
          principalId: `AIDA${key.id.slice(4, 20)}`,
          arn: `arn:aws:iam::${ACCOUNT}:user/${key.user}`,
          accountId: ACCOUNT,
          accessKeyId: key.id,
          userName: key.user,
        },
        // CloudTrail delivers to EventBridge a few minutes after the call.
        eventTime: new Date(t - 150_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource,
        eventName,
        awsRegion: 'us-east-1',
        sourceIPAddress: ip,
        userAgent: AGENTS[keys.indexOf(key) % AGENTS.length],
        requestParameters,
        responseElements: null,
        requestID: randomUUID(),
        eventID: randomUUID(),
        readOnly: true,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: ACCOUNT,
        eventCategory: 'Management',
        tlsDetails: {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: `${eventSource.split('.')[0]}.us-east-1.amazonaws.com`,
        },
      },
    })
  }
  return { keys, records, start, strays: strayAt.size }
}

/**
 * The batches the event source mapping would make: each starts at a message's arrival and takes what
 * arrives within the window, at most `batchSize` (a batch of one per event: `batchSize` 1).
 */
export function batchesOf<T extends { at: number }>(
  items: readonly T[],
  batchSize: number,
  windowMs: number,
) {
  const out: T[][] = []
  for (let i = 0; i < items.length; ) {
    const first = items[i]!.at
    let j = i + 1
    while (j < items.length && j - i < batchSize && items[j]!.at <= first + windowMs) j++
    out.push(items.slice(i, j))
    i = j
  }
  return out
}

/** DynamoDB capacity as DynamoDB reports it (ReturnConsumedCapacity INDEXES on every call): units by kind. */
function meterCapacity(db: DynamoDBDocumentClient) {
  const units = {
    read: 0,
    write: 0,
    calls: 0,
    byCommand: {} as Record<string, { calls: number; units: number }>,
  }
  const READS = /^(Get|BatchGet|Query|Scan|TransactGet)/
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string }
      input.ReturnConsumedCapacity = 'INDEXES'
      const out = await next(args)
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity
      const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
        CapacityUnits?: number
      }>
      const sum = list.reduce((a, c) => a + (c.CapacityUnits ?? 0), 0)
      units.calls++
      const name = String(context.commandName).replace(/Command$/, '')
      const seen = units.byCommand[name] ?? { calls: 0, units: 0 }
      units.byCommand[name] = seen
      seen.calls++
      seen.units += sum
      if (READS.test(String(context.commandName))) units.read += sum
      else units.write += sum
      return out
    },
    { step: 'initialize', name: 'meterCapacity' },
  )
  return units
}

export interface RunResult {
  label: string
  events: number
  rate: number
  batchSize: number
  invocations: number
  avgBatch: number
  fired: number
  strays: number
  newKeys: number
  rru: number
  wru: number
  /** DynamoDB calls and units by operation. */
  byCommand: Record<string, { calls: number; units: number }>
  baseline: { reads: number; writes: number; readUnits: number; writeUnits: number; cacheHits: number }
  sqs: { sends: number; sendChunks: number; receives: number; receiveChunks: number; deletes: number }
  handlerMs: { mean: number; p99: number; total: number; cpuTotal: number }
  /** Estimated billed duration on Lambda at MEMORY_MB (ms, summed): CPU time scaled to the CPU share, plus waits. */
  lambdaMs: number
  wallMs: number
}

/** Pushes `events` AKIA calls through the real queue, poller, handler and DynamoDB Local; measures it all. */
async function run(opts: {
  label: string
  events: number
  rate: number
  batchSize: number
  dynamoEndpoint: string
  sqsEndpoint: string
}): Promise<RunResult> {
  const t0 = performance.now()
  const table = `bench-keys-${randomUUID().slice(0, 8)}`
  await createFindingsTable(opts.dynamoEndpoint, table)
  const { queueUrl } = await createWorkQueue(opts.sqsEndpoint, `${table}-queue`, {
    visibilityTimeoutSeconds: 360,
  })
  const { keys, records, start, strays } = stream(opts.events, opts.rate)
  let now = start
  const db = documentClient({ endpoint: opts.dynamoEndpoint, region: LOCAL_REGION })
  // Yesterday's baselines, written outside the metered client: each known key's networks, last seen 30 min ago.
  const seeding = new DynamoSightings(db, table, { now: () => start })
  const limits = { windowMs: 30 * 24 * HOUR, maxNetworks: 50 }
  const { networkOf } = await import('../shared/detections/first-seen.ts')
  await Promise.all(
    keys
      .filter((k) => k.known)
      .map((k) =>
        seeding.sight(
          `access-key-new-network#${k.id}`,
          k.networks.map((ip, i) => ({
            network: networkOf(ip)!,
            eventId: `seed-${i}`,
            atMs: start - HOUR / 2,
          })),
          limits,
        ),
      ),
  )
  const metered = documentClient({ endpoint: opts.dynamoEndpoint, region: LOCAL_REGION })
  const units = meterCapacity(metered)
  const sightings = new DynamoSightings(metered, table, { now: () => now })
  const deps: KeyActivityDeps = {
    store: new FindingsStore(metered, table),
    counters: new DynamoCounters(metered, table),
    sightings,
    config: parseConfig({}),
    region: LOCAL_REGION,
    log: silentLog,
    accountId: ACCOUNT,
    now: () => new Date(now),
  }
  const handler = createHandler(() => deps)
  let fired = 0
  const durations: number[] = []
  let cpuTotal = 0
  const sqsOf = () =>
    new SQSClient({ endpoint: opts.sqsEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })
  const [eventBridge, lambdaPoller] = [sqsOf(), sqsOf()]
  const send = sqsTarget(eventBridge, queueUrl)
  let sendChunks = 0
  let receiveBytes = 0
  const poller = new QueuePoller(
    lambdaPoller,
    queueUrl,
    async (event, context) => {
      receiveBytes += event.Records.reduce((a, r) => a + Buffer.byteLength(r.body), 0)
      const cpu = process.cpuUsage()
      const started = performance.now()
      const answer = await handler(event, context as never)
      durations.push(performance.now() - started)
      const used = process.cpuUsage(cpu)
      cpuTotal += (used.user + used.system) / 1000
      return answer
    },
    { batchSize: Math.max(opts.batchSize, 1), windowMs: opts.batchSize > 10 ? WINDOW_MS : 0 },
  )
  // Count what the function recorded: one finding transition per new network.
  const apply = deps.store.applyEventTransition.bind(deps.store)
  deps.store.applyEventTransition = async (t, m) => {
    const r = await apply(t, m)
    if (r === 'applied') fired++
    return r
  }
  for (const batch of batchesOf(records, opts.batchSize, WINDOW_MS)) {
    // EventBridge sends each event as it comes; the batch is invoked when its window closes (or it is full).
    for (const { record } of batch) {
      const envelope = toEventBridge(record, ACCOUNT)
      sendChunks += Math.ceil(Buffer.byteLength(JSON.stringify(envelope)) / 65_536)
      await send(envelope)
    }
    // The function runs when the batch is full, or its window closed.
    now = batch.length >= opts.batchSize ? batch.at(-1)!.at : batch[0]!.at + WINDOW_MS
    await poller.drain()
  }
  eventBridge.destroy()
  lambdaPoller.destroy()
  const sorted = [...durations].sort((a, b) => a - b)
  const total = durations.reduce((a, b) => a + b, 0)
  const waits = Math.max(0, total - cpuTotal)
  return {
    label: opts.label,
    events: opts.events,
    rate: opts.rate,
    batchSize: opts.batchSize,
    invocations: poller.invocations,
    avgBatch: opts.events / poller.invocations,
    fired,
    strays,
    newKeys: keys.filter((k) => !k.known).length,
    rru: units.read,
    wru: units.write,
    byCommand: units.byCommand,
    baseline: {
      reads: sightings.usage.reads,
      writes: sightings.usage.writes,
      readUnits: sightings.usage.readUnits,
      writeUnits: sightings.usage.writeUnits,
      cacheHits: sightings.usage.cacheHits,
    },
    sqs: {
      sends: opts.events,
      sendChunks,
      receives: poller.requests.receives,
      // A receive of up to 10 messages is billed per 64 KB of what it returns.
      receiveChunks: Math.max(poller.requests.receives, Math.ceil(receiveBytes / 65_536)),
      deletes: poller.requests.deletes,
    },
    handlerMs: {
      mean: total / durations.length,
      p99: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!,
      total,
      cpuTotal,
    },
    lambdaMs: cpuTotal / CPU_SHARE + waits + durations.length, // + 1 ms rounding up per invocation
    wallMs: performance.now() - t0,
  }
}

/** Dollars per million events, by component. `viaQueue` false: the direct path (no SQS). */
export function costPerMillion(r: RunResult, viaQueue = true) {
  const perEvent = 1e6 / r.events
  const lambdaRequests = r.invocations * PRICES.lambdaPerRequest * perEvent
  const lambdaCompute = (r.lambdaMs / 1000) * (MEMORY_MB / 1024) * PRICES.lambdaArmPerGbSecond * perEvent
  const sqs = viaQueue
    ? (r.sqs.sendChunks + r.sqs.receiveChunks + r.sqs.deletes) * PRICES.sqsPerRequest * perEvent
    : 0
  const dynamo = (r.rru * PRICES.dynamoPerRru + r.wru * PRICES.dynamoPerWru) * perEvent
  const total = lambdaRequests + lambdaCompute + sqs + dynamo
  return { lambdaRequests, lambdaCompute, sqs, dynamo, total }
}

type Row = [string, string, string]

/** The bench table's rows for the runs (the first: the main stream; then the other rates; last: the direct path). */
export function keyActivityRows(out: { runs: RunResult[]; memoryMb: number }): Row[] {
  const [main, ...others] = out.runs
  const direct = others.find((r) => r.batchSize === 1)!
  const rates = others.filter((r) => r !== direct)
  const $ = (n: number) => `$${n.toFixed(n < 0.1 ? 3 : 2)}`
  const n = (x: number) => Math.round(x).toLocaleString('en-US')
  const c = costPerMillion(main!)
  const worst = costPerMillion({
    ...main!,
    sqs: { ...main!.sqs, receives: main!.events, receiveChunks: main!.events },
  })
  const eb = PRICES.eventBridgeCrossRegionPerEvent * 1e6
  const rows: Row[] = [
    [
      `key activity: ${n(main!.events)} AKIA events, 300 keys (Zipf 1.1), ${main!.rate}/s, batches <= ${main!.batchSize} in 5 s`,
      `${n(main!.invocations)} invocations, avg batch ${main!.avgBatch.toFixed(1)}; ${main!.fired} new-network findings (${main!.strays} stray keys, ${main!.newKeys} new keys: baseline)`,
      `${main!.strays} findings`,
    ],
    [
      '  DynamoDB per 1k events: RRU / WRU (all calls, ReturnConsumedCapacity)',
      `${((main!.rru * 1000) / main!.events).toFixed(2)} / ${((main!.wru * 1000) / main!.events).toFixed(2)} (baselines: ${n(main!.baseline.reads)} reads, ${n(main!.baseline.writes)} writes, ${n(main!.baseline.cacheHits)} cache hits)`,
      '',
    ],
    [
      '  SQS requests per event: send + receive + delete',
      `${(main!.sqs.sendChunks / main!.events).toFixed(2)} + ${(main!.sqs.receiveChunks / main!.events).toFixed(3)} + ${(main!.sqs.deletes / main!.events).toFixed(3)} = ${((main!.sqs.sendChunks + main!.sqs.receiveChunks + main!.sqs.deletes) / main!.events).toFixed(3)}`,
      '',
    ],
    [
      `  handler per invocation: mean / p99 (local); billed at ${out.memoryMb} MB (est.)`,
      `${main!.handlerMs.mean.toFixed(1)} ms / ${main!.handlerMs.p99.toFixed(1)} ms; ${(main!.lambdaMs / main!.invocations).toFixed(1)} ms (CPU ${((main!.handlerMs.cpuTotal / main!.handlerMs.total) * 100).toFixed(0)}% of it, x${(1 / CPU_SHARE).toFixed(2)})`,
      '',
    ],
    [
      '  $ per million events: Lambda requests + GB-s + SQS + DynamoDB',
      `${$(c.lambdaRequests)} + ${$(c.lambdaCompute)} + ${$(c.sqs)} + ${$(c.dynamo)} = ${$(c.total)}`,
      '',
    ],
    [
      // Lambda's pollers long-poll: at modest rates a receive returns as soon as one message is there, so a
      // batch can take up to a receive per message (the measured figure is the other end: 10 per receive).
      '  SQS if every receive brought one message (long polls at modest rates)',
      `${((main!.sqs.sendChunks + main!.events + main!.sqs.deletes) / main!.events).toFixed(3)} requests per event: ${$(worst.sqs)}; total ${$(worst.total)} per million`,
      '',
    ],
    [
      '  + EventBridge: home-region events / forwarded from another region',
      `$0 / +${$(eb)} per million forwarded`,
      '',
    ],
  ]
  for (const r of rates) {
    const k = costPerMillion(r)
    rows.push([
      `  at ${r.rate} event${r.rate === 1 ? '' : 's'}/s (${n(r.events)} events): invocations per 1k events, $ per million`,
      `${((r.invocations * 1000) / r.events).toFixed(1)} (avg batch ${r.avgBatch.toFixed(1)}); ${$(k.lambdaRequests)} + ${$(k.lambdaCompute)} + ${$(k.sqs)} + ${$(k.dynamo)} = ${$(k.total)}`,
      '',
    ])
  }
  const d = costPerMillion(direct, false)
  rows.push([
    `  direct path (one invocation per event, no queue; ${n(direct.events)} events)`,
    `${$(d.lambdaRequests)} + ${$(d.lambdaCompute)} + $0 + ${$(d.dynamo)} = ${$(d.total)} per million (${(d.total / c.total).toFixed(1)}x); ${(direct.lambdaMs / direct.invocations).toFixed(1)} ms, ${((direct.wru * 1000) / direct.events).toFixed(0)} WRU per 1k`,
    '',
  ])
  return rows
}

if (import.meta.main) {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  })
  const events = Number(process.argv[2] ?? 20_000)
  const rate = Number(process.argv[3] ?? 10)
  const stack = await startLocalStack()
  try {
    const endpoints = { dynamoEndpoint: stack.dynamo.endpoint, sqsEndpoint: stack.snsSqs.endpoint }
    const runs: RunResult[] = []
    for (const [label, n, r, batchSize] of [
      ['main', events, rate, BATCH_SIZE],
      ['quiet', 5000, 1, BATCH_SIZE],
      ['busy', 5000, 100, BATCH_SIZE],
      ['direct', 2000, rate, 1],
    ] as const) {
      const result = await run({ label, events: n, rate: r, batchSize, ...endpoints })
      process.stderr.write(
        `${label}: ${result.events} events in ${result.invocations} invocations, ${(result.wallMs / 1000).toFixed(1)} s\n`,
      )
      runs.push(result)
    }
    const out = { runs, memoryMb: MEMORY_MB }
    if (process.stdout.isTTY)
      for (const row of keyActivityRows(out)) process.stderr.write(`${row.join(' | ')}\n`)
    process.stdout.write(`${JSON.stringify(out)}\n`)
  } finally {
    await stack.stop()
  }
}
