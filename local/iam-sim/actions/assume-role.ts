import { randomBytes } from 'node:crypto'
import { SimError, validationError } from '../errors.ts'
import { principal, type SimCredential } from '../identity.ts'
import { newId } from '../model.ts'
import { trustAllows } from '../trust.ts'
import type { ActionHandler } from './types.ts'

/**
 * STS AssumeRole (Query protocol, Version 2011-06-15). The role must be one of a served account's roles,
 * named by its exact ARN, and its trust policy must let the caller in (local/iam-sim/trust.ts). A missing
 * role and a refusing trust answer the same AccessDenied: STS does not say whether the role exists. The
 * session is registered with the simulator: every call signed with it is served by the role's account,
 * as that role's session, until its Expiration (by that account's clock).
 */

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\u0021-\u007E]+\/)?([\w+=,.@-]{1,64})$/
const SESSION_NAME = /^[\w+=,.@-]*$/
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/
const MIN_DURATION = 900
const MAX_DURATION = 43_200
/** A session assumed with another role's session (role chaining) lasts at most an hour. */
const CHAINED_MAX = 3600

const constraint = (value: string, member: string, rule: string) =>
  validationError(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`,
  )

function validated(params: URLSearchParams) {
  const roleArn = params.get('RoleArn') ?? ''
  const sessionName = params.get('RoleSessionName') ?? ''
  const externalId = params.get('ExternalId') ?? undefined
  const rawDuration = params.get('DurationSeconds')
  if (roleArn.length < 20 || roleArn.length > 2048)
    throw constraint(roleArn, 'roleArn', 'Member must have length greater than or equal to 20')
  if (sessionName.length < 2 || sessionName.length > 64)
    throw constraint(
      sessionName,
      'roleSessionName',
      sessionName.length < 2
        ? 'Member must have length greater than or equal to 2'
        : 'Member must have length less than or equal to 64',
    )
  if (!SESSION_NAME.test(sessionName))
    throw constraint(
      sessionName,
      'roleSessionName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    )
  if (externalId !== undefined) {
    if (externalId.length < 2 || externalId.length > 1224)
      throw constraint(externalId, 'externalId', 'Member must have length between 2 and 1224')
    if (!EXTERNAL_ID.test(externalId))
      throw constraint(
        externalId,
        'externalId',
        'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*',
      )
  }
  const duration = rawDuration === null ? undefined : Number(rawDuration)
  if (duration !== undefined) {
    if (!Number.isInteger(duration))
      throw constraint(String(rawDuration), 'durationSeconds', 'Member must be a number')
    if (duration < MIN_DURATION)
      throw constraint(
        String(duration),
        'durationSeconds',
        `Member must have value greater than or equal to ${MIN_DURATION}`,
      )
    if (duration > MAX_DURATION)
      throw constraint(
        String(duration),
        'durationSeconds',
        `Member must have value less than or equal to ${MAX_DURATION}`,
      )
  }
  const arn = ROLE_ARN.exec(roleArn)
  if (!arn) throw validationError('Request ARN is invalid')
  return { roleArn, accountId: arn[1]!, sessionName, externalId, duration }
}

export const AssumeRole: ActionHandler = ({ params, caller, world, region }) => {
  const request = validated(params)
  const callerArn = principal(caller).arn
  if (caller.identity.type === 'Root')
    throw new SimError('AccessDenied', 403, 'Roles may not be assumed by root accounts.')
  const target = world.accounts.get(request.accountId)
  const role = target && [...target.roles.values()].find((r) => target.roleArn(r) === request.roleArn)
  const trusted =
    role &&
    trustAllows(role.trustPolicy, {
      caller,
      organization: world.organization,
      sessionName: request.sessionName,
      ...(request.externalId !== undefined ? { externalId: request.externalId } : {}),
    })
  if (!target || !role || !trusted)
    throw new SimError(
      'AccessDenied',
      403,
      `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`,
    )
  const duration = request.duration ?? 3600
  if (caller.identity.type === 'AssumedRole' && duration > CHAINED_MAX)
    throw validationError(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    )
  if (duration > (role.maxSessionDuration ?? 3600))
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
  const issuedAt = target.now()
  // Whole seconds, as STS gives Expiration: the session stops exactly when its holder is told it does.
  const expiration = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + duration * 1000)
  const credential: SimCredential = {
    accessKeyId: newId('ASIA'),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(96).toString('base64'),
    accountId: target.accountId,
    identity: {
      type: 'AssumedRole',
      roleName: role.name,
      roleId: role.roleId,
      sessionName: request.sessionName,
      issuedAt,
    },
    expiration,
  }
  world.addCredentials(credential)
  role.lastUsed = { date: issuedAt, region }
  return {
    Credentials: {
      AccessKeyId: credential.accessKeyId,
      SecretAccessKey: credential.secretAccessKey,
      SessionToken: credential.sessionToken,
      Expiration: expiration,
    },
    AssumedRoleUser: {
      AssumedRoleId: `${role.roleId}:${request.sessionName}`,
      Arn: `arn:aws:sts::${target.accountId}:assumed-role/${role.name}/${request.sessionName}`,
    },
  }
}

/**
 * Where CloudTrail records an AssumeRole call, and what it names: the role's account (which may differ
 * from the caller's) and the role, as `resources`. Nothing when the RoleArn names no account.
 */
export function assumeRoleTrail(params: URLSearchParams): {
  recipientAccountId?: string
  resources?: Array<{ accountId: string; type: string; ARN: string }>
} {
  const roleArn = params.get('RoleArn') ?? ''
  const accountId = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1]
  if (!accountId) return {}
  return { recipientAccountId: accountId, resources: [{ accountId, type: 'AWS::IAM::Role', ARN: roleArn }] }
}
