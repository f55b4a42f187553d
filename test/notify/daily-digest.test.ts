import { describe, expect, it } from 'vitest'
import { dailyDigestPublishInput } from '../../shared/aws/daily-digest-records.ts'
import { parseConfig } from '../../shared/config/config.ts'
import {
  type Finding,
  findingId,
  GENESIS_HASH,
  type HistoryEntry,
  type Suppression,
  type TransitionKind,
  transitionId,
} from '../../shared/model/finding.ts'
import type { Severity } from '../../shared/model/severity.ts'
import { CHATBOT_LIMITS, type ChatbotNotification } from '../../shared/notify/chatbot.ts'
import {
  buildDailyDigest,
  DAILY_DIGEST_LIMITS,
  type DailyDigestInput,
  dailyDigestSchedule,
} from '../../shared/notify/daily-digest.ts'
import { MESSAGE_TYPE } from '../../shared/notify/routes.ts'
import { SNS_MAX_BYTES } from '../../shared/notify/sns-message.ts'
import { zonedDay } from '../../shared/notify/zoned-time.ts'
import { INVISIBLE } from './fixtures.ts'

const PROD = '222222222222'
const STAGING = '333333333333'
/** 08:00 in Berlin (CET) on Tuesday 10 March 2026. */
const NOW = new Date('2026-03-10T07:00:00.000Z')
const SINCE = '2026-03-09T07:00:00.000Z'
const DAY = 86_400_000
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString()
const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString()

let n = 0
function finding(over: Partial<Finding> & { resourceId?: string } = {}): Finding {
  const accountId = over.accountId ?? PROD
  const checkId = over.checkId ?? 'user-no-mfa'
  const resourceId = over.resourceId ?? `user/u${++n}`
  return {
    id: findingId({ accountId, checkId, resourceId }),
    accountId,
    region: 'us-east-1',
    checkId,
    severity: 'medium',
    status: 'OPEN',
    resourceType: 'AwsIamUser',
    resourceId,
    resourceArn: `arn:aws:iam::${accountId}:${resourceId}`,
    title: 'IAM user without MFA',
    evidence: {},
    firstOpenedAt: ago(30 * DAY),
    lastTransitionAt: ago(30 * DAY),
    seq: 1,
    headHash: GENESIS_HASH,
    ...over,
  }
}

function entry(f: Finding, transition: TransitionKind, at: string, seq = f.seq + 1): HistoryEntry {
  return {
    findingId: f.id,
    seq,
    transitionId: transitionId(f.id, seq),
    transition,
    at,
    status: transition === 'RESOLVED' || transition === 'ACKNOWLEDGED' ? 'RESOLVED' : 'OPEN',
    severity: f.severity,
    checkId: f.checkId,
    accountId: f.accountId,
    ...(f.accountName ? { accountName: f.accountName } : {}),
    region: f.region,
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn,
    title: f.title,
    evidence: {},
    scanId: 'scan-1',
    prevHash: GENESIS_HASH,
    hash: GENESIS_HASH,
  }
}

const suppression = (until: string, owner = 'it-ops'): Suppression => ({
  reason: 'accepted',
  owner,
  until,
  by: 'arn:aws:iam::222222222222:user/admin',
  at: ago(10 * DAY),
})

const input = (over: Partial<DailyDigestInput> = {}): DailyDigestInput => ({
  now: NOW,
  since: SINCE,
  timeZone: 'Europe/Berlin',
  open: [],
  changes: [],
  oldestCritical: 10,
  ...over,
})

/** The AWS Chatbot custom notification schema and the card's bounds (as the alert card keeps them). */
function expectCard(c: ChatbotNotification) {
  expect(c.version).toBe('1.0')
  expect(c.source).toBe('custom')
  expect(c.content.textType).toBe('client-markdown')
  expect(c.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title)
  expect(c.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description)
  expect(c.content.nextSteps.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps)
  for (const s of c.content.nextSteps) expect(s.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextStep)
  expect(c.content.keywords.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywords)
  for (const k of c.content.keywords) expect(k.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keyword)
  for (const v of Object.values(c.metadata.additionalContext)) expect(typeof v).toBe('string')
  expect(c.metadata.summary.length).toBeLessThanOrEqual(CHATBOT_LIMITS.metadata)
}

const sev = (severity: Severity, over: Partial<Finding> = {}) => finding({ severity, ...over })

describe('the daily digest counts the open findings', () => {
  it('by severity, by check (most first) and by account, named from the directory', () => {
    // Prepare
    const open = [
      sev('critical', { checkId: 'root-access-key', resourceId: 'root' }),
      sev('high', { checkId: 'console-user-no-mfa' }),
      sev('high', { checkId: 'console-user-no-mfa', accountId: STAGING, accountName: 'staging-own' }),
      sev('medium'),
      sev('medium'),
      sev('medium', { accountId: STAGING }),
      sev('low', { checkId: 'password-policy-length', resourceId: 'password-policy' }),
    ]
    // A resolved finding is not counted, even when passed among the open ones.
    const gone = sev('critical', { status: 'RESOLVED', checkId: 'root-mfa', resourceId: 'root' })
    // Act
    const d = buildDailyDigest(input({ open: [...open, gone], accountNames: new Map([[PROD, 'prod']]) }))
    // Assess
    expect(d.json.open.total).toBe(7)
    expect(d.json.open.bySeverity).toEqual({ critical: 1, high: 2, medium: 3, low: 1, info: 0 })
    expect(d.json.open.byCheck).toEqual([
      { checkId: 'user-no-mfa', count: 3 },
      { checkId: 'console-user-no-mfa', count: 2 },
      { checkId: 'password-policy-length', count: 1 },
      { checkId: 'root-access-key', count: 1 },
    ])
    expect(d.json.open.byAccount).toEqual([
      { accountId: PROD, accountName: 'prod', count: 5 },
      { accountId: STAGING, accountName: 'staging-own', count: 2 },
    ])
    const lines = d.text.split('\n')
    expect(lines).toContain('Open findings: 7')
    expect(lines).toContain('  critical 1, high 2, medium 3, low 1, info 0')
    expect(lines).toContain('     3  user-no-mfa')
    expect(lines).toContain(`     5  ${PROD} (prod)`)
    expect(lines).toContain(`     2  ${STAGING} (staging-own)`)
    expect(d.chatbot.content.description).toContain('*Top checks:* user-no-mfa 3, console-user-no-mfa 2')
  })

  it('lists the top checks and accounts only, the JSON up to its own limit, the counts whole', () => {
    // Prepare: 250 checks with one finding each, and one with two.
    const open = [
      ...Array.from({ length: 250 }, (_, i) =>
        finding({ checkId: `check-${String(i).padStart(3, '0')}`, accountId: String(100000000000 + i) }),
      ),
      finding({ checkId: 'check-top' }),
      finding({ checkId: 'check-top' }),
    ]
    // Act
    const d = buildDailyDigest(input({ open }))
    // Assess
    expect(d.json.open.total).toBe(252)
    expect(d.json.open.byCheck).toHaveLength(DAILY_DIGEST_LIMITS.json)
    expect(d.json.open.byCheck[0]).toEqual({ checkId: 'check-top', count: 2 })
    const text = d.text.split('\n')
    const top = text.indexOf('Top checks:')
    expect(text.slice(top + 1, top + 1 + DAILY_DIGEST_LIMITS.checks + 1).at(-1)).toBe(
      '  ... and 241 more checks',
    )
    expect(text).toContain('  ... and 241 more accounts')
  })

  it('counts suppressed open findings, and says so', () => {
    // Act
    const d = buildDailyDigest(
      input({ open: [finding(), finding({ suppression: suppression(ahead(60 * DAY)) })] }),
    )
    // Assess
    expect(d.json.counts).toMatchObject({ open: 2, suppressed: 1 })
    expect(d.text.split('\n')).toContain('Open findings: 2 (1 suppressed)')
  })
})

describe('the daily digest tells what changed since the last one', () => {
  const critical = sev('critical', {
    checkId: 'root-access-key',
    resourceId: 'root',
    title: 'Root has a key',
  })
  const high = sev('high', { checkId: 'console-user-no-mfa', title: 'Console user without MFA' })
  const medium = sev('medium', { title: 'IAM user without MFA' })
  const low = sev('low', { title: 'Password too short', resourceId: 'password-policy' })
  const detection = sev('high', { checkId: 'root-console-login', title: 'Root signed in' })

  it('counts OPENED and REOPENED as opened, RESOLVED and ACKNOWLEDGED as resolved, within the period', () => {
    // Prepare
    const changes = [
      entry(medium, 'OPENED', ago(2 * 3600_000)),
      entry(critical, 'REOPENED', ago(3600_000)),
      entry(high, 'RESOLVED', ago(5 * 3600_000)),
      entry(detection, 'ACKNOWLEDGED', ago(4 * 3600_000)),
      // Not counted: before the period, at its start, after now, and transitions that open or close nothing.
      entry(low, 'OPENED', ago(2 * DAY)),
      entry(low, 'RESOLVED', SINCE),
      entry(low, 'REOPENED', ahead(60_000)),
      entry(medium, 'OCCURRED', ago(3600_000), 9),
      entry(high, 'SUPPRESSED', ago(3600_000), 9),
      entry(high, 'UNSUPPRESSED', ago(3600_000), 10),
    ]
    // Act
    const d = buildDailyDigest(input({ changes }))
    // Assess
    expect(d.json.counts).toMatchObject({ opened: 2, resolved: 2 })
    expect(d.json.opened.items.map((x) => [x.checkId, x.transition])).toEqual([
      ['root-access-key', 'REOPENED'],
      ['user-no-mfa', 'OPENED'],
    ])
    expect(d.json.resolved.items.map((x) => x.transition)).toEqual(['ACKNOWLEDGED', 'RESOLVED'])
    const lines = d.text.split('\n')
    expect(lines).toContain('Opened since the last digest: 2')
    expect(lines).toContain('Resolved since the last digest: 2')
    expect(lines).toContain(`  CRITICAL Root has a key - root (${PROD}), REOPENED 2026-03-10 07:00`)
  })

  it('lists the most serious first, then the newest, a finding once, and only the first few', () => {
    // Prepare: 12 medium findings opened an hour apart, then a high one the oldest of all.
    const mediums = Array.from({ length: 12 }, () => finding())
    const changes = [
      ...mediums.map((f, i) => entry(f, 'OPENED', ago((i + 1) * 3600_000))),
      entry(high, 'OPENED', ago(20 * 3600_000)),
      // The same finding opened twice in the period (resolved in between): once, the newest.
      entry(mediums[0]!, 'REOPENED', ago(60_000), 5),
    ]
    // Act
    const d = buildDailyDigest(input({ changes }))
    // Assess
    expect(d.json.opened.count).toBe(13)
    expect(d.json.opened.items[0]!.findingId).toBe(high.id)
    expect(d.json.opened.items[1]).toMatchObject({ findingId: mediums[0]!.id, transition: 'REOPENED' })
    expect(d.json.opened.items.slice(1).map((x) => x.findingId)).toEqual(mediums.map((f) => f.id))
    const lines = d.text.split('\n')
    const first = lines.indexOf('Opened since the last digest: 13')
    expect(lines[first + 1]).toMatch(/^ {2}HIGH {5}Console user without MFA/)
    expect(lines[first + DAILY_DIGEST_LIMITS.changes + 1]).toBe('  ... and 3 more findings')
  })
})

describe('the oldest open critical findings', () => {
  it('are listed oldest first, at most oldestCritical, with their age in days, suppressed ones left out', () => {
    // Prepare
    const criticals = [40, 3, 100, 7, 55].map((days, i) =>
      sev('critical', {
        checkId: 'root-access-key',
        resourceId: `root-${i}`,
        title: `Critical ${days}`,
        firstOpenedAt: ago(days * DAY + 3600_000),
        accountId: i === 4 ? STAGING : PROD,
      }),
    )
    const accepted = sev('critical', {
      title: 'Accepted',
      firstOpenedAt: ago(500 * DAY),
      suppression: suppression(ahead(30 * DAY)),
    })
    // Act
    const d = buildDailyDigest(
      input({
        open: [...criticals, accepted, sev('high', { firstOpenedAt: ago(900 * DAY) })],
        oldestCritical: 3,
        accountNames: new Map([[STAGING, 'staging']]),
      }),
    )
    // Assess
    expect(d.json.oldestCritical.map((x) => [x.title, x.ageDays])).toEqual([
      ['Critical 100', 100],
      ['Critical 55', 55],
      ['Critical 40', 40],
    ])
    expect(d.json.counts.critical).toBe(6)
    const lines = d.text.split('\n')
    const head = lines.indexOf('Oldest open critical findings (3 of 6):')
    expect(lines.slice(head + 1, head + 5)).toEqual([
      '  1. Critical 100',
      '     Resource: AwsIamUser root-2',
      `     Account:  ${PROD}`,
      '     Open since 2025-11-30 07:00 (100 days)',
    ])
    expect(lines).toContain(`     Account:  ${STAGING} (staging)`)
    expect(d.text).not.toContain('Accepted')
  })
})

describe('suppressions about to expire', () => {
  it('lists open and resolved findings whose suppression ends within 7 days, soonest first', () => {
    // Prepare
    const soon = finding({ resourceId: 'user/soon', suppression: suppression(ahead(2 * DAY), 'sec') })
    const resolvedSoon = finding({
      resourceId: 'user/gone',
      status: 'RESOLVED',
      suppression: suppression(ahead(DAY), 'platform'),
    })
    const edge = finding({ resourceId: 'user/edge', suppression: suppression(ahead(7 * DAY)) })
    const later = finding({ resourceId: 'user/later', suppression: suppression(ahead(8 * DAY)) })
    const past = finding({ resourceId: 'user/past', suppression: suppression(ago(DAY)) })
    // Act
    const d = buildDailyDigest(input({ open: [soon, edge, later, past], resolved: [resolvedSoon] }))
    // Assess
    expect(d.json.expiringSuppressions.items.map((x) => [x.resourceId, x.owner, x.status])).toEqual([
      ['user/gone', 'platform', 'RESOLVED'],
      ['user/soon', 'sec', 'OPEN'],
      ['user/edge', 'it-ops', 'OPEN'],
    ])
    expect(d.json.counts.expiringSuppressions).toBe(3)
    // The resolved finding is not counted open.
    expect(d.json.counts.open).toBe(4)
    expect(d.text.split('\n')).toContain(
      `  user-no-mfa on user/gone (${PROD}, RESOLVED): owner platform, until 2026-03-11 08:00`,
    )
  })
})

describe('the date and times are written in the configured zone', () => {
  it('names the day in the zone, which may differ from the UTC day', () => {
    // Prepare: 23:30 UTC on Monday 9 March is already Tuesday in Berlin and Tokyo, still Monday in Los Angeles.
    const now = new Date('2026-03-09T23:30:00.000Z')
    // Act
    const berlin = buildDailyDigest(input({ now, timeZone: 'Europe/Berlin' }))
    const la = buildDailyDigest(input({ now, timeZone: 'America/Los_Angeles' }))
    // Assess
    expect(berlin.json.day).toBe('2026-03-10')
    expect(berlin.text.split('\n')[0]).toBe('iamwatch daily digest: Tuesday 10 March 2026')
    expect(berlin.text.split('\n')[1]).toBe(
      'As of 2026-03-10 00:30 (Europe/Berlin); changes since 2026-03-09 08:00.',
    )
    expect(la.json.day).toBe('2026-03-09')
    expect(la.text.split('\n')[0]).toBe('iamwatch daily digest: Monday 9 March 2026')
    expect(la.subject).toContain('2026-03-09')
    expect(zonedDay(now, 'Asia/Tokyo')).toBe('2026-03-10')
    expect(zonedDay(now, 'UTC')).toBe('2026-03-09')
  })

  it('follows daylight saving time', () => {
    // 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer.
    expect(buildDailyDigest(input({ now: new Date('2026-07-01T06:00:00Z') })).text).toContain(
      'As of 2026-07-01 08:00 (Europe/Berlin)',
    )
  })
})

describe('a quiet day', () => {
  it('still gets a short digest that says so', () => {
    // Act
    const d = buildDailyDigest(input())
    // Assess
    expect(d.subject).toBe('[iamwatch] Daily digest 2026-03-10: 0 open (0 critical), 0 opened, 0 resolved')
    const lines = d.text.split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        'No open findings.',
        'Opened since the last digest: none',
        'Resolved since the last digest: none',
        'Oldest open critical findings: none',
        'Suppressions expiring within 7 days: none',
        'A quiet day: nothing to do.',
      ]),
    )
    expect(lines.length).toBeLessThan(15)
    expectCard(d.chatbot)
    expect(d.chatbot.content.description).toContain('*Open findings:* none')
    expect(d.chatbot.content.nextSteps).toEqual([])
    expect(d.attributes).toEqual({ [MESSAGE_TYPE.attribute]: MESSAGE_TYPE.digest })
  })
})

describe('hostile names', () => {
  const hostile = {
    title: 'Fine\nOpen findings: 0\u202e\u200b',
    resourceId: 'user/<!channel> *bold* `x` [a](http://evil) @here\r\nResolved since the last digest: 0',
    accountName: '<https://evil|click> _prod_\u2028 ~x~ & more',
  }
  const f = sev('critical', {
    ...hostile,
    checkId: 'root-access-key',
    suppression: { ...suppression(ahead(DAY)), owner: 'eve\nOwner: nobody <@U123>' },
  })
  const d = buildDailyDigest(
    input({
      open: [f],
      changes: [entry(f, 'OPENED', ago(3600_000))],
      accountNames: new Map([[PROD, hostile.accountName]]),
    }),
  )

  it('never forge a line of the text, and leave nothing invisible in it', () => {
    const lines = d.text.split('\n')
    for (const line of lines) expect(line).not.toMatch(INVISIBLE)
    // The forged lines are not lines: each appears only inside the line its value is on.
    expect(lines.filter((l) => l.startsWith('Open findings:'))).toEqual(['Open findings: 1 (1 suppressed)'])
    expect(lines.filter((l) => l.startsWith('Resolved since the last digest'))).toEqual([
      'Resolved since the last digest: none',
    ])
    expect(lines.filter((l) => l.startsWith('Owner:'))).toEqual([])
    expect(d.text).toContain('Fine Open findings: 0')
  })

  it('are inert on the card: no mention, link, emphasis or code from them', () => {
    expectCard(d.chatbot)
    const { description } = d.chatbot.content
    for (const line of description.split('\n')) expect(line).not.toMatch(INVISIBLE)
    for (const bad of [
      '<!channel>',
      '<@U123>',
      '<https://',
      '*bold*',
      '`x`',
      '[a]',
      '_prod_',
      '~x~',
      '@here',
      ' & ',
    ])
      expect(description).not.toContain(bad)
    expect(description).toContain('\u2039!channel\u203A')
    expect(description).toContain('\uFF20here')
    expect(description).toContain('\u2217bold\u2217')
    expect(description.split('\n').filter((l) => l.startsWith('*Open findings:*'))).toHaveLength(1)
  })

  it('stay verbatim in the machine JSON', () => {
    expect(d.json.opened.items[0]).toMatchObject({
      title: hostile.title,
      resourceId: hostile.resourceId,
      accountName: hostile.accountName,
    })
    expect(d.json.expiringSuppressions.items[0]!.owner).toBe('eve\nOwner: nobody <@U123>')
  })
})

describe('the subject', () => {
  it('is printable ASCII within 100 characters, whatever the counts', () => {
    const open = Array.from({ length: 1234 }, () => sev('critical'))
    const d = buildDailyDigest(input({ open, changes: open.map((f) => entry(f, 'OPENED', ago(60_000))) }))
    expect(d.subject).toBe(
      '[iamwatch] Daily digest 2026-03-10: 1234 open (1234 critical), 1234 opened, 0 resolved',
    )
    expect(d.subject.length).toBeLessThanOrEqual(100)
    expect(d.subject).toMatch(/^[\x20-\x7e]+$/)
  })
})

describe('the chat card of a busy day', () => {
  it('stays within the card limits and follows the custom notification schema', () => {
    const open = Array.from({ length: 500 }, (_, i) =>
      sev(i % 5 === 0 ? 'critical' : 'high', {
        title: `A long title ${'x'.repeat(200)}`,
        accountId: String(100000000000 + (i % 30)),
        suppression: i % 7 === 0 ? suppression(ahead(DAY)) : undefined,
      }),
    )
    const d = buildDailyDigest(
      input({ open, changes: open.map((f) => entry(f, 'OPENED', ago(60_000))), oldestCritical: 50 }),
    )
    expectCard(d.chatbot)
    expect(d.chatbot.content.title).toBe(':newspaper: iamwatch daily digest, Tuesday 10 March 2026')
    expect(d.chatbot.content.nextSteps).toHaveLength(2)
    expect(d.chatbot.metadata.eventType).toBe('iamwatch.daily-digest')
    expect(d.chatbot.id).toBe('daily-digest-2026-03-10')
  })
})

describe('the SNS message of a digest', () => {
  it('has a body per protocol, the messageType attribute, and fits 256 KB by cutting lists', () => {
    // Prepare: thousands of findings with long hostile ARNs make the JSON far larger than SNS takes.
    const open = Array.from({ length: 3000 }, (_, i) =>
      sev('critical', {
        resourceId: `user/${'\u202e'.repeat(20)}${'a'.repeat(900)}-${i}`,
        accountId: String(100000000000 + i),
        suppression: suppression(ahead(DAY)),
      }),
    )
    const d = buildDailyDigest(
      input({ open, changes: open.map((f) => entry(f, 'OPENED', ago(60_000))), oldestCritical: 50 }),
    )
    // Act
    const p = dailyDigestPublishInput('arn:aws:sns:us-east-1:111111111111:alerts', d)
    // Assess
    expect(p.MessageStructure).toBe('json')
    expect(p.Subject).toBe(d.subject)
    expect(p.MessageAttributes).toEqual({ messageType: { DataType: 'String', StringValue: 'digest' } })
    expect(Buffer.byteLength(p.Message!, 'utf8') + 'messageTypeStringdigest'.length).toBeLessThanOrEqual(
      SNS_MAX_BYTES,
    )
    const structure = JSON.parse(p.Message!) as Record<string, string>
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'sms'])
    const machine = JSON.parse(structure.default!)
    expect(machine).toMatchObject({ schema: 'iamwatch.daily-digest/1', truncated: true, subject: d.subject })
    expect(machine.counts.open).toBe(3000)
    expect(machine.opened.items.length).toBeLessThan(DAILY_DIGEST_LIMITS.json)
    expect(JSON.parse(structure.https!)).toEqual(d.chatbot)
    expect(structure.sms).toBe(d.subject)
  })

  it('is sent whole when it fits', () => {
    const d = buildDailyDigest(input({ open: [sev('critical')] }))
    const structure = JSON.parse(dailyDigestPublishInput('arn:aws:sns:us-east-1:1:t', d).Message!)
    expect(JSON.parse(structure.default)).toEqual({ ...d.json, subject: d.subject, text: d.text })
    expect(structure.email).toBe(d.text)
  })
})

describe('the schedule', () => {
  it('is a daily cron expression at the configured time, in the configured zone', () => {
    expect(dailyDigestSchedule(parseConfig({}))).toEqual({ expression: 'cron(0 8 * * ? *)', timeZone: 'UTC' })
    const config = parseConfig({ alerts: { digest: { time: '17:05', timeZone: 'America/New_York' } } })
    expect(dailyDigestSchedule(config)).toEqual({
      expression: 'cron(5 17 * * ? *)',
      timeZone: 'America/New_York',
    })
    expect(dailyDigestSchedule(config.alerts.digest)).toEqual(dailyDigestSchedule(config))
    expect(dailyDigestSchedule({ time: '00:00', timeZone: 'UTC' }).expression).toBe('cron(0 0 * * ? *)')
    expect(() => dailyDigestSchedule({ time: '24:00', timeZone: 'UTC' })).toThrow(/HH:MM/)
  })

  it('takes only well-formed times from the configuration', () => {
    expect(() => parseConfig({ alerts: { digest: { time: '8:00' } } })).toThrow(/HH:MM/)
  })
})
