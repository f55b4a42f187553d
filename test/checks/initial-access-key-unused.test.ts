import { describe, expect, it } from 'vitest'
import { initialAccessKeyUnused } from '../../shared/checks/credentials/initial-access-key-unused.ts'
import {
  daysAgo,
  failingIds,
  inventory,
  key,
  run,
  unknownIds,
  user,
  withUnreadable,
} from '../support/fixtures.ts'

const created = daysAgo(100)
const atSetup = new Date(created.getTime() + 60_000)

describe('initial-access-key-unused', () => {
  it('fails for a console user whose key was created with the user and never used', () => {
    const input = inventory({
      users: [
        user('setup', {
          createdAt: created,
          passwordEnabled: true,
          accessKeys: [key(1, { lastRotatedAt: atSetup })],
        }),
      ],
    })
    expect(failingIds(run(initialAccessKeyUnused, input))).toEqual(['user/setup/AKIAKEY1000000000000'])
  })

  it('passes once the initial key has been used', () => {
    const input = inventory({
      users: [
        user('setup', {
          createdAt: created,
          passwordEnabled: true,
          accessKeys: [key(1, { lastRotatedAt: atSetup, usedDaysAgo: 3 })],
        }),
      ],
    })
    expect(failingIds(run(initialAccessKeyUnused, input))).toEqual([])
  })

  it('passes a key created later, and ignores users without a console password', () => {
    const input = inventory({
      users: [
        user('later', { createdAt: created, passwordEnabled: true, accessKeys: [key(1, { ageDays: 50 })] }),
        user('api', { createdAt: created, accessKeys: [key(1, { lastRotatedAt: atSetup })] }),
      ],
    })
    expect(failingIds(run(initialAccessKeyUnused, input))).toEqual([])
  })

  it('cannot judge an initial key whose last-used date has an unexpected value, and says why', () => {
    const setup = user('setup', {
      createdAt: created,
      passwordEnabled: true,
      accessKeys: [key(1, { lastRotatedAt: atSetup })],
    })
    const input = inventory({ users: [withUnreadable(setup, 'access_key_1_last_used_date')] })

    const outcomes = run(initialAccessKeyUnused, input)

    expect(unknownIds(outcomes)).toEqual([
      'user/setup/AKIAKEY1000000000000: access_key_1_last_used_date has an unexpected value',
    ])
    expect(failingIds(outcomes)).toEqual([])
  })

  it('judges a console user whose password_last_used is odd, as it does not read it', () => {
    const setup = user('setup', {
      createdAt: created,
      passwordEnabled: true,
      accessKeys: [key(1, { lastRotatedAt: atSetup })],
    })
    const input = inventory({ users: [withUnreadable(setup, 'password_last_used')] })

    const outcomes = run(initialAccessKeyUnused, input)

    expect(failingIds(outcomes)).toEqual(['user/setup/AKIAKEY1000000000000'])
  })
})
