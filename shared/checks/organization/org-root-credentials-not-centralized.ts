import type { Outcome } from '../../model/finding.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'
import { accountResource, inactive } from './common.ts'

const FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const

/**
 * Centralized root access (CIS AWS Foundations v7 2.1.x): the organization manages its member accounts'
 * root users centrally (IAM ListOrganizationsFeatures: RootCredentialsManagement and RootSessions), and no
 * member account keeps root credentials of its own (GetAccountSummary through the reader role: an MFA
 * device, access keys or signing certificates of the root user; the root password where IAM reports it).
 * Judged on the management account for the features, on each member account for its root user; the
 * management account's own root user is not centralized (root-mfa and root-access-key judge it).
 */
export const orgRootCredentialsNotCentralized = defineCheck({
  id: 'org-root-credentials-not-centralized',
  title: 'Root access is not centralized in the organization',
  description:
    'Centralized root access is not enabled for the organization, or a member account still has root user credentials (an MFA device, access keys or signing certificates).',
  severity: 'high',
  resourceType: 'AwsAccount',
  reads: ['organization'],
  params: {},
  triggers: { schedule: 'organization', events: {} },
  remediation:
    "From the management account: aws iam enable-organizations-root-credentials-management and aws iam enable-organizations-root-sessions; then delete the member account's root credentials (aws sts assume-root with the IAMDeleteRootUserCredentials task policy).",
  evaluate({ organization: o }) {
    const resource = accountResource(o)
    const skip = inactive(o)
    if (skip) return [unknown(this.id, resource, skip)]
    // A configured account list has no organization to centralize root access in: nothing to judge.
    if (!o.organizationId) return []
    const out: Outcome[] = []
    if (o.account.id === o.managementAccountId) {
      const orgResource = {
        type: 'AwsOrganization',
        id: o.organizationId,
        arn: o.accountArn.replace(/:account\/.*$/, `:organization/${o.organizationId}`),
      }
      if (!o.rootAccessFeatures)
        out.push(unknown(this.id, orgResource, o.featuresProblem ?? 'features not read'))
      else {
        const missing = FEATURES.filter((f) => !o.rootAccessFeatures!.includes(f))
        out.push(
          missing.length
            ? fail(this.id, orgResource, {
                featuresMissing: [...missing],
                featuresEnabled: [...o.rootAccessFeatures],
              })
            : pass(this.id, orgResource, { featuresEnabled: [...o.rootAccessFeatures] }),
        )
      }
      return out
    }
    const root = o.probe.root
    if (o.probe.reader === 'not-needed' && !root)
      return [unknown(this.id, resource, o.probe.rootProblem ?? 'root summary not read')]
    if (!root)
      return [
        unknown(this.id, resource, o.probe.rootProblem ?? 'root summary not read (reader role unusable)'),
      ]
    const held = [
      ...(root.mfaEnabled ? ['MFA device'] : []),
      ...(root.accessKeysPresent ? ['access keys'] : []),
      ...(root.signingCertificatesPresent ? ['signing certificates'] : []),
      ...(root.passwordPresent ? ['password'] : []),
    ]
    return [
      held.length
        ? fail(this.id, resource, { accountName: o.account.name, rootCredentials: held })
        : pass(this.id, resource, { accountName: o.account.name, rootCredentials: [] }),
    ]
  },
})
