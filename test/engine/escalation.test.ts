import { describe, expect, it } from 'vitest'
import {
  alertableSince,
  MemoryEscalations,
  mayBeDue,
  minutesSince,
  openingOf,
} from '../../shared/engine/escalation.ts'
import type { Finding, HistoryEntry } from '../../shared/model/finding.ts'
import { buildEscalation } from '../../shared/notify/escalation.ts'
import { INVISIBLE, postureEntry } from '../notify/fixtures.ts'

const NOW = new Date('2026-11-23T12:00:00.000Z')
const AFTER = 30 * 60_000
const finding = (f: Partial<Finding> = {}): Finding =>
  ({
    id: 'f1',
    status: 'OPEN',
    severity: 'critical',
    firstOpenedAt: '2026-11-01T00:00:00.000Z',
    openedAt: '2026-11-23T11:00:00.000Z',
    openedSeq: 3,
    ...f,
  }) as Finding
const items = (...transitions: Array<[string, string]>) =>
  transitions.map(([transition, at], i) => ({ seq: i + 1, transition, at }) as HistoryEntry)

describe('escalation of unacknowledged critical findings', () => {
  it('considers only open critical findings, not suppressed, open at least the configured time', () => {
    expect(mayBeDue(finding(), NOW, AFTER)).toBe(true)
    expect(mayBeDue(finding({ openedAt: '2026-11-23T11:45:00.000Z' }), NOW, AFTER)).toBe(false)
    expect(mayBeDue(finding({ severity: 'high' }), NOW, AFTER)).toBe(false)
    expect(mayBeDue(finding({ status: 'RESOLVED' }), NOW, AFTER)).toBe(false)
    // Suppressed, or its suppression expired but not yet lifted (the lift alerts first).
    const suppression = { reason: 'r', owner: 'o', by: 'b', at: 'a' }
    expect(
      mayBeDue(finding({ suppression: { ...suppression, until: '2026-12-01T00:00:00Z' } }), NOW, AFTER),
    ).toBe(false)
    expect(
      mayBeDue(finding({ suppression: { ...suppression, until: '2026-11-01T00:00:00Z' } }), NOW, AFTER),
    ).toBe(false)
  })

  it('measures from the transition that opened the finding last, or from a later lift of its suppression', () => {
    // Prepare
    const history = items(
      ['OPENED', '2026-11-23T10:00:00.000Z'],
      ['RESOLVED', '2026-11-23T10:30:00.000Z'],
      ['REOPENED', '2026-11-23T11:00:00.000Z'],
      ['OCCURRED', '2026-11-23T11:05:00.000Z'],
      ['UNSUPPRESSED', '2026-11-23T11:20:00.000Z'],
    )
    // Act
    const opening = openingOf(history)!
    // Assess
    expect(opening.seq).toBe(3)
    expect(alertableSince(history, opening)).toBe('2026-11-23T11:20:00.000Z')
    expect(alertableSince(history.slice(0, 4), opening)).toBe('2026-11-23T11:00:00.000Z')
    expect(minutesSince(opening.at, NOW)).toBe(60)
    expect(openingOf([])).toBeUndefined()
  })

  it('keeps one marker per opening: a second claim or an acknowledgement after it is refused; a claim moves on once', async () => {
    const repo = new MemoryEscalations()
    const claim = { findingId: 'f1', openSeq: 3, state: 'escalating' as const, at: 'now' }
    expect(await repo.create(claim)).toBe(true)
    expect(await repo.create({ ...claim, state: 'acknowledged' })).toBe(false)
    expect(await repo.create({ ...claim, openSeq: 5, state: 'acknowledged' })).toBe(true)
    expect(await repo.replace(claim, { ...claim, state: 'escalated' })).toBe(true)
    expect(await repo.replace(claim, { ...claim, state: 'escalated' })).toBe(false)
  })

  it('words the escalation in every channel: how long, how to acknowledge, the alert beneath', () => {
    // Prepare
    const opening = {
      ...postureEntry({ checkId: 'root-mfa', resourceId: 'root\u202e\nx' }),
      severity: 'critical' as const,
    }
    // Act
    const m = buildEscalation(opening, 45)
    // Assess
    expect(m.subject).toMatch(
      /^\[iamwatch\] ESCALATED CRITICAL, unacknowledged 45 min: A console user has\.\.\. - root x \(123456789012\)$/,
    )
    expect(m.subject.length).toBeLessThanOrEqual(100)
    expect(m.text.split('\n').slice(0, 3)).toEqual([
      'ESCALATED: UNACKNOWLEDGED FOR 45 MINUTES.',
      `This critical finding opened at ${opening.at} and nobody has acknowledged or resolved it.`,
      `Take it: iamwatch ack ${opening.findingId} --reason "<who is on it>"`,
    ])
    expect(m.chatbot.content.title).toMatch(/^:rotating_light: ESCALATED, unacknowledged for 45 minutes/)
    for (const line of m.chatbot.content.description.split('\n')) expect(line).not.toMatch(INVISIBLE)
    expect(m.chatbot.metadata.additionalContext.unacknowledgedMinutes).toBe('45')
    expect(m.attributes).toMatchObject({ transition: 'ESCALATED', severity: 'critical', checkId: 'root-mfa' })
    expect(m.json).toMatchObject({ escalation: { unacknowledgedMinutes: 45, openedAt: opening.at } })
  })
})
