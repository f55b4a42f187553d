import { CHECKS } from '../checks/registry.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { enabledChecks } from '../config/config.ts'
import { str, succeeded } from '../detections/helpers.ts'
import { evaluateChecks } from '../engine/evaluate.ts'
import type { ScanScope } from '../engine/reconcile.ts'
import { collectAuthorization } from './collect-authorization.ts'
import { applyPlan, planTransitions } from './credential-scan.ts'
import type { PostureDeps } from './reevaluate-user.ts'

/** The principal (user/…, group/…, role/…) or managed policy an IAM change event touched. */
export function touchedAuthorization(
  e: CloudTrailEvent,
): { resourceId?: string; policyArn?: string } | undefined {
  if (e.eventSource !== 'iam.amazonaws.com' || !succeeded(e)) return undefined
  const p = e.requestParameters
  const role = str(p.roleName)
  const group = str(p.groupName)
  const user = str(p.userName)
  if (role) return { resourceId: `role/${role}` }
  if (group) return { resourceId: `group/${group}` }
  if (user && user !== 'AWS ROOT USER') return { resourceId: `user/${user}` }
  const policyArn = str(p.policyArn)
  return policyArn ? { policyArn } : undefined
}

/**
 * Re-runs the least-privilege checks that declare this event as a trigger, judging only what it
 * touched: the principal, or a managed policy together with everyone who holds it. The account's
 * authorization details are read whole (a few pages), so inheritance and boundaries are right.
 */
export async function reanalyzeAuthorization(e: CloudTrailEvent, accountId: string, deps: PostureDeps) {
  const touched = touchedAuthorization(e)
  const checks = enabledChecks(deps.config, CHECKS).filter(
    (c) => c.source === 'authorization' && c.triggers.events.includes(e.eventName),
  )
  if (!touched || checks.length === 0) return undefined
  const now = deps.now?.() ?? new Date()
  const collected = await collectAuthorization(deps.iam, new Set(deps.config.trustedAccounts))
  if (!collected.source) return undefined
  const inv = collected.source.inventory
  const resourceIds = new Set<string>()
  if (touched.resourceId) resourceIds.add(touched.resourceId)
  if (touched.policyArn) {
    resourceIds.add(touched.policyArn)
    const name = inv.policies.find((p) => p.arn === touched.policyArn)?.name
    for (const u of inv.users) if (name && u.attached.includes(name)) resourceIds.add(`user/${u.name}`)
    for (const g of inv.groups) if (name && g.attached.includes(name)) resourceIds.add(`group/${g.name}`)
    for (const r of inv.roles) if (name && r.attached.includes(name)) resourceIds.add(`role/${r.name}`)
  }
  const evaluation = evaluateChecks(
    checks,
    { authorization: collected.source },
    { now, accountId, config: deps.config },
  )
  const scope: ScanScope = {
    accountId,
    region: deps.region,
    checkIds: new Set(evaluation.evaluatedChecks),
    resourceIds,
  }
  const complete = collected.incomplete.length === 0 && evaluation.errors.length === 0
  const plan = await planTransitions(
    deps.store,
    scope,
    evaluation.outcomes,
    complete,
    now,
    `event:${e.eventKey}`,
  )
  const counts = await applyPlan(deps.store, plan, deps.log)
  deps.log.info('authorization re-analyzed', { event: e.eventName, resources: [...resourceIds], ...counts })
  return { resources: [...resourceIds], counts }
}
