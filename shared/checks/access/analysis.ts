import type { AccessReport, ActionAccess, GrantLedger, ServiceAccess } from '../../model/access.ts'
import type { Evidence, Outcome, ResourceRef } from '../../model/finding.ts'
import type { AuthorizationInventory } from '../../normalize/authorization.ts'
import type { ActionCatalog } from '../../policy/catalog.ts'
import { allowedActions } from '../../policy/effective.ts'
import { type Recommendation, recommendPolicy } from '../../policy/recommend.ts'
import type { AccessAdvisorSource, AuthorizationSource } from '../sources.ts'
import {
  type AdvisedPrincipal,
  advisedPrincipals,
  byNamespace,
  grantedSince,
  judgedFrom,
  tooNew,
  UNTRACKED_ACTIONS,
  usedWithin,
  type Window,
} from './common.ts'

/** Both unused-*-access checks judge the same principal in one run: computed once per report. */

/**
 * One principal's unused access, as both unused-*-access checks judge it: services it is effectively
 * granted (after Deny and boundaries) and has not accessed in the window; within the services it did
 * use, the action-level-tracked actions it did not; grants younger than window + grace set aside. The
 * recommended policy removes both, so either finding carries the same replacement.
 */
export interface UnusedAccess {
  unusedServices: ServiceAccess[]
  /** Tracked actions unused, within services used in the window. */
  unusedActions: ActionAccess[]
  usedServices: string[]
  /** Granted too recently to judge. */
  recentGrants: string[]
  recommendation?: Recommendation
}

const cache = new WeakMap<AccessReport, Map<string, { ledger?: GrantLedger; result: UnusedAccess }>>()

export function analyzeUnused(
  principal: AdvisedPrincipal,
  report: AccessReport,
  inv: AuthorizationInventory,
  catalog: ActionCatalog,
  now: Date,
  params: Window,
  ledger?: GrantLedger,
): UnusedAccess {
  const key = `${now.getTime()}/${params.windowDays}/${params.graceDays}`
  const known = cache.get(report)?.get(key)
  if (known && known.ledger === ledger) return known.result
  const result = analyze(principal, report, inv, catalog, now, params, ledger)
  if (!cache.has(report)) cache.set(report, new Map())
  cache.get(report)!.set(key, { ...(ledger ? { ledger } : {}), result })
  return result
}

function analyze(
  principal: AdvisedPrincipal,
  report: AccessReport,
  inv: AuthorizationInventory,
  catalog: ActionCatalog,
  now: Date,
  params: Window,
  ledger?: GrantLedger,
): UnusedAccess {
  const unusedServices: ServiceAccess[] = []
  const unusedActions: ActionAccess[] = []
  const usedServices: string[] = []
  const recentGrants: string[] = []
  // What the policies name but the principal can never use (outside its boundary, or always denied):
  // left out of the recommendation too, so it is least privilege even read without the boundary.
  const ineffectiveServices: string[] = []
  const ineffectiveActions: string[] = []
  const young = (what: { service: string } | { action: string }) => {
    const since = grantedSince(principal, inv, what, catalog, ledger)
    return since !== undefined && tooNew(since, now, params)
  }
  for (const service of [...report.services].sort(byNamespace)) {
    const allowed = catalog.actions(service.namespace)
      ? allowedActions(principal.policies, catalog, service.namespace)
      : undefined
    // Denied everywhere, or outside the boundary: not an effective grant.
    if (allowed && allowed.size === 0) {
      ineffectiveServices.push(service.namespace)
      continue
    }
    if (allowed)
      for (const a of catalog.actions(service.namespace) ?? [])
        if (!allowed.has(a)) ineffectiveActions.push(a)
    const judgeable = allowed
      ? [...allowed.keys()].filter((a) => !UNTRACKED_ACTIONS.has(a.toLowerCase()))
      : ['(not in the catalog)']
    if (judgeable.length === 0) continue
    if (usedWithin(service.lastAccessed, now, params)) {
      usedServices.push(service.namespace)
      const granted = new Set([...(allowed?.keys() ?? [])].map((a) => a.toLowerCase()))
      for (const a of service.trackedActions ?? []) {
        const name = a.action.toLowerCase()
        if (UNTRACKED_ACTIONS.has(name) || (allowed && !granted.has(name))) continue
        if (usedWithin(a.lastAccessed, now, params)) continue
        if (young({ action: a.action })) recentGrants.push(a.action)
        else unusedActions.push(a)
      }
      continue
    }
    if (young({ service: service.namespace })) recentGrants.push(service.namespace)
    else unusedServices.push(service)
  }
  const recommendation =
    unusedServices.length + unusedActions.length > 0
      ? recommendPolicy({
          policies: principal.policies,
          catalog,
          remove: {
            services: [...unusedServices.map((s) => s.namespace), ...ineffectiveServices],
            actions: [...unusedActions.map((a) => a.action), ...ineffectiveActions],
          },
        })
      : undefined
  return {
    unusedServices,
    unusedActions,
    usedServices,
    recentGrants,
    ...(recommendation ? { recommendation } : {}),
  }
}

/** The recommended policy as evidence: each document as compact JSON. */
export function recommendationEvidence(r: Recommendation | undefined): Record<string, string[]> {
  return r ? { recommendedPolicy: r.documents.map((d) => JSON.stringify(d)) } : {}
}

/**
 * Both unused-*-access checks walk the users and roles Access Advisor reported on the same way: one
 * too new to judge passes (its evidence says when it will be judged), any other is analysed once and
 * `decide` turns the analysis into its outcome.
 */
export function judgeAdvisedPrincipals(
  input: { authorization: AuthorizationSource; accessAdvisor: AccessAdvisorSource },
  ctx: { now: Date; params: Window },
  decide: (a: UnusedAccess, resource: ResourceRef) => Outcome,
  passTooNew: (resource: ResourceRef, evidence: Evidence) => Outcome,
): Outcome[] {
  const { authorization, accessAdvisor } = input
  return advisedPrincipals(authorization, accessAdvisor).map(({ principal, report, resource }) =>
    principal.createdAt && tooNew(principal.createdAt, ctx.now, ctx.params)
      ? passTooNew(resource, { judgedFrom: judgedFrom(principal.createdAt, ctx.params) })
      : decide(
          analyzeUnused(
            principal,
            report,
            authorization.inventory,
            accessAdvisor.catalog,
            ctx.now,
            ctx.params,
            accessAdvisor.grants,
          ),
          resource,
        ),
  )
}
