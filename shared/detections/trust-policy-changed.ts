import { isAwsServiceCaller, principalOf, str, succeeded, targetAccount } from './helpers.ts'
import { trustedPrincipals } from './policy-risk.ts'
import { defineDetection } from './types.ts'

export const trustPolicyChanged = defineDetection({
  id: 'trust-policy-changed',
  title: "A role's trust policy changed",
  description:
    'UpdateAssumeRolePolicy; critical when the new trust lets anyone (*) or an untrusted account assume the role.',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: ['UpdateAssumeRolePolicy'] },
  params: {},
  match: (e, ctx) => {
    if (e.eventName !== 'UpdateAssumeRolePolicy' || !succeeded(e) || isAwsServiceCaller(e)) return null
    const { anyone, accounts } = trustedPrincipals(e.requestParameters.policyDocument)
    const own = targetAccount(e) ?? e.identity.accountId
    const untrusted = accounts.filter((a) => a !== own && !ctx.trustedAccounts.has(a))
    if (anyone) return { severity: 'critical', details: { openedTo: '*' } }
    if (untrusted.length > 0) return { severity: 'critical', details: { openedTo: untrusted.join(', ') } }
    return {}
  },
  principal: principalOf,
  context: (e) => ({ role: str(e.requestParameters.roleName) ?? null }),
  runbook: [
    'Read the new trust policy: who can now assume the role?',
    'If it opens the role to * or an unknown account, restore the previous trust policy now and review AssumeRole events for the role.',
  ],
})
