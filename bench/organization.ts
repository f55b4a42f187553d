/**
 * One deployment watching every account of an AWS Organization (issue 13): wall time, invocations, calls,
 * memory and DynamoDB capacity of the two dispatch schedules, measured on `accounts` member accounts
 * (IAMWATCH_BENCH_ORG_ACCOUNTS, default 10, so that `npm run bench` stays short; the issue's 100 take
 * ~25 minutes here, most of it DynamoDB Local storing the first run's findings), the dispatch alone on
 * IAMWATCH_BENCH_ORG_DISPATCH_ACCOUNTS light members (default 200; 1,000 take ~95 s), extrapolated to
 * 1,000 accounts, and the cost per account per month. Run by bench.ts in a fresh process, or alone:
 *   node bench/organization.ts [accounts]
 * Prints one JSON object on its last line; `organizationRows` turns it into the table's rows.
 *
 * What runs for real: the org-dispatch handler in this process (createOrgDispatchHandler: discovery, the
 * member probes, the organization checks, one request per reachable member sent by SendMessageBatch to
 * the account-scans queue in fauxqs), and the scan-account handler in `concurrency` (20) processes, one
 * per function instance (bench/organization-instance.ts), each taking one message at a time until the
 * queue is empty: the event source mapping's batch size 1 and maximum concurrency. DynamoDB Local (every
 * read and write, its capacity reckoned as on-demand bills it); the item MACs (KMS GenerateMac). The
 * organization is served by the simulator in its own process (bench/organization-world.ts) with a fixed
 * latency on every call.
 *
 * Each schedule runs twice: first (every finding opened: the onboarding), then as the next period sees it
 * (credential reports regenerated, nothing changed: the steady state, which is what a month bills).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { SQSClient } from '@aws-sdk/client-sqs'
import { ORGANIZATIONS_ACTIONS } from '../local/iam-sim/actions/organizations.ts'
import { createFindingsTable, createWorkQueue, LOCAL_CREDENTIALS, startLocalStack } from '../local/stack.ts'
import type { Log } from '../shared/app/log.ts'
import { createOrgDispatchHandler } from '../shared/app/organization-handlers.ts'
import { once } from '../shared/app/runtime.ts'
import { sendScanRequests } from '../shared/aws/account-scan-queue.ts'
import { FUNCTIONS } from '../stacks/functions.ts'
import { PRICES } from './key-activity.ts'
import {
  addMeter,
  type DrainResult,
  type DynamoMeter,
  emptyMeter,
  type InstanceRequest,
  type Invocation,
  type LambdaTarget,
  lambdaDeps,
  MemorySampler,
  meterDynamo,
} from './organization-instance.ts'
import {
  MEMBER_SHAPE,
  SECURITY,
  type WorldReady,
  type WorldRequest,
  type WorldSettings,
} from './organization-world.ts'

/**
 * The schedules and the queue's redrive, from the stack. Imported by a computed specifier: its module
 * types name the SST globals, which only tsconfig.infra.json knows; its code uses none at import.
 */
const infra = (await import(new URL('../stacks/organization.ts', import.meta.url).href)) as {
  ORGANIZATION_DISPATCHES: ReadonlyArray<{ schedule: string; parts: readonly string[] }>
  ACCOUNT_SCANS_MAX_RECEIVES: number
}
const { ORGANIZATION_DISPATCHES, ACCOUNT_SCANS_MAX_RECEIVES } = infra

/**
 * The simulator's latency, on every call: 50 ms. IAM, STS and Organizations are global endpoints served
 * from us-east-1; from a function in us-east-1 a small read (GetAccountSummary, ListRules, a job's status)
 * answers in ~20-60 ms and a paged one (GetAccountAuthorizationDetails, ListAccounts) in ~100-500 ms.
 * A scan's time is the sum of its sequential calls, so the mean is what matters; the simulator has one
 * fixed delay, so 50 ms stands for the mix, as in the Access Advisor bench. Credential reports are ready
 * 1 s after GenerateCredentialReport (a 100-user report); Access Advisor jobs complete in 200 ms, as in
 * the Access Advisor bench (the notes say what slower jobs would do).
 */
const WORLD: Omit<WorldSettings, 'accounts'> = { latencyMs: 50, reportDelayMs: 1000, accessJobDelayMs: 200 }
const CONCURRENCY = 20
const TARGET_ACCOUNTS = 1000
const LAMBDA_TIMEOUT_MS = FUNCTIONS['scan-account'].timeoutSeconds * 1000
const DAYS_PER_MONTH = 30
/** KMS: $0.03 per 10,000 requests (GenerateMac among them), us-east-1. https://aws.amazon.com/kms/pricing/ */
const KMS_PER_REQUEST = 0.03 / 10_000

const MEMORY_MB = {
  dispatch: FUNCTIONS['org-dispatch'].memoryMb,
  scan: FUNCTIONS['scan-account'].memoryMb,
}
/** At 1,769 MB a Lambda function has one vCPU; below, a proportional share (Lambda's documentation). */
const CPU_SHARE = Math.min(1, MEMORY_MB.scan / 1769)

/** Runs a day of each schedule (stacks/organization.ts), by its parts. */
const RUNS_PER_DAY = Object.fromEntries(
  ORGANIZATION_DISPATCHES.map((d) => {
    const m = /^rate\((\d+) (hours?|days?)\)$/.exec(d.schedule)
    if (!m) throw new Error(`unexpected schedule ${d.schedule}`)
    return [d.parts.join('+'), 24 / (Number(m[1]) * (m[2]!.startsWith('day') ? 24 : 1))]
  }),
) as Record<string, number>

/** A forked helper process that answers each message with one message. */
class Child {
  private pending?: { resolve: (m: unknown) => void; reject: (err: Error) => void }
  private readonly child: ChildProcess
  private constructor(child: ChildProcess, file: string) {
    this.child = child
    child.on('message', (m) => {
      const p = this.pending
      this.pending = undefined
      p?.resolve(m)
    })
    child.once('exit', (code, signal) => {
      const p = this.pending
      this.pending = undefined
      p?.reject(new Error(`${file} exited (${code ?? signal}) before it answered`))
    })
  }
  /** Forks `file` and waits for its first message (its `ready`). */
  static async start<R>(file: string, env: Record<string, string>): Promise<{ child: Child; ready: R }> {
    const proc = fork(new URL(file, import.meta.url), [], {
      env: { ...process.env, ...env },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const child = new Child(proc, file)
    const ready = await new Promise<R>((resolve, reject) => {
      child.pending = { resolve: (m) => resolve((m as { ready: R }).ready), reject }
    })
    return { child, ready }
  }
  ask<T>(request: WorldRequest | InstanceRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve: resolve as (m: unknown) => void, reject }
      this.child.send(request)
    })
  }
  /** Asks it to stop; resolves once it exited. */
  stop(request: WorldRequest | InstanceRequest): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve()
      this.child.once('exit', () => resolve())
      this.child.send(request)
    })
  }
}

type SimCounts = { counts: Record<string, number>; cpuMs: number }

/** Calls by service, from the simulator's per-action counts. */
const ORGANIZATIONS = new Set(Object.keys(ORGANIZATIONS_ACTIONS))
export function byService(counts: Record<string, number>) {
  const out = { iam: 0, sts: 0, organizations: 0, events: 0, cloudtrail: 0, accessAnalyzer: 0, kms: 0 }
  for (const [action, n] of Object.entries(counts)) {
    if (action === 'AssumeRole' || action === 'GetCallerIdentity') out.sts += n
    else if (action === 'GenerateMac' || action === 'VerifyMac') out.kms += n
    else if (['ListRules', 'ListTargetsByRule', 'DescribeRule'].includes(action)) out.events += n
    else if (/Trail|EventSelectors|InsightSelectors/.test(action)) out.cloudtrail += n
    else if (action === 'ListAnalyzers') out.accessAnalyzer += n
    else if (ORGANIZATIONS.has(action)) out.organizations += n
    else out.iam += n
  }
  return out
}

export interface ScheduleResult {
  label: string
  parts: string[]
  accounts: number
  dispatch: {
    ms: number
    result: Record<string, unknown>
    calls: Record<string, number>
    units: DynamoMeter
    memory: { rssMb: number; heapMb: number; sockets: number }
    sqsSendBatches: number
  }
  scans: {
    /** From the dispatch's start to the last scan's end. */
    wallMs: number
    fanOutMs: number
    invocations: Invocation[]
    calls: Record<string, number>
    units: DynamoMeter
    /**
     * The largest instance's peak RSS and heap, the instances' RSS summed at their peaks, and the largest
     * heap an instance kept after the drain (after a full GC).
     */
    memory: { rssMb: number; heapMb: number; totalRssMb: number; retainedHeapMb: number }
    /** The simulator's CPU time during the fan-out. */
    simulatorCpuMs: number
    sqs: { receives: number; emptyReceives: number; deletes: number }
  }
}

const quiet: Log = {
  info() {},
  warn() {},
  error: (m, e) => process.stderr.write(`organization bench: ${m} ${JSON.stringify(e ?? {})}\n`),
}

interface Setup {
  world: Child
  instances: Child[]
  target: LambdaTarget
  accounts: number
  queueUrl: string
  sqsEndpoint: string
  memory: MemorySampler
}

/** One org-dispatch invocation, in this process (its own deps, built at the invocation as `once` does). */
async function runDispatch(
  s: Omit<Setup, 'instances'>,
  parts: string[],
): Promise<ScheduleResult['dispatch']> {
  await s.world.ask({ op: 'reset' })
  const meter = emptyMeter()
  const sqs = new SQSClient({ endpoint: s.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
  let sendBatches = 0
  const dispatch = createOrgDispatchHandler(
    once(() => ({
      ...lambdaDeps(s.target, quiet, 'org-dispatch', (db) => void meterDynamo(db, meter)),
      enqueue: (requests) => {
        sendBatches += Math.ceil(requests.length / 10)
        return sendScanRequests(sqs, s.queueUrl, requests)
      },
    })),
    () => {},
  )
  s.memory.open()
  const t0 = performance.now()
  const result = (await dispatch({ parts }, {} as never)) as Record<string, unknown>
  const ms = performance.now() - t0
  const memory = s.memory.close()
  sqs.destroy()
  const calls = (await s.world.ask<SimCounts>({ op: 'counts' })).counts
  return { ms, result, calls, units: meter, memory, sqsSendBatches: sendBatches }
}

/** One schedule: org-dispatch, then every instance draining the queue at once. */
async function runSchedule(s: Setup, label: string, parts: string[]): Promise<ScheduleResult> {
  const t0 = performance.now()
  const dispatch = await runDispatch(s, parts)
  await s.world.ask({ op: 'reset' })
  const simCpu0 = (await s.world.ask<SimCounts>({ op: 'counts' })).cpuMs
  const t1 = performance.now()
  const drains = await Promise.all(
    s.instances.map((i) =>
      i.ask<DrainResult>({ op: 'drain', queueUrl: s.queueUrl, sqsEndpoint: s.sqsEndpoint }),
    ),
  )
  const fanOutMs = performance.now() - t1
  const after = await s.world.ask<SimCounts>({ op: 'counts' })
  const sum = (f: (d: DrainResult) => number) => drains.reduce((a, d) => a + f(d), 0)
  return {
    label,
    parts,
    accounts: s.accounts,
    dispatch,
    scans: {
      wallMs: performance.now() - t0,
      fanOutMs,
      invocations: drains.flatMap((d) => d.invocations),
      calls: after.counts,
      units: drains.reduce((a, d) => addMeter(a, d.units), emptyMeter()),
      memory: {
        rssMb: Math.max(...drains.map((d) => d.memory.rssMb)),
        heapMb: Math.max(...drains.map((d) => d.memory.heapMb)),
        totalRssMb: sum((d) => d.memory.rssMb),
        retainedHeapMb: Math.max(...drains.map((d) => d.memory.retainedHeapMb)),
      },
      simulatorCpuMs: after.cpuMs - simCpu0,
      sqs: {
        receives: sum((d) => d.sqs.receives),
        emptyReceives: sum((d) => d.sqs.emptyReceives),
        deletes: sum((d) => d.sqs.deletes),
      },
    },
  }
}

/**
 * A fresh instance alone, nothing else running: one account's requests as the dispatcher makes them (one
 * per part), one after the other. The first invocation is a cold start; the instance's peak is what one
 * function instance holds; the waits and CPU times give the durations Lambda would bill.
 */
async function aloneInstance(s: Setup, accountId: string, parts: string[]): Promise<DrainResult> {
  const { child } = await Child.start('./organization-instance.ts', {
    BENCH_ORG_INSTANCE: JSON.stringify(s.target),
  })
  const sqs = new SQSClient({ endpoint: s.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
  const now = new Date().toISOString()
  await sendScanRequests(
    sqs,
    s.queueUrl,
    parts.map((part) => ({
      accountId,
      accountName: 'member-0',
      ouPath: 'Root/Workloads/Prod',
      parts: [part],
      dispatchId: `bench-alone-${parts.join('+')}`,
      requestedAt: now,
    })),
  )
  sqs.destroy()
  // Nothing else is in the queue: the instance drains these.
  const out = await child.ask<DrainResult>({ op: 'drain', queueUrl: s.queueUrl, sqsEndpoint: s.sqsEndpoint })
  await child.stop({ op: 'stop' })
  return out
}

export interface OrganizationOut {
  accounts: number
  concurrency: number
  world: Omit<WorldSettings, 'accounts'> & { buildMs: number; rssMb: number }
  shape: typeof MEMBER_SHAPE
  memoryMb: typeof MEMORY_MB
  cpuShare: number
  runsPerDay: Record<string, number>
  schedules: ScheduleResult[]
  alone: { credentials: DrainResult; daily: DrainResult }
  /** org-dispatch of `accounts` members (each with its reader role and forwarding rules, nothing else). */
  atScale: { accounts: number; dispatch: ScheduleResult['dispatch'] }
  /** This process's RSS when the bench started (modules loaded): what the dispatch holds before it runs. */
  baseRssMb: number
}

/**
 * The dispatch is the one part whose time grows with the organization (one Lambda, 900 s): run it on
 * `accounts` light members, in a simulator of its own, into a table and queue of its own.
 */
export async function dispatchAtScale(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  accounts: number,
  memory: MemorySampler,
): Promise<OrganizationOut['atScale']> {
  const { child: world, ready } = await Child.start<WorldReady>('./organization-world.ts', {
    BENCH_ORG_WORLD: JSON.stringify({ accounts, ...WORLD, light: true }),
  })
  try {
    const table = `bench-organization-scale-${accounts}`
    await createFindingsTable(stack.dynamo.endpoint, table)
    const { queueUrl } = await createWorkQueue(stack.snsSqs.endpoint, `bench-account-scans-scale-${accounts}`)
    const target = lambdaTarget(ready, stack.dynamo.endpoint, table)
    const dispatch = await runDispatch(
      { world, target, accounts, queueUrl, sqsEndpoint: stack.snsSqs.endpoint, memory },
      [...ORGANIZATION_DISPATCHES[0]!.parts],
    )
    process.stderr.write(
      `organization dispatch of ${accounts} members: ${(dispatch.ms / 1000).toFixed(1)} s\n`,
    )
    return { accounts, dispatch }
  } finally {
    await world.stop({ op: 'stop' })
  }
}

/** The functions' side of a run: the world's simulator and scan, the central account, the table. */
function lambdaTarget(ready: WorldReady, dynamoEndpoint: string, table: string): LambdaTarget {
  return {
    endpoint: ready.endpoint,
    scan: ready.scan,
    centralAccountId: SECURITY,
    macKeyArn: ready.macKeyArn,
    dynamoEndpoint,
    table,
    forwardRegions: ['us-east-1'],
    concurrency: CONCURRENCY,
  }
}

export async function runOrganizationBench(
  accounts: number,
  dispatchAccounts: number,
): Promise<OrganizationOut> {
  const baseRssMb = process.memoryUsage().rss / 2 ** 20
  const stack = await startLocalStack()
  const memory = new MemorySampler()
  const instances: Child[] = []
  let world: Child | undefined
  try {
    // First, while DynamoDB Local is empty (it slows down as it fills; DynamoDB does not).
    const atScale = await dispatchAtScale(stack, dispatchAccounts, memory)
    const started = await Child.start<WorldReady>('./organization-world.ts', {
      BENCH_ORG_WORLD: JSON.stringify({ accounts, ...WORLD }),
    })
    world = started.child
    const ready = started.ready
    process.stderr.write(
      `organization: ${accounts} members built in ${(ready.buildMs / 1000).toFixed(1)} s\n`,
    )
    const table = 'bench-organization'
    await createFindingsTable(stack.dynamo.endpoint, table)
    const { queueUrl } = await createWorkQueue(stack.snsSqs.endpoint, 'bench-account-scans', {
      visibilityTimeoutSeconds: (6 * LAMBDA_TIMEOUT_MS) / 1000,
      maxReceiveCount: ACCOUNT_SCANS_MAX_RECEIVES,
    })
    const target = lambdaTarget(ready, stack.dynamo.endpoint, table)
    instances.push(
      ...(
        await Promise.all(
          Array.from({ length: CONCURRENCY }, () =>
            Child.start('./organization-instance.ts', { BENCH_ORG_INSTANCE: JSON.stringify(target) }),
          ),
        )
      ).map((i) => i.child),
    )
    const setup: Setup = {
      world,
      instances,
      target,
      accounts,
      queueUrl,
      sqsEndpoint: stack.snsSqs.endpoint,
      memory,
    }
    const [credentials, daily] = ORGANIZATION_DISPATCHES.map((d) => [...d.parts] as string[])
    const schedules: ScheduleResult[] = []
    const run = async (label: string, parts: string[]) => {
      const r = await runSchedule(setup, label, parts)
      const failed = r.scans.invocations.filter((i) => i.failed).length
      process.stderr.write(
        `organization ${label}: ${r.scans.invocations.length} scans${failed ? ` (${failed} failed)` : ''} in ${(r.scans.wallMs / 1000).toFixed(1)} s (dispatch ${(r.dispatch.ms / 1000).toFixed(1)} s)\n`,
      )
      schedules.push(r)
    }
    await run('credentials, first', credentials!)
    // Four hours later: the reports have expired; nothing else changed.
    await world.ask({ op: 'expire-reports' })
    await run('credentials, steady', credentials!)
    await run('daily, first', daily!)
    await run('daily, steady', daily!)
    await Promise.all(instances.splice(0).map((i) => i.stop({ op: 'stop' })))
    await world.ask({ op: 'expire-reports' })
    const alone = {
      credentials: await aloneInstance(setup, ready.members[0]!, credentials!),
      daily: await aloneInstance(setup, ready.members[0]!, daily!),
    }
    await world.stop({ op: 'stop' })
    return {
      accounts,
      concurrency: CONCURRENCY,
      world: { ...WORLD, buildMs: ready.buildMs, rssMb: ready.rssMb },
      shape: MEMBER_SHAPE,
      memoryMb: MEMORY_MB,
      cpuShare: CPU_SHARE,
      runsPerDay: RUNS_PER_DAY,
      schedules,
      alone,
      atScale,
      baseRssMb,
    }
  } finally {
    memory.stop()
    await Promise.all(instances.map((i) => i.stop({ op: 'stop' })))
    await world?.stop({ op: 'stop' })
    await stack.stop()
  }
}

// ---------------------------------------------------------------------------------------------------
// The table: measured figures, the extrapolation to 1,000 accounts, the cost per account per month.

export const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/**
 * The fan-out of `n` accounts at `concurrency`, the accounts taking the measured durations in turn
 * (repeated): the greedy schedule the event source mapping makes (each free instance takes the next
 * message). Its makespan, in ms.
 */
export function makespan(durations: readonly number[], n: number, concurrency: number): number {
  const free = new Array<number>(concurrency).fill(0)
  for (let i = 0; i < n; i++) {
    let k = 0
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j
    free[k]! += durations[i % durations.length]!
  }
  return Math.max(...free)
}

/** A warm invocation's duration on Lambda: its waits as measured alone, its CPU time at the function's share. */
export const lambdaMs = (i: Invocation, share: number) => Math.max(0, i.ms - i.cpuMs) + i.cpuMs / share

const findSchedule = (out: OrganizationOut, parts: string, kind: 'first' | 'steady') =>
  out.schedules.find((s) => s.parts.join('+') === parts && s.label.includes(kind))!

/** One account's invocations of a schedule, in a fresh instance alone: their durations on Lambda (ms). */
const aloneDurations = (out: OrganizationOut, parts: string) => {
  const a = parts === 'credentials' ? out.alone.credentials : out.alone.daily
  return a.invocations.map((i) => lambdaMs(i, out.cpuShare))
}

/** The directory item's size per account (KB), from the one PutItem of the dispatch at scale. */
const directoryKbPerAccount = (out: OrganizationOut) =>
  (out.atScale.dispatch.units.byCommand.PutItem?.units ?? 0) / out.atScale.accounts

/**
 * Per account per month at 1,000 accounts, from the steady runs: the scan-account invocations (one per
 * account and part) billed at the durations one instance took alone (waits as measured, CPU at the
 * function's share: as on Lambda) or, `fan-out`, at those measured in the fan-out (20 instances on this
 * machine's cores, with the simulator and DynamoDB Local: an upper bound), the account's share of the org-dispatch (one
 * invocation per run for the whole organization; its time per account as measured at scale), DynamoDB
 * units as measured plus each invocation's read of the directory item as it is at 1,000 accounts (every
 * scan reads it; in the run it holds only the measured accounts), SQS requests (the send batch's share,
 * the receive and the delete), KMS GenerateMac calls.
 */
export function organizationCost(out: OrganizationOut, durations: 'fan-out' | 'alone' = 'alone') {
  const directoryRru = 0.5 * Math.ceil((directoryKbPerAccount(out) * TARGET_ACCOUNTS) / 4)
  const perKind = Object.keys(out.runsPerDay).map((parts) => {
    const s = findSchedule(out, parts, 'steady')
    const runs = out.runsPerDay[parts]! * DAYS_PER_MONTH
    const n = s.accounts
    const inv = s.scans.invocations
    const perAccount = inv.length / n
    const scanSeconds =
      durations === 'alone'
        ? aloneDurations(out, parts).reduce((a, ms) => a + ms, 0) / 1000
        : inv.reduce((a, i) => a + i.ms, 0) / 1000 / n
    const dispatchSeconds = out.atScale.dispatch.ms / 1000 / out.atScale.accounts
    const gbSeconds =
      scanSeconds * (out.memoryMb.scan / 1024) + dispatchSeconds * (out.memoryMb.dispatch / 1024)
    const lambdaRequests = runs * (perAccount + 1 / TARGET_ACCOUNTS) * PRICES.lambdaPerRequest
    const lambdaCompute = runs * gbSeconds * PRICES.lambdaArmPerGbSecond
    const rru = (s.scans.units.read + s.dispatch.units.read) / n + perAccount * directoryRru
    const wru = (s.scans.units.write + s.dispatch.units.write) / n
    const dynamo = runs * (rru * PRICES.dynamoPerRru + wru * PRICES.dynamoPerWru)
    const sqsRequests = (s.dispatch.sqsSendBatches + s.scans.sqs.receives + s.scans.sqs.deletes) / n
    const sqs = runs * sqsRequests * PRICES.sqsPerRequest
    const kms = (byService(s.scans.calls).kms + byService(s.dispatch.calls).kms) / n
    const kmsCost = runs * kms * KMS_PER_REQUEST
    return {
      parts,
      runs,
      perAccount,
      scanSeconds,
      gbSeconds,
      rru,
      wru,
      sqsRequests,
      kms,
      lambdaRequests,
      lambdaCompute,
      dynamo,
      sqs,
      kmsCost,
      total: lambdaRequests + lambdaCompute + dynamo + sqs + kmsCost,
    }
  })
  const total = perKind.reduce((a, k) => a + k.total, 0)
  const onboarding =
    Object.keys(out.runsPerDay).reduce((a, parts) => {
      const s = findSchedule(out, parts, 'first')
      return (
        a +
        (s.scans.units.write + s.dispatch.units.write) * PRICES.dynamoPerWru +
        (s.scans.units.read + s.dispatch.units.read) * PRICES.dynamoPerRru +
        (byService(s.scans.calls).kms + byService(s.dispatch.calls).kms) * KMS_PER_REQUEST
      )
    }, 0) / out.accounts
  return { perKind, total, onboarding, directoryRru }
}

type Row = [string, string, string]

export function organizationRows(out: OrganizationOut): Row[] {
  const n = (x: number) => Math.round(x).toLocaleString('en-US')
  const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`
  const $ = (x: number) => `$${x < 0.001 ? x.toFixed(5) : x < 0.01 ? x.toFixed(4) : x.toFixed(3)}`
  const N = out.accounts
  const per = (x: number, digits = 1) => (x / N).toFixed(digits)
  const T = TARGET_ACCOUNTS
  const byPart = (inv: readonly Invocation[], f: (xs: number[]) => number) => {
    const parts = [...new Set(inv.map((i) => i.parts.join('+')))]
    return parts.length > 1
      ? ` (${parts.map((p) => `${p} ${s1(f(inv.filter((i) => i.parts.join('+') === p).map((i) => i.ms)))}`).join(', ')})`
      : ''
  }
  const callsByPart = (inv: readonly Invocation[]) =>
    [...new Set(inv.map((i) => i.parts.join('+')))]
      .map((p) => {
        const mine = inv.filter((i) => i.parts.join('+') === p)
        const totals: Record<string, number> = {}
        for (const i of mine) for (const [k, v] of Object.entries(i.calls)) totals[k] = (totals[k] ?? 0) + v
        const list = Object.entries(totals)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${(v / mine.length).toFixed(v / mine.length < 10 ? 1 : 0)}`)
        return `${p}: ${list.join(', ')}`
      })
      .join('; ')
  const rows: Row[] = [
    [
      `organization: ${N} members x (${out.shape.users} users, ${out.shape.roles} roles, ${out.shape.policies} policies), ${out.world.latencyMs} ms a call, ${out.concurrency} instances`,
      `reports ready in ${s1(out.world.reportDelayMs)} (polled every 2 s), Access Advisor jobs ${out.world.accessJobDelayMs} ms`,
      '',
    ],
  ]
  for (const s of out.schedules) {
    const inv = s.scans.invocations
    const d = inv.map((i) => i.ms)
    const calls = byService(s.scans.calls)
    const dcalls = byService(s.dispatch.calls)
    const statuses = Object.entries(
      inv.reduce<Record<string, number>>((a, i) => {
        const k = i.failed ? 'failed' : (i.status ?? 'unknown')
        a[k] = (a[k] ?? 0) + 1
        return a
      }, {}),
    )
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')
    const opened = inv.reduce((a, i) => a + i.opened, 0)
    rows.push(
      [
        `  ${s.label} (${s.parts.join(', ')}): wall = dispatch + fan-out`,
        `${s1(s.scans.wallMs)} = ${s1(s.dispatch.ms)} + ${s1(s.scans.fanOutMs)}; 1 + ${inv.length} invocations (${statuses}); ${n(opened)} findings opened`,
        '',
      ],
      [
        '    scan-account invocation: median / p95 / max (medians by part)',
        `${s1(pct(d, 50))} / ${s1(pct(d, 95))} / ${s1(Math.max(...d))}${byPart(inv, (xs) => pct(xs, 50))}; CPU ${s1(mean(inv.map((i) => i.cpuMs)))} mean`,
        `< ${LAMBDA_TIMEOUT_MS / 1000} s`,
      ],
      [
        '    calls per account: scans IAM / STS / CloudTrail + Analyzer / KMS; dispatch IAM / STS / Organizations / EventBridge',
        `${per(calls.iam)} / ${per(calls.sts)} / ${per(calls.cloudtrail + calls.accessAnalyzer)} / ${per(calls.kms)}; ${per(dcalls.iam, 2)} / ${per(dcalls.sts, 2)} / ${per(dcalls.organizations, 2)} / ${per(dcalls.events, 2)}`,
        '',
      ],
      ['    calls per invocation by part (as the SDK saw them; DynamoDB apart)', callsByPart(inv), ''],
      [
        '    DynamoDB per account: scans RRU / WRU; dispatch RRU / WRU',
        `${per(s.scans.units.read)} / ${per(s.scans.units.write)}; ${per(s.dispatch.units.read, 2)} / ${per(s.dispatch.units.write, 2)}${s.scans.units.lockRetries ? ` (${s.scans.units.lockRetries} DynamoDB Local lock timeouts retried)` : ''}`,
        '',
      ],
      [
        `    the largest of the ${out.concurrency} scan-account instances: peak RSS / heap; heap kept after GC`,
        `${n(s.scans.memory.rssMb)} / ${n(s.scans.memory.heapMb)} MB; ${n(s.scans.memory.retainedHeapMb)} MB (all ${out.concurrency}: ${n(s.scans.memory.totalRssMb)} MB RSS)`,
        `<= ${out.memoryMb.scan} MB`,
      ],
    )
  }
  for (const [name, a] of Object.entries(out.alone))
    rows.push([
      `  ${name}, one account in a fresh instance alone: wall (CPU; on Lambda at ${out.memoryMb.scan} MB) per invocation; peak RSS / heap`,
      `${a.invocations.map((i) => `${i.parts.join('+')} ${s1(i.ms)} (${s1(i.cpuMs)}; ~${s1(lambdaMs(i, out.cpuShare))})`).join(', ')}; ${n(a.memory.rssMb)} / ${n(a.memory.heapMb)} MB`,
      `<= ${out.memoryMb.scan} MB`,
    ])
  // The dispatch grows with the accounts (probes 20 at a time, the organization checks 8 at a time).
  const big = out.atScale
  const bigCalls = byService(big.dispatch.calls)
  const M = big.accounts
  const dispatch = (big.dispatch.ms * T) / M
  rows.push(
    [
      `  org-dispatch of ${n(M)} members (reader role and forwarding rules only): wall; calls per account`,
      `${s1(big.dispatch.ms)}; IAM ${(bigCalls.iam / M).toFixed(2)}, STS ${(bigCalls.sts / M).toFixed(2)}, Organizations ${(bigCalls.organizations / M).toFixed(2)}, EventBridge ${(bigCalls.events / M).toFixed(2)}; peak RSS / heap ${n(big.dispatch.memory.rssMb)} / ${n(big.dispatch.memory.heapMb)} MB`,
      `<= ${out.memoryMb.dispatch} MB`,
    ],
    [
      `    at ${n(T)} members: ${s1(big.dispatch.ms)} x ${n(T)}/${n(M)}; the directory item`,
      `${s1(dispatch)}; ~${n(directoryKbPerAccount(out) * T)} KB, read by every scan-account invocation`,
      `< ${LAMBDA_TIMEOUT_MS / 1000} s; < 400 KB`,
    ],
  )
  // To 1,000 accounts, from the steady runs: the dispatch as above, then the invocations in waves.
  for (const parts of Object.keys(out.runsPerDay)) {
    const s = findSchedule(out, parts, 'steady')
    const d = s.scans.invocations.map((i) => i.ms)
    const k = s.scans.invocations.length / N
    const waves = Math.ceil((T * k) / out.concurrency)
    const p95 = pct(d, 95)
    const greedy = makespan(d, T * k, out.concurrency)
    const alone = aloneDurations(out, parts)
    const lambda = makespan(alone, T * k, out.concurrency)
    rows.push([
      `  ${n(T)} accounts, ${parts.replaceAll('+', ', ')}: dispatch + ceil(${n(T)} x ${k}/${out.concurrency}) x p95; greedy (fan-out durations; as on Lambda)`,
      `${s1(dispatch)} + ${waves} x ${s1(p95)} = ${min(dispatch + waves * p95)}; ${s1(dispatch)} + ${s1(greedy)} = ${min(dispatch + greedy)}; ${s1(dispatch)} + ${n(T)} x ${s1(alone.reduce((a, b) => a + b, 0))} / ${out.concurrency} = ${min(dispatch + lambda)}`,
      `well within ${24 / out.runsPerDay[parts]!} h`,
    ])
  }
  const c = organizationCost(out)
  const upper = organizationCost(out, 'fan-out')
  for (const k of c.perKind)
    rows.push([
      `  $ per account per month at ${n(T)}, ${k.parts.replaceAll('+', ', ')} (${k.runs} runs): Lambda requests + GB-s (as on Lambda), DynamoDB (directory read at ${n(T)} incl.), SQS, KMS`,
      `${$(k.lambdaRequests)} + ${$(k.lambdaCompute)} (${k.gbSeconds.toFixed(1)} GB-s a run), ${$(k.dynamo)} (${k.rru.toFixed(0)} RRU + ${k.wru.toFixed(1)} WRU a run), ${$(k.sqs)} (${k.sqsRequests.toFixed(1)} requests a run), ${$(k.kmsCost)} = ${$(k.total)}`,
      '',
    ])
  rows.push([
    '  $ per account per month, in all (steady state); at the fan-out durations; onboarding, once',
    `${$(c.total)}; ${$(upper.total)}; ${$(c.onboarding)} once (DynamoDB writes and MACs of the findings first opened)`,
    '',
  ])
  return rows
}

if (import.meta.main) {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  })
  const accounts = Number(process.argv[2] ?? process.env.IAMWATCH_BENCH_ORG_ACCOUNTS ?? 10)
  const dispatchAccounts = Number(process.env.IAMWATCH_BENCH_ORG_DISPATCH_ACCOUNTS ?? 200)
  for (const n of [accounts, dispatchAccounts])
    if (!Number.isInteger(n) || n < 1) throw new Error(`a number of accounts: ${n}`)
  const out = await runOrganizationBench(accounts, dispatchAccounts)
  if (process.stdout.isTTY)
    for (const row of organizationRows(out)) process.stderr.write(`${row.join(' | ')}\n`)
  process.stdout.write(`${JSON.stringify(out)}\n`)
  process.exit(0)
}
