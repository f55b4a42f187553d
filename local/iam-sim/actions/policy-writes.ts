import { noSuchEntity, SimError } from '../errors.ts'
import { principal } from '../identity.ts'
import { newId, type SimManagedPolicy, type SimPolicies, type SimRole } from '../model.ts'
import type { XmlNode } from '../xml.ts'
import {
  alreadyExists,
  attachablePolicy,
  bool,
  checkPolicyDocument,
  deleteConflict,
  holderPolicies,
  integer,
  limitExceeded,
  name,
  path,
  policySize,
  QUOTAS,
  required,
  tags,
  userNamed,
} from './params.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/** A user, group or role that holds policies, with what IAM calls it in messages and quotas. */
interface Holder {
  kind: 'User' | 'Group' | 'Role'
  name: string
  policies: SimPolicies
  inlineQuota: number
}

function userHolder(ctx: ActionContext): Holder {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  return { kind: 'User', name: user.name, policies: holderPolicies(user), inlineQuota: QUOTAS.userInlineSize }
}

function groupHolder(ctx: ActionContext): Holder {
  const groupName = required(ctx, 'GroupName')
  const group = ctx.account.groups.get(groupName)
  if (!group) throw noSuchEntity(`The group with name ${groupName} cannot be found.`)
  return {
    kind: 'Group',
    name: group.name,
    policies: holderPolicies(group),
    inlineQuota: QUOTAS.groupInlineSize,
  }
}

function roleNamed(ctx: ActionContext): SimRole {
  const roleName = required(ctx, 'RoleName')
  const role = ctx.account.roles.get(roleName)
  if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`)
  return role
}

function roleHolder(ctx: ActionContext): Holder {
  const role = roleNamed(ctx)
  return { kind: 'Role', name: role.name, policies: role, inlineQuota: QUOTAS.roleInlineSize }
}

const attach =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    const holder = holderOf(ctx)
    const policy = attachablePolicy(ctx, required(ctx, 'PolicyArn'))
    if (holder.policies.attached.includes(policy.arn)) return {}
    if (holder.policies.attached.length >= QUOTAS.managedPoliciesPerPrincipal)
      throw limitExceeded(
        `Cannot exceed quota for PoliciesPer${holder.kind}: ${QUOTAS.managedPoliciesPerPrincipal}`,
      )
    holder.policies.attached.push(policy.arn)
    return {}
  }

const detach =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    const holder = holderOf(ctx)
    const arn = required(ctx, 'PolicyArn')
    if (!holder.policies.attached.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`)
    holder.policies.attached = holder.policies.attached.filter((a) => a !== arn)
    return {}
  }

const putInline =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    const holder = holderOf(ctx)
    const policyName = name(ctx, 'PolicyName', 128)
    const document = required(ctx, 'PolicyDocument')
    checkPolicyDocument(document)
    const others = [...holder.policies.inline].filter(([n]) => n !== policyName)
    const size = others.reduce((n, [, d]) => n + policySize(d), policySize(document))
    if (size > holder.inlineQuota)
      throw limitExceeded(
        `Maximum policy size of ${holder.inlineQuota} bytes exceeded for ${holder.kind.toLowerCase()} ${holder.name}`,
      )
    holder.policies.inline.set(policyName, document)
    return {}
  }

const deleteInline =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    const holder = holderOf(ctx)
    const policyName = required(ctx, 'PolicyName')
    if (!holder.policies.inline.delete(policyName))
      throw noSuchEntity(`The ${holder.kind.toLowerCase()} policy with name ${policyName} cannot be found.`)
    return {}
  }

export const AttachUserPolicy = attach(userHolder)
export const AttachGroupPolicy = attach(groupHolder)
export const AttachRolePolicy = attach(roleHolder)
export const DetachUserPolicy = detach(userHolder)
export const DetachGroupPolicy = detach(groupHolder)
export const DetachRolePolicy = detach(roleHolder)
export const PutUserPolicy = putInline(userHolder)
export const PutGroupPolicy = putInline(groupHolder)
export const PutRolePolicy = putInline(roleHolder)
export const DeleteUserPolicy = deleteInline(userHolder)
export const DeleteGroupPolicy = deleteInline(groupHolder)
export const DeleteRolePolicy = deleteInline(roleHolder)

/** Managed policies this account may change: its own. AWS-managed ones are AWS's, so the call is denied. */
function ownPolicy(ctx: ActionContext, action: string): SimManagedPolicy {
  const arn = required(ctx, 'PolicyArn')
  const policy = ctx.account.managedPolicies.get(arn)
  if (policy?.awsManaged || arn.startsWith('arn:aws:iam::aws:'))
    throw new SimError(
      'AccessDenied',
      403,
      `User: ${principal(ctx.caller).arn} is not authorized to perform: iam:${action} on resource: policy ${arn}`,
    )
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`)
  return policy
}

function holdersOf(ctx: ActionContext, arn: string): { attached: number; boundary: number } {
  const { account } = ctx
  const all = [
    ...[...account.users.values()].map((u) => u.policies),
    ...[...account.groups.values()].map((g) => g.policies),
    ...account.roles.values(),
  ]
  return {
    attached: all.filter((p) => p?.attached.includes(arn)).length,
    boundary: all.filter((p) => p?.boundary === arn).length,
  }
}

function policyNode(ctx: ActionContext, p: SimManagedPolicy): XmlNode {
  const used = holdersOf(ctx, p.arn)
  return {
    PolicyName: p.name,
    PolicyId: p.id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: used.attached,
    PermissionsBoundaryUsageCount: used.boundary,
    IsAttachable: true,
    Description: p.description,
    CreateDate: p.createDate,
    UpdateDate: p.versions.at(-1)?.createDate ?? p.createDate,
    Tags: p.tags,
  }
}

function checkManagedDocument(document: string): void {
  checkPolicyDocument(document)
  if (policySize(document) > QUOTAS.managedPolicySize)
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicySize}`)
}

export const CreatePolicy: ActionHandler = (ctx) => {
  const policyName = name(ctx, 'PolicyName', 128)
  const policyPath = path(ctx)
  const document = required(ctx, 'PolicyDocument')
  const policyTags = tags(ctx)
  checkManagedDocument(document)
  const arn = ctx.account.arn(`policy${policyPath}${policyName}`)
  const exists = [...ctx.account.managedPolicies.values()].some(
    (p) => !p.awsManaged && p.name.toLowerCase() === policyName.toLowerCase(),
  )
  if (exists)
    throw alreadyExists(`A policy called ${policyName} already exists. Duplicate names are not allowed.`)
  const now = ctx.account.now()
  const description = ctx.params.get('Description')
  const policy: SimManagedPolicy = {
    name: policyName,
    arn,
    id: newId('ANPA', 17),
    path: policyPath,
    awsManaged: false,
    createDate: now,
    ...(description ? { description } : {}),
    ...(policyTags ? { tags: policyTags } : {}),
    versions: [{ id: 'v1', document, createDate: now }],
    defaultVersionId: 'v1',
  }
  ctx.account.managedPolicies.set(arn, policy)
  return { Policy: policyNode(ctx, policy) }
}

export const CreatePolicyVersion: ActionHandler = (ctx) => {
  const policy = ownPolicy(ctx, 'CreatePolicyVersion')
  const document = required(ctx, 'PolicyDocument')
  checkManagedDocument(document)
  if (policy.versions.length >= QUOTAS.versionsPerPolicy)
    throw limitExceeded(
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    )
  const next = Math.max(...policy.versions.map((v) => Number(v.id.slice(1)) || 0)) + 1
  const version = { id: `v${next}`, document, createDate: ctx.account.now() }
  policy.versions.push(version)
  if (bool(ctx, 'SetAsDefault')) policy.defaultVersionId = version.id
  return {
    PolicyVersion: {
      VersionId: version.id,
      IsDefaultVersion: policy.defaultVersionId === version.id,
      CreateDate: version.createDate,
    },
  }
}

export const SetDefaultPolicyVersion: ActionHandler = (ctx) => {
  const policy = ownPolicy(ctx, 'SetDefaultPolicyVersion')
  const versionId = required(ctx, 'VersionId')
  if (!policy.versions.some((v) => v.id === versionId))
    throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist.`)
  policy.defaultVersionId = versionId
  return {}
}

export const DeletePolicyVersion: ActionHandler = (ctx) => {
  const policy = ownPolicy(ctx, 'DeletePolicyVersion')
  const versionId = required(ctx, 'VersionId')
  if (!policy.versions.some((v) => v.id === versionId))
    throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist.`)
  if (policy.defaultVersionId === versionId)
    throw deleteConflict('Cannot delete the default version of a policy.')
  policy.versions = policy.versions.filter((v) => v.id !== versionId)
  return {}
}

export const DeletePolicy: ActionHandler = (ctx) => {
  const policy = ownPolicy(ctx, 'DeletePolicy')
  const used = holdersOf(ctx, policy.arn)
  if (used.attached > 0) throw deleteConflict('Cannot delete a policy attached to entities.')
  if (used.boundary > 0) throw deleteConflict('Cannot delete a policy used as a permissions boundary.')
  if (policy.versions.length > 1)
    throw deleteConflict(
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    )
  ctx.account.managedPolicies.delete(policy.arn)
  return {}
}

/** The role as CreateRole returns it (its trust policy URL-encoded, as IAM returns every document). */
function roleNode(ctx: ActionContext, r: SimRole): XmlNode {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: ctx.account.roleArn(r),
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encodeURIComponent(r.trustPolicy),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: r.boundary
      ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.boundary }
      : undefined,
    Tags: r.tags,
  }
}

function checkTrustDocument(document: string): void {
  checkPolicyDocument(document, 'trust')
  if (policySize(document) > QUOTAS.trustPolicySize)
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicySize}`)
}

export const CreateRole: ActionHandler = (ctx) => {
  const roleName = name(ctx, 'RoleName')
  const rolePath = path(ctx)
  const trust = required(ctx, 'AssumeRolePolicyDocument')
  const maxSessionDuration = integer(ctx, 'MaxSessionDuration', 3600, 43200) ?? 3600
  const roleTags = tags(ctx)
  const boundary = ctx.params.get('PermissionsBoundary')
  const { account } = ctx
  if ([...account.roles.keys()].some((n) => n.toLowerCase() === roleName.toLowerCase()))
    throw alreadyExists(`Role with name ${roleName} already exists.`)
  checkTrustDocument(trust)
  if (boundary) attachablePolicy(ctx, boundary)
  const description = ctx.params.get('Description')
  const role: SimRole = {
    name: roleName,
    roleId: newId('AROA', 17),
    path: rolePath,
    createDate: account.now(),
    trustPolicy: trust,
    attached: [],
    inline: new Map(),
    maxSessionDuration,
    ...(boundary ? { boundary } : {}),
    ...(description ? { description } : {}),
    ...(roleTags ? { tags: roleTags } : {}),
  }
  account.roles.set(roleName, role)
  return { Role: roleNode(ctx, role) }
}

export const UpdateAssumeRolePolicy: ActionHandler = (ctx) => {
  const role = roleNamed(ctx)
  const document = required(ctx, 'PolicyDocument')
  checkTrustDocument(document)
  role.trustPolicy = document
  return {}
}

export const DeleteRole: ActionHandler = (ctx) => {
  const role = roleNamed(ctx)
  if (role.inline.size > 0) throw deleteConflict('Cannot delete entity, must delete policies first.')
  if (role.attached.length > 0) throw deleteConflict('Cannot delete entity, must detach all policies first.')
  ctx.account.roles.delete(role.name)
  return {}
}

const putBoundary =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    const holder = holderOf(ctx)
    const arn = required(ctx, 'PermissionsBoundary')
    try {
      attachablePolicy(ctx, arn)
    } catch (err) {
      if ((err as SimError).code === 'NoSuchEntity')
        throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`)
      throw err
    }
    holder.policies.boundary = arn
    return {}
  }

const deleteBoundary =
  (holderOf: (ctx: ActionContext) => Holder): ActionHandler =>
  (ctx) => {
    delete holderOf(ctx).policies.boundary
    return {}
  }

export const PutUserPermissionsBoundary = putBoundary(userHolder)
export const PutRolePermissionsBoundary = putBoundary(roleHolder)
export const DeleteUserPermissionsBoundary = deleteBoundary(userHolder)
export const DeleteRolePermissionsBoundary = deleteBoundary(roleHolder)
