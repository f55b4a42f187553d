import { describe, expect, it } from 'vitest'
import { openGroup, withOccurrence } from '../../shared/engine/alert-groups.ts'
import { buildFollowUp, followUpId } from '../../shared/notify/follow-up.ts'
import { snsAlertMessage } from '../../shared/notify/sns-message.ts'
import { detectionEntry, INVISIBLE } from './fixtures.ts'

const HOSTILE = 'evil\nSeverity: LOW\u202e*bold* <!channel>'

function group(n: number) {
  const first = detectionEntry({
    actor: { type: 'Root', arn: 'arn:aws:iam::123456789012:root', accessKeyId: 'ASIAXYZ' },
  })
  let g = openGroup(first, { name: 'payments', ouPath: 'Workloads/Prod' }, '2026-11-23T10:00:00.000Z')
  for (let i = 0; i < n; i++)
    g = withOccurrence(
      g,
      {
        ...detectionEntry({
          actor: { type: 'Root' },
          eventName: i % 2 ? HOSTILE : 'ListUsers',
          eventTime: `2026-11-23T10:${String(i + 1).padStart(2, '0')}:00Z`,
          sourceIp: i === 3 ? HOSTILE : '198.51.100.23',
        }),
        seq: i + 2,
      },
      '2026-11-23T10:30:00.000Z',
    )
  return g
}

describe('the follow-up alert of grouped occurrences', () => {
  it('tells how many, which actions most frequent first, from where and over what time', () => {
    // Act
    const m = buildFollowUp(group(5))
    // Assess
    expect(m.subject).toMatch(/^\[iamwatch\] HIGH REPEATED x5: An access key was created for another user - /)
    expect(m.subject.length).toBeLessThanOrEqual(100)
    expect(m.text).toContain('When (UTC):  2026-11-23T10:01:00Z to 2026-11-23T10:05:00Z (4 min)')
    expect(m.text).toContain('  iam:ListUsers x3')
    expect(m.text).toContain('OU:          Workloads/Prod')
    expect(m.text).toContain('Session:     ASIAXYZ (one console or role session)')
    expect(m.json).toMatchObject({
      schema: 'iamwatch.occurrences/1',
      count: 5,
      transitionId: followUpId(group(5)),
    })
    expect(m.attributes).toMatchObject({
      transition: 'GROUPED',
      ruleType: 'detection',
      accountName: 'payments',
      ouPath: 'Workloads/Prod',
    })
    expect(m.chatbot.metadata.threadId).toBe(group(5).findingId)
  })

  it('lets no hostile action name or source IP forge a line, a mention or markup', () => {
    // Act
    const m = buildFollowUp(group(6))
    // Assess
    expect(m.text).not.toMatch(/\nSeverity: LOW/)
    for (const line of m.text.split('\n')) expect(line).not.toMatch(INVISIBLE)
    for (const line of m.chatbot.content.description.split('\n')) expect(line).not.toMatch(INVISIBLE)
    expect(m.chatbot.content.description).not.toContain('<!channel>')
    expect(m.chatbot.content.description).not.toContain('*bold*')
    // The machine form keeps what CloudTrail said, verbatim.
    expect(Object.keys(m.json.actions as object)).toContain(`iam:${HOSTILE}`)
  })

  it('goes out as one publish with the email text, the Chatbot card and the machine JSON', () => {
    // Act
    const published = JSON.parse(snsAlertMessage(buildFollowUp(group(2))).message)
    // Assess
    expect(Object.keys(published).sort()).toEqual(['default', 'email', 'https', 'sms'])
    expect(JSON.parse(published.https)).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    })
    expect(JSON.parse(published.default)).toMatchObject({ count: 2, transition: 'GROUPED' })
    expect(published.email).toContain('2 more occurrences since its alert')
  })
})
