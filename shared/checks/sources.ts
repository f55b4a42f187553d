import type { AuthorizationInventory } from '../normalize/authorization.ts'
import type { CredentialUser } from '../normalize/credential-report.ts'

/** What GetAccountSummary says about the root account (live, unlike the up-to-4-hour-old report). */
export interface RootSummary {
  mfaEnabled?: boolean
  passwordPresent?: boolean
  accessKeysPresent?: boolean
}

/** Everything the credential checks read, normalized once. */
export interface CredentialInventory {
  reportGeneratedAt: Date
  root?: CredentialUser
  users: CredentialUser[]
  rootSummary?: RootSummary
  /** From ListVirtualMFADevices: a virtual device assigned to the root user. */
  rootMfaKind: 'virtual' | 'not-virtual' | 'unknown'
}

export interface PasswordPolicy {
  minimumPasswordLength?: number
  requireSymbols?: boolean
  requireNumbers?: boolean
  requireUppercaseCharacters?: boolean
  requireLowercaseCharacters?: boolean
  allowUsersToChangePassword?: boolean
  expirePasswords?: boolean
  maxPasswordAge?: number
  passwordReusePrevention?: number
  hardExpiry?: boolean
}

/** `policy: null` is GetAccountPasswordPolicy's NoSuchEntity: the account has no policy at all. */
export interface PasswordPolicyState {
  policy: PasswordPolicy | null
}

/** What the least-privilege checks read (catalog A3). */
export interface AuthorizationSource {
  inventory: AuthorizationInventory
  serverCertificates: Array<{ name: string; arn: string; expiration?: Date }>
  /** Users with an MFA device, from the credential report; undefined when it could not be read. */
  mfaUsers?: ReadonlySet<string>
  /** Accounts trusted by configuration (cross-account trust is expected from these). */
  trustedAccounts: ReadonlySet<string>
}

/** Data sources, by name; a check declares the one it reads. */
export interface CheckSources {
  credentials: CredentialInventory
  passwordPolicy: PasswordPolicyState
  authorization: AuthorizationSource
}
export type SourceName = keyof CheckSources
