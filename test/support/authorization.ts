import type { AuthorizationSource } from '../../shared/checks/sources.ts'
import { normalizeAuthorization, type RawAuthorizationDetails } from '../../shared/normalize/authorization.ts'

export const ACCOUNT = '123456789012'
const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc))
export const allow = (Action: unknown, Resource: unknown = '*', extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
})
export const policyDoc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement })
export const trustDoc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement })
export const assume = (Principal: unknown, Condition?: unknown) => ({
  Effect: 'Allow',
  Principal,
  Action: 'sts:AssumeRole',
  ...(Condition ? { Condition } : {}),
})

type Holder = { attached?: string[]; inline?: Record<string, unknown>; boundary?: string; createdAt?: Date }
const named = (arns: string[] = []) =>
  arns.map((arn) => ({ PolicyName: arn.split('/').at(-1), PolicyArn: arn }))
const inline = (docs: Record<string, unknown> = {}) =>
  Object.entries(docs).map(([PolicyName, d]) => ({ PolicyName, PolicyDocument: enc(d) }))
export const aws = (name: string) => `arn:aws:iam::aws:policy/${name}`
export const local = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`

/** Authorization details as the API returns them (URL-encoded documents), for the pure checks. */
export function details(spec: {
  users?: Record<string, Holder & { groups?: string[] }>
  groups?: Record<string, Holder>
  roles?: Record<string, Holder & { trust: unknown; path?: string; lastUsedAt?: Date }>
  policies?: Record<
    string,
    {
      arn: string
      doc: unknown
      attachments?: number
      createdAt?: Date
      /** Older versions, newest first (the default is `doc`, created at `createdAt`). */
      older?: Array<{ doc: unknown; createdAt: Date }>
    }
  >
}): RawAuthorizationDetails {
  return {
    UserDetailList: Object.entries(spec.users ?? {}).map(([n, u]) => ({
      UserName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${n}`,
      GroupList: u.groups ?? [],
      ...(u.createdAt ? { CreateDate: u.createdAt } : {}),
      AttachedManagedPolicies: named(u.attached),
      UserPolicyList: inline(u.inline),
      ...(u.boundary ? { PermissionsBoundary: { PermissionsBoundaryArn: u.boundary } } : {}),
    })),
    GroupDetailList: Object.entries(spec.groups ?? {}).map(([n, g]) => ({
      GroupName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:group/${n}`,
      ...(g.createdAt ? { CreateDate: g.createdAt } : {}),
      AttachedManagedPolicies: named(g.attached),
      GroupPolicyList: inline(g.inline),
    })),
    RoleDetailList: Object.entries(spec.roles ?? {}).map(([n, r]) => ({
      RoleName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:role${r.path ?? '/'}${n}`,
      AssumeRolePolicyDocument: enc(r.trust),
      ...(r.createdAt ? { CreateDate: r.createdAt } : {}),
      ...(r.lastUsedAt ? { RoleLastUsed: { LastUsedDate: r.lastUsedAt } } : {}),
      AttachedManagedPolicies: named(r.attached),
      RolePolicyList: inline(r.inline),
      ...(r.boundary ? { PermissionsBoundary: { PermissionsBoundaryArn: r.boundary } } : {}),
    })),
    Policies: Object.entries(spec.policies ?? {}).map(([n, p]) => ({
      PolicyName: n,
      Arn: p.arn,
      DefaultVersionId: `v${(p.older?.length ?? 0) + 1}`,
      AttachmentCount: p.attachments ?? 1,
      ...(p.createdAt ? { CreateDate: p.older?.at(-1)?.createdAt ?? p.createdAt } : {}),
      PolicyVersionList: [
        {
          Document: enc(p.doc),
          VersionId: `v${(p.older?.length ?? 0) + 1}`,
          IsDefaultVersion: true,
          ...(p.createdAt ? { CreateDate: p.createdAt } : {}),
        },
        ...(p.older ?? []).map((o, i) => ({
          Document: enc(o.doc),
          VersionId: `v${(p.older?.length ?? 0) - i}`,
          IsDefaultVersion: false,
          CreateDate: o.createdAt,
        })),
      ],
    })),
  }
}

export const ADMIN = policyDoc(allow('*'))
export const STANDARD_POLICIES = {
  AdministratorAccess: { arn: aws('AdministratorAccess'), doc: ADMIN },
  AWSSupportAccess: { arn: aws('AWSSupportAccess'), doc: policyDoc(allow('support:*')) },
  AWSCloudShellFullAccess: { arn: aws('AWSCloudShellFullAccess'), doc: policyDoc(allow('cloudshell:*')) },
}

export function source(
  raw: RawAuthorizationDetails,
  extra: Partial<AuthorizationSource> = {},
): AuthorizationSource {
  return {
    inventory: normalizeAuthorization([raw]),
    serverCertificates: [],
    trustedAccounts: new Set(),
    ...extra,
  }
}
