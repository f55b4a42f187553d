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
    const evidence = { mfaActive, hasPassword, hasAccessKey: hasKey }
    // Decided by the live summary alone: as of its read, not of the report.
    const live = summary?.readAt ? { asOf: summary.readAt.toISOString() } : {}
    if (!mfaActive && (hasPassword || hasKey)) {
      const liveFail = summary?.mfaEnabled === false && (summary.passwordPresent || summary.accessKeysPresent)
      return [fail(this.id, resource, evidence, liveFail ? live : {})]
    }
    return [pass(this.id, resource, evidence, summary?.mfaEnabled === true ? live : {})]
  },
})
