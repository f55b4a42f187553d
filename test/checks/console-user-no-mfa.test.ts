import { describe, expect, it } from 'vitest'
import { consoleUserNoMfa } from '../../shared/checks/credentials/console-user-no-mfa.ts'
import { failingIds, inventory, run, user } from '../support/fixtures.ts'

describe('console-user-no-mfa', () => {
  it('fails for a console user without MFA and passes the others', () => {
    const input = inventory({
      users: [
        user('console-no-mfa', { passwordEnabled: true }),
        user('console-mfa', { passwordEnabled: true, mfaActive: true }),
        user('api-only'),
      ],
    })
    expect(failingIds(run(consoleUserNoMfa, input))).toEqual(['console-no-mfa'])
  })

  it('never judges the root row', () => {
    expect(run(consoleUserNoMfa, inventory())).toEqual([])
  })
})
