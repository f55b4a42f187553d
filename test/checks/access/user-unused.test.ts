import { describe, expect, it } from 'vitest'
import { userUnused } from '../../../shared/checks/access/user-unused.ts'
import { daysAgo, failingIds, failures, inventory, key, run, user } from '../../support/fixtures.ts'

describe('user-unused', () => {
  it('fails when no credential of an old user was used in the window', () => {
    // Prepare
    const input = inventory({
      users: [
        user('gone-quiet', {
          passwordEnabled: true,
          passwordUse: { kind: 'used', at: daysAgo(120) },
          accessKeys: [key(1, { ageDays: 300, usedDaysAgo: 95 })],
        }),
      ],
    })
    // Act
    const outcomes = run(userUnused, input)
    // Assess
    expect(failingIds(outcomes)).toEqual(['user/gone-quiet'])
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      lastUsedAt: daysAgo(95).toISOString(),
      credentials: ['password', 'AKIAKEY1000000000000'],
    })
  })

  it('passes when any one credential was used in the window, an inactive key included', () => {
    const input = inventory({
      users: [
        user('console', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(10) } }),
        user('old-key', { accessKeys: [key(1, { active: false, ageDays: 300, usedDaysAgo: 30 })] }),
      ],
    })
    expect(failingIds(run(userUnused, input))).toEqual([])
  })

  it('fails an old user without any credential, saying none', () => {
    const outcomes = run(userUnused, inventory({ users: [user('empty')] }))
    expect(failures(outcomes)[0]!.evidence).toMatchObject({ credentials: ['none'], lastUsedAt: 'never' })
  })

  it('does not judge a user younger than window plus grace', () => {
    expect(
      failingIds(run(userUnused, inventory({ users: [user('new', { createdAt: daysAgo(50) })] }))),
    ).toEqual([])
  })

  it('counts a password with no_information as not used', () => {
    const input = inventory({
      users: [user('legacy', { passwordEnabled: true, passwordUse: { kind: 'unknown' } })],
    })
    expect(failingIds(run(userUnused, input))).toEqual(['user/legacy'])
  })

  it('cannot judge a user whose password_last_used is unreadable', () => {
    const input = inventory({
      users: [user('odd', { passwordEnabled: true, passwordUse: { kind: 'unreadable' } })],
    })
    expect(run(userUnused, input)[0]!.status).toBe('unknown')
  })

  it('follows a configured window', () => {
    const input = inventory({
      users: [user('u', { accessKeys: [key(1, { ageDays: 300, usedDaysAgo: 40 })] })],
    })
    expect(failingIds(run(userUnused, input, { windowDays: 30 }))).toEqual(['user/u'])
  })
})
