import { describe, expect, it } from 'vitest'
import { multipleActiveKeys } from '../../shared/checks/credentials/multiple-active-keys.ts'
import {
  failingIds,
  failures,
  inventory,
  key,
  run,
  unknownIds,
  user,
  withUnreadable,
} from '../support/fixtures.ts'

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

  it('judges a user whose key last-used dates are unexpected, as it reads only which keys are active', () => {
    const two = user('two', { accessKeys: [key(1), key(2, { accessKeyId: 'AKIASECOND000000000' })] })
    const input = inventory({
      users: [withUnreadable(two, 'access_key_1_last_used_date', 'access_key_2_last_used_date')],
    })

    const outcomes = run(multipleActiveKeys, input)

    expect(failingIds(outcomes)).toEqual(['user/two'])
    expect(unknownIds(outcomes)).toEqual([])
  })
})
