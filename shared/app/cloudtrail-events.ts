import type { IAMClient } from '@aws-sdk/client-iam'
import type { AccountSessions } from '../aws/account-sessions.ts'
import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { type Parsed, parseCloudTrail } from '../cloudtrail/input.ts'
import { targetAccount } from '../detections/helpers.ts'
import { DIRECT_INDEX } from '../detections/routes.ts'
import { grantChange } from '../engine/grants.ts'
import { evaluate, selectChecks } from '../engine/pipeline.ts'
import { type EventDeps, type FiredResult, recordDetections } from './on-event.ts'
import { pipelineContext, type ScanDeps } from './scan.ts'

export interface CloudTrailDeps extends EventDeps, Pick<ScanDeps, 'cloudTrail' | 'accessAnalyzer'> {
  /** For re-evaluating what an event touched; without it, posture waits for the next scan. */
  iam?: IAMClient
  /**
   * An organization deployment: a member account's event re-evaluates what it touched through the
   * account's reader role (an account the directory knows; a denied role leaves it to the next scan).
   */
  members?: AccountSessions
}

export interface CloudTrailSummary {
  processed: number
  rejected: number
  fired: FiredResult[]
  /** The resources whose posture was re-evaluated. */
  reevaluated: string[]
  /** What each record fired, in order. */
  perEvent: Array<{ event: CloudTrailEvent; fired: FiredResult[] }>
}

/**
 * One delivery (an EventBridge event, or any shape parseCloudTrail reads): each record is judged by
 * every detection, and the checks that re-run on it are evaluated, through the same pipeline a scan
 * uses, for what it touched. A record that cannot be used is logged and counted, never thrown;
 * infrastructure failures are thrown so the platform retries the delivery (and dead-letters it after
 * the last retry).
 */
export async function handleCloudTrail(input: unknown, deps: CloudTrailDeps): Promise<CloudTrailSummary> {
  return processParsed(parseCloudTrail(input), deps)
}

/** The handler's path after parsing (shared with `iamwatch replay --table`). */
/** A member account's event: the same checks, with the account's clients (its reader role). */
async function reevaluateMember(
  e: CloudTrailEvent,
  accountId: string,
  deps: CloudTrailDeps,
): Promise<string[]> {
  if (!deps.members || !(await deps.directory?.isMember(accountId))) return []
  // Only an event that re-runs a check assumes the reader role: an AssumeRole of it is itself an event the
  // member forwards, which must not lead to another.
  if (selectChecks(deps.config, { kind: 'event', event: e, runId: '' }).length === 0) return []
  try {
    await deps.members.verify(accountId)
  } catch (err) {
    deps.log.warn('member posture not re-evaluated: reader role unusable', {
      accountId,
      event: e.eventName,
      error: String((err as Error).message).slice(0, 300),
    })
    return []
  }
  const clients = deps.members.clientsFor(accountId)
  const accountName = (await deps.directory?.account(accountId))?.name
  return reevaluate(e, {
    ...deps,
    accountId,
    ...(accountName ? { accountName } : {}),
    iam: clients.iam,
    cloudTrail: clients.cloudTrail,
    accessAnalyzer: clients.accessAnalyzer,
    members: undefined,
  })
}

export async function processParsed(parsed: Parsed, deps: CloudTrailDeps): Promise<CloudTrailSummary> {
  const summary: CloudTrailSummary = {
    processed: 0,
    rejected: parsed.rejections.length,
    fired: [],
    reevaluated: [],
    perEvent: [],
  }
  for (const r of parsed.rejections) deps.log.warn('cloudtrail record rejected', { ...r })
  await loadPosture(parsed.events, deps)
  for (const e of parsed.events) {
    const fired = await recordDetections(e, deps)
    summary.fired.push(...fired)
    summary.perEvent.push({ event: e, fired })
    if (deps.iam) summary.reevaluated.push(...(await reevaluate(e, { ...deps, iam: deps.iam })))
    summary.processed++
  }
  const now = (deps.now?.() ?? new Date()).toISOString()
  await deps.store.records.countEvents(now.slice(0, 10), summary.processed, summary.rejected, now)
  return summary
}

/** Loads the posture of the accounts whose records a posture-reading detection will judge. */
async function loadPosture(events: readonly CloudTrailEvent[], deps: CloudTrailDeps): Promise<void> {
  if (!deps.posture) return
  const accounts = events
    .filter((e) => DIRECT_INDEX.candidates(e).some((d) => d.readsPosture))
    .map((e) => targetAccount(e) ?? e.identity.accountId ?? deps.accountId)
    .filter((a): a is string => a !== undefined)
  if (accounts.length > 0) await deps.posture.load(accounts, (deps.now?.() ?? new Date()).getTime())
}

/** Re-runs the checks that declare this event as a trigger, for what it touched, on live data. */
async function reevaluate(e: CloudTrailEvent, deps: CloudTrailDeps & { iam: IAMClient }): Promise<string[]> {
  // Posture is read with this deployment's clients, or a member account's through its reader role: an
  // event re-evaluates the account it happened in, and its findings belong to that account (never the
  // caller's, nor another account's).
  const own = deps.accountId
  const member =
    e.recipientAccountId !== undefined && e.recipientAccountId !== own ? e.recipientAccountId : undefined
  if (member) return reevaluateMember(e, member, deps)
  const accountId = own
  if (!accountId) return []
  // A grant is remembered before anything is judged, so its own re-evaluation sees how new it is.
  const grant = grantChange(e)
  if (grant) await deps.store.records.recordGrant(accountId, grant)
  const now = deps.now?.() ?? new Date()
  const organizationAccounts = deps.directory ? await deps.directory.accountIds() : []
  const ctx = pipelineContext({ ...deps, iam: deps.iam, organizationAccounts }, accountId, now)
  const run = await evaluate(ctx, { kind: 'event', event: e, runId: `event:${e.eventKey}` })
  if (!run) return []
  deps.log.info('posture re-evaluated', { event: e.eventName, status: run.status, ...run.counts })
  for (const n of run.notEvaluated.slice(0, 20)) deps.log.info('not evaluated', { detail: n })
  const judged = run.judgements.flatMap((j) => [...(j.resourceIds ?? [])])
  return [...new Set(judged)].sort()
}
