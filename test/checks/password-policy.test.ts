import { describe, expect, it } from 'vitest'
import { passwordPolicyComplexity } from '../../shared/checks/password-policy/password-policy-complexity.ts'
import { passwordPolicyExpiry } from '../../shared/checks/password-policy/password-policy-expiry.ts'
import { passwordPolicyLength } from '../../shared/checks/password-policy/password-policy-length.ts'
import { passwordPolicyReuse } from '../../shared/checks/password-policy/password-policy-reuse.ts'
import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { failures, policy, run } from '../support/fixtures.ts'

const strong = CIS_PASSWORD_POLICY
const ALL = [passwordPolicyLength, passwordPolicyReuse, passwordPolicyComplexity, passwordPolicyExpiry]

describe('password policy checks', () => {
  it('all fail when the account has no password policy (NoSuchEntity)', () => {
    for (const check of ALL) expect(failures(run(check, policy(null))), check.id).toHaveLength(1)
  })

  it('all pass a CIS-strong policy', () => {
    for (const check of ALL) expect(failures(run(check, policy(strong))), check.id).toEqual([])
  })

  it('password-policy-length fails below 14 characters', () => {
    expect(
      failures(run(passwordPolicyLength, policy({ ...strong, minimumPasswordLength: 13 }))),
    ).toHaveLength(1)
  })

  it('password-policy-reuse fails when fewer than 24 passwords are remembered', () => {
    expect(
      failures(run(passwordPolicyReuse, policy({ ...strong, passwordReusePrevention: 5 }))),
    ).toHaveLength(1)
  })

  it('password-policy-complexity fails when symbols are not required', () => {
    expect(
      failures(run(passwordPolicyComplexity, policy({ ...strong, requireSymbols: false }))),
    ).toHaveLength(1)
  })

  it('password-policy-expiry fails when passwords never expire or live longer than 90 days', () => {
    expect(
      failures(run(passwordPolicyExpiry, policy({ ...strong, maxPasswordAge: undefined }))),
    ).toHaveLength(1)
    expect(failures(run(passwordPolicyExpiry, policy({ ...strong, maxPasswordAge: 120 })))).toHaveLength(1)
  })

  it('thresholds are configurable', () => {
    expect(
      failures(
        run(passwordPolicyLength, policy({ ...strong, minimumPasswordLength: 14 }), { minLength: 16 }),
      ),
    ).toHaveLength(1)
  })
})
