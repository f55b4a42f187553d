import { iso, keyCredentialId, rootResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const rootAccessKey = defineCheck({
  id: 'root-access-key',
  title: 'The root account has an active access key',
  description:
    'Root access keys give unrestricted, unscoped access to the account and cannot be limited by policy.',
  severity: 'critical',
  resourceType: 'AwsAccount',
  source: 'credentials',
  params: {},
  triggers: { schedule: 'credentials', events: ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey'] },
  remediation:
    'Sign in as root, delete the root access keys (Security credentials > Access keys) and use IAM roles instead.',
  evaluate(input, { accountId }) {
    const root = input.root
    if (!root) return []
    const resource = rootResource(accountId, root.arn)
    const outcomes = root.accessKeys
      .filter((k) => k.active)
      .map((key) =>
        fail(
          this.id,
          resource,
          { slot: key.slot, createdAt: iso(key.lastRotatedAt), lastUsedAt: iso(key.lastUsedAt) },
          {
            credentialId: keyCredentialId(root, key)!,
          },
        ),
      )
    return outcomes.length > 0 ? outcomes : [pass(this.id, resource)]
  },
})
