import { randomBytes } from 'node:crypto'
import type { PasswordPolicy } from '../../shared/checks/sources.ts'

/** The account state the simulator serves. Tests and the demo shape it through the builder. */
export interface SimAccessKey {
  id: string
  status: 'Active' | 'Inactive'
  createDate: Date
  lastUsed?: { date: Date; service: string; region: string }
  /** Kept for keys created over the wire (CreateAccessKey returns it once); the simulator checks no signatures. */
  secret?: string
}

/** IAM's tag shape (Key, Value), as the Query protocol and the SDK carry it. */
export type SimTag = { Key: string; Value: string }

export interface SimMfaDevice {
  serialNumber: string
  kind: 'virtual' | 'hardware'
  enableDate: Date
}

/** What users, groups and roles hold: managed policy ARNs, inline documents by name, a boundary. */
export interface SimPolicies {
  attached: string[]
  inline: Map<string, string>
  boundary?: string
}

export interface SimManagedPolicy {
  name: string
  arn: string
  id: string
  path: string
  awsManaged: boolean
  createDate: Date
  description?: string
  tags?: SimTag[]
  versions: Array<{ id: string; document: string; createDate: Date }>
  defaultVersionId: string
}

/**
 * What a principal did with one service, as Access Advisor (service and action last accessed data) learns
 * it: every authenticated attempt counts, denied ones too. `lastAccessed`: the latest attempt on any of the
 * service's actions; `actions`: the latest attempt per action, by the name the Service Authorization
 * Reference gives it (`CreateBucket`). Only the actions IAM tracks are ever reported (see access-advisor.ts).
 */
export interface SimServiceUsage {
  lastAccessed?: Date
  region: string
  actions: Map<string, { date: Date; region: string }>
}

/** A user's or role's usage, by service namespace (`s3`). Groups and policies report their holders'. */
export type SimUsage = Map<string, SimServiceUsage>

export interface SimRole extends SimPolicies {
  name: string
  roleId: string
  path: string
  createDate: Date
  trustPolicy: string
  /** RoleLastUsed (GetRole, GetAccountAuthorizationDetails); the builder's usage() moves it forward. */
  lastUsed?: { date: Date; region: string }
  /** Access Advisor data (GenerateServiceLastAccessedDetails). */
  usage?: SimUsage
  description?: string
  maxSessionDuration?: number
  tags?: SimTag[]
}

export interface SimTrail {
  name: string
  homeRegion: string
  isMultiRegionTrail: boolean
  logFileValidationEnabled: boolean
  isLogging: boolean
  /** Basic selectors (includeManagementEvents, readWriteType) or advanced ones. */
  eventSelectors?: Array<{
    IncludeManagementEvents: boolean
    ReadWriteType: 'All' | 'ReadOnly' | 'WriteOnly'
  }>
  advancedEventSelectors?: Array<{
    Name?: string
    FieldSelectors: Array<{ Field: string; Equals?: string[] }>
  }>
  /**
   * An organization trail (IsOrganizationTrail). `ownerAccountId`: the management (or delegated
   * administrator) account that created it, whose id its ARN carries; absent, this account's own. A
   * member account sees another account's organization trail as a shadow trail, by ARN only.
   */
  organization?: { ownerAccountId?: string }
}

export interface SimAnalyzer {
  name: string
  type: 'ACCOUNT' | 'ORGANIZATION' | 'ACCOUNT_UNUSED_ACCESS' | 'ORGANIZATION_UNUSED_ACCESS'
  status: 'ACTIVE' | 'CREATING' | 'DISABLED' | 'FAILED'
}

export interface SimServerCertificate {
  name: string
  id: string
  path: string
  uploadDate: Date
  expiration: Date
}

export interface SimUser {
  name: string
  userId: string
  path: string
  createDate: Date
  policies?: SimPolicies
  loginProfile?: {
    createDate: Date
    passwordLastChanged: Date
    passwordLastUsed?: Date
    passwordResetRequired: boolean
  }
  accessKeys: SimAccessKey[]
  mfaDevices: SimMfaDevice[]
  groups: string[]
  tags?: SimTag[]
  /**
   * Access Advisor data (GenerateServiceLastAccessedDetails). Separate from the credential report's data
   * (a key's lastUsed, passwordLastUsed): using a service does not touch those.
   */
  usage?: SimUsage
}

export interface SimRoot {
  createDate: Date
  hasPassword: boolean
  passwordLastUsed?: Date
  passwordLastChanged?: Date
  accessKeys: SimAccessKey[]
  mfa?: SimMfaDevice
  /** X.509 signing certificates of the root user (GetAccountSummary's AccountSigningCertificatesPresent). */
  signingCertificates?: SimSigningCertificate[]
}

export interface SimSigningCertificate {
  id: string
  status: 'Active' | 'Inactive'
  uploadDate: Date
}

export interface SimGroup {
  name: string
  groupId: string
  path: string
  createDate: Date
  policies?: SimPolicies
}

export interface ReportState {
  startedAtWall: number
  snapshotAt?: Date
  csv?: string
}

export class SimAccount {
  readonly accountId: string
  readonly users = new Map<string, SimUser>()
  readonly groups = new Map<string, SimGroup>()
  readonly roles = new Map<string, SimRole>()
  /** Customer-managed policies, and the AWS-managed ones this account uses, by ARN. */
  readonly managedPolicies = new Map<string, SimManagedPolicy>()
  readonly serverCertificates: SimServerCertificate[] = []
  readonly trails: SimTrail[] = []
  /**
   * The trail ARNs (`*` wildcards) the caller's identity policy allows cloudtrail:GetTrailStatus and
   * cloudtrail:GetEventSelectors on, as a role's `Resource` list; any other trail is AccessDenied, as
   * IAM authorizes the ARN a call addresses. Undefined: every trail.
   */
  trailReadGrant?: readonly string[]
  /** IAM Access Analyzer analyzers, by region. */
  readonly analyzers = new Map<string, SimAnalyzer[]>()
  readonly unassignedVirtualMfa: SimMfaDevice[] = []
  root: SimRoot
  passwordPolicy: PasswordPolicy | null = null
  report?: ReportState
  /** Test hook: rewrites the rendered report (to serve malformed rows, odd columns, hostile values). */
  reportTransform?: (csv: string) => string
  /** Model time offset: lets tests and the demo move the account's clock (report age, ages of keys). */
  private offsetMs = 0

  constructor(accountId: string, now: Date = new Date()) {
    this.accountId = accountId
    this.offsetMs = now.getTime() - Date.now()
    this.root = {
      createDate: new Date(now.getTime() - 3 * 365 * 86_400_000),
      hasPassword: true,
      accessKeys: [],
    }
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }

  advance(ms: number): void {
    this.offsetMs += ms
  }

  arn(resource: string): string {
    return `arn:aws:iam::${this.accountId}:${resource}`
  }

  userArn(user: SimUser): string {
    return this.arn(`user${user.path}${user.name}`)
  }

  /** A user as IAM's User shape renders it (GetUser, ListUsers). */
  userNode(u: SimUser) {
    return {
      Path: u.path,
      UserName: u.name,
      UserId: u.userId,
      Arn: this.userArn(u),
      CreateDate: u.createDate,
      PasswordLastUsed: u.loginProfile?.passwordLastUsed,
    }
  }

  roleArn(r: SimRole): string {
    return this.arn(`role${r.path}${r.name}`)
  }

  groupArn(g: SimGroup): string {
    return this.arn(`group${g.path}${g.name}`)
  }

  getUser(name: string): SimUser | undefined {
    return this.users.get(name)
  }

  /** Deletes the cached credential report, so the next scan sees the current state. */
  expireReport(): void {
    this.report = undefined
  }
}

export function newId(prefix: string, length = 16): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bytes = randomBytes(length)
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}
