import middy from '@middy/core'
import { AlertGroupsStore, EscalationsStore } from '../aws/alert-records.ts'
import { documentClient, snsClient } from '../aws/clients.ts'
import { FindingsStore } from '../aws/findings-store.ts'
import { publishAlert } from '../aws/publisher.ts'
import { configFromEnv, type IamwatchConfig } from '../config/config.ts'
import { type AlertGroupsRepository, groupingParams } from '../engine/alert-groups.ts'
import type { EscalationRepository } from '../engine/escalation.ts'
import type { AlertMessage } from '../notify/message.ts'
import { flushDueGroups } from './alert-groups.ts'
import { LoadedDirectory } from './directory.ts'
import { requiredEnv } from './env.ts'
import { type EscalationDeps, type EscalationResult, escalateUnacknowledged } from './escalation.ts'
import { consoleLog, type Log } from './log.ts'
import { logFailure } from './middleware.ts'

/** What the tick needs: the groups, the escalation markers, the findings, and where to publish. */
export interface TickDeps {
  config: IamwatchConfig
  groups: AlertGroupsRepository
  escalations: EscalationRepository
  store: EscalationDeps['store']
  /** The alerts topic: follow-ups go where the alerts went. */
  publishAlert: (alert: AlertMessage) => Promise<string>
  /** One publisher per escalation topic (the stack's, and an external one when configured). */
  escalationTargets: ReadonlyArray<(alert: AlertMessage) => Promise<string>>
  log: Log
  now?: () => Date
  directory?: EscalationDeps['directory']
}

export interface TickResult {
  followUps: { sent: number; failed: number }
  escalation: EscalationResult | 'disabled'
}

/**
 * Every few minutes (the stack's schedule): sends the follow-ups of occurrence groups that went quiet,
 * and escalates critical findings nobody acknowledged. Each part retries on the next tick what failed.
 */
export async function runAlertsTick(deps: TickDeps): Promise<TickResult> {
  const now = deps.now ?? (() => new Date())
  const { grouping, escalation } = deps.config.alerts
  const followUps = await flushDueGroups({
    groups: deps.groups,
    publish: deps.publishAlert,
    log: deps.log,
    now,
    params: groupingParams(grouping),
  })
  const escalated = escalation.enabled
    ? await escalateUnacknowledged({
        store: deps.store,
        escalations: deps.escalations,
        targets: deps.escalationTargets,
        afterMs: escalation.afterMinutes * 60_000,
        log: deps.log,
        now,
        ...(deps.directory ? { directory: deps.directory } : {}),
      })
    : ('disabled' as const)
  const result = { followUps, escalation: escalated }
  deps.log.info('alerts tick', { ...result })
  return result
}

/** FINDINGS_TABLE, ALERT_TOPIC_ARN, ESCALATION_TOPIC_ARN, EXTERNAL_ESCALATION_TOPIC_ARN (optional), IAMWATCH_CONFIG. */
export function tickDepsFromEnv(env: NodeJS.ProcessEnv = process.env): TickDeps {
  const db = documentClient()
  const table = requiredEnv(env, 'FINDINGS_TABLE')
  const sns = snsClient()
  const store = new FindingsStore(db, table)
  const escalationTopics = [env.ESCALATION_TOPIC_ARN, env.EXTERNAL_ESCALATION_TOPIC_ARN].filter(
    (t): t is string => !!t,
  )
  const config = configFromEnv(env)
  if (config.alerts.escalation.enabled && escalationTopics.length === 0)
    throw new Error('environment variable ESCALATION_TOPIC_ARN is not set')
  return {
    config,
    groups: new AlertGroupsStore(db, table),
    escalations: new EscalationsStore(db, table),
    store,
    publishAlert: (alert) => publishAlert(sns, requiredEnv(env, 'ALERT_TOPIC_ARN'), alert),
    escalationTargets: escalationTopics.map((arn) => (alert: AlertMessage) => publishAlert(sns, arn, alert)),
    log: consoleLog(),
    directory: new LoadedDirectory(store.records),
  }
}

export function createAlertsTickHandler(deps: () => TickDeps) {
  return middy()
    .use(logFailure(() => deps().log))
    .handler(async () => runAlertsTick(deps()))
}
