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

type Holder = { attached?: string[]; inline?: Record<string, unknown>; boundary?: string }
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
  roles?: Record<string, Holder & { trust: unknown; path?: string }>
  policies?: Record<string, { arn: string; doc: unknown; attachments?: number }>
}): RawAuthorizationDetails {
  return {
    UserDetailList: Object.entries(spec.users ?? {}).map(([n, u]) => ({
      UserName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${n}`,
      GroupList: u.groups ?? [],
      AttachedManagedPolicies: named(u.attached),
      UserPolicyList: inline(u.inline),
      ...(u.boundary ? { PermissionsBoundary: { PermissionsBoundaryArn: u.boundary } } : {}),
    })),
    GroupDetailList: Object.entries(spec.groups ?? {}).map(([n, g]) => ({
      GroupName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:group/${n}`,
      AttachedManagedPolicies: named(g.attached),
      GroupPolicyList: inline(g.inline),
    })),
    RoleDetailList: Object.entries(spec.roles ?? {}).map(([n, r]) => ({
      RoleName: n,
      Arn: `arn:aws:iam::${ACCOUNT}:role${r.path ?? '/'}${n}`,
      AssumeRolePolicyDocument: enc(r.trust),
      AttachedManagedPolicies: named(r.attached),
      RolePolicyList: inline(r.inline),
      ...(r.boundary ? { PermissionsBoundary: { PermissionsBoundaryArn: r.boundary } } : {}),
    })),
    Policies: Object.entries(spec.policies ?? {}).map(([n, p]) => ({
      PolicyName: n,
      Arn: p.arn,
      DefaultVersionId: 'v1',
      AttachmentCount: p.attachments ?? 1,
      PolicyVersionList: [{ Document: enc(p.doc), VersionId: 'v1', IsDefaultVersion: true }],
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
