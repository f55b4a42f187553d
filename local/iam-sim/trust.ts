import { conditionsHold, type RequestContext } from '../../shared/policy/conditions.ts'
import { parsePolicyDocument, type Statement } from '../../shared/policy/document.ts'
import { coversAction } from '../../shared/policy/evaluate.ts'
import { type Caller, principal, sessionRoleArn } from './identity.ts'
import type { SimOrganization } from './organizations.ts'

/**
 * Whether a role's trust policy lets a caller assume it (sts:AssumeRole), as STS decides it, reusing the
 * project's policy engine (shared/policy: document parsing, action matching, conditions).
 *
 * The Principal element's AWS entries name the caller by: `*`; its account (`123456789012` or
 * `arn:aws:iam::123456789012:root`, which delegates to the caller's own policies: taken as allowing, since
 * the simulator does not evaluate identity policies); an IAM user's ARN; for a role session the role's
 * ARN (as AWS matches it) or the session's own `assumed-role` ARN. Service and Federated principals never
 * match an IAM caller. Conditions are evaluated against the request context below by conditionsHold
 * (StringEquals/Like, ArnEquals/Like, Bool, Null, ...IfExists and their negations); an Allow whose
 * condition cannot be evaluated does not allow, a Deny whose condition cannot be evaluated applies (both
 * fail closed). An explicit Deny wins; without an applicable Allow the answer is no.
 */
export interface TrustRequest {
  caller: Caller
  organization: SimOrganization | undefined
  externalId?: string
  sessionName: string
}

export const ASSUME_ROLE = 'sts:AssumeRole'

/** The ARN a caller's policies are evaluated for: a session's role, a user, the account root. */
export function principalArn(caller: Caller): string {
  const { account, identity } = caller
  return identity.type === 'AssumedRole' ? sessionRoleArn(account, identity.roleName) : principal(caller).arn
}

/** The request context of an AssumeRole call: the caller's global condition keys and STS's own. */
export function trustContext(request: TrustRequest): RequestContext {
  const { caller, organization } = request
  const accountId = caller.account.accountId
  const { principalId } = principal(caller)
  const type =
    caller.identity.type === 'Root' ? 'Account' : caller.identity.type === 'IAMUser' ? 'User' : 'AssumedRole'
  return {
    'aws:PrincipalAccount': accountId,
    'aws:PrincipalArn': principalArn(caller),
    'aws:PrincipalType': type,
    'aws:userid': principalId,
    ...(caller.identity.type === 'IAMUser' ? { 'aws:username': caller.identity.userName } : {}),
    ...(organization?.accounts.has(accountId) ? { 'aws:PrincipalOrgID': organization.id } : {}),
    ...(request.externalId !== undefined ? { 'sts:ExternalId': request.externalId } : {}),
    'sts:RoleSessionName': request.sessionName,
  }
}

function namesCaller(entries: Record<string, string[]> | undefined, caller: Caller): boolean {
  const accountId = caller.account.accountId
  const names = new Set([
    accountId,
    `arn:aws:iam::${accountId}:root`,
    principalArn(caller),
    principal(caller).arn,
  ])
  return (entries?.AWS ?? []).some((p) => p === '*' || names.has(p))
}

function appliesTo(s: Statement, caller: Caller): boolean {
  if (!coversAction(s, ASSUME_ROLE)) return false
  if (s.principal) return namesCaller(s.principal, caller)
  if (s.notPrincipal) return !namesCaller(s.notPrincipal, caller)
  return false
}

/** Whether the statement's conditions hold; `unknown` when an operator is not evaluated here. */
function holds(s: Statement, context: RequestContext): boolean | 'unknown' {
  try {
    return conditionsHold(s.conditions, context)
  } catch {
    return 'unknown'
  }
}

export function trustAllows(trustPolicy: string, request: TrustRequest): boolean {
  const parsed = parsePolicyDocument(trustPolicy)
  if (!parsed.ok) return false
  const context = trustContext(request)
  let allowed = false
  for (const s of parsed.document.statements) {
    if (!appliesTo(s, request.caller)) continue
    const h = holds(s, context)
    if (s.effect === 'Deny' && h !== false) return false
    if (s.effect === 'Allow' && h === true) allowed = true
  }
  return allowed
}
