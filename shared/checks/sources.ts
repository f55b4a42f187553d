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
  /** Access Analyzer analyzers per monitored region; a region missing from the map could not be read. */
  analyzers?: ReadonlyMap<string, AnalyzerState[]>
}

export interface AnalyzerState {
  name: string
  arn: string
  type: string
  status: string
}

export interface TrailState {
  name: string
  arn: string
  homeRegion: string
  isMultiRegion: boolean
  logFileValidation: boolean
  isLogging: boolean
  /** Which management events the event selectors record. */
  managementEvents: 'all' | 'read' | 'write' | 'none'
}

/** What the CloudTrail-health checks read (catalog A4): the monitor's own eyes. */
export interface TrailsSource {
  trails: TrailState[]
  /** When the last CloudTrail event reached the detector; undefined when unknown (no findings table). */
  lastEventAt?: Date
}

/** Data sources, by name; a check declares the one it reads. */
export interface CheckSources {
  credentials: CredentialInventory
  passwordPolicy: PasswordPolicyState
  authorization: AuthorizationSource
  trails: TrailsSource
}
export type SourceName = keyof CheckSources
