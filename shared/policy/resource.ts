import { conditionsHold, type RequestContext } from './conditions.ts'
import type { PolicyDocument, Statement } from './document.ts'
import { coversAction } from './evaluate.ts'
import { resourceMatches } from './match.ts'

export { type RequestContext, UnsupportedCondition } from './conditions.ts'

/**
 * Who makes a request. AWS: an IAM ARN (user, role, an assumed-role session `arn:aws:sts::<account>:
 * assumed-role/<role>/<session>`, or an account's root); Service: a service principal such as
 * `cloudwatch.amazonaws.com`; Federated: an identity provider; Anonymous: an unsigned request.
 */
export interface RequestPrincipal {
  type: 'AWS' | 'Service' | 'Federated' | 'Anonymous'
  id: string
}

export interface ResourceRequest {
  principal: RequestPrincipal
  action: string
  resource: string
  /** The request context: aws:SecureTransport, aws:SourceArn, aws:SourceAccount, aws:PrincipalArn, ... */
  context?: RequestContext
}

/**
 * What the resource policy alone says: an explicit Deny applies ('denied'), an Allow applies and no
 * Deny does ('allowed'), or no statement applies ('implicit-deny': the request is refused unless, in
 * the resource's own account, an identity policy allows it; across accounts or for anonymous and
 * service principals it is refused).
 */
export type ResourceDecision = 'allowed' | 'denied' | 'implicit-deny'

/**
 * Evaluates a resource-based policy (SNS topic, KMS key, SQS queue, role trust policy, ...) for one
 * request, with IAM's semantics: Principal / NotPrincipal, Action / NotAction, Resource / NotResource
 * (a statement without either, as in a trust policy, applies to the resource the policy is attached
 * to) and Condition (see conditionsHold). A statement that names no principal is an identity-policy
 * statement and never applies here. Pure; throws UnsupportedCondition on an operator it does not know.
 */
export function evaluateResourcePolicy(doc: PolicyDocument, request: ResourceRequest): ResourceDecision {
  let allowed = false
  for (const s of doc.statements) {
    if (!applies(s, request)) continue
    if (s.effect === 'Deny') return 'denied'
    allowed = true
  }
  return allowed ? 'allowed' : 'implicit-deny'
}

function applies(s: Statement, r: ResourceRequest): boolean {
  if (s.principal) {
    if (!principalMatches(s.principal, r.principal)) return false
  } else if (s.notPrincipal) {
    if (principalMatches(s.notPrincipal, r.principal)) return false
  } else {
    return false
  }
  if (!coversAction(s, r.action)) return false
  if (s.resources && !s.resources.some((p) => resourceMatches(p, r.resource))) return false
  if (s.notResources?.some((p) => resourceMatches(p, r.resource))) return false
  return conditionsHold(s.conditions, r.context ?? {})
}

/**
 * `"*"` and `{"AWS": "*"}` are the same principal: everyone, anonymous users and AWS services included
 * (IAM's Principal element reference). Otherwise each kind matches only requests of its kind.
 */
export function principalMatches(
  element: Readonly<Record<string, readonly string[]>>,
  who: RequestPrincipal,
) {
  for (const [kind, ids] of Object.entries(element)) {
    for (const id of ids) {
      if (kind === 'AWS' && id === '*') return true
      if (kind !== who.type) continue
      if (kind === 'AWS' && awsPrincipalMatches(id, who.id)) return true
      if (kind === 'Service' && id.toLowerCase() === who.id.toLowerCase()) return true
      if (kind === 'Federated' && id === who.id) return true
    }
  }
  return false
}

const ACCOUNT_ID = /^\d{12}$/
const ROOT = /^arn:([^:]+):iam::(\d{12}):root$/
const ROLE = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/
const SESSION = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/

/**
 * An account (its 12-digit id or its root ARN) stands for every identity of the account; a role ARN
 * matches the role and its assumed-role sessions (whose ARNs carry the role's name but not its path);
 * any other ARN matches itself.
 */
function awsPrincipalMatches(id: string, arn: string): boolean {
  const account = ACCOUNT_ID.test(id) ? id : ROOT.exec(id)?.[2]
  if (account) {
    const parts = arn.split(':')
    return parts[0] === 'arn' && parts[4] === account && (!ROOT.test(id) || parts[1] === ROOT.exec(id)![1])
  }
  if (id === arn) return true
  const role = ROLE.exec(id)
  const session = SESSION.exec(arn)
  return !!role && !!session && role[1] === session[1] && role[2] === session[2] && role[3] === session[3]
}
