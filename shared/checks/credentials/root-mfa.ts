import { rootResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const rootMfa = defineCheck({
  id: 'root-mfa',
  title: 'The root account has no MFA',
  description: 'The root account has a password or an access key but no MFA device.',
  severity: 'critical',
  resourceType: 'AwsAccount',
  reads: ['credentials'],
  params: {},
  // Root's MFA is judged by the scan (report and account summary); root-credential-change alerts live.
  triggers: { schedule: 'credentials', events: {} },
  remediation: 'Sign in as root and assign an MFA device (preferably hardware) under Security credentials.',
  evaluate({ credentials: input }, { accountId }) {
    const root = input.root
    if (!root) return []
    const summary = input.rootSummary
    // GetAccountSummary is live; the report can be four hours old. Prefer the live answer.
    const mfaActive = summary?.mfaEnabled ?? root.mfaActive
    const hasKey = (summary?.accessKeysPresent ?? false) || root.accessKeys.some((k) => k.active)
    const hasPassword = summary?.passwordPresent ?? root.passwordEnabled ?? true
    const resource = rootResource(accountId, root.arn)
    if (!mfaActive && (hasPassword || hasKey)) {
      return [fail(this.id, resource, { mfaActive, hasPassword, hasAccessKey: hasKey })]
    }
    return [pass(this.id, resource, { mfaActive, hasPassword, hasAccessKey: hasKey })]
  },
})
