import { describe, expect, it } from 'vitest'
import { consoleUserNoMfa } from '../../shared/checks/credentials/console-user-no-mfa.ts'
import { failingIds, inventory, run, unknownIds, user, withUnreadable } from '../support/fixtures.ts'

describe('console-user-no-mfa', () => {
  it('fails for a console user without MFA and passes the others', () => {
    const input = inventory({
      users: [
        user('console-no-mfa', { passwordEnabled: true }),
        user('console-mfa', { passwordEnabled: true, mfaActive: true }),
        user('api-only'),
      ],
    })
    expect(failingIds(run(consoleUserNoMfa, input))).toEqual(['user/console-no-mfa'])
  })

  it('never judges the root row', () => {
    expect(run(consoleUserNoMfa, inventory())).toEqual([])
  })

  it('judges a console user whose password_last_used is unexpected as usual, as it does not read it', () => {
    const input = inventory({
      users: [
        withUnreadable(user('odd', { passwordEnabled: true }), 'password_last_used', 'password_last_changed'),
      ],
    })

    const outcomes = run(consoleUserNoMfa, input)

    expect(failingIds(outcomes)).toEqual(['user/odd'])
    expect(unknownIds(outcomes)).toEqual([])
  })
})
