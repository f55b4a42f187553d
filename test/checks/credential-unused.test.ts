import { describe, expect, it } from 'vitest'
import { credentialUnused } from '../../shared/checks/credentials/credential-unused.ts'
import { daysAgo, failingIds, inventory, key, run, user } from '../support/fixtures.ts'

describe('credential-unused', () => {
  it('fails when a password was last used more than 45 days ago', () => {
    const input = inventory({
      users: [user('idle', { passwordEnabled: true, passwordUse: { kind: 'used', at: daysAgo(46) } })],
    })
    expect(failingIds(run(credentialUnused, input))).toEqual(['idle/password'])
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
    expect(failingIds(run(credentialUnused, input))).toEqual(['old-never/password'])
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
    expect(failingIds(run(credentialUnused, input))).toEqual(['keys/AKIAKEY1000000000000'])
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
})
