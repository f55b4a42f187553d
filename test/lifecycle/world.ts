/**
 * The findings lifecycle, driven as a model-based test: random account changes in the IAM simulator,
 * the CloudTrail events for them (delivered, lost, twice or late), scans on a fresh or a cached
 * credential report, and faults (failing calls, throttling, a crash mid-write, an SNS outage). After
 * every step the findings are compared with ground truth: the checks' conditions computed directly
 * from the simulator's model, independently of iamwatch's code.
 */
import { randomUUID } from 'node:crypto'
import { marshall } from '@aws-sdk/util-dynamodb'
import fc from 'fast-check'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import type { SimAccessKey, SimAccount } from '../../local/iam-sim/model.ts'
import { newId } from '../../local/iam-sim/model.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { handleCloudTrail } from '../../shared/app/cloudtrail-events.ts'
import { silentLog } from '../../shared/app/log.ts'
import { notifyRecords } from '../../shared/app/notifier.ts'
import { runScan } from '../../shared/app/scan.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import type { ScheduleName } from '../../shared/checks/types.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { MemoryCounters } from '../../shared/detections/thresholds.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'
import type { PlannedTransition } from '../../shared/engine/reconcile.ts'
import { toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { GENESIS_HASH } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'

const ACCOUNT = '123456789012'
const DAY = 86_400_000
export const USERS = ['ann', 'ben', 'cat'] as const
type UserName = (typeof USERS)[number]

/** The checks under test, with an oracle each; every other check is disabled. */
export const CHECKS_UNDER_TEST = [
  'console-user-no-mfa',
  'user-no-mfa',
  'multiple-active-keys',
  'access-key-rotation',
  'root-mfa',
  'admin-without-mfa',
]
const SCHEDULE = new Map(CHECKS.map((c) => [c.id, c.triggers.schedule]))
const config = parseConfig({
  checks: Object.fromEntries(
    CHECKS.filter((c) => !CHECKS_UNDER_TEST.includes(c.id)).map((c) => [c.id, { enabled: false }]),
  ),
  alertMinSeverity: 'info',
})

/** Ground truth: which findings' conditions hold, from the simulator's model alone. */
function truthOf(account: SimAccount, now: number): Set<string> {
  const holds = new Set<string>()
  const root = account.root
  if (!root.mfa && (root.hasPassword || root.accessKeys.some((k) => k.status === 'Active')))
    holds.add('root-mfa|root|')
  for (const u of account.users.values()) {
    const id = `user/${u.name}`
    const mfa = u.mfaDevices.length > 0
    if (u.loginProfile && !mfa) holds.add(`console-user-no-mfa|${id}|`)
    if (!mfa) holds.add(`user-no-mfa|${id}|`)
    if (!mfa && u.groups.includes('admins')) holds.add(`admin-without-mfa|${id}|`)
    const active = u.accessKeys.filter((k) => k.status === 'Active')
    if (active.length > 1) holds.add(`multiple-active-keys|${id}|`)
    for (const k of active)
      if (Math.floor((now - k.createDate.getTime()) / DAY) > 90)
        holds.add(`access-key-rotation|${id}|${k.id}`)
  }
  return holds
}

export type Delivery = 'now' | 'lost' | 'twice' | 'late'
export type Fault =
  | 'none'
  | 'fail-ListAccessKeys'
  | 'fail-report'
  | 'fail-GetUser'
  | 'fail-ListMFADevices'
  | 'throttle'
  | 'crash-mid-write'
  | 'corrupt-row'

export interface Stats {
  steps: number
  sequences?: number
  transitions?: number
}

/** The system under test and what the test knows of the truth. */
export class World {
  readonly repo = new MemoryFindingsRepository()
  private readonly counters = new MemoryCounters()
  /** Ground truth after each change: [logical time, what holds]. */
  private readonly truth: Array<[number, Set<string>]> = []
  private readonly late: Array<Record<string, unknown>> = []
  private readonly published = new Map<string, number>()
  private cursor = 0
  outage = false
  /** Transitions still to be written when a crash is injected: the writer dies after this many. */
  private crashAfter: number | undefined
  private readonly sim: IamSimulator
  readonly log: string[] = []

  private constructor(sim: IamSimulator) {
    this.sim = sim
    const apply = this.repo.applyTransitions.bind(this.repo)
    this.repo.applyTransitions = async (ts: readonly PlannedTransition[]) => {
      if (this.crashAfter === undefined) return apply(ts)
      const n = this.crashAfter
      this.crashAfter = undefined
      await apply(ts.slice(0, n))
      throw new Error('process crashed mid-write')
    }
    this.recordTruth()
  }

  static async start(): Promise<World> {
    // Three users to start from: a console user without MFA, one with MFA and an old key, one bare.
    const account = new AccountBuilder(ACCOUNT)
      .group('admins', (g) => g.attach('AdministratorAccess'))
      .user('ann', (u) => u.console({ lastUsedDaysAgo: 1 }).group('admins'))
      .user('ben', (u) => u.mfa().accessKey({ ageDays: 200, lastUsedDaysAgo: 1 }))
      .user('cat')
      .build()
    // Seeded fault injection, so that a shrunk counterexample replays the same throttling.
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const sim = await startIamSimulator(account, { reportDelayMs: 0, random })
    return new World(sim)
  }

  stop(): Promise<void> {
    return this.sim.stop()
  }

  private get account() {
    return this.sim.account
  }
  private now = () => this.account.now()

  private deps() {
    return {
      iam: iamClient({ endpoint: this.sim.endpoint, region: 'us-east-1', maxAttempts: 3 }),
      store: this.repo,
      config,
      region: 'us-east-1',
      log: silentLog,
      now: this.now,
      accountId: ACCOUNT,
      report: { pollIntervalMs: 1, timeoutMs: 5_000 },
    }
  }

  private recordTruth() {
    const now = this.now().getTime()
    this.truth.push([now, truthOf(this.account, now)])
  }

  /** What held at a moment: the last change at or before it. */
  private truthAt(at: number): Set<string> {
    let holds = new Set<string>()
    for (const [t, h] of this.truth) if (t <= at) holds = h
    return holds
  }

  private withFault<T>(fault: Fault, run: () => Promise<T>): Promise<T> {
    const faults = this.sim.faults
    if (fault === 'fail-ListAccessKeys') faults.failActions = { ListAccessKeys: 'ServiceFailure' }
    if (fault === 'fail-report') faults.failActions = { GetCredentialReport: 'ServiceFailure' }
    if (fault === 'fail-GetUser') faults.failActions = { GetUser: 'ServiceFailure' }
    if (fault === 'fail-ListMFADevices') faults.failActions = { ListMFADevices: 'ServiceFailure' }
    if (fault === 'throttle') faults.throttleRate = 0.4
    if (fault === 'crash-mid-write') this.crashAfter = 1
    return run().finally(() => {
      faults.failActions = undefined
      faults.throttleRate = undefined
      this.crashAfter = undefined
    })
  }

  // ---- account changes, each with the CloudTrail event it causes ----

  async change(user: UserName, what: Change, delivery: Delivery, fault: Fault): Promise<void> {
    const u = this.account.getUser(user)
    const at = this.now()
    // Root's MFA changes too; its event triggers no check (the scan judges root), so none is sent.
    if (what === 'root-mfa-on' || what === 'root-mfa-off') {
      if (what === 'root-mfa-on')
        this.account.root.mfa = { kind: 'hardware', serialNumber: 'GAHT-ROOT', enableDate: at }
      else delete this.account.root.mfa
      this.recordTruth()
      this.account.advance(1000)
      return this.afterStep()
    }
    let event: string | undefined
    const params: Record<string, unknown> = { userName: user }
    if (what === 'create') {
      if (u) return
      this.account.users.set(user, {
        name: user,
        userId: newId('AIDA'),
        path: '/',
        createDate: at,
        accessKeys: [],
        mfaDevices: [],
        groups: [],
      })
      event = 'CreateUser'
    } else if (!u) {
      return
    } else if (what === 'delete') {
      this.account.users.delete(user)
      event = 'DeleteUser'
    } else if (what === 'mfa-on' && u.mfaDevices.length === 0) {
      u.mfaDevices.push({
        kind: 'virtual',
        serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${user}`,
        enableDate: at,
      })
      event = 'EnableMFADevice'
    } else if (what === 'mfa-off' && u.mfaDevices.length > 0) {
      u.mfaDevices = []
      event = 'DeactivateMFADevice'
    } else if (what === 'login-on' && !u.loginProfile) {
      u.loginProfile = { createDate: at, passwordLastChanged: at, passwordResetRequired: false }
      event = 'CreateLoginProfile'
    } else if (what === 'login-off' && u.loginProfile) {
      u.loginProfile = undefined
      event = 'DeleteLoginProfile'
    } else if ((what === 'new-key' || what === 'old-key') && u.accessKeys.length < 2) {
      const key: SimAccessKey = {
        id: newId('AKIA'),
        status: 'Active',
        createDate: new Date(at.getTime() - (what === 'old-key' ? 200 * DAY : 0)),
      }
      u.accessKeys.push(key)
      event = 'CreateAccessKey'
    } else if (what === 'key-off' && u.accessKeys.some((k) => k.status === 'Active')) {
      const key = u.accessKeys.find((k) => k.status === 'Active')!
      key.status = 'Inactive'
      params.accessKeyId = key.id
      event = 'UpdateAccessKey'
    } else if (what === 'key-delete' && u.accessKeys.length > 0) {
      params.accessKeyId = u.accessKeys.shift()!.id
      event = 'DeleteAccessKey'
    } else if (what === 'join-admins' && !u.groups.includes('admins')) {
      u.groups.push('admins')
      params.groupName = 'admins'
      event = 'AddUserToGroup'
    } else if (what === 'leave-admins' && u.groups.includes('admins')) {
      u.groups = u.groups.filter((g) => g !== 'admins')
      params.groupName = 'admins'
      event = 'RemoveUserFromGroup'
    }
    if (!event) return
    this.recordTruth()
    this.account.advance(1000)
    const record = {
      eventVersion: '1.09',
      eventID: randomUUID(),
      eventTime: at.toISOString(),
      eventType: 'AwsApiCall',
      eventSource: 'iam.amazonaws.com',
      eventName: event,
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAADMIN:ops',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/ops`,
        accountId: ACCOUNT,
      },
      recipientAccountId: ACCOUNT,
      requestParameters: params,
      responseElements: null,
    }
    if (delivery === 'late') this.late.push(record)
    if (delivery === 'now' || delivery === 'twice') await this.deliver(record, fault)
    if (delivery === 'twice') await this.deliver(record, 'none')
    if (delivery === 'lost' || delivery === 'late') await this.afterStep()
  }

  /** Delivers one event to the real handler path; a crash is retried by the platform (redelivery). */
  private async deliver(record: Record<string, unknown>, fault: Fault): Promise<void> {
    const deps = { ...this.deps(), counters: this.counters }
    try {
      await this.withFault(fault, () => handleCloudTrail(toEventBridge(record, ACCOUNT), deps))
    } catch {
      await handleCloudTrail(toEventBridge(record, ACCOUNT), deps)
    }
    this.account.advance(1000)
    await this.afterStep()
  }

  async deliverLate(): Promise<void> {
    const record = this.late.shift()
    if (record) await this.deliver(record, 'none')
  }

  /** A scheduled scan; `fresh` makes IAM generate a new report first (else the cached one is used). */
  async scan(fresh: boolean, parts: ScheduleName[], fault: Fault): Promise<void> {
    if (fresh) this.account.expireReport()
    if (fault === 'corrupt-row')
      this.account.reportTransform = (csv) => csv.replace(/\n(ann|ben|cat),arn:[^,]*/, '\n$1,not-an-arn')
    let crashed = false
    const run = await this.withFault(fault, () => runScan({ ...this.deps(), parts })).catch((err) => {
      if (fault !== 'crash-mid-write' && fault !== 'throttle') throw err
      crashed = true
      return undefined
    })
    this.account.reportTransform = undefined
    this.account.advance(1000)
    await this.afterStep()
    // After a fault-free scan on a fresh report, the open findings are exactly what holds.
    if (fresh && fault === 'none' && !crashed && run?.status === 'complete') {
      const open = [...this.repo.states.values()]
        .filter(
          (f) =>
            f.status === 'OPEN' &&
            CHECKS_UNDER_TEST.includes(f.checkId) &&
            parts.includes(SCHEDULE.get(f.checkId)!),
        )
        .map((f) => `${f.checkId}|${f.resourceId}|${f.credentialId ?? ''}`)
        .sort()
      const holds = [...truthOf(this.account, this.now().getTime())]
        .filter((k) => parts.includes(SCHEDULE.get(k.split('|')[0]!)!))
        .sort()
      if (JSON.stringify(open) !== JSON.stringify(holds))
        this.violation(
          `after a fresh fault-free scan, open findings ${JSON.stringify(open)} != truth ${JSON.stringify(holds)}`,
        )
    }
  }

  async setOutage(on: boolean): Promise<void> {
    this.outage = on
    await this.afterStep()
  }

  // ---- the stream, the notifier and the invariants ----

  /** The table's stream: every history item, in order, to the real notifier; stops at a failure. */
  private async drain(): Promise<void> {
    const deps = {
      store: this.repo,
      config,
      log: silentLog,
      publish: async (alert: { attributes: Record<string, string> }) => {
        if (this.outage) throw new Error('SNS is unavailable')
        const id = alert.attributes.transitionId!
        this.published.set(id, (this.published.get(id) ?? 0) + 1)
        return `m-${id}`
      },
    }
    while (this.cursor < this.repo.outbox.length) {
      const batch = this.repo.outbox.slice(this.cursor, this.cursor + 10).map((entry, i) => ({
        eventName: 'INSERT',
        eventID: String(this.cursor + i),
        dynamodb: {
          NewImage: marshall({ kind: 'history', ...entry }, { removeUndefinedValues: true }),
          SequenceNumber: String(this.cursor + i),
        },
      }))
      const result = await notifyRecords(batch, deps as never)
      this.cursor += batch.length - result.batchItemFailures.length
      if (result.batchItemFailures.length > 0) return
    }
  }

  private async afterStep(): Promise<void> {
    await this.drain()
    for (const entry of this.repo.outbox) {
      // 1. Never resolved while its condition held at the as-of time of the resolving data.
      if (
        entry.transition === 'RESOLVED' &&
        CHECKS_UNDER_TEST.includes(entry.checkId) &&
        !this.seen.has(entry.transitionId)
      ) {
        this.seen.add(entry.transitionId)
        const key = `${entry.checkId}|${entry.resourceId}|${entry.credentialId ?? ''}`
        const asOf = Date.parse(entry.asOf ?? entry.at)
        if (this.truthAt(asOf).has(key))
          this.violation(`${key} resolved (${entry.resolution}) while it held as of ${entry.asOf}`)
      }
      // 3. Never more than one alert per transition.
      if ((this.published.get(entry.transitionId) ?? 0) > 1)
        this.violation(`${entry.transitionId} alerted twice`)
    }
    for (const f of this.repo.states.values()) {
      const history = await this.repo.history(f.id)
      // 4. Every chain verifies against its state's head.
      const verdict = verifyChain(history, GENESIS_HASH, f)
      if (!verdict.ok) this.violation(`chain of ${f.checkId} ${f.resourceId}: ${verdict.reason}`)
      // 1'. A status changes only on data at least as new as the data of its last change.
      if (!CHECKS_UNDER_TEST.includes(f.checkId)) continue
      for (let i = 1; i < history.length; i++)
        if (Date.parse(history[i]!.asOf!) < Date.parse(history[i - 1]!.asOf!))
          this.violation(
            `${f.checkId} ${f.resourceId} ${history[i]!.transition} on data as of ${history[i]!.asOf}, older than its ${history[i - 1]!.transition} (${history[i - 1]!.asOf})`,
          )
    }
  }
  private readonly seen = new Set<string>()

  /** At the end: once the outage is over, every transition was alerted exactly once. */
  async finish(): Promise<void> {
    this.outage = false
    await this.drain()
    for (const entry of this.repo.outbox)
      if (this.published.get(entry.transitionId) !== 1)
        this.violation(
          `${entry.transitionId} (${entry.transition}) alerted ${this.published.get(entry.transitionId) ?? 0} times`,
        )
  }

  private violation(what: string): never {
    throw new Error(`lifecycle violation: ${what}\n  steps: ${this.log.join(' ; ')}`)
  }
}

export type Change =
  | 'create'
  | 'delete'
  | 'mfa-on'
  | 'mfa-off'
  | 'login-on'
  | 'login-off'
  | 'new-key'
  | 'old-key'
  | 'key-off'
  | 'key-delete'
  | 'join-admins'
  | 'leave-admins'
  | 'root-mfa-on'
  | 'root-mfa-off'

// ---- fast-check commands ----

type Cmd = fc.AsyncCommand<object, World>

class ChangeCmd implements Cmd {
  readonly user: UserName
  readonly what: Change
  readonly delivery: Delivery
  readonly fault: Fault
  constructor(user: UserName, what: Change, delivery: Delivery, fault: Fault) {
    this.user = user
    this.what = what
    this.delivery = delivery
    this.fault = fault
  }
  check = () => true
  async run(_: object, w: World) {
    w.log.push(this.toString())
    await w.change(this.user, this.what, this.delivery, this.fault)
  }
  toString = () =>
    `${this.what}(${this.user}, event ${this.delivery}${this.fault === 'none' ? '' : `, ${this.fault}`})`
}
class ScanCmd implements Cmd {
  readonly fresh: boolean
  readonly parts: ScheduleName[]
  readonly fault: Fault
  constructor(fresh: boolean, parts: ScheduleName[], fault: Fault) {
    this.fresh = fresh
    this.parts = parts
    this.fault = fault
  }
  check = () => true
  async run(_: object, w: World) {
    w.log.push(this.toString())
    await w.scan(this.fresh, this.parts, this.fault)
  }
  toString = () =>
    `scan(${this.parts.join('+')}, ${this.fresh ? 'fresh' : 'cached'} report${this.fault === 'none' ? '' : `, ${this.fault}`})`
}
class LateCmd implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    w.log.push(this.toString())
    await w.deliverLate()
  }
  toString = () => 'deliver-late-event'
}
class OutageCmd implements Cmd {
  readonly on: boolean
  constructor(on: boolean) {
    this.on = on
  }
  check = () => true
  async run(_: object, w: World) {
    w.log.push(this.toString())
    await w.setOutage(this.on)
  }
  toString = () => `sns-outage(${this.on ? 'begins' : 'ends'})`
}

const user = fc.constantFrom(...USERS)
const fault = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fault>('none') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Fault>(
      'fail-ListAccessKeys',
      'fail-report',
      'fail-GetUser',
      'fail-ListMFADevices',
      'throttle',
      'crash-mid-write',
      'corrupt-row',
    ),
  },
)
const change = fc.constantFrom<Change>(
  'create',
  'create',
  'delete',
  'mfa-on',
  'mfa-off',
  'login-on',
  'login-off',
  'new-key',
  'old-key',
  'key-off',
  'key-delete',
  'join-admins',
  'leave-admins',
  'root-mfa-on',
  'root-mfa-off',
)
const parts = fc.constantFrom<ScheduleName[]>(
  ['credentials'],
  ['authorization'],
  ['credentials', 'authorization'],
)
const delivery = fc.constantFrom<Delivery>('now', 'now', 'now', 'lost', 'twice', 'late')

export const commands = (maxCommands: number) =>
  fc.commands(
    [
      // Changes and scans are the common steps; late deliveries and outages the rare ones.
      fc.tuple(user, change, delivery, fault).map(([u, c, d, f]) => new ChangeCmd(u, c, d, f)),
      fc.tuple(user, change, delivery, fault).map(([u, c, d, f]) => new ChangeCmd(u, c, d, f)),
      fc.tuple(user, change, delivery, fault).map(([u, c, d, f]) => new ChangeCmd(u, c, d, f)),
      fc.tuple(fc.boolean(), parts, fault).map(([fresh, p, f]) => new ScanCmd(fresh, p, f)),
      fc.tuple(fc.boolean(), parts, fault).map(([fresh, p, f]) => new ScanCmd(fresh, p, f)),
      fc.constant(new LateCmd()),
      fc.boolean().map((on) => new OutageCmd(on)),
    ],
    { maxCommands, size: 'max' },
  )

/** The property: any sequence of commands keeps every invariant. */
export function lifecycleProperty(maxCommands: number, stats: Stats) {
  return fc.asyncProperty(commands(maxCommands), async (cmds) => {
    const world = await World.start()
    try {
      await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds)
      await world.finish()
      stats.steps += world.log.length
      stats.sequences = (stats.sequences ?? 0) + 1
      stats.transitions = (stats.transitions ?? 0) + world.repo.outbox.length
    } finally {
      await world.stop()
    }
  })
}
