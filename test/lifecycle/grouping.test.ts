/**
 * Occurrence grouping as a model-based test: random root activity (sessions, gaps, duplicate and lost
 * deliveries), acknowledgements, notifier runs with SNS outages and redelivered batches, ticks and the
 * passing of time. Ground truth is the history itself: every alertable item (OPENED, REOPENED,
 * OCCURRED) must be told exactly once, either by its own alert or counted in exactly one follow-up;
 * nothing is published twice; a follow-up comes after the alert it follows and is never empty.
 */
import { marshall } from '@aws-sdk/util-dynamodb'
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { flushDueGroups } from '../../shared/app/alert-groups.ts'
import { silentLog } from '../../shared/app/log.ts'
import { notifyRecords } from '../../shared/app/notifier.ts'
import { recordDetections } from '../../shared/app/on-event.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { MemoryCounters } from '../../shared/detections/thresholds.ts'
import { groupingParams, MemoryAlertGroups } from '../../shared/engine/alert-groups.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'
import { acknowledgeFinding } from '../../shared/engine/suppression.ts'
import type { AlertMessage } from '../../shared/notify/message.ts'
import { event, record, root } from '../support/events.ts'

const config = parseConfig({ alerts: { grouping: { windowMinutes: 15, maxGroupMinutes: 60 } } })
const T0 = Date.parse('2026-11-23T10:00:00Z')
const ALERTABLE = new Set(['OPENED', 'REOPENED', 'OCCURRED'])

class GroupingWorld {
  readonly repo = new MemoryFindingsRepository()
  readonly groups = new MemoryAlertGroups()
  private readonly counters = new MemoryCounters()
  /** Wall clock and the event clock (CloudTrail's eventTime), in ms. */
  wall = T0
  eventTime = T0
  outage = false
  private cursor = 0
  private n = 0
  /** transitionId -> times published; follow-up id -> its count, and the order of publishes. */
  readonly published = new Map<string, number>()
  readonly followUps = new Map<string, number>()
  readonly order: string[] = []
  readonly log: string[] = []

  /** Faults: the next grouped item's markNotified dies (a crash after the group was written); a tick runs inside the next group read. */
  crashBeforeMark = false
  tickDuringRead = false

  constructor() {
    const mark = this.repo.records.markNotified.bind(this.repo.records)
    this.repo.records.markNotified = async (...args) => {
      // A crash between an SNS publish and its marker can repeat that alert (as for every alert:
      // subscribers dedupe on transitionId); the crash injected is the one between grouping an
      // occurrence and its marker, which must not count it twice.
      if (this.crashBeforeMark && args[1].startsWith('grouped:')) {
        this.crashBeforeMark = false
        throw new Error('notifier crashed before recording the alert')
      }
      return mark(...args)
    }
    const latest = this.groups.latest.bind(this.groups)
    this.groups.latest = async (id) => {
      const group = await latest(id)
      if (this.tickDuringRead) {
        // Another process (the tick) acts between this read and the write that follows it.
        this.tickDuringRead = false
        await this.tick()
      }
      return group
    }
  }

  private now = () => new Date(this.wall)
  private publish = async (alert: AlertMessage) => {
    if (this.outage) throw new Error('SNS is unavailable')
    const id = alert.attributes.transitionId!
    this.published.set(id, (this.published.get(id) ?? 0) + 1)
    this.order.push(id)
    if (alert.attributes.transition === 'GROUPED') this.followUps.set(id, alert.json.count as number)
    return `m-${id}`
  }

  async call(session: string | null, gapSeconds: number, delivery: 'once' | 'twice' | 'lost') {
    this.eventTime += gapSeconds * 1000
    this.wall += gapSeconds * 1000
    const raw = record({
      eventID: `00000000-0000-4000-8000-${String(++this.n).padStart(12, '0')}`,
      eventTime: new Date(this.eventTime).toISOString(),
      eventSource: 'iam.amazonaws.com',
      eventName: ['ListUsers', 'GetAccountSummary', 'ListRoles'][this.n % 3],
      userIdentity: { ...root, ...(session ? { accessKeyId: session } : {}) },
    })
    if (delivery === 'lost') return
    const deps = {
      store: this.repo,
      counters: this.counters,
      config,
      region: 'us-east-1',
      log: silentLog,
      now: this.now,
      accountId: '123456789012',
    }
    await recordDetections(event(raw), deps)
    if (delivery === 'twice') await recordDetections(event(raw), deps)
  }

  async ack() {
    const open = [...this.repo.states.values()].find((f) => f.status === 'OPEN')
    if (open) await acknowledgeFinding(this.repo, open.id, 'ops', 'seen', 'cli', this.now().toISOString())
  }

  /** The notifier over the stream; `redeliver` hands the last batch over again first, as a retry would. */
  async drain(redeliver: boolean) {
    const deps = {
      store: this.repo,
      groups: this.groups,
      config,
      log: silentLog,
      now: this.now,
      publish: this.publish,
    }
    const batchAt = (from: number) =>
      this.repo.outbox.slice(from, from + 7).map((entry, i) => ({
        eventName: 'INSERT',
        eventID: String(from + i),
        dynamodb: {
          NewImage: marshall({ kind: 'history', ...entry }, { removeUndefinedValues: true }),
          SequenceNumber: String(from + i),
        },
      }))
    if (redeliver && this.cursor > 0)
      await notifyRecords(batchAt(Math.max(0, this.cursor - 7)), deps as never)
    while (this.cursor < this.repo.outbox.length) {
      const batch = batchAt(this.cursor)
      const result = await notifyRecords(batch, deps as never)
      if (result.batchItemFailures.length > 0) {
        this.cursor += batch.findIndex(
          (r) => r.dynamodb.SequenceNumber === result.batchItemFailures[0]!.itemIdentifier,
        )
        return
      }
      this.cursor += batch.length
    }
  }

  async tick() {
    await flushDueGroups({
      groups: this.groups,
      publish: this.publish,
      log: silentLog,
      now: this.now,
      params: groupingParams(config.alerts.grouping),
    })
  }

  /** Every alertable item told exactly once; nothing published twice; follow-ups after their opener, never empty. */
  check(final: boolean) {
    for (const [id, times] of this.published) if (times > 1) this.violation(`${id} published ${times} times`)
    for (const [id, count] of this.followUps) {
      if (count < 1) this.violation(`follow-up ${id} is empty`)
      const [findingId, , seq] = id.split(':')
      const opener = `${findingId}:${seq}`
      if (this.order.indexOf(opener) < 0 || this.order.indexOf(opener) > this.order.indexOf(id))
        this.violation(`follow-up ${id} published before its opener ${opener}`)
    }
    if (!final) return
    const alertable = this.repo.outbox.filter((e) => ALERTABLE.has(e.transition))
    const own = alertable.filter((e) => this.published.has(e.transitionId)).length
    const grouped = [...this.followUps.values()].reduce((a, b) => a + b, 0)
    if (own + grouped !== alertable.length)
      this.violation(
        `${alertable.length} alertable items, told ${own} on their own and ${grouped} in follow-ups`,
      )
  }

  async finish() {
    this.outage = false
    // The platform retries a failed batch until it goes through.
    for (let i = 0; i < 5 && this.cursor < this.repo.outbox.length; i++) await this.drain(false)
    this.wall += 24 * 3_600_000
    await this.tick()
    await this.tick()
    this.check(true)
  }

  private violation(what: string): never {
    throw new Error(`grouping violation: ${what}\n  steps: ${this.log.join(' ; ')}`)
  }
}

type Cmd = fc.AsyncCommand<object, GroupingWorld>
const cmd = (name: string, run: (w: GroupingWorld) => Promise<void>): Cmd => ({
  check: () => true,
  async run(_, w) {
    w.log.push(name)
    await run(w)
    w.check(false)
  },
  toString: () => name,
})

const commands = fc.commands(
  [
    fc
      .tuple(
        fc.constantFrom(null, 'ASIASESSIONA', 'ASIASESSIONB'),
        fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 600, max: 3600 })),
        fc.constantFrom<'once' | 'twice' | 'lost'>('once', 'once', 'once', 'twice', 'lost'),
      )
      .map(([s, gap, d]) => cmd(`call(${s ?? 'no session'}, +${gap}s, ${d})`, (w) => w.call(s, gap, d))),
    fc
      .boolean()
      .map((redeliver) => cmd(`notify(${redeliver ? 'redelivered batch' : ''})`, (w) => w.drain(redeliver))),
    fc.constant(cmd('tick', (w) => w.tick())),
    fc.integer({ min: 1, max: 90 }).map((m) =>
      cmd(`wait(${m} min)`, async (w) => {
        w.wall += m * 60_000
      }),
    ),
    fc.boolean().map((on) =>
      cmd(`sns-outage(${on})`, async (w) => {
        w.outage = on
      }),
    ),
    fc.constant(cmd('ack', (w) => w.ack())),
    fc.constant(
      cmd('crash-before-mark', async (w) => {
        w.crashBeforeMark = true
      }),
    ),
    fc.constant(
      cmd('tick-during-read', async (w) => {
        w.tickDuringRead = true
      }),
    ),
  ],
  { maxCommands: 60, size: 'max' },
)

describe('occurrence grouping (model-based)', () => {
  it('tells every occurrence exactly once, in its own alert or in one follow-up, whatever the deliveries, outages and timing', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const world = new GroupingWorld()
        await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds)
        await world.finish()
      }),
      { numRuns: 60, seed: Number(process.env.GROUPING_SEED ?? 20261201) },
    )
  }, 120_000)
})
