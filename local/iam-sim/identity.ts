import { randomBytes } from 'node:crypto'
import { SimError } from './errors.ts'
import { newId, type SimAccessKey, type SimAccount, type SimUser } from './model.ts'

/**
 * Who a credential is, as IAM sees it: an IAM user's or the root user's long-term key (found in the
 * account itself), or a role session the simulator was told about (its role need not be in the account's
 * IAM data, so an operator's or a function's session adds nothing to what iamwatch judges).
 */
export type SimIdentity =
  | { type: 'IAMUser'; userName: string; userId?: string }
  | { type: 'Root' }
  | { type: 'AssumedRole'; roleName: string; roleId: string; sessionName: string; issuedAt: Date }

/** A credential the simulator knows, and the account it belongs to. */
export interface SimCredential {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  accountId: string
  identity: SimIdentity
  /**
   * When a role session stops working (STS AssumeRole's Expiration), by the clock of its account: a later
   * request answers ExpiredToken (ExpiredTokenException on the JSON services). Absent: it never expires.
   */
  expiration?: Date
}

/** The caller of one request: its account (where the request is served) and identity. */
export interface Caller {
  account: SimAccount
  accessKeyId?: string
  identity: SimIdentity
  /** The account's own access key the request was signed with (an IAM user's or root's), if it was one. */
  key?: SimAccessKey
}

/** The caller of unsigned requests and unknown keys when the simulator is lenient (its historical caller). */
export const DEFAULT_IDENTITY: SimIdentity = {
  type: 'IAMUser',
  userName: 'iamwatch-scanner',
  userId: 'AIDASIMULATORCALLER0',
}

export const invalidToken = () =>
  new SimError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.')

export const expiredToken = () =>
  new SimError('ExpiredToken', 400, 'The security token included in the request is expired')

/** The access key a SigV4 request was signed with: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function signingKey(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1]
}

/** A role session's credentials (ASIA key, secret, session token), registered with the simulator to be usable. */
export function roleSession(
  accountId: string,
  roleName: string,
  sessionName: string,
  now: Date = new Date(),
): SimCredential {
  return {
    accessKeyId: newId('ASIA'),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(96).toString('base64'),
    accountId,
    identity: { type: 'AssumedRole', roleName, roleId: newId('AROA', 17), sessionName, issuedAt: now },
  }
}

/**
 * Resolves the caller of a request from its signing key: a registered credential (a session token, when
 * it has one, must match; an expired one is refused), else an IAM user's or the root user's key in one of the accounts (an inactive
 * key is refused as IAM refuses it), else, when lenient, the default account's default caller.
 */
export function resolveCaller(args: {
  accessKeyId: string | undefined
  sessionToken: string | undefined
  credentials: ReadonlyMap<string, SimCredential>
  accounts: ReadonlyMap<string, SimAccount>
  defaultAccount: SimAccount
  strict: boolean
}): Caller {
  const { accessKeyId, accounts } = args
  if (accessKeyId) {
    const registered = args.credentials.get(accessKeyId)
    if (registered) {
      const account = accounts.get(registered.accountId)
      if (!account || (registered.sessionToken && registered.sessionToken !== args.sessionToken))
        throw invalidToken()
      if (registered.expiration && account.now() >= registered.expiration) throw expiredToken()
      return { account, accessKeyId, identity: registered.identity }
    }
    for (const account of accounts.values()) {
      const rootKey = account.root.accessKeys.find((k) => k.id === accessKeyId)
      if (rootKey) {
        if (rootKey.status !== 'Active') throw invalidToken()
        return { account, accessKeyId, identity: { type: 'Root' }, key: rootKey }
      }
      for (const user of account.users.values()) {
        const key = user.accessKeys.find((k) => k.id === accessKeyId)
        if (key) {
          if (key.status !== 'Active') throw invalidToken()
          return {
            account,
            accessKeyId,
            identity: { type: 'IAMUser', userName: user.name, userId: user.userId },
            key,
          }
        }
      }
    }
  }
  if (args.strict) {
    if (!accessKeyId)
      throw new SimError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token')
    throw invalidToken()
  }
  return { account: args.defaultAccount, ...(accessKeyId ? { accessKeyId } : {}), identity: DEFAULT_IDENTITY }
}

/** The caller's IAM user in its account, if it is one that exists there. */
export function callerUser(caller: Caller): SimUser | undefined {
  return caller.identity.type === 'IAMUser' ? caller.account.getUser(caller.identity.userName) : undefined
}

/** A session's role ARN: with the role's path when the account has the role (a registered session's may not). */
export const sessionRoleArn = (account: SimAccount, roleName: string) => {
  const role = account.roles.get(roleName)
  return role ? account.roleArn(role) : account.arn(`role/${roleName}`)
}

/** The caller's ARN and principal id, as GetCallerIdentity and CloudTrail give them. */
export function principal(caller: Caller): { arn: string; principalId: string } {
  const { account, identity: i } = caller
  switch (i.type) {
    case 'Root':
      return { arn: account.arn('root'), principalId: account.accountId }
    case 'IAMUser': {
      const user = account.getUser(i.userName)
      return {
        arn: user ? account.userArn(user) : account.arn(`user/${i.userName}`),
        principalId: user?.userId ?? i.userId ?? 'AIDAUNKNOWNUSER00000',
      }
    }
    case 'AssumedRole':
      return {
        arn: `arn:aws:sts::${account.accountId}:assumed-role/${i.roleName}/${i.sessionName}`,
        principalId: `${i.roleId}:${i.sessionName}`,
      }
  }
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The record's `userIdentity`, as CloudTrail writes it for an API call signed with this caller's key. */
export function userIdentity(caller: Caller): Record<string, unknown> {
  const { account, identity: i } = caller
  const { arn, principalId } = principal(caller)
  const key = caller.accessKeyId ? { accessKeyId: caller.accessKeyId } : {}
  switch (i.type) {
    case 'Root':
      return { type: 'Root', principalId, arn, accountId: account.accountId, ...key }
    case 'IAMUser':
      return { type: 'IAMUser', principalId, arn, accountId: account.accountId, ...key, userName: i.userName }
    case 'AssumedRole':
      return {
        type: 'AssumedRole',
        principalId,
        arn,
        accountId: account.accountId,
        ...key,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: i.roleId,
            arn: sessionRoleArn(account, i.roleName),
            accountId: account.accountId,
            userName: i.roleName,
          },
          webIdFederationData: {},
          attributes: { creationDate: isoSeconds(i.issuedAt), mfaAuthenticated: 'false' },
        },
      }
  }
}
