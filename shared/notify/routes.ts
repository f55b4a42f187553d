import type { Route } from '../config/alerts.ts'
import { atLeast, SEVERITIES } from '../model/severity.ts'

/**
 * Routes as SNS subscription filter policies (attribute scope): the stack subscribes each route's email
 * addresses to the alerts topic with the route's policy, so SNS itself decides who receives what.
 *
 * An alert carries the attributes `severity`, `checkId`, `accountId`, `ruleType` (`detection` or `check`)
 * and, in an organization, `ouPath` (see shared/notify/message.ts); the daily digest carries
 * `messageType: digest` and no severity. A route's policy matches an alert when every condition of the
 * route holds (severity at least X, one of its checks, one of its accounts or under one of its OUs, its
 * kind) and, unless the route opts out, the digest.
 */
export type FilterPolicy = Record<string, unknown>

/** The message attribute of a digest and its value (alerts do not carry it). */
export const MESSAGE_TYPE = { attribute: 'messageType', digest: 'digest' } as const

/** SNS's limits on a filter policy (Amazon SNS Developer Guide, "Filter policy constraints in Amazon SNS"). */
export const FILTER_POLICY_LIMITS = { keys: 5, combinations: 150, bytes: 256 * 1024 } as const

export class RouteError extends Error {}

/** Does the route get the daily digest? As configured; by default unless it is limited to accounts or OUs (the digest covers them all). */
export function digestTo(route: Route): boolean {
  return route.digest ?? !(route.accounts || route.ous)
}

/** The severities at least `min`, most serious first (every severity when absent: any alert). */
function severities(min: Route['minSeverity']): string[] {
  return SEVERITIES.filter((s) => (min ? atLeast(s, min) : true))
}

/**
 * The filter policy of a route. Every alert branch names `severity`, which every alert has and a digest
 * has not, so a route without conditions still receives alerts only (and the digest through its own
 * branch). Accounts and OUs are alternatives (`$or`): an alert about a listed account, or about an
 * account in a listed OU or below it (its OU path, as the directory writes it: `Root/Workloads/Prod`).
 */
export function routeFilterPolicy(route: Route): FilterPolicy {
  const base: FilterPolicy = { severity: severities(route.minSeverity) }
  if (route.checks) base.checkId = [...route.checks]
  if (route.kind) base.ruleType = [route.kind === 'detection' ? 'detection' : 'check']
  const branches: FilterPolicy[] = []
  if (route.accounts || route.ous) {
    if (route.accounts) branches.push({ ...base, accountId: [...route.accounts] })
    if (route.ous)
      branches.push({
        ...base,
        // The OU itself, and the OUs below it: `Root/Workloads/Prod` does not take `Root/Workloads/Production`.
        ouPath: route.ous.flatMap((ou) => {
          const path = ou.replace(/^\/+|\/+$/g, '')
          return [path, { prefix: `${path}/` }]
        }),
      })
  } else branches.push(base)
  if (digestTo(route)) branches.push({ [MESSAGE_TYPE.attribute]: [MESSAGE_TYPE.digest] })
  const policy = branches.length === 1 ? branches[0]! : { $or: branches }
  validateFilterPolicy(policy, `route ${route.name}`)
  return policy
}

/**
 * Checks a policy against SNS's rules, which the emulator checks only loosely: at most five attribute
 * names (counted over every `$or` branch together, the stricter reading), at most 150 combinations
 * (each branch's product of its value counts, summed over the branches), at most 256 KB, and every
 * value a string or a `prefix` condition. Throws RouteError naming the route and the limit.
 */
export function validateFilterPolicy(policy: FilterPolicy, what: string): void {
  const text = JSON.stringify(policy)
  if (Buffer.byteLength(text, 'utf8') > FILTER_POLICY_LIMITS.bytes)
    throw new RouteError(`${what}: its filter policy is larger than 256 KB`)
  const branches = Array.isArray(policy.$or) ? (policy.$or as FilterPolicy[]) : [policy]
  const names = new Set<string>()
  let combinations = 0
  for (const branch of branches) {
    let product = 1
    for (const [name, values] of Object.entries(branch)) {
      if (name === '$or') throw new RouteError(`${what}: nested $or is not allowed`)
      names.add(name)
      if (!Array.isArray(values) || values.length === 0)
        throw new RouteError(`${what}: ${name} must be a non-empty list of values`)
      for (const value of values)
        if (
          typeof value !== 'string' &&
          !(value && typeof value === 'object' && typeof (value as { prefix?: unknown }).prefix === 'string')
        )
          throw new RouteError(`${what}: ${name} has a value that is not a string or a prefix`)
      product *= values.length
    }
    combinations += product
  }
  if (names.size > FILTER_POLICY_LIMITS.keys)
    throw new RouteError(
      `${what}: its filter policy needs ${names.size} attributes (${[...names].join(', ')}); SNS allows ${FILTER_POLICY_LIMITS.keys}: split the route in two`,
    )
  if (combinations > FILTER_POLICY_LIMITS.combinations)
    throw new RouteError(
      `${what}: its filter policy has ${combinations} combinations of values; SNS allows ${FILTER_POLICY_LIMITS.combinations}: list fewer checks or accounts, or raise minSeverity`,
    )
}

/** Every route's policy by route name; throws RouteError for the first route SNS would refuse. */
export function routeFilterPolicies(routes: readonly Route[]): Map<string, FilterPolicy> {
  return new Map(routes.map((r) => [r.name, routeFilterPolicy(r)]))
}
