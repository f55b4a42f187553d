import type { AccessReport, GrantLedger } from '../model/access.ts'
import type { AuthorizationInventory } from '../normalize/authorization.ts'
import type { CredentialUser } from '../normalize/credential-report.ts'
import type { Rejection } from '../normalize/rejection.ts'
import type { OrganizationSource } from '../organization/model.ts'
import type { ActionCatalog } from '../policy/catalog.ts'

/** What GetAccountSummary says about the root account (live, unlike the up-to-4-hour-old report). */
export interface RootSummary {
  mfaEnabled?: boolean
  passwordPresent?: boolean
  accessKeysPresent?: boolean
  /** When it was read (live, unlike the report). */
  readAt?: Date
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
  /** Accounts trusted by configuration (cross-account trust is expected from these). */
  trustedAccounts: ReadonlySet<string>
}

/** Access Analyzer analyzers per monitored region; a region missing from the map could not be read. */
export interface AnalyzersSource {
  byRegion: ReadonlyMap<string, AnalyzerState[]>
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

/**
 * A trail DescribeTrails listed whose state could not be read (GetTrailStatus or GetEventSelectors
 * failed for it: in a member account, an organization trail the caller may not read), and why. It is
 * not among `trails`: the checks judge nothing of it.
 */
export interface UnreadableTrail {
  name: string
  arn: string
  homeRegion: string
  reason: string
}

/** What the CloudTrail-health checks read (catalog A4): the monitor's own eyes. */
export interface TrailsSource {
  trails: TrailState[]
  /** Trails listed but not read whole (the source marks each `partial`); absent when every trail was read. */
  unreadable?: UnreadableTrail[]
  /** When the last CloudTrail event reached the detector; undefined when unknown (no findings table). */
  lastEventAt?: Date
}

/**
 * What the unused-access checks read (catalog A5): Access Advisor's report for each principal and
 * customer managed policy read (by resource id: `user/<name>`, `role/<name>`, a policy ARN), and the
 * action catalog loaded for the services in those reports.
 */
export interface AccessAdvisorSource {
  reports: ReadonlyMap<string, AccessReport>
  catalog: ActionCatalog
  /** Grants the monitor saw made in CloudTrail, with their times (absent without a findings table). */
  grants?: GrantLedger
}

/** Data sources, by name; a check declares every one it reads. */
export interface CheckSources {
  credentials: CredentialInventory
  passwordPolicy: PasswordPolicyState
  authorization: AuthorizationSource
  analyzers: AnalyzersSource
  trails: TrailsSource
  accessAdvisor: AccessAdvisorSource
  /** One account of an organization, as the central account sees it (discovery and the member probe). */
  organization: OrganizationSource
}
export type SourceName = keyof CheckSources

/**
 * What one source read, for the resources asked about. `data` is absent when it could not be read at
 * all. `complete`: every resource of the scope is in `data`, so a resource that is absent is gone.
 * `partial`: resources whose data is only partly known (resource id -> why); checks reading this source
 * judge nothing about them. `asOf`: when the data was true (the report's GeneratedTime, a live read).
 */
export interface Reading<T> {
  data?: T
  /** The resource ids read; undefined for the whole account. */
  covers?: ReadonlySet<string>
  /** The resources that exist in `data` (where the source can tell): absent from it means gone. */
  present?: ReadonlySet<string>
  complete: boolean
  asOf: Date
  problems: string[]
  partial: ReadonlyMap<string, string>
  /** Input rows rejected while reading (counted and logged). */
  rejections?: Rejection[]
}

export type Readings = { [N in SourceName]?: Reading<CheckSources[N]> }

/** A reading of the whole account with nothing missing. */
export function wholeReading<T>(data: T, asOf: Date): Reading<T> {
  return { data, complete: true, asOf, problems: [], partial: new Map() }
}
