import type { PasswordPolicy } from '../../shared/checks/sources.ts'
import { awsManagedPolicy } from './aws-managed.ts'
import {
  newId,
  type SimAccessKey,
  SimAccount,
  type SimAnalyzer,
  type SimMfaDevice,
  type SimPolicies,
  type SimRole,
  type SimRoot,
  type SimServiceUsage,
  type SimTrail,
  type SimUsage,
  type SimUser,
} from './model.ts'

const DAY = 86_400_000
const HOUR = 3_600_000

/** When something happened: days ago, or hours ago (for the Access Advisor's reporting lag). */
export type Ago = { daysAgo: number; hoursAgo?: never } | { hoursAgo: number; daysAgo?: never }

/**
 * A principal's use of one service, as Access Advisor reports it (attempts count, denied ones too).
 * `daysAgo`/`hoursAgo`: the latest attempt on any of its actions; omitted, the latest of `actions`.
 * `actions`: per action name as the Service Authorization Reference spells it (`CreateBucket`), days ago
 * or a full spec. Only actions IAM tracks are ever reported, and iam:PassRole never is.
 */
export type UsageSpec = Partial<Ago> & {
  region?: string
  actions?: Record<string, number | (Ago & { region?: string })>
}

/**
 * Records usage on a principal's model; a role's RoleLastUsed moves forward to its latest use. Usage is
 * not credential use: a user's keys and password keep their own last-used dates (the credential report).
 */
export function recordUsage(
  holder: { usage?: SimUsage },
  service: string,
  spec: UsageSpec,
  at: (ago: Partial<Ago>) => Date | undefined,
): Date | undefined {
  const ns = service.toLowerCase()
  const region = spec.region ?? 'us-east-1'
  holder.usage ??= new Map()
  const u: SimServiceUsage = holder.usage.get(ns) ?? { region, actions: new Map() }
  let latest = at(spec)
  let where = region
  for (const [name, a] of Object.entries(spec.actions ?? {})) {
    const date = at(typeof a === 'number' ? { daysAgo: a } : a)!
    const actionRegion = (typeof a === 'object' && a.region) || region
    const known = u.actions.get(name)
    if (!known || date > known.date) u.actions.set(name, { date, region: actionRegion })
    // iam:PassRole is not an API call: it never makes the service "accessed".
    if (!(ns === 'iam' && name === 'PassRole') && (!latest || date > latest)) {
      latest = date
      where = actionRegion
    }
  }
  if (latest && (!u.lastAccessed || latest > u.lastAccessed)) {
    u.lastAccessed = latest
    u.region = where
  }
  holder.usage.set(ns, u)
  return u.lastAccessed
}

export interface KeySpec {
  ageDays: number
  /** Days since last use; omit for a key never used. */
  lastUsedDaysAgo?: number
  status?: 'Active' | 'Inactive'
  id?: string
  service?: string
  region?: string
  /** Created in the same minute as its user (a key set up with the user). */
  atUserCreation?: boolean
}

export interface ConsoleSpec {
  /** Days since the password was last used; omit for never used. */
  lastUsedDaysAgo?: number
  changedDaysAgo?: number
}

/** Fluent scenario builder for the simulator's account, with ages relative to the account's clock. */
export class AccountBuilder {
  readonly account: SimAccount
  private readonly now: Date
  constructor(accountId = '123456789012', now: Date = new Date()) {
    this.account = new SimAccount(accountId, now)
    this.now = now
  }

  private ago(days: number): Date {
    return new Date(this.now.getTime() - days * DAY)
  }

  private when = (a: Partial<Ago>): Date | undefined =>
    a.hoursAgo !== undefined
      ? new Date(this.now.getTime() - a.hoursAgo * HOUR)
      : a.daysAgo !== undefined
        ? this.ago(a.daysAgo)
        : undefined

  /**
   * Gives an existing user or role (`user/alice`, `role/app`) usage of a service, as the user and role
   * builders' usage() does: `.usage('role/app', 's3', { daysAgo: 3, actions: { CreateBucket: 3 } })`.
   */
  usage(principal: `user/${string}` | `role/${string}`, service: string, spec: UsageSpec): this {
    const [kind, name] = [principal.slice(0, 4), principal.slice(5)]
    if (kind === 'role') {
      const role = this.account.roles.get(name)
      if (!role) throw new Error(`no role ${name}`)
      roleUsage(role, service, spec, this.when)
    } else {
      const user = this.account.users.get(name)
      if (!user) throw new Error(`no user ${name}`)
      recordUsage(user, service, spec, this.when)
    }
    return this
  }

  root(shape: (r: RootBuilder) => RootBuilder): this {
    shape(new RootBuilder(this.account.root, this.account, (d) => this.ago(d)))
    return this
  }

  passwordPolicy(policy: PasswordPolicy | null): this {
    this.account.passwordPolicy = policy
    return this
  }

  user(name: string, shape: (u: UserBuilder) => UserBuilder = (u) => u): this {
    const user: SimUser = {
      name,
      userId: newId('AIDA'),
      path: '/',
      createDate: this.ago(365),
      accessKeys: [],
      mfaDevices: [],
      groups: [],
    }
    this.account.users.set(name, user)
    shape(new UserBuilder(user, this.account, (d) => this.ago(d), this.when))
    return this
  }

  /** A customer-managed policy (one version); returns its ARN. */
  managedPolicy(name: string, document: unknown): string {
    const arn = this.account.arn(`policy/${name}`)
    this.account.managedPolicies.set(arn, {
      name,
      arn,
      id: newId('ANPA'),
      path: '/',
      awsManaged: false,
      createDate: this.ago(200),
      versions: [{ id: 'v1', document: JSON.stringify(document), createDate: this.ago(200) }],
      defaultVersionId: 'v1',
    })
    return arn
  }

  group(name: string, shape: (g: PolicyHolder) => PolicyHolder = (g) => g): this {
    const policies: SimPolicies = { attached: [], inline: new Map() }
    this.account.groups.set(name, {
      name,
      groupId: newId('AGPA'),
      path: '/',
      createDate: this.ago(500),
      policies,
    })
    shape(new PolicyHolder(policies, this.account))
    return this
  }

  role(name: string, trust: unknown, shape: (r: RoleBuilder) => RoleBuilder = (r) => r): this {
    const role: SimRole = {
      name,
      roleId: newId('AROA'),
      path: '/',
      createDate: this.ago(300),
      trustPolicy: JSON.stringify(trust),
      attached: [],
      inline: new Map(),
    }
    this.account.roles.set(name, role)
    shape(new RoleBuilder(role, this.account, (d) => this.ago(d), this.when))
    return this
  }

  trail(name: string, spec: Partial<Omit<SimTrail, 'name'>> = {}): this {
    this.account.trails.push({
      name,
      homeRegion: 'us-east-1',
      isMultiRegionTrail: true,
      logFileValidationEnabled: true,
      isLogging: true,
      ...spec,
    })
    return this
  }

  /**
   * An organization trail created in another account (the management or delegated administrator
   * account): this account sees it as a shadow trail whose ARN carries the owner's id.
   */
  organizationTrail(name: string, ownerAccountId: string, spec: Partial<Omit<SimTrail, 'name'>> = {}): this {
    return this.trail(name, { ...spec, organization: { ownerAccountId } })
  }

  /** The trail ARNs the caller's policy grants GetTrailStatus and GetEventSelectors on (`*` wildcards). */
  trailReadGrant(...arns: string[]): this {
    this.account.trailReadGrant = arns
    return this
  }

  analyzer(region: string, name = 'account-analyzer', status: SimAnalyzer['status'] = 'ACTIVE'): this {
    this.account.analyzers.set(region, [
      ...(this.account.analyzers.get(region) ?? []),
      { name, type: 'ACCOUNT', status },
    ])
    return this
  }

  serverCertificate(name: string, expiresInDays: number): this {
    this.account.serverCertificates.push({
      name,
      id: newId('ASCA'),
      path: '/',
      uploadDate: this.ago(400),
      expiration: new Date(this.now.getTime() + expiresInDays * DAY),
    })
    return this
  }

  build(): SimAccount {
    return this.account
  }
}

/** Attaches managed policies (AWS-managed by name, or an ARN) and puts inline ones. */
export class PolicyHolder {
  protected readonly policies: SimPolicies
  protected readonly account: SimAccount
  constructor(policies: SimPolicies, account: SimAccount) {
    this.policies = policies
    this.account = account
  }

  attach(nameOrArn: string): this {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn : awsManagedPolicy(nameOrArn).arn
    if (!this.account.managedPolicies.has(arn))
      this.account.managedPolicies.set(arn, awsManagedPolicy(nameOrArn))
    this.policies.attached.push(arn)
    return this
  }

  inline(name: string, document: unknown): this {
    this.policies.inline.set(name, typeof document === 'string' ? document : JSON.stringify(document))
    return this
  }

  boundary(arn: string): this {
    this.policies.boundary = arn
    return this
  }
}

/** Usage of a role, which also moves its RoleLastUsed forward to the latest use. */
export function roleUsage(
  role: SimRole,
  service: string,
  spec: UsageSpec,
  at: (a: Partial<Ago>) => Date | undefined,
) {
  const before = role.usage?.get(service.toLowerCase())?.lastAccessed
  const last = recordUsage(role, service, spec, at)
  if (last && last !== before && (!role.lastUsed || last > role.lastUsed.date))
    role.lastUsed = { date: last, region: role.usage!.get(service.toLowerCase())!.region }
}

export class RoleBuilder extends PolicyHolder {
  private readonly role: SimRole
  private readonly ago: (days: number) => Date
  private readonly when: (a: Partial<Ago>) => Date | undefined
  constructor(
    role: SimRole,
    account: SimAccount,
    ago: (days: number) => Date,
    when: (a: Partial<Ago>) => Date | undefined = (a) =>
      a.daysAgo !== undefined ? ago(a.daysAgo) : undefined,
  ) {
    super(role, account)
    this.role = role
    this.ago = ago
    this.when = when
  }

  lastUsedDaysAgo(days: number, region = 'us-east-1'): this {
    this.role.lastUsed = { date: this.ago(days), region }
    return this
  }

  createdDaysAgo(days: number): this {
    this.role.createDate = this.ago(days)
    return this
  }

  /** MaxSessionDuration in seconds (3600 to 43200; IAM's default 3600): the longest AssumeRole session. */
  maxSessionDuration(seconds: number): this {
    if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43_200)
      throw new Error(`MaxSessionDuration ${seconds} is not between 3600 and 43200`)
    this.role.maxSessionDuration = seconds
    return this
  }

  /**
   * Access Advisor usage of a service (see UsageSpec); RoleLastUsed moves forward to it:
   * `.usage('s3', { daysAgo: 3, actions: { CreateBucket: 3 } })`.
   */
  usage(service: string, spec: UsageSpec): this {
    roleUsage(this.role, service, spec, this.when)
    return this
  }
}

function key(spec: KeySpec, createDate: Date, ago: (d: number) => Date): SimAccessKey {
  return {
    id: spec.id ?? newId('AKIA'),
    status: spec.status ?? 'Active',
    createDate,
    ...(spec.lastUsedDaysAgo !== undefined
      ? {
          lastUsed: {
            date: ago(spec.lastUsedDaysAgo),
            service: spec.service ?? 's3',
            region: spec.region ?? 'us-east-1',
          },
        }
      : {}),
  }
}

function mfa(kind: 'virtual' | 'hardware', serial: string, enableDate: Date): SimMfaDevice {
  return { kind, serialNumber: serial, enableDate }
}

export class UserBuilder {
  private readonly user: SimUser
  private readonly account: SimAccount
  private readonly ago: (days: number) => Date
  private readonly when: (a: Partial<Ago>) => Date | undefined
  constructor(
    user: SimUser,
    account: SimAccount,
    ago: (days: number) => Date,
    when: (a: Partial<Ago>) => Date | undefined = (a) =>
      a.daysAgo !== undefined ? ago(a.daysAgo) : undefined,
  ) {
    this.user = user
    this.account = account
    this.ago = ago
    this.when = when
  }

  /**
   * Access Advisor usage of a service (see UsageSpec): `.usage('iam', { daysAgo: 2, actions: { ListUsers: 2 } })`.
   * The user's keys and password keep their own last-used dates.
   */
  usage(service: string, spec: UsageSpec): this {
    recordUsage(this.user, service, spec, this.when)
    return this
  }

  createdDaysAgo(days: number): this {
    this.user.createDate = this.ago(days)
    return this
  }

  console(spec: ConsoleSpec = {}): this {
    const changed = spec.changedDaysAgo !== undefined ? this.ago(spec.changedDaysAgo) : this.user.createDate
    this.user.loginProfile = {
      createDate: changed,
      passwordLastChanged: changed,
      ...(spec.lastUsedDaysAgo !== undefined ? { passwordLastUsed: this.ago(spec.lastUsedDaysAgo) } : {}),
      passwordResetRequired: false,
    }
    return this
  }

  mfa(kind: 'virtual' | 'hardware' = 'virtual'): this {
    const serial =
      kind === 'virtual'
        ? this.account.arn(`mfa/${this.user.name}`)
        : `GAHT${String(this.user.mfaDevices.length + 1).padStart(8, '0')}`
    this.user.mfaDevices.push(mfa(kind, serial, this.ago(30)))
    return this
  }

  accessKey(spec: KeySpec): this {
    if (this.user.accessKeys.length >= 2)
      throw new Error(`user ${this.user.name} already has two access keys`)
    const created = spec.atUserCreation
      ? new Date(this.user.createDate.getTime() + 1000)
      : this.ago(spec.ageDays)
    this.user.accessKeys.push(key(spec, created, this.ago))
    return this
  }

  group(name: string): this {
    this.user.groups.push(name)
    return this
  }

  policies(shape: (p: PolicyHolder) => PolicyHolder): this {
    this.user.policies ??= { attached: [], inline: new Map() }
    shape(new PolicyHolder(this.user.policies, this.account))
    return this
  }
}

export class RootBuilder {
  private readonly root: SimRoot
  private readonly account: SimAccount
  private readonly ago: (days: number) => Date
  constructor(root: SimRoot, account: SimAccount, ago: (days: number) => Date) {
    this.root = root
    this.account = account
    this.ago = ago
  }

  mfa(kind: 'virtual' | 'hardware' | 'none'): this {
    if (kind === 'none') delete this.root.mfa
    else
      this.root.mfa = mfa(
        kind,
        kind === 'virtual' ? this.account.arn('mfa/root-account-mfa-device') : 'GAHT-ROOT0001',
        this.ago(100),
      )
    return this
  }

  passwordUsedDaysAgo(days: number | undefined): this {
    if (days === undefined) delete this.root.passwordLastUsed
    else this.root.passwordLastUsed = this.ago(days)
    return this
  }

  accessKey(spec: KeySpec): this {
    this.root.accessKeys.push(key(spec, this.ago(spec.ageDays), this.ago))
    return this
  }

  /** An X.509 signing certificate of the root user, uploaded `ageDays` ago. */
  signingCertificate(spec: { ageDays: number; status?: 'Active' | 'Inactive' }): this {
    this.root.signingCertificates ??= []
    this.root.signingCertificates.push({
      id: newId('', 32),
      status: spec.status ?? 'Active',
      uploadDate: this.ago(spec.ageDays),
    })
    return this
  }
}
