import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CHATBOT_LIMITS, type ChatbotNotification } from '../../shared/notify/chatbot.ts'
import { buildAlert } from '../../shared/notify/message.ts'
import { ACCOUNT, detectionEntry, INVISIBLE, postureEntry } from './fixtures.ts'

/** What would format, link or mention in Slack mrkdwn or Teams markdown, were it to reach the card. */
const MARKDOWN = /[*_~`[\]<>|&\\]/

/** Every string of the card that is rendered as markdown (the title without its severity emoji, ours). */
const rendered = (n: ChatbotNotification) => [
  n.content.title.replace(/^:[a-z_]+: /, ''),
  // Lines are ours: a value never holds a line break.
  ...n.content.description.split('\n'),
  ...n.content.keywords,
]

/** The AWS Chatbot custom notification schema: required fields, their values and types. */
function expectSchema(n: ChatbotNotification) {
  expect(n.version).toBe('1.0')
  expect(n.source).toBe('custom')
  expect(n.content.textType).toBe('client-markdown')
  for (const s of [n.id, n.content.title, n.content.description]) expect(typeof s).toBe('string')
  for (const list of [n.content.nextSteps, n.content.keywords, n.metadata.relatedResources])
    for (const s of list) expect(typeof s).toBe('string')
  for (const v of Object.values(n.metadata.additionalContext)) expect(typeof v).toBe('string')
  expect(n.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title)
  expect(n.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description)
  expect(n.content.nextSteps.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps)
  for (const s of n.content.nextSteps) expect(s.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextStep)
  expect(n.content.keywords.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywords)
  for (const k of n.content.keywords) expect(k.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keyword)
}

describe('the AWS Chatbot card of a detection', () => {
  const entry = {
    ...detectionEntry({
      actor: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, userName: 'mallory' },
      details: { targetUser: 'bob', mfaUsed: false },
    }),
    accountName: 'prod',
  }

  it('follows the custom notification schema, titled like the subject', () => {
    // Act
    const alert = buildAlert(entry)
    // Assess
    expectSchema(alert.chatbot)
    expect(alert.chatbot.content.title).toBe(
      ':red_circle: iamwatch HIGH: An access key was created for another user - mallory (prod, us-east-1)',
    )
    expect(alert.chatbot.id).toBe(entry.transitionId)
  })

  it('says who, from where, with or without MFA, in which account and region, and which event', () => {
    // Act
    const { description } = buildAlert(entry).chatbot.content
    // Assess
    expect(description.split('\n')).toEqual(
      expect.arrayContaining([
        `Who: arn:aws:iam::${ACCOUNT}:user/mallory (IAMUser)`,
        'MFA used: NO',
        'Source IP: 198.51.100.23',
        'User agent: aws-cli/2.15.0',
        `Account: ${ACCOUNT} (prod), region us-east-1`,
        'Event: iam.amazonaws.com CreateAccessKey, eventID 3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
        'CloudTrail: https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a',
        '\u2022 targetUser: bob',
      ]),
    )
  })

  it('gives the runbook as next steps, and severity, check and account as keywords', () => {
    // Act
    const { content, metadata } = buildAlert(entry).chatbot
    // Assess
    expect(content.nextSteps.length).toBeGreaterThan(0)
    expect(content.keywords).toEqual(['HIGH', 'access-key-created-for-other-user', ACCOUNT, 'prod'])
    expect(metadata).toMatchObject({
      threadId: entry.findingId,
      eventType: 'iamwatch.detection.OPENED',
      relatedResources: [`arn:aws:iam::${ACCOUNT}:user/mallory`],
      additionalContext: {
        findingId: entry.findingId,
        transitionId: entry.transitionId,
        transition: 'OPENED',
        severity: 'high',
        checkId: 'access-key-created-for-other-user',
        accountId: ACCOUNT,
        accountName: 'prod',
      },
    })
  })
})

describe('the AWS Chatbot card of a posture finding', () => {
  it('names the resource, the evidence and the remediation', () => {
    // Act
    const alert = buildAlert(postureEntry({}))
    // Assess
    expectSchema(alert.chatbot)
    expect(alert.chatbot.content.description).toContain('Resource: AwsIamUser user/alice')
    expect(alert.chatbot.content.description).toContain('\u2022 mfaActive: false')
    expect(alert.chatbot.content.nextSteps[0]).toMatch(/^Assign an MFA device/)
    expect(alert.chatbot.metadata.relatedResources).toEqual([`arn:aws:iam::${ACCOUNT}:user/alice`])
  })

  it('says no action is needed when the finding resolves, in the same thread', () => {
    // Act
    const opened = buildAlert(postureEntry({})).chatbot
    const resolved = buildAlert(postureEntry({ transition: 'RESOLVED' })).chatbot
    // Assess
    expect(resolved.content.nextSteps).toEqual(['No action needed: this finding no longer fails.'])
    expect(resolved.metadata.threadId).toBe(opened.metadata.threadId)
  })

  it('lists at most a dozen evidence entries, each cut', () => {
    // Prepare
    const evidence = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(5000)]))
    // Act
    const { content } = buildAlert(postureEntry({ evidence })).chatbot
    // Assess
    expect(content.description).toContain('\u2022 \u2026 and 38 more')
    expect(content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description)
  })
})

describe('the AWS Chatbot card built from hostile strings', () => {
  const HOSTILE = '*bold* <@U123> <!here> [link](http://x) `code` ~x~ _i_ a|b \\\u202E\u200B\n@channel'
  const entry = {
    ...detectionEntry({
      actor: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${HOSTILE}`, userName: HOSTILE },
      userAgent: HOSTILE,
      details: { [HOSTILE]: HOSTILE },
    }),
    accountName: HOSTILE,
  }

  it('formats, links and mentions nothing from a user agent, user name or account name', () => {
    // Act
    const n = buildAlert(entry).chatbot
    // Assess
    for (const s of rendered(n)) {
      expect(s).not.toMatch(MARKDOWN)
      expect(s).not.toMatch(INVISIBLE)
      expect(s).not.toMatch(/@(channel|here|everyone)/i)
    }
    expect(n.content.description).toContain(
      'User agent: \u2217bold\u2217 \u2039@U123\u203A \u2039!here\u203A \uFF3Blink\uFF3D(http://x) \u02CBcode\u02CB \u223Cx\u223C \uFF3Fi\uFF3F a\u2223b \u29F5 \uFF20channel',
    )
    expect(n.content.keywords[3]).toMatch(/^\u2217bold\u2217 \u2039@U123\u203A/)
  })

  it('keeps one description line per field: a hostile value cannot forge a line', () => {
    // Act
    const lines = buildAlert(entry).chatbot.content.description.split('\n')
    // Assess
    expect(lines.filter((l) => l.startsWith('User agent: '))).toHaveLength(1)
    expect(lines.some((l) => l.startsWith('@channel'))).toBe(false)
  })

  it('never lets markdown, invisible characters or oversize fields through, whatever the strings (property)', () => {
    const hostile = (maxLength: number) =>
      fc.string({
        unit: fc.oneof(
          fc.constantFrom(
            '*',
            '_',
            '~',
            '`',
            '[',
            ']',
            '(',
            ')',
            '<',
            '>',
            '|',
            '&',
            '\\',
            '@',
            '\n',
            '\u202E',
          ),
          fc.string({ unit: 'binary', maxLength: 1 }),
        ),
        maxLength,
      })
    fc.assert(
      fc.property(
        hostile(400),
        hostile(2000),
        hostile(200),
        fc.dictionary(hostile(40), hostile(600), { maxKeys: 30 }),
        (user, userAgent, accountName, details) => {
          const e = {
            ...detectionEntry({
              actor: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, userName: user },
              userAgent,
              details,
            }),
            accountName,
          }
          const n = buildAlert(e).chatbot
          expectSchema(n)
          return rendered(n).every((s) => !MARKDOWN.test(s) && !INVISIBLE.test(s))
        },
      ),
      { numRuns: 200 },
    )
  })
})
