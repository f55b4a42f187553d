import type { PasswordPolicy } from '../../shared/checks/sources.ts'
import {
  newId,
  type SimAccessKey,
  SimAccount,
  type SimMfaDevice,
  type SimRoot,
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

  build(): SimAccount {
    return this.account
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
