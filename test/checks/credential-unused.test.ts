import { describe, expect, it } from 'vitest'
import { credentialUnused } from '../../shared/checks/credentials/credential-unused.ts'
import {
  daysAgo,
  failingIds,
  failures,
  inventory,
  key,
  run,
  unknownIds,
  user,
  withUnreadable,
} from '../support/fixtures.ts'

describe('credential-unused', () => {
  it('fails when a password was last used more than 45 days ago', () => {
    const input = inventory({
      users: [user('idle', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(46) } })],
    })
    expect(failingIds(run(credentialUnused, input))).toEqual(['user/idle/password'])
  })

  it('passes a password used 45 days ago', () => {
    const input = inventory({
      users: [user('recent', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(45) } })],
    })
    expect(failingIds(run(credentialUnused, input))).toEqual([])
  })

  it('counts a never-used password from when it was set, after the grace period', () => {
    const input = inventory({
      users: [
        user('old-never', { passwordEnabled: true, passwordLastChangedAt: daysAgo(60) }),
        user('new-never', { passwordEnabled: true, passwordLastChangedAt: daysAgo(5) }),
      ],
    })
    expect(failingIds(run(credentialUnused, input))).toEqual(['user/old-never/password'])
  })

  it('fails per active key by AccessKeyId, ignoring inactive keys', () => {
    const input = inventory({
      users: [
        user('keys', {
          accessKeys: [
            key(1, { ageDays: 300, usedDaysAgo: 90 }),
            key(2, { ageDays: 300, usedDaysAgo: 90, active: false }),
          ],
        }),
      ],
    })
    expect(failingIds(run(credentialUnused, input))).toEqual(['user/keys/AKIAKEY1000000000000'])
  })

  it('skips a key that could not be joined to an AccessKeyId rather than inventing an id', () => {
    const input = inventory({
      users: [user('unjoined', { accessKeys: [key(1, { ageDays: 300, accessKeyId: undefined })] })],
    })
    expect(run(credentialUnused, input)).toEqual([])
  })

  it('honours a configured window', () => {
    const input = inventory({
      users: [user('idle', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(60) } })],
    })
    expect(failingIds(run(credentialUnused, input, { maxUnusedDays: 90 }))).toEqual([])
  })

  it('cannot judge a console password whose password_last_used has an unexpected value, and says why', () => {
    const input = inventory({
      users: [withUnreadable(user('odd', { passwordEnabled: true }), 'password_last_used')],
    })

    const outcomes = run(credentialUnused, input)

    expect(unknownIds(outcomes)).toEqual(['user/odd/password: password_last_used has an unexpected value'])
    expect(failingIds(outcomes)).toEqual([])
  })

  it('cannot judge a never-used password whose password_last_changed has an unexpected value', () => {
    const input = inventory({
      users: [withUnreadable(user('odd', { passwordEnabled: true }), 'password_last_changed')],
    })

    const outcomes = run(credentialUnused, input)

    expect(unknownIds(outcomes)).toEqual(['user/odd/password: password_last_changed has an unexpected value'])
  })

  it('still judges a used password when only password_last_changed has an unexpected value', () => {
    const used = user('idle', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(60) } })
    const input = inventory({ users: [withUnreadable(used, 'password_last_changed')] })

    const outcomes = run(credentialUnused, input)

    expect(failingIds(outcomes)).toEqual(['user/idle/password'])
    expect(unknownIds(outcomes)).toEqual([])
  })

  it("cannot judge a key whose last-used date has an unexpected value, and still judges the user's other key", () => {
    const keys = user('keys', {
      accessKeys: [
        key(1, { ageDays: 300 }),
        key(2, { ageDays: 300, usedDaysAgo: 90, accessKeyId: 'AKIASECOND000000000' }),
      ],
    })
    const input = inventory({ users: [withUnreadable(keys, 'access_key_1_last_used_date')] })

    const outcomes = run(credentialUnused, input)

    expect(unknownIds(outcomes)).toEqual([
      'user/keys/AKIAKEY1000000000000: access_key_1_last_used_date has an unexpected value',
    ])
    expect(failingIds(outcomes)).toEqual(['user/keys/AKIASECOND000000000'])
  })

  it('judges a user whose password_last_used is odd but who has no password, as it reads nothing odd', () => {
    const input = inventory({
      users: [withUnreadable(user('api', { accessKeys: [key(1, { ageDays: 5 })] }), 'password_last_used')],
    })

    const outcomes = run(credentialUnused, input)

    expect(unknownIds(outcomes)).toEqual([])
    expect(outcomes.map((o) => `${o.credentialId}: ${o.status}`)).toEqual(['AKIAKEY1000000000000: pass'])
  })

  it('does not call a no_information password never used: it counts idleness from when tracking began', () => {
    const input = inventory({
      users: [
        user('veteran', {
          createdAt: new Date('2012-05-01T00:00:00Z'),
          passwordEnabled: true,
          passwordLastChangedAt: new Date('2013-01-01T00:00:00Z'),
          passwordUse: { kind: 'unknown' },
        }),
      ],
    })

    const [f] = failures(run(credentialUnused, input))

    expect(f?.evidence).toEqual({
      credential: 'password',
      lastUsedAt: null,
      idleDays: 4417,
      idleSince: '2014-10-20T00:00:00.000Z',
      neverUsed: false,
      usage: 'no_information',
    })
  })

  it('counts a no_information password set after tracking began from when it was set, with the grace period', () => {
    const input = inventory({
      users: [
        user('old', {
          passwordEnabled: true,
          passwordLastChangedAt: daysAgo(60),
          passwordUse: { kind: 'unknown' },
        }),
        user('new', {
          passwordEnabled: true,
          passwordLastChangedAt: daysAgo(5),
          passwordUse: { kind: 'unknown' },
        }),
      ],
    })

    const outcomes = run(credentialUnused, input)

    expect(failingIds(outcomes)).toEqual(['user/old/password'])
    expect(outcomes[0]?.evidence).toMatchObject({
      idleDays: 60,
      idleSince: daysAgo(60).toISOString(),
      neverUsed: false,
      usage: 'no_information',
    })
  })

  it('still says neverUsed for a password the report marks N/A', () => {
    const input = inventory({
      users: [user('never', { passwordEnabled: true, passwordLastChangedAt: daysAgo(60) })],
    })

    const [f] = failures(run(credentialUnused, input))

    expect(f?.evidence).toMatchObject({ lastUsedAt: null, neverUsed: true, idleDays: 60 })
    expect(f?.evidence.usage).toBeUndefined()
  })
})
