import type { PublishCommandInput } from '@aws-sdk/client-sns'
import { describe, expect, inject, it, vi } from 'vitest'
import { createHandler } from '../../functions/daily-digest.ts'
import { createTopic, drainQueue, subscribeQueue } from '../../local/stack.ts'
import {
  type DailyDigestDeps,
  dailyDigestDepsFromEnv,
  scheduledTimeOf,
  sendDailyDigest,
} from '../../shared/app/daily-digest.ts'
import { silentLog } from '../../shared/app/log.ts'
import { documentClient, snsClient } from '../../shared/aws/clients.ts'
import { DailyDigestRecords, publishDailyDigest } from '../../shared/aws/daily-digest-records.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId } from '../../shared/model/finding.ts'
import { routeFilterPolicy } from '../../shared/notify/routes.ts'
import { newStore, uniqueName } from '../support/harness.ts'
import { ACCOUNT, noMfaFinding } from '../support/history.ts'

/**
 * The daily digest on DynamoDB Local and fauxqs: findings written by the real FindingsStore, the digest
 * published through a topic to SQS subscribers (one taking everything, one per route filter policy),
 * once per day however often it runs, and sent by a later run when a run died between claim and publish.
 */
const NOW = new Date('2026-03-10T07:00:00.000Z') // 08:00 in Berlin
const HOUR = 3_600_000
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms).toISOString()
const OTHER = '444444444444'

/** Writes a finding's transitions through the real store: OPENED at `openedAt`, then RESOLVED if given. */
async function seed(store: FindingsStore, f: Finding, openedAt: string, resolvedAt?: string) {
  let t = advance({ ...f, firstOpenedAt: openedAt, lastTransitionAt: openedAt }, 'OPENED', 'scan-1', openedAt)
  await store.applyTransition(t)
  if (resolvedAt) {
    t = advance(
      { ...t.finding, status: 'RESOLVED', resolution: 'passed', resolvedAt, lastTransitionAt: resolvedAt },
      'RESOLVED',
      'scan-2',
      resolvedAt,
    )
    await store.applyTransition(t)
  }
  return t.finding
}

const critical = (resourceId: string, accountId = ACCOUNT): Finding => ({
  ...noMfaFinding(resourceId, ''),
  id: findingId({ accountId, checkId: 'root-access-key', resourceId }),
  accountId,
  checkId: 'root-access-key',
  severity: 'critical',
  title: 'The root user has an access key',
})

interface World {
  store: FindingsStore
  records: DailyDigestRecords
  topicArn: string
  /** Subscribed without a filter; with a route that takes the digest; with one that does not. */
  queues: { all: string; digestRoute: string; noDigestRoute: string }
  /** Every Publish request the SNS client made. */
  published: PublishCommandInput[]
  deps: (over?: Partial<DailyDigestDeps>) => DailyDigestDeps
}

async function setUp(
  config: unknown = { alerts: { digest: { timeZone: 'Europe/Berlin' } } },
): Promise<World> {
  const endpoint = inject('snsSqsEndpoint')
  const { store, tableName } = await newStore()
  const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
  const records = new DailyDigestRecords(db, tableName)
  const topicArn = await createTopic(endpoint, uniqueName('alerts'))
  const routes = parseConfig({
    alerts: {
      routes: [
        { name: 'secops', minSeverity: 'high', email: ['secops@example.com'] },
        { name: 'pager', minSeverity: 'critical', digest: false, email: ['pager@example.com'] },
      ],
    },
  }).alerts.routes
  const queues = {
    all: await subscribeQueue(endpoint, topicArn, uniqueName('all')),
    digestRoute: await subscribeQueue(
      endpoint,
      topicArn,
      uniqueName('secops'),
      routeFilterPolicy(routes[0]!),
    ),
    noDigestRoute: await subscribeQueue(
      endpoint,
      topicArn,
      uniqueName('pager'),
      routeFilterPolicy(routes[1]!),
    ),
  }
  const published: PublishCommandInput[] = []
  const sns = snsClient({ endpoint, region: 'us-east-1' })
  sns.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PublishCommand') published.push(args.input as PublishCommandInput)
      return next(args)
    },
    { step: 'initialize' },
  )
  const parsed = parseConfig(config)
  return {
    store,
    records,
    topicArn,
    queues,
    published,
    deps: (over = {}) => ({
      store,
      records,
      publish: (d) => publishDailyDigest(sns, topicArn, d),
      config: parsed,
      log: silentLog,
      now: () => NOW,
      directory: {
        account: async (id) =>
          id === OTHER ? { id, name: 'acme-prod', status: 'ACTIVE', ouPath: 'Root/Prod' } : undefined,
      },
      ...over,
    }),
  }
}

/** What each queue holds now (drained). */
const received = async (w: World) => {
  const endpoint = inject('snsSqsEndpoint')
  return {
    all: await drainQueue(endpoint, w.queues.all),
    digestRoute: await drainQueue(endpoint, w.queues.digestRoute),
    noDigestRoute: await drainQueue(endpoint, w.queues.noDigestRoute),
  }
}

describe('the daily digest, sent through the alerts topic', () => {
  it('goes out once a day, as the machine JSON to SQS, to the routes that take the digest only', async () => {
    // Prepare: open findings (one opened in the period), one opened and resolved in the period, one long resolved.
    const w = await setUp()
    await seed(w.store, critical('root'), ago(40 * 24 * HOUR))
    await seed(w.store, critical('root', OTHER), ago(3 * HOUR))
    await seed(w.store, noMfaFinding('alice', ''), ago(10 * 24 * HOUR))
    await seed(w.store, noMfaFinding('bob', ''), ago(5 * HOUR), ago(2 * HOUR))
    await seed(w.store, noMfaFinding('carol', ''), ago(90 * 24 * HOUR), ago(60 * 24 * HOUR))
    // Act
    const first = await sendDailyDigest(w.deps())
    const second = await sendDailyDigest(w.deps({ now: () => new Date(NOW.getTime() + 2 * HOUR) }))
    // Assess
    expect(first).toMatchObject({
      status: 'sent',
      day: '2026-03-10',
      since: ago(24 * HOUR),
      counts: { open: 3, critical: 2, opened: 2, resolved: 1, suppressed: 0, expiringSuppressions: 0 },
    })
    expect(second).toEqual({ status: 'already-sent', day: '2026-03-10', messageId: first.messageId })
    const q = await received(w)
    expect(q.all).toHaveLength(1)
    const [digest] = q.all
    expect(digest!.attributes).toEqual({ messageType: 'digest' })
    expect(digest!.subject).toBe(
      '[iamwatch] Daily digest 2026-03-10: 3 open (2 critical), 2 opened, 1 resolved',
    )
    // The body is the machine JSON, with the subject and the text.
    expect(digest!.body).toMatchObject({
      schema: 'iamwatch.daily-digest/1',
      day: '2026-03-10',
      timeZone: 'Europe/Berlin',
      generatedAt: NOW.toISOString(),
      open: { total: 3, bySeverity: { critical: 2, medium: 1 } },
      opened: { count: 2 },
      resolved: { count: 1, items: [{ resourceId: 'bob', transition: 'RESOLVED' }] },
    })
    expect(
      (digest!.body.oldestCritical as Array<{ accountId: string; ageDays: number }>).map((c) => [
        c.accountId,
        c.ageDays,
      ]),
    ).toEqual([
      [ACCOUNT, 40],
      [OTHER, 0],
    ])
    expect(digest!.message).toContain(`${OTHER} (acme-prod)`)
    expect(q.digestRoute).toHaveLength(1)
    expect(q.digestRoute[0]!.body.day).toBe('2026-03-10')
    expect(q.noDigestRoute).toEqual([])
    // One Publish, a body per protocol.
    expect(w.published).toHaveLength(1)
    const structure = JSON.parse(w.published[0]!.Message!) as Record<string, string>
    expect(w.published[0]!.MessageStructure).toBe('json')
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'sms'])
    expect(structure.email).toContain('iamwatch daily digest: Tuesday 10 March 2026')
    expect(JSON.parse(structure.https!)).toMatchObject({ version: '1.0', source: 'custom' })
    expect(JSON.parse(structure.default!)).toEqual(digest!.body)
    // The day's marker.
    expect(await w.records.get('2026-03-10')).toMatchObject({
      sentAt: NOW.toISOString(),
      messageId: first.messageId,
      claims: 1,
    })
  })

  it("takes the next day's changes from the previous digest on", async () => {
    // Prepare
    const w = await setUp()
    await sendDailyDigest(w.deps())
    const tomorrow = new Date(NOW.getTime() + 24 * HOUR)
    // Dated in the first digest's period (it is the first's to tell), and in the second's.
    await seed(w.store, noMfaFinding('dave', ''), ago(HOUR))
    await seed(w.store, noMfaFinding('erin', ''), ago(HOUR, tomorrow))
    // Act
    const next = await sendDailyDigest(w.deps({ now: () => tomorrow }))
    // Assess
    expect(next).toMatchObject({ status: 'sent', day: '2026-03-11', since: NOW.toISOString() })
    expect(next.counts).toMatchObject({ open: 2, opened: 1 })
    const q = await received(w)
    expect(q.all.map((m) => m.body.day)).toEqual(['2026-03-10', '2026-03-11'])
    expect(
      (q.all[1]!.body.opened as { items: Array<{ resourceId: string }> }).items.map((i) => i.resourceId),
    ).toEqual(['erin'])
    expect(await w.records.last()).toBe(tomorrow.toISOString())
  })

  it('is sent by a later run when the run that claimed the day died before publishing', async () => {
    // Prepare: a run claimed the day at 08:00 and died; its deadline passed at 08:05.
    const w = await setUp()
    await seed(w.store, critical('root'), ago(2 * HOUR))
    expect(await w.records.claim('2026-03-10', NOW.toISOString(), ago(-5 * 60_000))).toBe(true)
    // Act: a run before the deadline leaves it; one after takes it over; a third finds it sent.
    const early = await sendDailyDigest(w.deps({ now: () => new Date(NOW.getTime() + 60_000) }))
    const later = await sendDailyDigest(w.deps({ now: () => new Date(NOW.getTime() + 6 * 60_000) }))
    const again = await sendDailyDigest(w.deps({ now: () => new Date(NOW.getTime() + 7 * 60_000) }))
    // Assess
    expect(early).toEqual({ status: 'in-progress', day: '2026-03-10' })
    expect(later).toMatchObject({ status: 'sent', recovered: true, counts: { open: 1, opened: 1 } })
    expect(again.status).toBe('already-sent')
    expect((await received(w)).all).toHaveLength(1)
    expect(await w.records.get('2026-03-10')).toMatchObject({ claims: 2, messageId: later.messageId })
  })

  it('gives the day back when publishing fails, so the retry sends it', async () => {
    // Prepare
    const w = await setUp()
    const failing = w.deps({
      publish: async () => {
        throw new Error('SNS is down')
      },
    })
    // Act
    await expect(sendDailyDigest(failing)).rejects.toThrow('SNS is down')
    const marker = await w.records.get('2026-03-10')
    const retry = await sendDailyDigest(w.deps({ now: () => new Date(NOW.getTime() + 60_000) }))
    // Assess
    // Its hold ended when the publish failed: the retry, a minute later, takes it over at once.
    expect(marker).toMatchObject({ claimedAt: NOW.toISOString(), claimedUntil: NOW.toISOString() })
    expect(marker?.sentAt).toBeUndefined()
    expect(retry).toMatchObject({ status: 'sent', recovered: true, counts: { open: 0 } })
    expect(await w.records.get('2026-03-10')).toMatchObject({ claims: 2, messageId: retry.messageId })
    const [quiet] = (await received(w)).all
    expect(quiet!.message).toContain('No open findings.')
  })

  it("sends the scheduled day's digest when its retry runs after midnight, and that day's digest once", async () => {
    // Prepare: scheduled at 23:50 Berlin, retried at 00:20 the next day
    const w = await setUp({ alerts: { digest: { time: '23:50', timeZone: 'Europe/Berlin' } } })
    const scheduled = new Date('2026-03-10T22:50:00Z')
    const retried = new Date('2026-03-10T23:20:00Z')
    // Act
    const late = await sendDailyDigest(w.deps({ now: () => retried, scheduledAt: scheduled }))
    const again = await sendDailyDigest(w.deps({ now: () => retried, scheduledAt: scheduled }))
    const nextDay = await sendDailyDigest(
      w.deps({ now: () => new Date('2026-03-11T22:50:00Z'), scheduledAt: new Date('2026-03-11T22:50:00Z') }),
    )
    // Assess
    expect([late.day, again.status, nextDay.day, nextDay.status]).toEqual([
      '2026-03-10',
      'already-sent',
      '2026-03-11',
      'sent',
    ])
    expect(scheduledTimeOf({ source: 'iamwatch.schedule', scheduledTime: '2026-03-10T22:50:00Z' })).toEqual(
      scheduled,
    )
    expect(scheduledTimeOf({ scheduledTime: '<aws.scheduler.scheduled-time>' })).toBeUndefined()
    expect(scheduledTimeOf(undefined)).toBeUndefined()
  })

  it('sends nothing when disabled', async () => {
    // Prepare
    const w = await setUp({ alerts: { digest: { enabled: false } } })
    // Act
    const result = await sendDailyDigest(w.deps())
    // Assess
    expect(result).toEqual({ status: 'disabled', day: '2026-03-10' })
    expect(await w.records.get('2026-03-10')).toBeUndefined()
    expect((await received(w)).all).toEqual([])
  })

  it('runs as the Lambda handler, from the Lambda environment', async () => {
    // Prepare
    const w = await setUp()
    await seed(w.store, critical('root'), ago(2 * HOUR))
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AWS_ENDPOINT_URL_SNS: inject('snsSqsEndpoint'),
      FINDINGS_TABLE: w.records.tableName,
      ALERT_TOPIC_ARN: w.topicArn,
      IAMWATCH_CONFIG: JSON.stringify({ alerts: { digest: { time: '09:30', timeZone: 'Asia/Tokyo' } } }),
    }
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
    try {
      const handler = createHandler(() => ({ ...dailyDigestDepsFromEnv(), now: () => NOW }))
      // Act
      const first = await handler({}, { getRemainingTimeInMillis: () => 30_000 } as never)
      const second = await handler({}, { getRemainingTimeInMillis: () => 30_000 } as never)
      // Assess
      expect(first).toMatchObject({ status: 'sent', day: '2026-03-10', counts: { critical: 1 } })
      expect(second).toMatchObject({ status: 'already-sent' })
      const q = await received(w)
      expect(q.all).toHaveLength(1)
      expect(q.all[0]!.body.timeZone).toBe('Asia/Tokyo')
    } finally {
      vi.unstubAllEnvs()
    }
    expect(() => dailyDigestDepsFromEnv({})).toThrow(/FINDINGS_TABLE/)
  })
})
