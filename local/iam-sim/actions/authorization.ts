import { TRACKING_PERIOD_MS } from '../access-advisor.ts'
import { noSuchEntity } from '../errors.ts'
import type { SimAccount, SimManagedPolicy, SimPolicies, SimRole } from '../model.ts'
import { paginate } from '../paging.ts'
import type { XmlNode } from '../xml.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/** IAM returns every policy document URL-encoded. */
const encoded = (document: string) => encodeURIComponent(document)

function attached(account: SimAccount, p: SimPolicies | undefined): XmlNode[] {
  return (p?.attached ?? []).map((arn) => ({
    PolicyName: account.managedPolicies.get(arn)?.name ?? arn.split('/').at(-1),
    PolicyArn: arn,
  }))
}

function inline(p: SimPolicies | undefined): XmlNode[] {
  return [...(p?.inline ?? new Map()).entries()].map(([name, doc]) => ({
    PolicyName: name,
    PolicyDocument: encoded(doc),
  }))
}

function boundary(p: SimPolicies | undefined): XmlNode | undefined {
  return p?.boundary ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: p.boundary } : undefined
}

/**
 * RoleLastUsed: when (and in which Region) the role was last used, empty if never. AWS: "Activity is only
 * reported for the trailing 400 days": an older use shows as none, as Access Advisor's tracking period.
 */
function roleLastUsed(account: SimAccount, r: SimRole): XmlNode {
  const used = r.lastUsed
  if (!used || account.now().getTime() - used.date.getTime() > TRACKING_PERIOD_MS) return {}
  return { LastUsedDate: used.date, Region: used.region }
}

/** A role as both GetRole and GetAccountAuthorizationDetails render it. */
function roleNode(account: SimAccount, r: SimRole): XmlNode {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: account.roleArn(r),
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encoded(r.trustPolicy),
    PermissionsBoundary: boundary(r),
    RoleLastUsed: roleLastUsed(account, r),
  }
}

/** Attachments per managed policy ARN, counted once per request. */
function attachmentCounts(account: SimAccount): Map<string, number> {
  const counts = new Map<string, number>()
  const holders = [
    ...[...account.users.values(), ...account.groups.values()].map((x) => x.policies),
    ...account.roles.values(),
  ]
  for (const h of holders) for (const arn of h?.attached ?? []) counts.set(arn, (counts.get(arn) ?? 0) + 1)
  return counts
}

function policyDetail(p: SimManagedPolicy, counts: Map<string, number>): XmlNode {
  return {
    PolicyName: p.name,
    PolicyId: p.id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: counts.get(p.arn) ?? 0,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    CreateDate: p.createDate,
    UpdateDate: p.versions.at(-1)?.createDate ?? p.createDate,
    PolicyVersionList: p.versions.map((v) => ({
      Document: encoded(v.document),
      VersionId: v.id,
      IsDefaultVersion: v.id === p.defaultVersionId,
      CreateDate: v.createDate,
    })),
  }
}

/** An entity of the response; its XML node is built only if it lands on the page served. */
type Entity = {
  list: 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
  node: () => XmlNode
}

function entities(ctx: ActionContext): Entity[] {
  const { account, params } = ctx
  const filters = new Set(
    [...params.entries()].filter(([k]) => k.startsWith('Filter.member.')).map(([, v]) => v),
  )
  const want = (f: string) => filters.size === 0 || filters.has(f)
  const out: Entity[] = []
  const counts = attachmentCounts(account)
  if (want('User')) {
    for (const u of account.users.values()) {
      out.push({
        list: 'UserDetailList',
        node: () => ({
          Path: u.path,
          UserName: u.name,
          UserId: u.userId,
          Arn: account.userArn(u),
          CreateDate: u.createDate,
          UserPolicyList: inline(u.policies),
          GroupList: u.groups,
          AttachedManagedPolicies: attached(account, u.policies),
          PermissionsBoundary: boundary(u.policies),
        }),
      })
    }
  }
  if (want('Group')) {
    for (const g of account.groups.values()) {
      out.push({
        list: 'GroupDetailList',
        node: () => ({
          Path: g.path,
          GroupName: g.name,
          GroupId: g.groupId,
          Arn: account.arn(`group${g.path}${g.name}`),
          CreateDate: g.createDate,
          GroupPolicyList: inline(g.policies),
          AttachedManagedPolicies: attached(account, g.policies),
        }),
      })
    }
  }
  if (want('Role')) {
    for (const r of account.roles.values()) {
      out.push({
        list: 'RoleDetailList',
        node: () => ({
          ...roleNode(account, r),
          InstanceProfileList: [],
          RolePolicyList: inline(r),
          AttachedManagedPolicies: attached(account, r),
        }),
      })
    }
  }
  for (const p of account.managedPolicies.values()) {
    const kind = p.awsManaged ? 'AWSManagedPolicy' : 'LocalManagedPolicy'
    // Like IAM, AWS-managed policies are listed only while something in the account uses them.
    if (want(kind) && (!p.awsManaged || (counts.get(p.arn) ?? 0) > 0))
      out.push({ list: 'Policies', node: () => policyDetail(p, counts) })
  }
  return out
}

export const GetAccountAuthorizationDetails: ActionHandler = (ctx) => {
  const page = paginate(entities(ctx), ctx.params, 'GetAccountAuthorizationDetails')
  const lists: Record<Entity['list'], XmlNode[]> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  }
  for (const e of page.items) lists[e.list].push(e.node())
  return { ...lists, IsTruncated: page.IsTruncated, Marker: page.Marker }
}

export const GetRole: ActionHandler = ({ account, params }) => {
  const r = account.roles.get(params.get('RoleName') ?? '')
  if (!r) throw noSuchEntity(`The role with name ${params.get('RoleName')} cannot be found.`)
  return { Role: roleNode(account, r) }
}

function policy(ctx: ActionContext): SimManagedPolicy {
  const arn = ctx.params.get('PolicyArn') ?? ''
  const p = ctx.account.managedPolicies.get(arn)
  if (!p) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`)
  return p
}

export const GetPolicy: ActionHandler = (ctx) => {
  const { PolicyVersionList: _versions, ...detail } = policyDetail(policy(ctx), attachmentCounts(ctx.account))
  return { Policy: detail }
}

export const GetPolicyVersion: ActionHandler = (ctx) => {
  const p = policy(ctx)
  const v = p.versions.find((x) => x.id === ctx.params.get('VersionId'))
  if (!v) throw noSuchEntity(`Policy ${p.arn} version ${ctx.params.get('VersionId')} does not exist.`)
  return {
    PolicyVersion: {
      Document: encoded(v.document),
      VersionId: v.id,
      IsDefaultVersion: v.id === p.defaultVersionId,
      CreateDate: v.createDate,
    },
  }
}

export const ListServerCertificates: ActionHandler = (ctx) => {
  const page = paginate(ctx.account.serverCertificates, ctx.params, 'ListServerCertificates')
  return {
    ServerCertificateMetadataList: page.items.map((c) => ({
      Path: c.path,
      ServerCertificateName: c.name,
      ServerCertificateId: c.id,
      Arn: ctx.account.arn(`server-certificate${c.path}${c.name}`),
      UploadDate: c.uploadDate,
      Expiration: c.expiration,
    })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}
