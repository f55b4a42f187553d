import { iso, keyColumn, keyCredentialId, rootResource, unknownColumns } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const rootAccessKey = defineCheck({
  id: 'root-access-key',
  title: 'The root account has an active access key',
  description:
    'Root access keys give unrestricted, unscoped access to the account and cannot be limited by policy.',
  severity: 'critical',
  resourceType: 'AwsAccount',
  reads: ['credentials'],
  params: {},
  // Root's keys are not readable live by an IAM principal: the scan judges them, and the
  // root-access-key-created detection alerts on the event itself.
  triggers: { schedule: 'credentials', events: {} },
  remediation:
    'Sign in as root, delete the root access keys (Security credentials > Access keys) and use IAM roles instead.',
  evaluate({ credentials: input }, { accountId }) {
    const root = input.root
    if (!root) return []
    const resource = rootResource(accountId, root.arn)
    const outcomes = root.accessKeys
      .filter((k) => k.active)
      .map((key) => {
        // The verdict needs only `active`; the evidence says so when the last-used date is unknown.
        const unknownFields = unknownColumns(root, keyColumn(key, 'last_used_date'))
        return fail(
          this.id,
          resource,
          {
            slot: key.slot,
            createdAt: iso(key.lastRotatedAt),
            lastUsedAt: iso(key.lastUsedAt),
            ...(unknownFields.length > 0 ? { unknownFields } : {}),
          },
          { credentialId: keyCredentialId(root, key)! },
        )
      })
    return outcomes.length > 0 ? outcomes : [pass(this.id, resource)]
  },
})
