import type { IAMClient } from '@aws-sdk/client-iam'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { type Parsed, parseCloudTrail } from '../cloudtrail/input.ts'
import { targetAccount } from '../detections/helpers.ts'
import { postureTriggerEvents } from '../eventbridge/patterns.ts'
import { type EventDeps, type FiredResult, recordDetections } from './on-event.ts'
import { reanalyzeAuthorization } from './reanalyze-authorization.ts'
import { reevaluateUser } from './reevaluate-user.ts'

export interface CloudTrailDeps extends EventDeps {
  /** For re-evaluating a touched user's posture; without it, posture waits for the next scan. */
  iam?: IAMClient
}

export interface CloudTrailSummary {
  processed: number
  rejected: number
  fired: FiredResult[]
  reevaluated: string[]
  /** What each record fired, in order. */
  perEvent: Array<{ event: CloudTrailEvent; fired: FiredResult[] }>
}

const TRIGGERS = new Set(postureTriggerEvents())

/**
 * One delivery (an EventBridge event, or any shape parseCloudTrail reads): each record is judged by
 * every detection and, when it touched an IAM user, that user's posture is re-evaluated. A record that
 * cannot be used is logged and counted, never thrown; infrastructure failures are thrown so the
 * platform retries the delivery (and dead-letters it after the last retry).
 */
export async function handleCloudTrail(input: unknown, deps: CloudTrailDeps): Promise<CloudTrailSummary> {
  return processParsed(parseCloudTrail(input), deps)
}

/** The handler's path after parsing (shared with `iamwatch replay --table`). */
export async function processParsed(parsed: Parsed, deps: CloudTrailDeps): Promise<CloudTrailSummary> {
  const summary: CloudTrailSummary = {
    processed: 0,
    rejected: parsed.rejections.length,
    fired: [],
    reevaluated: [],
    perEvent: [],
  }
  for (const r of parsed.rejections) deps.log.warn('cloudtrail record rejected', { ...r })
  for (const e of parsed.events) {
    const fired = await recordDetections(e, deps)
    summary.fired.push(...fired)
    summary.perEvent.push({ event: e, fired })
    if (deps.iam && TRIGGERS.has(e.eventName)) {
      const accountId = targetAccount(e) ?? e.identity.accountId ?? deps.accountId
      const done = accountId ? await reevaluateUser(e, accountId, { ...deps, iam: deps.iam }) : undefined
      if (done) summary.reevaluated.push(done.userName)
      const analyzed = accountId
        ? await reanalyzeAuthorization(e, accountId, { ...deps, iam: deps.iam })
        : undefined
      if (analyzed) summary.reevaluated.push(...analyzed.resources)
    }
    summary.processed++
  }
  const now = (deps.now?.() ?? new Date()).toISOString()
  await deps.store.records.countEvents(now.slice(0, 10), summary.processed, summary.rejected, now)
  return summary
}
