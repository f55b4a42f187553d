import { accessKeyCreatedForOtherUser } from './access-key-created-for-other-user.ts'
import { adminPolicyAttached } from './admin-policy-attached.ts'
import { cloudtrailTampering } from './cloudtrail-tampering.ts'
import { compromisedKeyQuarantine } from './compromised-key-quarantine.ts'
import { consoleLoginFailures } from './console-login-failures.ts'
import { consoleLoginNoMfa } from './console-login-no-mfa.ts'
import { crossAccountRoleAssumption } from './cross-account-role-assumption.ts'
import { iamPolicyChange } from './iam-policy-change.ts'
import { loginProfileChanged } from './login-profile-changed.ts'
import { mfaDeactivated } from './mfa-deactivated.ts'
import { monitorTampered } from './monitor-tampered.ts'
import { organizationsChange } from './organizations-change.ts'
import { passwordPolicyChanged } from './password-policy-changed.ts'
import { rootAccessKeyCreated } from './root-access-key-created.ts'
import { rootActivity } from './root-activity.ts'
import { rootConsoleLogin } from './root-console-login.ts'
import { rootConsoleLoginFailed } from './root-console-login-failed.ts'
import { rootCredentialChange } from './root-credential-change.ts'
import { securityServiceDisabled } from './security-service-disabled.ts'
import { trustPolicyChanged } from './trust-policy-changed.ts'
import type { AnyDetection } from './types.ts'
import { unauthorizedApiCalls } from './unauthorized-api-calls.ts'

/** Every real-time detection iamwatch ships: catalog section B (and, of B2, monitor-tampered). */
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
] as AnyDetection[]

const BY_ID = new Map(DETECTIONS.map((d) => [d.id, d]))

export function getDetection(id: string): AnyDetection | undefined {
  return BY_ID.get(id)
}
