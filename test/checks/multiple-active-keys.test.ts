import { describe, expect, it } from 'vitest'
import { multipleActiveKeys } from '../../shared/checks/credentials/multiple-active-keys.ts'
import { failingIds, failures, inventory, key, run, user } from '../support/fixtures.ts'

describe('multiple-active-keys', () => {
  it('fails when both keys of a user are active, naming both', () => {
    const input = inventory({
      users: [user('two', { accessKeys: [key(1), key(2, { accessKeyId: 'AKIASECOND000000000' })] })],
    })
    expect(failures(run(multipleActiveKeys, input))[0]?.evidence.activeKeys).toEqual([
      'AKIAKEY1000000000000',
      'AKIASECOND000000000',
    ])
  })

  it('passes when one of the two keys is inactive', () => {
    const input = inventory({ users: [user('one', { accessKeys: [key(1), key(2, { active: false })] })] })
    expect(failingIds(run(multipleActiveKeys, input))).toEqual([])
  })
})
