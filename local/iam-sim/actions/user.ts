import { noSuchEntity, validationError } from '../errors.ts'
import { callerUser } from '../identity.ts'
import type { SimUser } from '../model.ts'
import type { ActionContext, ActionHandler } from './types.ts'
import { fullUserNode } from './user-writes.ts'

function user(ctx: ActionContext): SimUser {
  const name = ctx.params.get('UserName')
  const found = name ? ctx.account.getUser(name) : undefined
  if (!found) throw noSuchEntity(`The user with name ${name} cannot be found.`)
  return found
}

/** GetUser without UserName describes the caller: its IAM user, or the root user; a role session has none. */
export const GetUser: ActionHandler = (ctx) => {
  if (!ctx.params.get('UserName')) {
    const { identity } = ctx.caller
    if (identity.type === 'AssumedRole')
      throw validationError('Must specify userName when calling with non-User credentials')
    if (identity.type === 'Root') {
      const { account } = ctx
      return {
        User: {
          UserId: account.accountId,
          Arn: account.arn('root'),
          CreateDate: account.root.createDate,
          PasswordLastUsed: account.root.passwordLastUsed,
        },
      }
    }
    const own = callerUser(ctx.caller)
    if (!own) throw noSuchEntity(`The user with name ${identity.userName} cannot be found.`)
    return { User: fullUserNode(ctx.account, own) }
  }
  return { User: fullUserNode(ctx.account, user(ctx)) }
}

export const GetLoginProfile: ActionHandler = (ctx) => {
  const u = user(ctx)
  if (!u.loginProfile) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`)
  return {
    LoginProfile: {
      UserName: u.name,
      CreateDate: u.loginProfile.createDate,
      PasswordResetRequired: u.loginProfile.passwordResetRequired,
    },
  }
}

export const GetAccessKeyLastUsed: ActionHandler = (ctx) => {
  const id = ctx.params.get('AccessKeyId')
  for (const u of ctx.account.users.values()) {
    const key = u.accessKeys.find((k) => k.id === id)
    if (key) {
      return {
        UserName: u.name,
        AccessKeyLastUsed: key.lastUsed
          ? {
              LastUsedDate: key.lastUsed.date,
              ServiceName: key.lastUsed.service,
              Region: key.lastUsed.region,
            }
          : { ServiceName: 'N/A', Region: 'N/A' },
      }
    }
  }
  throw noSuchEntity(`The Access Key with id ${id} cannot be found`)
}
