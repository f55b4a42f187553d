import { describe, expect, it } from 'vitest'
import { accessKeyRotation } from '../../shared/checks/credentials/access-key-rotation.ts'
import { failingIds, inventory, key, run, user } from '../support/fixtures.ts'

describe('access-key-rotation', () => {
  it('fails when an active key is older than 90 days', () => {
    const input = inventory({
      users: [user('old', { accessKeys: [key(1, { ageDays: 91 }), key(2, { ageDays: 10 })] })],
    })
    expect(failingIds(run(accessKeyRotation, input))).toEqual(['old/AKIAKEY1000000000000'])
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
      'mid/AKIAKEY1000000000000',
    ])
  })
})
