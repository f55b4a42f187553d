import { describe, expect, it } from 'vitest'
import { userNoMfa } from '../../shared/checks/credentials/user-no-mfa.ts'
import { failingIds, inventory, key, run, unknownIds, user, withUnreadable } from '../support/fixtures.ts'

describe('user-no-mfa', () => {
  it('fails for every user without MFA, console or not', () => {
    const input = inventory({
      users: [user('api-only'), user('console', { passwordEnabled: true }), user('ok', { mfaActive: true })],
    })
    expect(failingIds(run(userNoMfa, input))).toEqual(['user/api-only', 'user/console'])
  })

  it('judges a user whose last-used values are unexpected as usual, as it does not read them', () => {
    const odd = user('odd', { accessKeys: [key(1)] })
    const input = inventory({
      users: [withUnreadable(odd, 'password_last_used', 'access_key_1_last_used_date', 'cert_1_active')],
    })

    const outcomes = run(userNoMfa, input)

    expect(failingIds(outcomes)).toEqual(['user/odd'])
    expect(unknownIds(outcomes)).toEqual([])
  })
})
