/**
 * The organization bench's function side (bench/organization.ts). `lambdaDeps`: what the org-dispatch and
 * scan-account functions build at their cold start (shared/app/runtime.ts organizationDepsFromEnv), pointed
 * at the simulator and DynamoDB Local. `meterDynamo`: DynamoDB capacity as on-demand bills it. Run as a
 * forked process, one scan-account instance: each `drain` takes messages from the account-scans queue one
 * at a time (the event source mapping's batch size 1) into the real handler until the queue is empty, and
 * answers what each invocation took (wall and CPU time), the capacity, the queue requests and the
 * process's memory. Separate processes, as Lambda's instances are: one scan's synchronous work (evaluating
 * an account's checks) never holds up another's, and each instance's memory is its own.
 */
import { SQSClient } from '@aws-sdk/client-sqs'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { type BatchReport, QueuePoller } from '../local/queue-poller.ts'
import { LOCAL_CREDENTIALS } from '../local/stack.ts'
import type { Log } from '../shared/app/log.ts'
import type { OrganizationDeps } from '../shared/app/organization.ts'
import { createAccountScanHandler } from '../shared/app/organization-handlers.ts'
import type { AccountScanDeps } from '../shared/app/organization-scan.ts'
import { accessAnalyzerClient } from '../shared/aws/access-analyzer.ts'
import { AccountSessions, eventBridgeClient } from '../shared/aws/account-sessions.ts'
import {
  type CallEvent,
  type CallObserver,
  type ClientOverrides,
  documentClient,
  iamClient,
} from '../shared/aws/clients.ts'
import { cloudTrailClient } from '../shared/aws/cloudtrail.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { tableDefinition } from '../shared/aws/findings-table.ts'
import { kmsClient, kmsItemMac } from '../shared/aws/kms.ts'
import { organizationsClient } from '../shared/aws/organizations.ts'
import { stsClient } from '../shared/aws/sts.ts'
import { parseConfig } from '../shared/config/config.ts'

export interface LambdaTarget {
  /** The simulator (every AWS API but DynamoDB and SQS). */
  endpoint: string
  /** The central scan role's session (the functions' execution role). */
  scan: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  centralAccountId: string
  macKeyArn: string
  dynamoEndpoint: string
  table: string
  /** The regions whose forwarding rules each member must have. */
  forwardRegions: string[]
  concurrency: number
}

/**
 * DynamoDB Local, loaded by the onboarding of many accounts at once (thousands of transactions of 100
 * items), sometimes answers after more than the functions' 15 s (IAMWATCH_REQUEST_TIMEOUT_MS); DynamoDB
 * does not. The bench's DynamoDB clients wait up to 2 minutes, so the emulator's stalls fail no scan.
 */
function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  const saved = process.env.IAMWATCH_REQUEST_TIMEOUT_MS
  process.env.IAMWATCH_REQUEST_TIMEOUT_MS = '120000'
  try {
    return documentClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
  } finally {
    if (saved === undefined) delete process.env.IAMWATCH_REQUEST_TIMEOUT_MS
    else process.env.IAMWATCH_REQUEST_TIMEOUT_MS = saved
  }
}

/** What the functions' cold start builds (organizationDepsFromEnv), with a DynamoDB client the caller may meter. */
export function lambdaDeps(
  t: LambdaTarget,
  log: Log,
  sessionName: string,
  meter?: (db: DynamoDBDocumentClient) => void,
  onCall?: CallObserver,
): AccountScanDeps {
  const seen = onCall ? { onCall } : {}
  const o: ClientOverrides = { endpoint: t.endpoint, region: 'us-east-1', credentials: t.scan, ...seen }
  const analyzers = new Map<string, ReturnType<typeof accessAnalyzerClient>>()
  const buses = new Map<string, ReturnType<typeof eventBridgeClient>>()
  const central = {
    accountId: t.centralAccountId,
    iam: iamClient(o),
    cloudTrail: cloudTrailClient(o),
    accessAnalyzer: (r: string) => analyzers.get(r) ?? analyzers.set(r, accessAnalyzerClient(r, o)).get(r)!,
    events: (r: string) => buses.get(r) ?? buses.set(r, eventBridgeClient({ ...o, region: r })).get(r)!,
  }
  const sts = stsClient(o)
  const config = parseConfig({ organization: { concurrency: t.concurrency } })
  const db = localDocumentClient(t.dynamoEndpoint)
  meter?.(db)
  const deps: OrganizationDeps & AccountScanDeps = {
    centralAccountId: t.centralAccountId,
    central,
    sts,
    organizations: organizationsClient(o),
    store: new FindingsStore(db, t.table, { mac: kmsItemMac(kmsClient(o), t.macKeyArn) }),
    config,
    region: 'us-east-1',
    partition: 'aws',
    log,
    sessionName: `iamwatch-${sessionName}`,
    forwardRegions: t.forwardRegions,
    // The reader roles' sessions, through the simulator (the functions' reach the real STS and IAM).
    sessions: new AccountSessions({
      sts,
      roleName: config.organization!.readerRoleName,
      centralAccountId: t.centralAccountId,
      central,
      partition: 'aws',
      sessionName: `iamwatch-${sessionName}`,
      overrides: { endpoint: t.endpoint, region: 'us-east-1', ...seen },
    }),
    // What the functions poll the credential report at (REPORT_POLL_MS, default 2 s).
    report: { pollIntervalMs: 2000 },
  }
  return deps
}

/** The size DynamoDB bills an item at: attribute names and values (UTF-8 bytes), as bench/as-of.ts reckons it. */
function itemSize(item: Record<string, unknown>): number {
  const value = (v: unknown): number => {
    if (v === null || v === undefined || typeof v === 'boolean') return 1
    if (typeof v === 'string') return Buffer.byteLength(v)
    if (typeof v === 'number') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1
    if (v instanceof Uint8Array) return v.byteLength
    if (v instanceof Set) return [...v].reduce((a: number, x) => a + value(x), 0)
    if (Array.isArray(v)) return 3 + v.reduce((a: number, x) => a + 1 + value(x), 0)
    if (typeof v === 'object')
      return 3 + Object.entries(v as object).reduce((a, [k, x]) => a + 1 + Buffer.byteLength(k) + value(x), 0)
    return 0
  }
  return Object.entries(item).reduce((a, [k, v]) => a + Buffer.byteLength(k) + value(v), 0)
}

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024))
const INDEXES = tableDefinition('x').GlobalSecondaryIndexes.map((g) => ({
  keys: g.KeySchema.map((k) => k.AttributeName),
  all: g.Projection.ProjectionType === 'ALL',
}))
const TABLE_KEYS = ['pk', 'sk']

/**
 * Write units of one Put in a transaction, as DynamoDB bills it: the item at 2 units per KB (a
 * transactional write), and each index the item appears in at 1 unit per KB of its entry (the item, for
 * the ALL projections; its keys, for KEYS_ONLY), as an index is updated after the transaction commits.
 * A Put that moves an existing item between index keys also deletes its old entry (1 unit more): not
 * counted, so a run that resolves findings is slightly under-counted.
 */
export function transactionalPutUnits(item: Record<string, unknown>): number {
  const size = itemSize(item)
  let units = 2 * kb(size)
  for (const index of INDEXES) {
    if (!index.keys.every((k) => item[k] !== undefined)) continue
    units += index.all
      ? kb(size)
      : kb(itemSize(Object.fromEntries([...TABLE_KEYS, ...index.keys].map((k) => [k, item[k]]))))
  }
  return units
}

export interface DynamoMeter {
  read: number
  write: number
  calls: number
  /** What DynamoDB Local reported (ReturnConsumedCapacity INDEXES), for comparison. */
  reported: { read: number; write: number }
  /** Transactions DynamoDB Local gave up on ("too long waiting for a lock"), retried: its artifact, not AWS's. */
  lockRetries: number
  byCommand: Record<string, { calls: number; units: number }>
}

export const emptyMeter = (): DynamoMeter => ({
  read: 0,
  write: 0,
  calls: 0,
  reported: { read: 0, write: 0 },
  lockRetries: 0,
  byCommand: {},
})

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'])
const isMarshalled = (item: Record<string, unknown>) =>
  Object.values(item).every((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return false
    const ks = Object.keys(v)
    return ks.length === 1 && ATTRIBUTE_TYPES.has(ks[0]!)
  })
const LOCAL_LOCK = /too long waiting for a lock/

/**
 * DynamoDB capacity by request, as on-demand bills it. DynamoDB Local's ReturnConsumedCapacity is right
 * for single-item writes and for reads that find something, but a TransactWriteItems reports the units of
 * one item whatever the transaction holds (1 item or 100: the same figure), and a read that finds nothing
 * reports 0 where DynamoDB charges its minimum. So: transactions are reckoned from the request
 * (transactionalPutUnits), a read is at least 0.5 unit per request or key (1 if strongly consistent),
 * everything else is as DynamoDB Local reports it. A transaction DynamoDB Local times out on its lock (it
 * says itself that DynamoDB would not) is tried again, up to 20 times; only the one that succeeds counts.
 */
export function meterDynamo(db: DynamoDBDocumentClient, m: DynamoMeter = emptyMeter()): DynamoMeter {
  const READS = /^(Get|BatchGet|Query|Scan|TransactGet)/
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>
      input.ReturnConsumedCapacity = 'INDEXES'
      let out: Awaited<ReturnType<typeof next>>
      for (let attempt = 0; ; attempt++) {
        try {
          out = await next(args)
          break
        } catch (err) {
          if (attempt >= 20 || !LOCAL_LOCK.test(String((err as Error)?.message))) throw err
          m.lockRetries++
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * Math.min(attempt + 1, 5)))
        }
      }
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity
      const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
        CapacityUnits?: number
      }>
      const reported = list.reduce((a, c) => a + (c.CapacityUnits ?? 0), 0)
      const name = String(context.commandName).replace(/Command$/, '')
      const read = READS.test(name)
      let units = reported
      if (name === 'TransactWriteItems') {
        const items = (input.TransactItems ?? []) as Array<Record<string, { Item?: Record<string, unknown> }>>
        units = items.reduce((a, t) => {
          const item = t.Put?.Item
          const plain = item && isMarshalled(item) ? unmarshall(item as never) : item
          return a + (plain ? transactionalPutUnits(plain) : 2)
        }, 0)
      } else if (name === 'BatchGetItem') {
        const req = (input.RequestItems ?? {}) as Record<
          string,
          { Keys?: unknown[]; ConsistentRead?: boolean }
        >
        const min = Object.values(req).reduce(
          (a, r) => a + (r.Keys?.length ?? 0) * (r.ConsistentRead ? 1 : 0.5),
          0,
        )
        units = Math.max(reported, min)
      } else if (read) units = Math.max(reported, input.ConsistentRead === true ? 1 : 0.5)
      m.calls++
      const seen = m.byCommand[name] ?? { calls: 0, units: 0 }
      m.byCommand[name] = seen
      seen.calls++
      seen.units += units
      if (read) {
        m.read += units
        m.reported.read += reported
      } else {
        m.write += units
        m.reported.write += reported
      }
      return out
    },
    { step: 'initialize', name: 'meterDynamo' },
  )
  return m
}

/** Adds one meter's figures into another. */
export function addMeter(into: DynamoMeter, m: DynamoMeter): DynamoMeter {
  into.read += m.read
  into.write += m.write
  into.calls += m.calls
  into.reported.read += m.reported.read
  into.reported.write += m.reported.write
  into.lockRetries += m.lockRetries
  for (const [k, v] of Object.entries(m.byCommand)) {
    const seen = into.byCommand[k] ?? { calls: 0, units: 0 }
    into.byCommand[k] = seen
    seen.calls += v.calls
    seen.units += v.units
  }
  return into
}

/** Peak RSS and heap, sampled every `everyMs`, in windows the caller opens. */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout
  private peak = { rss: 0, heap: 0, sockets: 0 }
  constructor(everyMs = 20) {
    this.timer = setInterval(() => this.sample(), everyMs)
    this.timer.unref()
  }
  sample(): void {
    const m = process.memoryUsage()
    this.peak.rss = Math.max(this.peak.rss, m.rss)
    this.peak.heap = Math.max(this.peak.heap, m.heapUsed)
    const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
    this.peak.sockets = Math.max(this.peak.sockets, sockets)
  }
  /** Starts a window: the peaks from now on. */
  open(): void {
    this.peak = { rss: 0, heap: 0, sockets: 0 }
    this.sample()
  }
  /** The window's peaks: RSS and heap in MB, and the most TCP sockets open at once. */
  close(): { rssMb: number; heapMb: number; sockets: number } {
    this.sample()
    return { rssMb: this.peak.rss / 2 ** 20, heapMb: this.peak.heap / 2 ** 20, sockets: this.peak.sockets }
  }
  stop(): void {
    clearInterval(this.timer)
  }
}

/** One invocation of the instance: one account's scan. */
export interface Invocation {
  accountId?: string
  /** The parts its message asked for. */
  parts: string[]
  /** AWS calls it made (but DynamoDB's), by service: as the SDK saw them end, retries not counted. */
  calls: Record<string, number>
  ms: number
  cpuMs: number
  status?: string
  opened: number
  resolved: number
  failed: boolean
}

export interface DrainResult {
  invocations: Invocation[]
  units: DynamoMeter
  sqs: { receives: number; emptyReceives: number; deletes: number }
  /**
   * This drain's peaks, the process's RSS before it, its largest resident set so far (getrusage), and
   * its heap after a full GC once the drain is over: what a warm instance keeps between invocations.
   */
  memory: {
    rssMb: number
    heapMb: number
    sockets: number
    beforeRssMb: number
    maxRssMb: number
    retainedHeapMb: number
  }
}

export type InstanceRequest = { op: 'drain'; queueUrl: string; sqsEndpoint: string } | { op: 'stop' }

if (import.meta.main) {
  if (!process.send) throw new Error('organization-instance runs forked, with an IPC channel')
  const target = JSON.parse(process.env.BENCH_ORG_INSTANCE ?? '{}') as LambdaTarget
  const memory = new MemorySampler(25)
  let scanned: Record<string, unknown> | undefined
  const log: Log = {
    info: (m, e) => {
      if (m === 'account scanned') scanned = e
    },
    warn() {},
    error: (m, e) => process.stderr.write(`scan-account instance: ${m} ${JSON.stringify(e ?? {})}\n`),
  }
  const meter = emptyMeter()
  // Built at the first invocation (`once` in functions/scan-account.ts): the cold start is in the first scan.
  let deps: AccountScanDeps | undefined
  let calls: Record<string, number> = {}
  const count = (c: CallEvent) => {
    calls[c.service] = (calls[c.service] ?? 0) + 1
  }
  const handler = createAccountScanHandler(() => {
    deps ??= lambdaDeps(target, log, 'scan-account', (db) => void meterDynamo(db, meter), count)
    return deps
  })
  let sqs: SQSClient | undefined
  process.on('message', async (m: InstanceRequest) => {
    if (m.op === 'stop') {
      memory.stop()
      sqs?.destroy()
      process.exit(0)
    }
    sqs ??= new SQSClient({ endpoint: m.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
    // Each drain's own figures: the middleware adds into this object, reset in place.
    Object.assign(meter, emptyMeter())
    const invocations: Invocation[] = []
    let cpu = process.cpuUsage()
    let parts: string[] = []
    const poller = new QueuePoller(
      sqs,
      m.queueUrl,
      async (event, context) => {
        scanned = undefined
        calls = {}
        try {
          parts = (JSON.parse(event.Records[0]?.body ?? '{}') as { parts?: string[] }).parts ?? []
        } catch {
          parts = []
        }
        cpu = process.cpuUsage()
        return handler(event, context as never)
      },
      {
        batchSize: 1,
        functionName: 'scan-account',
        timeoutMs: 900_000,
        onBatch: (b: BatchReport) => {
          const used = process.cpuUsage(cpu)
          invocations.push({
            ...(scanned?.accountId ? { accountId: String(scanned.accountId) } : {}),
            parts,
            calls,
            ms: b.ms,
            cpuMs: (used.user + used.system) / 1000,
            ...(scanned?.status ? { status: String(scanned.status) } : {}),
            opened: Number(scanned?.opened ?? 0),
            resolved: Number(scanned?.resolved ?? 0),
            failed: b.failed.length > 0,
          })
        },
      },
    )
    const beforeRssMb = process.memoryUsage().rss / 2 ** 20
    memory.open()
    await poller.drain()
    const peak = memory.close()
    globalThis.gc?.()
    const retainedHeapMb = process.memoryUsage().heapUsed / 2 ** 20
    const out: DrainResult = {
      invocations,
      units: meter,
      sqs: {
        receives: poller.requests.receives,
        emptyReceives: poller.requests.emptyReceives,
        deletes: poller.requests.deletes,
      },
      memory: { ...peak, beforeRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024, retainedHeapMb },
    }
    process.send!(out)
  })
  process.send({ ready: true })
}
