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
import { passwordPolicyComplexity } from './password-policy/password-policy-complexity.ts'
import { passwordPolicyExpiry } from './password-policy/password-policy-expiry.ts'
import { passwordPolicyLength } from './password-policy/password-policy-length.ts'
import { passwordPolicyReuse } from './password-policy/password-policy-reuse.ts'
import type { AnyCheck } from './types.ts'

/** Every check iamwatch ships, explicitly listed. Catalog sections A1 and A2. */
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
] as AnyCheck[]

const BY_ID = new Map(CHECKS.map((c) => [c.id, c]))

export function getCheck(id: string): AnyCheck | undefined {
  return BY_ID.get(id)
}
