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
  type SimTrail,
  type SimUser,
} from './model.ts'

const DAY = 86_400_000

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
    shape(new UserBuilder(user, this.account, (d) => this.ago(d)))
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
    shape(new RoleBuilder(role, this.account, (d) => this.ago(d)))
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

export class RoleBuilder extends PolicyHolder {
  private readonly role: SimRole
  private readonly ago: (days: number) => Date
  constructor(role: SimRole, account: SimAccount, ago: (days: number) => Date) {
    super(role, account)
    this.role = role
    this.ago = ago
  }

  lastUsedDaysAgo(days: number, region = 'us-east-1'): this {
    this.role.lastUsed = { date: this.ago(days), region }
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
  constructor(user: SimUser, account: SimAccount, ago: (days: number) => Date) {
    this.user = user
    this.account = account
    this.ago = ago
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
}
