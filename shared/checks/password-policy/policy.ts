import type { Outcome } from '../../model/finding.ts'
import { passwordPolicyResource } from '../resources.ts'
import type { PasswordPolicy, PasswordPolicyState } from '../sources.ts'
import { fail, pass } from '../types.ts'

/** Shared shape of the password-policy checks: no policy fails all of them. */
export function judgePolicy(
  checkId: string,
  accountId: string,
  state: PasswordPolicyState,
  judge: (policy: PasswordPolicy) => {
    ok: boolean
    evidence: Record<string, string | number | boolean | null>
  },
): Outcome[] {
  const resource = passwordPolicyResource(accountId)
  if (!state.policy) return [fail(checkId, resource, { policyExists: false })]
  const { ok, evidence } = judge(state.policy)
  return [
    ok ? pass(checkId, resource, evidence) : fail(checkId, resource, { policyExists: true, ...evidence }),
  ]
}

/** The policy the CIS benchmark recommends: it passes every password-policy check at its defaults. */
export const CIS_PASSWORD_POLICY: Readonly<PasswordPolicy> = {
  minimumPasswordLength: 14,
  passwordReusePrevention: 24,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
  maxPasswordAge: 90,
}

export const PASSWORD_POLICY_EVENTS = ['UpdateAccountPasswordPolicy', 'DeleteAccountPasswordPolicy'] as const
