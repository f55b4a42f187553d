import { awsManagedPolicy } from '../aws-managed.ts'
import { invalidInput, noSuchEntity, SimError, validationError } from '../errors.ts'
import { callerUser } from '../identity.ts'
import type { SimManagedPolicy, SimPolicies, SimTag, SimUser } from '../model.ts'
import type { ActionContext } from './types.ts'

/** IAM's quotas the simulator enforces (the defaults of "IAM and AWS STS quotas"). */
export const QUOTAS = {
  accessKeysPerUser: 2,
  mfaDevicesPerUser: 8,
  groupsPerUser: 10,
  managedPoliciesPerPrincipal: 10,
  tagsPerResource: 50,
  versionsPerPolicy: 5,
  managedPolicySize: 6144,
  userInlineSize: 2048,
  groupInlineSize: 5120,
  roleInlineSize: 10240,
  trustPolicySize: 2048,
} as const

export const limitExceeded = (message: string) => new SimError('LimitExceeded', 409, message)
export const alreadyExists = (message: string) => new SimError('EntityAlreadyExists', 409, message)
export const deleteConflict = (message: string) => new SimError('DeleteConflict', 409, message)
export const malformed = (message: string) => new SimError('MalformedPolicyDocument', 400, message)

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1)

/** A required parameter, or IAM's ValidationError for a missing member. */
export function required(ctx: ActionContext, name: string): string {
  const value = ctx.params.get(name)
  if (value === null || value === '')
    throw validationError(
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    )
  return value
}

/** A name parameter checked against IAM's pattern ([\w+=,.@-]+) and length. */
export function name(ctx: ActionContext, param: string, maxLength = 64): string {
  const value = required(ctx, param)
  if (value.length > maxLength || !/^[\w+=,.@-]+$/.test(value))
    throw validationError(
      `1 validation error detected: Value '${value}' at '${lowerFirst(param)}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to ${maxLength}`,
    )
  return value
}

/** A path parameter: "/" or "/x/y/" (default "/"). */
export function path(ctx: ActionContext): string {
  const value = ctx.params.get('Path') ?? '/'
  if (!/^\/([\x21-\x7e]*\/)?$/.test(value) || value.length > 512)
    throw validationError(
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    )
  return value
}

export function bool(ctx: ActionContext, param: string): boolean | undefined {
  const value = ctx.params.get(param)
  return value === null ? undefined : value === 'true'
}

/** An integer parameter within IAM's range, or ValidationError. */
export function integer(ctx: ActionContext, param: string, min: number, max: number): number | undefined {
  const raw = ctx.params.get(param)
  if (raw === null) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max)
    throw validationError(
      `1 validation error detected: Value '${raw}' at '${lowerFirst(param)}' failed to satisfy constraint: ` +
        `Member must have value ${value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    )
  return value
}

/** `Tags.member.N.Key` / `.Value` as IAM's tag list. */
export function tags(ctx: ActionContext): SimTag[] | undefined {
  const out: SimTag[] = []
  for (let i = 1; ctx.params.has(`Tags.member.${i}.Key`); i++) {
    out.push({
      Key: ctx.params.get(`Tags.member.${i}.Key`) ?? '',
      Value: ctx.params.get(`Tags.member.${i}.Value`) ?? '',
    })
  }
  if (out.length > QUOTAS.tagsPerResource)
    throw limitExceeded(`Cannot exceed quota for TagsPerResource: ${QUOTAS.tagsPerResource}`)
  return out.length > 0 ? out : undefined
}

/** The user a call names, or NoSuchEntity. */
export function userNamed(ctx: ActionContext, userName: string): SimUser {
  const user = ctx.account.getUser(userName)
  if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`)
  return user
}

/**
 * The user a credential call acts on: the one named, else (no UserName) the caller's own user. A role
 * session has none: IAM asks for the user name.
 */
export function targetUser(ctx: ActionContext): SimUser | 'root' {
  const named = ctx.params.get('UserName')
  if (named) return userNamed(ctx, named)
  const identity = ctx.caller.identity
  if (identity.type === 'Root') return 'root'
  if (identity.type === 'AssumedRole')
    throw validationError('Must specify userName when calling with non-User credentials')
  const user = callerUser(ctx.caller)
  if (!user) throw noSuchEntity(`The user with name ${identity.userName} cannot be found.`)
  return user
}

export function holderPolicies(holder: { policies?: SimPolicies }): SimPolicies {
  holder.policies ??= { attached: [], inline: new Map() }
  return holder.policies
}

/**
 * A managed policy by ARN, as attach and boundary calls resolve it: a customer-managed policy of this
 * account, or one of the AWS-managed policies the simulator models (added to the account on first use).
 */
export function attachablePolicy(ctx: ActionContext, arn: string): SimManagedPolicy {
  if (!/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\//.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`)
  const known = ctx.account.managedPolicies.get(arn)
  if (known) return known
  const awsName = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn)?.[1]
  if (awsName) {
    try {
      const policy = awsManagedPolicy(awsName.split('/').at(-1)!)
      ctx.account.managedPolicies.set(arn, policy)
      return policy
    } catch {
      // not one the simulator models: IAM's answer for a policy that does not exist
    }
  }
  throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`)
}

/** IAM's size measure for policy documents: characters, whitespace not counted. */
export const policySize = (document: string) => document.replace(/\s/g, '').length

type Kind = 'identity' | 'trust'

/**
 * Validates a policy document the way IAM rejects one with MalformedPolicyDocument: JSON, a known
 * Version, a Statement with Effect and Action/NotAction; identity policies name resources and no
 * principal, trust policies name a principal and no resource.
 */
export function checkPolicyDocument(document: string, kind: Kind = 'identity'): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(document)
  } catch {
    throw malformed('Syntax errors in policy.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw malformed('Syntax errors in policy.')
  const doc = parsed as Record<string, unknown>
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17')
    throw malformed('The policy failed legacy parsing')
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []
  if (statements.length === 0) throw malformed('Syntax errors in policy.')
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) throw malformed('Syntax errors in policy.')
    const s = raw as Record<string, unknown>
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
      throw malformed(
        s.Effect === undefined ? 'Missing required field Effect' : `Invalid effect: ${s.Effect}`,
      )
    if (s.Action === undefined && s.NotAction === undefined)
      throw malformed('Policy statement must contain actions.')
    if (kind === 'identity') {
      if (s.Principal !== undefined || s.NotPrincipal !== undefined)
        throw malformed('Policy document should not specify a principal.')
      if (s.Resource === undefined && s.NotResource === undefined)
        throw malformed('Policy statement must contain resources.')
    } else {
      if (s.Principal === undefined && s.NotPrincipal === undefined)
        throw malformed('Missing required field Principal')
      if (s.Resource !== undefined || s.NotResource !== undefined)
        throw malformed('Has prohibited field Resource')
    }
  }
}
