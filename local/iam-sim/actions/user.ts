import { noSuchEntity } from '../errors.ts'
import type { SimUser } from '../model.ts'
import type { ActionContext, ActionHandler } from './types.ts'

function user(ctx: ActionContext): SimUser {
  const name = ctx.params.get('UserName')
  const found = name ? ctx.account.getUser(name) : undefined
  if (!found) throw noSuchEntity(`The user with name ${name} cannot be found.`)
  return found
}

export const GetUser: ActionHandler = (ctx) => {
  const u = user(ctx)
  return { User: ctx.account.userNode(u) }
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
