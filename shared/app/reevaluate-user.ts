import type { IAMClient } from '@aws-sdk/client-iam'
import type { FindingsStore } from '../aws/findings-store.ts'
import { fetchUserCredentials } from '../aws/iam-user.ts'
import { CHECKS } from '../checks/registry.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { enabledChecks, type IamwatchConfig } from '../config/config.ts'
import { callerUserName, str, succeeded } from '../detections/helpers.ts'
import { evaluateChecks } from '../engine/evaluate.ts'
import type { ScanScope } from '../engine/reconcile.ts'
import { applyPlan, planTransitions } from './credential-scan.ts'
import type { Log } from './log.ts'

export interface PostureDeps {
  iam: IAMClient
  store: FindingsStore
  config: IamwatchConfig
  region: string
  log: Log
  now?: () => Date
}

/** The IAM user an event changed: the target named in the request, else the calling user itself. */
export function touchedUser(e: CloudTrailEvent): string | undefined {
  if (e.eventSource !== 'iam.amazonaws.com' || !succeeded(e)) return undefined
  const target = str(e.requestParameters.userName)
  if (target === 'AWS ROOT USER') return undefined
  return target ?? callerUserName(e)
}

/**
 * Re-runs the user-level credential checks that declare this event as a trigger, for that user only,
 * on live IAM data: a key created or an MFA device removed shows up as a finding within a minute
 * instead of at the next scheduled scan. The scope is the one user, so nothing else is touched.
 */
export async function reevaluateUser(e: CloudTrailEvent, accountId: string, deps: PostureDeps) {
  const userName = touchedUser(e)
  const checks = enabledChecks(deps.config, CHECKS).filter(
    (c) => c.resourceType === 'AwsIamUser' && c.triggers.events.includes(e.eventName),
  )
  if (!userName || checks.length === 0) return undefined
  const now = deps.now?.() ?? new Date()
  const user = await fetchUserCredentials(deps.iam, userName)
  const evaluation = evaluateChecks(
    checks,
    { credentials: { reportGeneratedAt: now, users: user ? [user] : [], rootMfaKind: 'unknown' } },
    { now, accountId, config: deps.config },
  )
  const scope: ScanScope = {
    accountId,
    region: deps.region,
    checkIds: new Set(evaluation.evaluatedChecks),
    resourceIds: new Set([userName]),
  }
  const plan = await planTransitions(
    deps.store,
    scope,
    evaluation.outcomes,
    evaluation.errors.length === 0,
    now,
    `event:${e.eventKey}`,
  )
  const counts = await applyPlan(deps.store, plan, deps.log)
  deps.log.info('posture re-evaluated', { userName, event: e.eventName, exists: user !== null, ...counts })
  return { userName, exists: user !== null, counts }
}
