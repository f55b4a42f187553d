import { noSuchEntity, validationError } from '../errors.ts'
import { callerUser } from '../identity.ts'
import { paginate } from '../paging.ts'
import type { ActionContext, ActionHandler } from './types.ts'

function required(ctx: ActionContext, name: string): string {
  const value = ctx.params.get(name)
  if (!value) throw noSuchEntity(`${name} is required`)
  return value
}

export const ListUsers: ActionHandler = (ctx) => {
  const prefix = ctx.params.get('PathPrefix') ?? '/'
  const users = [...ctx.account.users.values()].filter((u) => u.path.startsWith(prefix))
  const page = paginate(users, ctx.params, 'ListUsers')
  return {
    Users: page.items.map((u) => ctx.account.userNode(u)),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}

export const ListAccessKeys: ActionHandler = (ctx) => {
  const named = ctx.params.get('UserName')
  // Without UserName IAM lists the caller's own keys: an IAM user's, or the root user's (also for the
  // simulator's default caller, which is no user of the account).
  if (!named && ctx.caller.identity.type === 'AssumedRole')
    throw validationError('Must specify userName when calling with non-User credentials')
  const own = named ? undefined : callerUser(ctx.caller)
  const name = named ?? own?.name
  const keys = named
    ? ctx.account.getUser(named)?.accessKeys
    : (own?.accessKeys ?? ctx.account.root.accessKeys)
  if (!keys) throw noSuchEntity(`The user with name ${named} cannot be found.`)
  const page = paginate(keys, ctx.params, `ListAccessKeys:${name ?? ''}`)
  return {
    AccessKeyMetadata: page.items.map((k) => ({
      UserName: name,
      AccessKeyId: k.id,
      Status: k.status,
      CreateDate: k.createDate,
    })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}

export const ListMFADevices: ActionHandler = (ctx) => {
  const name = required(ctx, 'UserName')
  const user = ctx.account.getUser(name)
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`)
  const page = paginate(user.mfaDevices, ctx.params, `ListMFADevices:${name}`)
  return {
    MFADevices: page.items.map((d) => ({
      UserName: name,
      SerialNumber: d.serialNumber,
      EnableDate: d.enableDate,
    })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}

export const ListVirtualMFADevices: ActionHandler = (ctx) => {
  const status = ctx.params.get('AssignmentStatus') ?? 'Any'
  const { account } = ctx
  const assigned = [
    ...(account.root.mfa?.kind === 'virtual'
      ? [
          {
            device: account.root.mfa,
            user: {
              Path: '/',
              UserName: account.accountId,
              UserId: account.accountId,
              Arn: account.arn('root'),
              CreateDate: account.root.createDate,
            },
          },
        ]
      : []),
    ...[...account.users.values()].flatMap((u) =>
      u.mfaDevices
        .filter((d) => d.kind === 'virtual')
        .map((device) => ({
          device,
          user: {
            Path: u.path,
            UserName: u.name,
            UserId: u.userId,
            Arn: account.userArn(u),
            CreateDate: u.createDate,
          },
        })),
    ),
  ]
  const unassigned = account.unassignedVirtualMfa.map((device) => ({ device, user: undefined }))
  const all =
    status === 'Assigned' ? assigned : status === 'Unassigned' ? unassigned : [...assigned, ...unassigned]
  const page = paginate(all, ctx.params, `ListVirtualMFADevices:${status}`)
  return {
    VirtualMFADevices: page.items.map(({ device, user }) => ({
      SerialNumber: device.serialNumber,
      User: user,
      EnableDate: user ? device.enableDate : undefined,
    })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  }
}
