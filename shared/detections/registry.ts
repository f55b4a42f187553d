import { accessKeyCreatedForOtherUser } from './access-key-created-for-other-user.ts'
import { accessKeyNewNetwork } from './access-key-new-network.ts'
import { adminGroupMembership } from './admin-group-membership.ts'
import { adminPolicyAttached } from './admin-policy-attached.ts'
import { centralizedRootAccess } from './centralized-root-access.ts'
import { cloudtrailTampering } from './cloudtrail-tampering.ts'
import { compromisedKeyQuarantine } from './compromised-key-quarantine.ts'
import { configChange } from './config-change.ts'
import { consoleFromAccessKeys } from './console-from-access-keys.ts'
import { consoleLoginFailures } from './console-login-failures.ts'
import { consoleLoginNewNetwork } from './console-login-new-network.ts'
import { consoleLoginNoMfa } from './console-login-no-mfa.ts'
import { crossAccountRoleAssumption } from './cross-account-role-assumption.ts'
import { federationTokenCreated } from './federation-token-created.ts'
import { iamPolicyChange } from './iam-policy-change.ts'
import { identityCenterChange } from './identity-center-change.ts'
import { identityProviderChange } from './identity-provider-change.ts'
import { kmsKeyDisabled } from './kms-key-disabled.ts'
import { loginProfileChanged } from './login-profile-changed.ts'
import { mfaDeactivated } from './mfa-deactivated.ts'
import { mfaDeviceRegisteredForOtherUser } from './mfa-device-registered-for-other-user.ts'
import { monitorTampered } from './monitor-tampered.ts'
import { networkAclChange } from './network-acl-change.ts'
import { networkGatewayChange } from './network-gateway-change.ts'
import { organizationsChange } from './organizations-change.ts'
import { passwordPolicyChanged } from './password-policy-changed.ts'
import { rolesAnywhereChange } from './roles-anywhere-change.ts'
import { rootAccessKeyCreated } from './root-access-key-created.ts'
import { rootActivity } from './root-activity.ts'
import { rootConsoleLogin } from './root-console-login.ts'
import { rootConsoleLoginFailed } from './root-console-login-failed.ts'
import { rootCredentialChange } from './root-credential-change.ts'
import { rootPasswordRecovery } from './root-password-recovery.ts'
import { routeTableChange } from './route-table-change.ts'
import { s3BucketPolicyChange } from './s3-bucket-policy-change.ts'
import { securityGroupChange } from './security-group-change.ts'
import { securityHubDisabled } from './security-hub-disabled.ts'
import { securityServiceDisabled } from './security-service-disabled.ts'
import { trustPolicyChanged } from './trust-policy-changed.ts'
import type { AnyDetection } from './types.ts'
import { unauthorizedApiCalls } from './unauthorized-api-calls.ts'
import { userCreatedOutsideIac } from './user-created-outside-iac.ts'
import { vpcChange } from './vpc-change.ts'

/** Every real-time detection iamwatch ships: catalog sections B and B2. */
export const DETECTIONS: readonly AnyDetection[] = [
  rootConsoleLogin,
  rootConsoleLoginFailed,
  rootActivity,
  rootAccessKeyCreated,
  rootCredentialChange,
  consoleLoginNoMfa,
  consoleLoginFailures,
  iamPolicyChange,
  adminPolicyAttached,
  accessKeyCreatedForOtherUser,
  loginProfileChanged,
  mfaDeactivated,
  trustPolicyChanged,
  crossAccountRoleAssumption,
  cloudtrailTampering,
  securityServiceDisabled,
  organizationsChange,
  unauthorizedApiCalls,
  compromisedKeyQuarantine,
  passwordPolicyChanged,
  monitorTampered,
  identityProviderChange,
  rolesAnywhereChange,
  federationTokenCreated,
  consoleFromAccessKeys,
  rootPasswordRecovery,
  centralizedRootAccess,
  mfaDeviceRegisteredForOtherUser,
  userCreatedOutsideIac,
  adminGroupMembership,
  identityCenterChange,
  kmsKeyDisabled,
  s3BucketPolicyChange,
  configChange,
  securityGroupChange,
  networkAclChange,
  networkGatewayChange,
  routeTableChange,
  vpcChange,
  securityHubDisabled,
  accessKeyNewNetwork,
  consoleLoginNewNetwork,
] as AnyDetection[]

const BY_ID = new Map(DETECTIONS.map((d) => [d.id, d]))

export function getDetection(id: string): AnyDetection | undefined {
  return BY_ID.get(id)
}
