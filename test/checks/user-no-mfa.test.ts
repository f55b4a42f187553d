import { describe, expect, it } from 'vitest'
import { userNoMfa } from '../../shared/checks/credentials/user-no-mfa.ts'
import { failingIds, inventory, run, user } from '../support/fixtures.ts'

describe('user-no-mfa', () => {
  it('fails for every user without MFA, console or not', () => {
    const input = inventory({
      users: [user('api-only'), user('console', { passwordEnabled: true }), user('ok', { mfaActive: true })],
    })
    expect(failingIds(run(userNoMfa, input))).toEqual(['api-only', 'console'])
  })
})
