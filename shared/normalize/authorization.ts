import { type PolicyDocument, parsePolicyDocument } from '../policy/document.ts'
import type { HeldPolicy } from '../policy/evaluate.ts'

/**
 * GetAccountAuthorizationDetails, normalized once: every principal with the policies it holds (users
 * include their groups'), each document decoded and parsed; a document that cannot be read is kept as
 * "unreadable" with the reason, so checks can say "could not evaluate" instead of guessing.
 */
export interface Unreadable {
  policy: string
  reason: string
}

interface Holder {
  name: string
  arn: string
  createdAt?: Date
  /** Managed policies attached directly (names) and inline policy names. */
  attached: string[]
  inline: string[]
  /** Everything that grants permissions to this principal, including boundaries (kind 'boundary'). */
  policies: HeldPolicy[]
  unreadable: Unreadable[]
}

export interface UserAuthorization extends Holder {
  groups: string[]
}
export type GroupAuthorization = Holder
export interface RoleAuthorization extends Holder {
  trust?: PolicyDocument
  trustError?: string
  lastUsedAt?: Date
}
export interface ManagedPolicyInfo {
  name: string
  arn: string
  awsManaged: boolean
  attachmentCount: number
  document?: PolicyDocument
  error?: string
  createdAt?: Date
  /** The versions IAM keeps (up to five), newest first, with the documents that could be read. */
  versions?: PolicyVersionInfo[]
}

export interface PolicyVersionInfo {
  id: string
  createdAt?: Date
  isDefault: boolean
  document?: PolicyDocument
}

export interface AuthorizationInventory {
  users: UserAuthorization[]
  groups: GroupAuthorization[]
  roles: RoleAuthorization[]
  policies: ManagedPolicyInfo[]
}

/** The subset of the API's response the normalizer reads (the SDK's output has this shape). */
type Named = { PolicyName?: string; PolicyArn?: string }
type Inline = { PolicyName?: string; PolicyDocument?: string }
type Boundary = { PermissionsBoundaryArn?: string } | undefined
export interface RawAuthorizationDetails {
  UserDetailList?: Array<{
    UserName?: string
    Arn?: string
    CreateDate?: Date
    GroupList?: string[]
    AttachedManagedPolicies?: Named[]
    UserPolicyList?: Inline[]
    PermissionsBoundary?: Boundary
  }>
  GroupDetailList?: Array<{
    GroupName?: string
    Arn?: string
    CreateDate?: Date
    AttachedManagedPolicies?: Named[]
    GroupPolicyList?: Inline[]
  }>
  RoleDetailList?: Array<{
    RoleName?: string
    Arn?: string
    CreateDate?: Date
    AssumeRolePolicyDocument?: string
    AttachedManagedPolicies?: Named[]
    RolePolicyList?: Inline[]
    PermissionsBoundary?: Boundary
    RoleLastUsed?: { LastUsedDate?: Date }
  }>
  Policies?: Array<{
    PolicyName?: string
    Arn?: string
    DefaultVersionId?: string
    AttachmentCount?: number
    CreateDate?: Date
    PolicyVersionList?: Array<{
      Document?: string
      VersionId?: string
      IsDefaultVersion?: boolean
      CreateDate?: Date
    }>
  }>
}

export function normalizeAuthorization(pages: readonly RawAuthorizationDetails[]): AuthorizationInventory {
  const policies = pages
    .flatMap((p) => p.Policies ?? [])
    .map((p): ManagedPolicyInfo => {
      const arn = p.Arn ?? ''
      const version =
        p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
        p.PolicyVersionList?.find((v) => v.VersionId === p.DefaultVersionId)
      const parsed =
        version?.Document !== undefined
          ? parsePolicyDocument(version.Document)
          : { ok: false as const, reason: 'no default version' }
      const versions = (p.PolicyVersionList ?? [])
        .map((v): PolicyVersionInfo => {
          const isDefault = v === version
          const doc = isDefault
            ? parsed
            : v.Document !== undefined
              ? parsePolicyDocument(v.Document)
              : undefined
          return {
            id: v.VersionId ?? '',
            ...(v.CreateDate ? { createdAt: v.CreateDate } : {}),
            isDefault,
            ...(doc?.ok ? { document: doc.document } : {}),
          }
        })
        .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
      return {
        name: p.PolicyName ?? arn,
        arn,
        awsManaged: arn.includes(':iam::aws:policy/'),
        attachmentCount: p.AttachmentCount ?? 0,
        ...(parsed.ok ? { document: parsed.document } : { error: parsed.reason }),
        ...(p.CreateDate ? { createdAt: p.CreateDate } : {}),
        ...(versions.length ? { versions } : {}),
      }
    })
  const byArn = new Map(policies.map((p) => [p.arn, p]))

  const hold = (
    attached: Named[] = [],
    inline: Inline[] = [],
    boundary?: Boundary,
    inheritedFrom = '',
  ): Pick<Holder, 'policies' | 'unreadable'> => {
    const out: Pick<Holder, 'policies' | 'unreadable'> = { policies: [], unreadable: [] }
    const prefix = inheritedFrom ? `${inheritedFrom}/` : ''
    for (const a of attached) {
      const p = byArn.get(a.PolicyArn ?? '')
      const name = `${prefix}${a.PolicyName ?? a.PolicyArn}`
      if (p?.document)
        out.policies.push({
          name,
          kind: inheritedFrom ? 'group-managed' : p.awsManaged ? 'aws-managed' : 'managed',
          document: p.document,
          arn: p.arn,
        })
      else
        out.unreadable.push({ policy: name, reason: p?.error ?? 'policy not in the authorization details' })
    }
    for (const i of inline) {
      const parsed = parsePolicyDocument(i.PolicyDocument ?? '')
      const name = `${prefix}${i.PolicyName}`
      if (parsed.ok)
        out.policies.push({
          name,
          kind: inheritedFrom ? 'group-inline' : 'inline',
          document: parsed.document,
        })
      else out.unreadable.push({ policy: name, reason: parsed.reason })
    }
    const b = boundary?.PermissionsBoundaryArn ? byArn.get(boundary.PermissionsBoundaryArn) : undefined
    if (b?.document)
      out.policies.push({ name: `boundary:${b.name}`, kind: 'boundary', document: b.document, arn: b.arn })
    else if (boundary?.PermissionsBoundaryArn)
      out.unreadable.push({
        policy: `boundary:${boundary.PermissionsBoundaryArn}`,
        reason: b?.error ?? 'boundary not in the authorization details',
      })
    return out
  }

  const groups = pages
    .flatMap((p) => p.GroupDetailList ?? [])
    .map(
      (g): GroupAuthorization => ({
        name: g.GroupName ?? '',
        arn: g.Arn ?? '',
        ...(g.CreateDate ? { createdAt: g.CreateDate } : {}),
        attached: (g.AttachedManagedPolicies ?? []).map((a) => a.PolicyName ?? a.PolicyArn ?? ''),
        inline: (g.GroupPolicyList ?? []).map((i) => i.PolicyName ?? ''),
        ...hold(g.AttachedManagedPolicies, g.GroupPolicyList),
      }),
    )
  const groupsByName = new Map(
    pages.flatMap((p) => p.GroupDetailList ?? []).map((g) => [g.GroupName ?? '', g]),
  )

  const users = pages
    .flatMap((p) => p.UserDetailList ?? [])
    .map((u): UserAuthorization => {
      const own = hold(u.AttachedManagedPolicies, u.UserPolicyList, u.PermissionsBoundary)
      const inherited = (u.GroupList ?? []).map((name) => {
        const g = groupsByName.get(name)
        return g
          ? hold(g.AttachedManagedPolicies, g.GroupPolicyList, undefined, `group:${name}`)
          : {
              policies: [],
              unreadable: [{ policy: `group:${name}`, reason: 'group not in the authorization details' }],
            }
      })
      return {
        name: u.UserName ?? '',
        arn: u.Arn ?? '',
        ...(u.CreateDate ? { createdAt: u.CreateDate } : {}),
        groups: u.GroupList ?? [],
        attached: (u.AttachedManagedPolicies ?? []).map((a) => a.PolicyName ?? a.PolicyArn ?? ''),
        inline: (u.UserPolicyList ?? []).map((i) => i.PolicyName ?? ''),
        policies: [...own.policies, ...inherited.flatMap((x) => x.policies)],
        unreadable: [...own.unreadable, ...inherited.flatMap((x) => x.unreadable)],
      }
    })

  const roles = pages
    .flatMap((p) => p.RoleDetailList ?? [])
    .map((r): RoleAuthorization => {
      const trust = parsePolicyDocument(r.AssumeRolePolicyDocument ?? '')
      return {
        name: r.RoleName ?? '',
        arn: r.Arn ?? '',
        ...(r.CreateDate ? { createdAt: r.CreateDate } : {}),
        attached: (r.AttachedManagedPolicies ?? []).map((a) => a.PolicyName ?? a.PolicyArn ?? ''),
        inline: (r.RolePolicyList ?? []).map((i) => i.PolicyName ?? ''),
        ...hold(r.AttachedManagedPolicies, r.RolePolicyList, r.PermissionsBoundary),
        ...(trust.ok ? { trust: trust.document } : { trustError: trust.reason }),
        ...(r.RoleLastUsed?.LastUsedDate ? { lastUsedAt: r.RoleLastUsed.LastUsedDate } : {}),
      }
    })
  return { users, groups, roles, policies }
}
