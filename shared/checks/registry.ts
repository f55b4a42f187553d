import { roleUnused } from './access/role-unused.ts'
import { unusedActionAccess } from './access/unused-action-access.ts'
import { unusedPermissionsPolicy } from './access/unused-permissions-policy.ts'
import { unusedServiceAccess } from './access/unused-service-access.ts'
import { userUnused } from './access/user-unused.ts'
import { accessAnalyzerDisabled } from './authorization/access-analyzer-disabled.ts'
import { adminManagedPolicyAttached } from './authorization/admin-managed-policy-attached.ts'
import { adminPolicy } from './authorization/admin-policy.ts'
import { adminWithoutMfa } from './authorization/admin-without-mfa.ts'
import { cloudshellFullAccess } from './authorization/cloudshell-full-access.ts'
import { policyNotEvaluable } from './authorization/policy-not-evaluable.ts'
import { privilegeEscalation } from './authorization/privilege-escalation.ts'
import { roleTrustConfusedDeputy } from './authorization/role-trust-confused-deputy.ts'
import { roleTrustExternalAccount } from './authorization/role-trust-external-account.ts'
import { roleTrustWildcard } from './authorization/role-trust-wildcard.ts'
import { serverCertificateExpired } from './authorization/server-certificate-expired.ts'
import { serviceWildcardPolicy } from './authorization/service-wildcard-policy.ts'
import { supportRoleMissing } from './authorization/support-role-missing.ts'
import { userDirectPolicy } from './authorization/user-direct-policy.ts'
import { accessKeyRotation } from './credentials/access-key-rotation.ts'
import { consoleUserNoMfa } from './credentials/console-user-no-mfa.ts'
import { credentialUnused } from './credentials/credential-unused.ts'
import { initialAccessKeyUnused } from './credentials/initial-access-key-unused.ts'
import { multipleActiveKeys } from './credentials/multiple-active-keys.ts'
import { rootAccessKey } from './credentials/root-access-key.ts'
import { rootHardwareMfa } from './credentials/root-hardware-mfa.ts'
import { rootMfa } from './credentials/root-mfa.ts'
import { rootRecentUse } from './credentials/root-recent-use.ts'
import { userNoMfa } from './credentials/user-no-mfa.ts'
import { memberAccountNotMonitored } from './organization/member-account-not-monitored.ts'
import { orgRootCredentialsNotCentralized } from './organization/org-root-credentials-not-centralized.ts'
import { passwordPolicyComplexity } from './password-policy/password-policy-complexity.ts'
import { passwordPolicyExpiry } from './password-policy/password-policy-expiry.ts'
import { passwordPolicyLength } from './password-policy/password-policy-length.ts'
import { passwordPolicyReuse } from './password-policy/password-policy-reuse.ts'
import { cloudtrailLogValidation } from './trails/cloudtrail-log-validation.ts'
import { cloudtrailMultiRegionMissing } from './trails/cloudtrail-multi-region-missing.ts'
import { cloudtrailNotLogging } from './trails/cloudtrail-not-logging.ts'
import { eventStreamSilent } from './trails/event-stream-silent.ts'
import type { AnyCheck } from './types.ts'

/** Every check iamwatch ships, explicitly listed: catalog sections A1 to A5, policy-not-evaluable, and the organization checks. */
export const CHECKS: readonly AnyCheck[] = [
  rootAccessKey,
  rootMfa,
  rootHardwareMfa,
  rootRecentUse,
  consoleUserNoMfa,
  userNoMfa,
  credentialUnused,
  accessKeyRotation,
  multipleActiveKeys,
  initialAccessKeyUnused,
  passwordPolicyLength,
  passwordPolicyReuse,
  passwordPolicyComplexity,
  passwordPolicyExpiry,
  adminPolicy,
  serviceWildcardPolicy,
  adminManagedPolicyAttached,
  cloudshellFullAccess,
  adminWithoutMfa,
  userDirectPolicy,
  privilegeEscalation,
  roleTrustWildcard,
  roleTrustExternalAccount,
  roleTrustConfusedDeputy,
  supportRoleMissing,
  serverCertificateExpired,
  accessAnalyzerDisabled,
  cloudtrailMultiRegionMissing,
  cloudtrailNotLogging,
  cloudtrailLogValidation,
  eventStreamSilent,
  roleUnused,
  userUnused,
  unusedServiceAccess,
  unusedActionAccess,
  unusedPermissionsPolicy,
  policyNotEvaluable,
  orgRootCredentialsNotCentralized,
  memberAccountNotMonitored,
] as AnyCheck[]

const BY_ID = new Map(CHECKS.map((c) => [c.id, c]))

export function getCheck(id: string): AnyCheck | undefined {
  return BY_ID.get(id)
}
