import { describe, expect, it } from 'vitest'
import { accessKeyRotation } from '../../shared/checks/credentials/access-key-rotation.ts'
import { failingIds, inventory, key, run, unknownIds, user, withUnreadable } from '../support/fixtures.ts'

describe('access-key-rotation', () => {
  it('fails when an active key is older than 90 days', () => {
    const input = inventory({
      users: [user('old', { accessKeys: [key(1, { ageDays: 91 }), key(2, { ageDays: 10 })] })],
    })
    expect(failingIds(run(accessKeyRotation, input))).toEqual(['user/old/AKIAKEY1000000000000'])
  })

  it('passes an old key that is inactive', () => {
    const input = inventory({
      users: [user('old', { accessKeys: [key(1, { ageDays: 400, active: false })] })],
    })
    expect(failingIds(run(accessKeyRotation, input))).toEqual([])
  })

  it('honours a configured maximum age', () => {
    const input = inventory({ users: [user('mid', { accessKeys: [key(1, { ageDays: 40 })] })] })
    expect(failingIds(run(accessKeyRotation, input, { maxAgeDays: 30 }))).toEqual([
      'user/mid/AKIAKEY1000000000000',
    ])
  })

  it("judges a key whose last-used values are unexpected, as rotation reads only the key's creation", () => {
    const odd = user('old', { accessKeys: [key(1, { ageDays: 91 })] })
    const input = inventory({
      users: [withUnreadable(odd, 'access_key_1_last_used_date', 'access_key_1_last_used_region')],
    })

    const outcomes = run(accessKeyRotation, input)

    expect(failingIds(outcomes)).toEqual(['user/old/AKIAKEY1000000000000'])
    expect(unknownIds(outcomes)).toEqual([])
  })
})
