import { describe, expect, it } from 'vitest'
import {
  isDue,
  MAX_ACTIONS,
  MemoryAlertGroups,
  OTHER_ACTIONS,
  openGroup,
  placement,
  STUCK_CLOSING_MS,
  withOccurrence,
} from '../../shared/engine/alert-groups.ts'
import type { HistoryEntry } from '../../shared/model/finding.ts'
import { detectionEntry } from '../notify/fixtures.ts'

const params = { windowMs: 15 * 60_000, maxGroupMs: 120 * 60_000 }
const NOW = '2026-11-23T10:00:00.000Z'

/** The finding's seq-th item: OPENED first, OCCURRED after, at `time` from `session`. */
function item(
  seq: number,
  time: string,
  opts: { session?: string; eventName?: string; ip?: string } = {},
): HistoryEntry {
  const base = detectionEntry({
    actor: {
      type: 'Root',
      arn: 'arn:aws:iam::123456789012:root',
      ...(opts.session ? { accessKeyId: opts.session } : {}),
    },
    eventTime: time,
    eventName: opts.eventName ?? 'ListUsers',
    ...(opts.ip ? { sourceIp: opts.ip } : {}),
  })
  return {
    ...base,
    seq,
    transitionId: `${base.findingId}:${String(seq).padStart(6, '0')}`,
    transition: seq === 1 ? 'OPENED' : 'OCCURRED',
  }
}
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString()

describe('grouping of repeated occurrences', () => {
  it('groups an occurrence within the window of the previous one, and alerts one after a quiet window', () => {
    // Prepare
    const group = openGroup(item(1, at(0)), {}, NOW)
    // Act / Assess
    expect(placement(group, item(2, at(14)), params)).toBe('join')
    expect(placement(withOccurrence(group, item(2, at(14)), NOW), item(3, at(28)), params)).toBe('join')
    expect(placement(group, item(2, at(16)), params)).toBe('alert')
  })

  it('groups an occurrence of the same session whatever the gap, and not one of another session', () => {
    // Prepare
    const group = openGroup(item(1, at(0), { session: 'ASIAONE' }), {}, NOW)
    // Act / Assess
    expect(placement(group, item(2, at(90), { session: 'ASIAONE' }), params)).toBe('join')
    expect(placement(group, item(2, at(90), { session: 'ASIATWO' }), params)).toBe('alert')
    // A long-term key (AKIA...) is not a session.
    expect(openGroup(item(1, at(0), { session: 'AKIALONGTERM' }), {}, NOW).session).toBeUndefined()
  })

  it('tells a redelivered item from a new one: the opener is alerted again, a grouped one is not', () => {
    // Prepare
    const group = withOccurrence(openGroup(item(1, at(0)), {}, NOW), item(2, at(1)), NOW)
    // Act / Assess
    expect(placement(group, item(1, at(0)), params)).toBe('opener')
    expect(placement(group, item(2, at(1)), params)).toBe('grouped')
    expect(placement(undefined, item(5, at(1)), params)).toBe('alert')
  })

  it('does not join a group whose follow-up is on its way, nor a transition that is not an occurrence', () => {
    const group = openGroup(item(1, at(0)), {}, NOW)
    expect(placement({ ...group, status: 'closing' }, item(2, at(1)), params)).toBe('alert')
    expect(placement(group, { ...item(2, at(1)), transition: 'REOPENED' }, params)).toBe('alert')
  })

  it('counts actions by service and name, distinct source IPs, and the span, bounding the action names', () => {
    // Prepare
    let group = openGroup(item(1, at(0)), {}, NOW)
    // Act
    for (let i = 0; i < MAX_ACTIONS + 5; i++)
      group = withOccurrence(
        group,
        item(i + 2, at(i % 3), { eventName: `Action${i}`, ip: `192.0.2.${i % 2}` }),
        NOW,
      )
    // Assess
    expect(group.count).toBe(MAX_ACTIONS + 5)
    expect(Object.keys(group.actions)).toHaveLength(MAX_ACTIONS + 1)
    expect(group.actions[OTHER_ACTIONS]).toBe(5)
    expect(group.actions['iam:Action0']).toBe(1)
    expect(group.sourceIps).toEqual(['192.0.2.0', '192.0.2.1'])
    expect([group.firstAt, group.lastAt]).toEqual([at(0), at(2)])
    expect(group.lastSeq).toBe(MAX_ACTIONS + 6)
  })

  it('is due once quiet for the window, or at the longest a group lasts, or when a claim was left by a crash', () => {
    // Prepare
    const empty = openGroup(item(1, at(0)), {}, NOW)
    const busy = withOccurrence(empty, item(2, at(1)), at(1))
    // Act / Assess
    expect(isDue(busy, new Date(at(10)), params)).toBe(false)
    expect(isDue(busy, new Date(at(16)), params)).toBe(true)
    expect(isDue({ ...busy, updatedAt: at(119) }, new Date(at(121)), params)).toBe(true)
    expect(isDue(empty, new Date(at(14)), params)).toBe(false)
    expect(isDue(empty, new Date(at(15)), params)).toBe(true)
    const closing = { ...busy, status: 'closing' as const, updatedAt: at(20) }
    expect(isDue(closing, new Date(Date.parse(at(20)) + STUCK_CLOSING_MS - 1), params)).toBe(false)
    expect(isDue(closing, new Date(Date.parse(at(20)) + STUCK_CLOSING_MS), params)).toBe(true)
    expect(isDue({ ...busy, status: 'sent' }, new Date(at(300)), params)).toBe(false)
  })

  it('replaces a stored group only from the state it was read in', async () => {
    // Prepare
    const repo = new MemoryAlertGroups()
    const group = openGroup(item(1, at(0)), {}, NOW)
    await repo.create(group)
    const joined = withOccurrence(group, item(2, at(1)), NOW)
    // Act / Assess
    expect(await repo.create(group)).toBe(false)
    expect(await repo.replace(group, joined)).toBe(true)
    expect(await repo.replace(group, { ...joined, status: 'closing' })).toBe(false)
    expect((await repo.latest(group.findingId))?.count).toBe(1)
  })

  it('alerts an occurrence more serious than the alert its group follows, instead of folding it in', () => {
    // Prepare: a high alert opened the group
    const group = openGroup({ ...item(1, at(0)), severity: 'high' }, {}, NOW)
    // Act / Assess
    expect(placement(group, { ...item(2, at(1)), severity: 'critical' }, params)).toBe('alert')
    expect(placement(group, { ...item(2, at(1)), severity: 'high' }, params)).toBe('join')
    expect(placement(group, { ...item(2, at(1)), severity: 'medium' }, params)).toBe('join')
  })
})
