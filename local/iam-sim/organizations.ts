import { randomBytes } from 'node:crypto'

/**
 * AWS Organizations as the simulator serves it: one organization of several accounts, with its root, a
 * tree of organizational units, the centralized root access features IAM reports (ListOrganizationsFeatures)
 * and the delegated administrators. The wire API (AWS JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.*`,
 * signed for `organizations`) is in actions/organizations.ts; this file holds the model and its mutators.
 *
 * An organization knows its accounts by id only: an account listed here need not be served by the
 * simulator (a paging test can list fifty), and a served account that is not listed is in no organization
 * (its Organizations calls answer AWSOrganizationsNotInUseException, and it has no aws:PrincipalOrgID).
 *
 * Create it on a running simulator, or through the simulator's `organization` option:
 *
 *   const org = sim.createOrganization({
 *     managementAccountId: '111111111111',          // its id defaults to `o-` + 10 random characters
 *     ous: ['Security', 'Workloads/Prod'],          // paths from the root; each missing OU is created
 *     accounts: [
 *       { id: '222222222222', name: 'Audit', parent: 'Security' },       // an OU path, or an `ou-`/`r-` id
 *       { id: '333333333333', name: 'Prod A', parent: 'Workloads/Prod', status: 'SUSPENDED' },
 *     ],
 *     features: ['RootCredentialsManagement'],
 *     delegatedAdministrators: { 'iam.amazonaws.com': ['222222222222'] },
 *   })
 *   org.addAccount({ id: '444444444444' })          // joins under the root, INVITED, now
 *   org.moveAccount('444444444444', org.addOu('Sandbox'))
 *   org.removeAccount('444444444444')               // it leaves the organization
 *
 * Who may read: the management account, and an account that is a delegated administrator for any
 * service (Organizations' own rule for its read operations); DescribeOrganization is open to every
 * member. IAM's ListOrganizationsFeatures wants the management account or IAM's delegated administrator
 * (`iam.amazonaws.com`). Reader roles are ordinary IAM roles in the member accounts' SimAccount (the
 * AccountBuilder's `role(name, trust)`), assumed through STS AssumeRole.
 */

export type OrgAccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE'
export type RootAccessFeature = 'RootCredentialsManagement' | 'RootSessions'
export const ROOT_ACCESS_FEATURES: readonly RootAccessFeature[] = [
  'RootCredentialsManagement',
  'RootSessions',
]

export interface SimOrgAccount {
  id: string
  name: string
  email: string
  status: OrgAccountStatus
  joinedMethod: 'INVITED' | 'CREATED'
  joinedAt: Date
  /** The root's or an OU's id. */
  parentId: string
}

export interface SimOrgUnit {
  id: string
  name: string
  parentId: string
}

export interface OrgAccountSpec {
  id: string
  /** Default: `Account <id>`. */
  name?: string
  /** Default: `aws+<id>@example.com`. */
  email?: string
  status?: OrgAccountStatus
  /** Default INVITED (the management account: CREATED). */
  joinedMethod?: 'INVITED' | 'CREATED'
  joinedAt?: Date
  /** Where it sits: the root's or an OU's id, or an OU path from the root (`Workloads/Prod`). Default: the root. */
  parent?: string
}

export interface OrganizationSpec {
  managementAccountId: string
  /** `o-` and 10 to 32 lowercase letters or digits. Default: random. */
  id?: string
  /** `r-` and 4 to 32 lowercase letters or digits. Default: random. */
  rootId?: string
  managementName?: string
  managementEmail?: string
  /** OU paths from the root, created in order (`Workloads/Prod` creates Workloads, then Prod in it). */
  ous?: string[]
  accounts?: OrgAccountSpec[]
  /** Centralized root access features enabled (IAM's ListOrganizationsFeatures). */
  features?: RootAccessFeature[]
  /** Delegated administrators by service principal: `{ 'iam.amazonaws.com': ['222222222222'] }`. */
  delegatedAdministrators?: Record<string, string[]>
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const randomId = (length: number) => Array.from(randomBytes(length), (b) => ALPHABET[b % 36]).join('')

export class SimOrganization {
  readonly id: string
  readonly managementAccountId: string
  readonly rootId: string
  readonly createdAt: Date
  /** Members by id, in the order they joined (the management account first). */
  readonly accounts = new Map<string, SimOrgAccount>()
  readonly units = new Map<string, SimOrgUnit>()
  readonly features = new Set<RootAccessFeature>()
  /** Service principal -> the accounts registered as its delegated administrators. */
  readonly delegatedAdministrators = new Map<string, Set<string>>()

  constructor(spec: OrganizationSpec) {
    if (!/^\d{12}$/.test(spec.managementAccountId))
      throw new Error(`management account id ${spec.managementAccountId} is not 12 digits`)
    this.id = spec.id ?? `o-${randomId(10)}`
    this.rootId = spec.rootId ?? `r-${randomId(4)}`
    if (!/^o-[a-z0-9]{10,32}$/.test(this.id)) throw new Error(`organization id ${this.id} is malformed`)
    if (!/^r-[0-9a-z]{4,32}$/.test(this.rootId)) throw new Error(`root id ${this.rootId} is malformed`)
    this.managementAccountId = spec.managementAccountId
    this.createdAt = new Date()
    this.addAccount({
      id: spec.managementAccountId,
      name: spec.managementName ?? 'Management',
      ...(spec.managementEmail ? { email: spec.managementEmail } : {}),
      joinedMethod: 'CREATED',
      joinedAt: this.createdAt,
    })
    for (const path of spec.ous ?? []) this.addOu(path)
    for (const account of spec.accounts ?? []) this.addAccount(account)
    this.setFeatures(...(spec.features ?? []))
    for (const [service, ids] of Object.entries(spec.delegatedAdministrators ?? {}))
      this.setDelegatedAdministrators(service, ids)
  }

  get arn(): string {
    return `arn:aws:organizations::${this.managementAccountId}:organization/${this.id}`
  }

  get rootArn(): string {
    return `arn:aws:organizations::${this.managementAccountId}:root/${this.id}/${this.rootId}`
  }

  accountArn(id: string): string {
    return `arn:aws:organizations::${this.managementAccountId}:account/${this.id}/${id}`
  }

  ouArn(id: string): string {
    return `arn:aws:organizations::${this.managementAccountId}:ou/${this.id}/${id}`
  }

  /** Adds a member account (INVITED, ACTIVE, under the root unless the spec says otherwise). */
  addAccount(spec: OrgAccountSpec): SimOrgAccount {
    if (!/^\d{12}$/.test(spec.id)) throw new Error(`account id ${spec.id} is not 12 digits`)
    if (this.accounts.has(spec.id)) throw new Error(`account ${spec.id} is already in ${this.id}`)
    const account: SimOrgAccount = {
      id: spec.id,
      name: spec.name ?? `Account ${spec.id}`,
      email: spec.email ?? `aws+${spec.id}@example.com`,
      status: spec.status ?? 'ACTIVE',
      joinedMethod: spec.joinedMethod ?? 'INVITED',
      joinedAt: spec.joinedAt ?? new Date(),
      parentId: this.parent(spec.parent),
    }
    this.accounts.set(spec.id, account)
    return account
  }

  /** The account leaves the organization (the management account cannot: it would delete the organization). */
  removeAccount(id: string): void {
    if (id === this.managementAccountId)
      throw new Error('the management account cannot leave its organization')
    if (!this.accounts.delete(id)) throw new Error(`account ${id} is not in ${this.id}`)
    for (const admins of this.delegatedAdministrators.values()) admins.delete(id)
  }

  /** Moves an account under the root or an OU (an id, or an OU path). */
  moveAccount(id: string, parent: string): void {
    this.member(id).parentId = this.parent(parent)
  }

  setStatus(id: string, status: OrgAccountStatus): void {
    this.member(id).status = status
  }

  /**
   * Adds the OUs of a path (`Workloads/Prod`) under `parent` (default: the root), each only if it is not
   * there yet; returns the last one's id (`ou-<root's 4>-<8>`).
   */
  addOu(path: string, parent: string = this.rootId): string {
    let at = this.parent(parent)
    for (const name of path.split('/').filter((n) => n !== '')) {
      const existing = [...this.units.values()].find((u) => u.parentId === at && u.name === name)
      if (existing) {
        at = existing.id
        continue
      }
      const id = `ou-${this.rootId.slice(2, 6)}-${randomId(8)}`
      this.units.set(id, { id, name, parentId: at })
      at = id
    }
    return at
  }

  /** The id of the OU at a path of names from the root, if there is one. */
  ouAt(path: string): string | undefined {
    let at: string | undefined = this.rootId
    for (const name of path.split('/').filter((n) => n !== '')) {
      const from: string = at
      at = [...this.units.values()].find((u) => u.parentId === from && u.name === name)?.id
      if (!at) return undefined
    }
    return at
  }

  setFeatures(...features: RootAccessFeature[]): void {
    for (const f of features)
      if (!ROOT_ACCESS_FEATURES.includes(f)) throw new Error(`unknown root access feature ${f}`)
    this.features.clear()
    for (const f of features) this.features.add(f)
  }

  /** Replaces the delegated administrators of one service (`iam.amazonaws.com`); each must be a member. */
  setDelegatedAdministrators(servicePrincipal: string, accountIds: readonly string[]): void {
    for (const id of accountIds) {
      this.member(id)
      if (id === this.managementAccountId)
        throw new Error('the management account cannot be a delegated administrator')
    }
    this.delegatedAdministrators.set(servicePrincipal, new Set(accountIds))
  }

  /** A delegated administrator for this service, or, without one, for any service. */
  isDelegatedAdministrator(accountId: string, servicePrincipal?: string): boolean {
    if (servicePrincipal) return this.delegatedAdministrators.get(servicePrincipal)?.has(accountId) ?? false
    return [...this.delegatedAdministrators.values()].some((ids) => ids.has(accountId))
  }

  /** The parent of an account or OU: the root's or an OU's id. */
  parentOf(childId: string): string | undefined {
    return this.accounts.get(childId)?.parentId ?? this.units.get(childId)?.parentId
  }

  /** The ids from the root down to the account's parent: `[r-..., ou-..., ...]`. */
  pathOf(accountId: string): string[] {
    const ids: string[] = []
    for (let at = this.parentOf(accountId); at; at = this.parentOf(at)) ids.unshift(at)
    return ids
  }

  /** An account that is a member, or an Error. */
  private member(id: string): SimOrgAccount {
    const account = this.accounts.get(id)
    if (!account) throw new Error(`account ${id} is not in ${this.id}`)
    return account
  }

  /** A parent given as an id (root or OU) or an OU path; the root when none is given. */
  private parent(ref: string | undefined): string {
    if (ref === undefined || ref === this.rootId) return this.rootId
    if (ref.startsWith('ou-')) {
      if (!this.units.has(ref)) throw new Error(`no OU ${ref} in ${this.id}`)
      return ref
    }
    const id = this.ouAt(ref)
    if (!id) throw new Error(`no OU at ${ref} in ${this.id} (add it with addOu or the ous option)`)
    return id
  }
}
