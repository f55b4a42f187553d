import { type ConditionKeyResult, evaluateConditionKeys, type RequestContext } from './conditions.ts'
import type { Statement } from './document.ts'
import type { HeldPolicy } from './evaluate.ts'
import { actionMatches, resourceMatches } from './match.ts'

/**
 * Why a principal may or may not make one request, as IAM's policy simulator would answer offline, with
 * the statements that decide it. Pure: the caller reads the policies (GetAccountAuthorizationDetails,
 * normalized) and says what the request carries.
 *
 * IAM's order for a request in the principal's own account, without resource policies, SCPs or session
 * policies: an explicit Deny in any policy (identity or boundary) that applies wins; otherwise an Allow in
 * the identity policies is needed; and a permissions boundary, when the principal has one, must allow it
 * too. A statement applies when its Action (or NotAction) and Resource (or NotResource) match and its
 * Condition holds. What cannot be told offline (a condition key the context does not give, an operator
 * the evaluator does not implement, a policy that could not be read) is never guessed: an Allow that may
 * apply does not prove access, and a Deny that may apply leaves the answer open.
 */

/** The answer: allowed, denied for one of IAM's three reasons, or not proven either way. */
export type AccessDecision = 'allowed' | 'explicit-deny' | 'implicit-deny' | 'boundary-deny' | 'undetermined'

/** Yes, no, or not decidable from what is known offline. */
export type Tri = 'yes' | 'no' | 'cannot-tell'

export interface AccessRequest {
  /** `service:Action`, compared case-insensitively. */
  action: string
  /** The resource's ARN; without one, `*` (as IAM's policy simulator does). */
  resource?: string
  /** The request context, condition key to value; keys compare case-insensitively. */
  context?: RequestContext
}

export interface PrincipalPolicies {
  /** The principal's ARN, echoed in the explanation. */
  arn?: string
  /** Identity policies (own and inherited from groups) and the boundary (kind 'boundary'). */
  policies: readonly HeldPolicy[]
  /** Policies it holds whose document could not be read; a boundary's name starts with `boundary:`. */
  unreadable?: readonly UnreadablePolicy[]
}

export interface UnreadablePolicy {
  policy: string
  reason: string
}

/** One key of one Condition operator, judged. */
export interface ConditionOutcome {
  operator: string
  key: string
  /** The policy's values (policy variables resolved from the context where they could be). */
  values: string[]
  /** The context's value; absent when the context does not have the key. */
  requestValue?: string
  result: 'satisfied' | 'not-satisfied' | 'cannot-tell'
  /** How it was decided when that is not a plain comparison: an absent key, an unsupported operator. */
  note?: string
}

/** How the Action element matched: the pattern that matched, or the NotAction patterns none of which did. */
export type ActionMatch =
  | { element: 'Action'; pattern: string }
  | { element: 'NotAction'; excluded: string[] }

/**
 * How the Resource element matched: the pattern that matched, the NotResource patterns none of which did,
 * or `cannotTell` (why: a policy variable the context does not give).
 */
export type ResourceMatch =
  | { element: 'Resource'; pattern: string }
  | { element: 'NotResource'; excluded: string[] }
  | { element: 'Resource' | 'NotResource'; cannotTell: string }

/** A statement whose Action and Resource match the request (or, for the Resource, may match it). */
export interface MatchedStatement {
  policy: string
  kind: HeldPolicy['kind']
  /** Index of the statement in its policy's Statement list, from 0. */
  statement: number
  sid?: string
  effect: 'Allow' | 'Deny'
  action: ActionMatch
  resource: ResourceMatch
  /** Each condition key, in the policy's order; empty without a Condition element. */
  conditions: ConditionOutcome[]
  /** Whether it applies: its resource matches and its conditions hold (all keys ANDed). */
  applies: Tri
  /** Why it may apply but cannot be told (the first reason); absent unless `applies` is cannot-tell. */
  cannotTell?: string
  /**
   * The decision rests on it: for explicit-deny the Denies that apply; for allowed the Allows that apply
   * (identity and boundary); for undetermined the statements whose applying cannot be told.
   */
  decisive: boolean
}

export interface Explanation {
  decision: AccessDecision
  /** One sentence: why. */
  reason: string
  principal?: string
  action: string
  /** The resource evaluated: the one asked about, or `*`. */
  resource: string
  /** The context the conditions were evaluated against. */
  context: Record<string, string>
  /** Does an explicit Deny (in any policy, the boundary included) apply? */
  explicitDeny: Tri
  /** Does an Allow in the identity policies apply? */
  identityAllows: Tri
  /** The permissions boundary and whether it allows the request; null when the principal has none. */
  boundary: { policies: string[]; allows: Tri } | null
  /** Every statement whose Action and Resource match, in the order the principal holds its policies. */
  statements: MatchedStatement[]
  /** The policies that could not be read, and why. */
  unreadable: UnreadablePolicy[]
}

export function explainAccess(principal: PrincipalPolicies, request: AccessRequest): Explanation {
  const resource = request.resource ?? '*'
  const context = request.context ?? {}
  const statements: MatchedStatement[] = []
  for (const p of principal.policies)
    for (const [i, s] of p.document.statements.entries()) {
      const m = matchStatement(p, i, s, request.action, resource, context)
      if (m) statements.push(m)
    }

  const unreadable = [...(principal.unreadable ?? [])]
  const unreadableBoundaries = unreadable.filter((u) => u.policy.startsWith('boundary:'))
  const unreadableIdentity = unreadable.filter((u) => !u.policy.startsWith('boundary:'))
  const boundaryPolicies = principal.policies.filter((p) => p.kind === 'boundary')

  const denies = statements.filter((s) => s.effect === 'Deny')
  const identityAllowing = statements.filter((s) => s.effect === 'Allow' && s.kind !== 'boundary')
  const explicitDeny = anyApplies(denies)
  const identityAllows = anyApplies(identityAllowing)
  const boundaryAllows = boundaryVerdict(boundaryPolicies, statements, unreadableBoundaries.length > 0)
  const boundary =
    boundaryAllows === undefined
      ? null
      : {
          policies: [...boundaryPolicies.map((p) => p.name), ...unreadableBoundaries.map((u) => u.policy)],
          allows: boundaryAllows,
        }

  const mark = (pick: (s: MatchedStatement) => boolean) => {
    for (const s of statements) if (pick(s)) s.decisive = true
  }
  let decision: AccessDecision
  let reason: string
  if (explicitDeny === 'yes') {
    decision = 'explicit-deny'
    mark((s) => s.effect === 'Deny' && s.applies === 'yes')
    reason = `an explicit Deny applies: ${list(statements.filter((s) => s.decisive))}`
  } else if (identityAllows === 'no') {
    decision = 'implicit-deny'
    const unmet = identityAllowing.length
    reason =
      'no Allow in the identity policies applies' +
      (unmet
        ? ` (${plural(unmet, 'Allow statement')} matched, but ${unmet === 1 ? 'its' : 'their'} conditions are not satisfied)`
        : '') +
      (unreadableIdentity.length
        ? `; ${plural(unreadableIdentity.length, 'policy', 'policies')} could not be read and might allow it: ${names(unreadableIdentity)}`
        : '')
  } else if (boundaryAllows === 'no') {
    decision = 'boundary-deny'
    reason = `${identityAllows === 'yes' ? 'the identity policies allow it' : 'an identity policy may allow it'}, but the permissions boundary ${boundary!.policies.join(', ')} does not`
  } else {
    const open: string[] = []
    const denyOpen = denies.filter((s) => s.applies === 'cannot-tell')
    for (const s of denyOpen) open.push(`the Deny in ${ref(s)} may apply: ${s.cannotTell}`)
    if (identityAllows === 'cannot-tell')
      for (const s of identityAllowing.filter((x) => x.applies === 'cannot-tell'))
        open.push(`the Allow in ${ref(s)} may not apply: ${s.cannotTell}`)
    if (boundaryAllows === 'cannot-tell') {
      for (const s of statements.filter(
        (x) => x.kind === 'boundary' && x.effect === 'Allow' && x.applies === 'cannot-tell',
      ))
        open.push(`the boundary's Allow in ${ref(s)} may not apply: ${s.cannotTell}`)
      for (const u of unreadableBoundaries)
        open.push(`the permissions boundary ${u.policy} could not be read (${u.reason})`)
    }
    if (unreadableIdentity.length)
      open.push(
        `${plural(unreadableIdentity.length, 'policy', 'policies')} could not be read and could contain a Deny that applies: ${names(unreadableIdentity)}`,
      )
    if (open.length === 0) {
      decision = 'allowed'
      mark((s) => s.effect === 'Allow' && s.applies === 'yes')
      const allowing = statements.filter((s) => s.decisive && s.kind !== 'boundary')
      reason =
        `allowed by ${list(allowing)}` +
        (boundary ? ` within the permissions boundary ${boundary.policies.join(', ')}` : '') +
        ', and no Deny applies'
    } else {
      decision = 'undetermined'
      mark(
        (s) =>
          s.applies === 'cannot-tell' &&
          (s.effect === 'Deny' ||
            (s.kind === 'boundary' ? boundaryAllows === 'cannot-tell' : identityAllows === 'cannot-tell')),
      )
      reason = `not proven allowed: ${open.join('; ')}`
    }
  }

  return {
    decision,
    reason,
    ...(principal.arn !== undefined ? { principal: principal.arn } : {}),
    action: request.action,
    resource,
    context: Object.fromEntries(Object.entries(context).map(([k, v]) => [k, String(v)])),
    explicitDeny,
    identityAllows,
    boundary,
    statements,
    unreadable,
  }
}

/** The statement's match for the request, or undefined when its Action or Resource does not match. */
function matchStatement(
  p: HeldPolicy,
  index: number,
  s: Statement,
  action: string,
  resource: string,
  context: RequestContext,
): MatchedStatement | undefined {
  const actionMatch = matchAction(s, action)
  if (!actionMatch) return undefined
  const resourceMatch = matchResource(s, resource, context)
  if (!resourceMatch) return undefined
  const conditions = judgeConditions(s.conditions, context)
  const unmet = conditions.some((c) => c.result === 'not-satisfied')
  const why =
    'cannotTell' in resourceMatch
      ? resourceMatch.cannotTell
      : conditions.find((c) => c.result === 'cannot-tell')?.note
  const applies: Tri = unmet ? 'no' : why ? 'cannot-tell' : 'yes'
  return {
    policy: p.name,
    kind: p.kind,
    statement: index,
    ...(s.sid ? { sid: s.sid } : {}),
    effect: s.effect,
    action: actionMatch,
    resource: resourceMatch,
    conditions,
    applies,
    ...(applies === 'cannot-tell' && why ? { cannotTell: why } : {}),
    decisive: false,
  }
}

function matchAction(s: Statement, action: string): ActionMatch | undefined {
  if (s.actions) {
    const pattern = s.actions.find((p) => actionMatches(p, action))
    return pattern === undefined ? undefined : { element: 'Action', pattern }
  }
  const excluded = s.notActions ?? []
  return excluded.some((p) => actionMatches(p, action)) ? undefined : { element: 'NotAction', excluded }
}

/**
 * Resource patterns with their policy variables resolved from the context. A pattern whose variable the
 * context does not give may or may not match: the statement's applying cannot be told, unless another
 * pattern decides (a Resource pattern that matches; a NotResource pattern that excludes the resource).
 * A statement with neither element (invalid in an identity policy) matches nothing.
 */
function matchResource(s: Statement, resource: string, context: RequestContext): ResourceMatch | undefined {
  const element = s.resources ? 'Resource' : s.notResources ? 'NotResource' : undefined
  if (!element) return undefined
  const patterns = (s.resources ?? s.notResources)!.map((p) => ({
    written: p,
    ...resolveVariables(p, context),
  }))
  const hit = patterns.find((p) => p.resolved !== undefined && resourceMatches(p.resolved, resource))
  const unresolved = patterns.find((p) => p.resolved === undefined)
  if (element === 'Resource') {
    if (hit) return { element, pattern: hit.written }
  } else {
    if (hit) return undefined
    if (!unresolved) return { element, excluded: s.notResources! }
  }
  if (!unresolved) return undefined
  return {
    element,
    cannotTell: `${element} ${unresolved.written} uses ${unresolved.missing}, which is not in the context`,
  }
}

function judgeConditions(conditions: Statement['conditions'], context: RequestContext): ConditionOutcome[] {
  if (!conditions) return []
  // Policy variables in the values are resolved first; a value whose variable the context lacks cannot be compared.
  const unresolved = new Map<string, string>()
  const resolved: Record<string, Record<string, unknown>> = {}
  for (const [operator, block] of Object.entries(conditions)) {
    resolved[operator] = {}
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v))
      const out: string[] = []
      for (const v of values) {
        const r = resolveVariables(v, context)
        if (r.resolved === undefined) unresolved.set(`${operator}\u0000${key}`, r.missing)
        out.push(r.resolved ?? v)
      }
      resolved[operator][key] = out
    }
  }
  return evaluateConditionKeys(resolved, context).map((r) =>
    outcome(r, unresolved.get(`${r.operator}\u0000${r.key}`)),
  )
}

function outcome(r: ConditionKeyResult, missingVariable: string | undefined): ConditionOutcome {
  const base = {
    operator: r.operator,
    key: r.key,
    values: r.values,
    ...(r.requestValue !== undefined ? { requestValue: r.requestValue } : {}),
  }
  if (r.holds === 'unsupported')
    return { ...base, result: 'cannot-tell', note: `operator ${r.operator} is not evaluated by iamwatch` }
  if (missingVariable)
    return {
      ...base,
      result: 'cannot-tell',
      note: `its value uses ${missingVariable}, which is not in the context`,
    }
  if (r.needsKey)
    return {
      ...base,
      result: 'cannot-tell',
      note: `${r.key} is not in the context, and ${r.operator} needs it`,
    }
  const result = r.holds ? 'satisfied' : 'not-satisfied'
  if (r.requestValue !== undefined) return { ...base, result }
  const operator = r.operator.toLowerCase()
  const note =
    operator === 'null'
      ? `${r.key} is not in the context: taken as absent`
      : operator.endsWith('ifexists')
        ? `${r.key} is not in the context: ...IfExists holds when the key is absent`
        : `${r.key} is not in the context: a negated operator holds when the key is absent`
  return { ...base, result, note }
}

/**
 * IAM's policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}`, and `${*}`,
 * `${?}`, `${$}` for those characters) resolved from the context. Policy version 2012-10-17 is assumed:
 * the parsed document does not keep the version under which `${...}` would be literal text.
 */
export function resolveVariables(
  text: string,
  context: RequestContext,
): { resolved: string; missing?: undefined } | { resolved?: undefined; missing: string } {
  let missing: string | undefined
  const resolved = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const body = inner.trim()
    if (body === '*' || body === '?' || body === '$') return body
    const m = /^([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body)
    if (!m) return whole
    const value = lookup(context, m[1]!) ?? m[2]
    if (value === undefined) missing ??= `\${${m[1]}}`
    return value ?? whole
  })
  return missing === undefined ? { resolved } : { missing }
}

function lookup(context: RequestContext, key: string): string | undefined {
  const wanted = key.toLowerCase()
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return String(v)
  return undefined
}

function anyApplies(statements: readonly MatchedStatement[]): Tri {
  if (statements.some((s) => s.applies === 'yes')) return 'yes'
  if (statements.some((s) => s.applies === 'cannot-tell')) return 'cannot-tell'
  return 'no'
}

/** Every boundary must allow; undefined when the principal has none. */
function boundaryVerdict(
  boundaries: readonly HeldPolicy[],
  statements: readonly MatchedStatement[],
  unreadable: boolean,
): Tri | undefined {
  if (boundaries.length === 0 && !unreadable) return undefined
  const each = boundaries.map((b) =>
    anyApplies(
      statements.filter((s) => s.policy === b.name && s.kind === 'boundary' && s.effect === 'Allow'),
    ),
  )
  if (each.includes('no')) return 'no'
  if (unreadable || each.includes('cannot-tell')) return 'cannot-tell'
  return 'yes'
}

const KIND_LABEL: Record<HeldPolicy['kind'], string> = {
  managed: 'managed policy',
  'aws-managed': 'AWS-managed policy',
  inline: 'inline policy',
  'group-managed': 'group managed policy',
  'group-inline': 'group inline policy',
  boundary: 'permissions boundary',
}

/** `inline policy deny-payroll, statement 1 (Sid NoPayroll)`. */
export function describeStatement(
  s: Pick<MatchedStatement, 'kind' | 'policy' | 'statement' | 'sid'>,
): string {
  return `${KIND_LABEL[s.kind]} ${s.policy}, statement ${s.statement}${s.sid ? ` (Sid ${s.sid})` : ''}`
}

const ref = describeStatement

function list(statements: readonly MatchedStatement[]): string {
  return statements.map(ref).join('; ')
}

function names(unreadable: readonly UnreadablePolicy[]): string {
  return unreadable.map((u) => `${u.policy} (${u.reason})`).join(', ')
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
