import { noSuchEntity } from '../errors.ts'
import type { SimPolicies } from '../model.ts'
import { paginate } from '../paging.ts'
import { required, userNamed } from './params.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/** Reads that show what the writes changed: group membership, attached and inline policies, tags. */

function groupNode(ctx: ActionContext, name: string) {
  const g = ctx.account.groups.get(name)
  if (!g) throw noSuchEntity(`The group with name ${name} cannot be found.`)
  return {
    group: g,
    node: {
      Path: g.path,
      GroupName: g.name,
      GroupId: g.groupId,
      Arn: ctx.account.arn(`group${g.path}${g.name}`),
      CreateDate: g.createDate,
    },
  }
}

export const GetGroup: ActionHandler = (ctx) => {
  const { group, node } = groupNode(ctx, required(ctx, 'GroupName'))
  const members = [...ctx.account.users.values()].filter((u) => u.groups.includes(group.name))
  const page = paginate(members, ctx.params, `GetGroup:${group.name}`)
  return {
    Group: node,
    Users: page.items.map((u) => ctx.account.userNode(u)),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}

export const ListGroupsForUser: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  const page = paginate(user.groups, ctx.params, `ListGroupsForUser:${user.name}`)
  return {
    Groups: page.items.map((g) => groupNode(ctx, g).node),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}

const attachedPolicies =
  (list: string, holder: (ctx: ActionContext) => SimPolicies | undefined): ActionHandler =>
  (ctx) => {
    const page = paginate(holder(ctx)?.attached ?? [], ctx.params, list)
    return {
      AttachedPolicies: page.items.map((arn) => ({
        PolicyName: ctx.account.managedPolicies.get(arn)?.name ?? arn.split('/').at(-1),
        PolicyArn: arn,
      })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    }
  }

const userPolicies = (ctx: ActionContext) => userNamed(ctx, required(ctx, 'UserName')).policies
const groupPolicies = (ctx: ActionContext) => groupNode(ctx, required(ctx, 'GroupName')).group.policies
const rolePolicies = (ctx: ActionContext) => {
  const role = ctx.account.roles.get(required(ctx, 'RoleName'))
  if (!role) throw noSuchEntity(`The role with name ${ctx.params.get('RoleName')} cannot be found.`)
  return role
}

export const ListAttachedUserPolicies = attachedPolicies('ListAttachedUserPolicies', userPolicies)
export const ListAttachedGroupPolicies = attachedPolicies('ListAttachedGroupPolicies', groupPolicies)
export const ListAttachedRolePolicies = attachedPolicies('ListAttachedRolePolicies', rolePolicies)

export const ListUserPolicies: ActionHandler = (ctx) => {
  const page = paginate([...(userPolicies(ctx)?.inline.keys() ?? [])], ctx.params, 'ListUserPolicies')
  return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker }
}

export const GetUserPolicy: ActionHandler = (ctx) => {
  const userName = required(ctx, 'UserName')
  const policyName = required(ctx, 'PolicyName')
  const document = userPolicies(ctx)?.inline.get(policyName)
  if (document === undefined) throw noSuchEntity(`The user policy with name ${policyName} cannot be found.`)
  return { UserName: userName, PolicyName: policyName, PolicyDocument: encodeURIComponent(document) }
}

export const ListUserTags: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  const page = paginate(user.tags ?? [], ctx.params, `ListUserTags:${user.name}`)
  return { Tags: page.items.map((t) => ({ ...t })), IsTruncated: page.IsTruncated, Marker: page.Marker }
}
