import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { detectionSettings, type IamwatchConfig } from '../config/config.ts'
import type { DetectionSettings, Fired } from '../detections/engine.ts'
import { evaluateEvent } from '../detections/evaluate.ts'
import type { SightingStore } from '../detections/first-seen.ts'
import { targetAccount } from '../detections/helpers.ts'
import { DIRECT_INDEX } from '../detections/routes.ts'
import type { CounterStore } from '../detections/thresholds.ts'
import type { LoadedPosture } from '../engine/posture.ts'
import type { FindingsRepository } from '../engine/repository.ts'
import { recordOccurrence } from '../engine/suppression.ts'
import { type Evidence, type Finding, findingId, GENESIS_HASH, type Occurrence } from '../model/finding.ts'
import type { LoadedDirectory } from './directory.ts'
import type { Log } from './log.ts'

export interface EventDeps {
  store: FindingsRepository
  counters: CounterStore
  config: IamwatchConfig
  region: string
  log: Log
  now?: () => Date
  /** The monitored account, for records that name none. */
  accountId?: string
  /** First-seen baselines (without it, first-seen detections judge nothing). */
  sightings?: SightingStore
  /** Posture facts the detections read (admin groups), loaded per delivery. */
  posture?: LoadedPosture
  /** The organization's accounts (an organization deployment): findings carry the account's name. */
  directory?: LoadedDirectory
}

export interface FiredResult {
  detectionId: string
  severity: string
  findingId: string
  result: 'applied' | 'duplicate'
}

const MAX_ATTEMPTS = 4
const clip = (s: string | undefined, n = 256) =>
  s === undefined ? undefined : s.length > n ? `${s.slice(0, n)}…` : s

/** The detection settings of a delivery: the configuration's, with the posture the handler loaded. */
export function settingsFor(deps: EventDeps): DetectionSettings {
  const base = detectionSettings(deps.config)
  if (!deps.posture) return base
  let withPosture = postureSettings.get(base)
  if (!withPosture) {
    withPosture = { ...base, posture: deps.posture }
    postureSettings.set(base, withPosture)
  }
  return withPosture
}
// One settings object per (configuration, posture): the engine caches each detection's context per object.
const postureSettings = new WeakMap<DetectionSettings, DetectionSettings>()

/**
 * Evaluates one event with the detections delivered directly (EventBridge to the handler; queue-routed
 * ones have their own handler) and records what fired: one transition per detection, idempotent on the event.
 */
export async function recordDetections(e: CloudTrailEvent, deps: EventDeps): Promise<FiredResult[]> {
  const { fired } = await evaluateEvent(
    e,
    settingsFor(deps),
    { counters: deps.counters, ...(deps.sightings ? { sightings: deps.sightings } : {}) },
    DIRECT_INDEX,
  )
  return recordFired(e, fired, deps)
}

/** Records what one event fired, in order. */
export async function recordFired(
  e: CloudTrailEvent,
  fired: readonly Fired[],
  deps: EventDeps,
): Promise<FiredResult[]> {
  const results: FiredResult[] = []
  for (const f of fired) results.push(await recordOne(e, f, deps))
  return results
}

async function recordOne(e: CloudTrailEvent, f: Fired, deps: EventDeps): Promise<FiredResult> {
  // The monitored account the event happened in: never the caller's own (a cross-account caller's).
  const accountId = targetAccount(e) ?? deps.accountId ?? 'unknown'
  const principal = f.detection.principal(e)
  const id = findingId({ accountId, checkId: f.detection.id, resourceId: principal })
  const occurrence = occurrenceOf(e, f)
  const accountName = (await deps.directory?.account(accountId).catch(() => undefined))?.name
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await deps.store.getFinding(id)
    const at = (deps.now?.() ?? new Date()).toISOString()
    const finding: Finding = {
      id,
      accountId,
      ...(accountName ? { accountName } : {}),
      region: e.awsRegion ?? deps.region,
      checkId: f.detection.id,
      severity: f.severity,
      status: 'OPEN',
      resourceType: 'AwsPrincipal',
      resourceId: principal,
      resourceArn: e.identity.arn ?? principal,
      title: f.detection.title,
      evidence: evidenceOf(occurrence),
      firstOpenedAt: current?.firstOpenedAt ?? at,
      // An occurrence on an open finding keeps the opening it belongs to (a reopening sets a new one).
      ...(current?.openedSeq !== undefined ? { openedSeq: current.openedSeq } : {}),
      ...(current?.openedAt ? { openedAt: current.openedAt } : {}),
      lastTransitionAt: at,
      seq: current?.seq ?? 0,
      headHash: current?.headHash ?? GENESIS_HASH,
    }
    const kind = !current ? 'OPENED' : current.status === 'RESOLVED' ? 'REOPENED' : 'OCCURRED'
    // Through suppression: a suppressed finding keeps its suppression (and sends no alert), an expired
    // one is lifted first, and a rule suppresses a finding as it opens.
    const result = await recordOccurrence(
      deps.store,
      deps.config,
      {
        current,
        finding,
        kind,
        scanId: `event:${e.eventKey}`,
        at,
        occurrence,
        marker: `${e.eventKey}#${f.kind}`,
      },
      deps.log,
    )
    if (result !== 'conflict') {
      if (result === 'duplicate')
        deps.log.info('event already recorded', { eventKey: e.eventKey, detection: f.detection.id })
      return { detectionId: f.detection.id, severity: f.severity, findingId: id, result }
    }
  }
  throw new Error(
    `finding ${id} kept changing; giving up after ${MAX_ATTEMPTS} attempts (the platform will retry)`,
  )
}

export function occurrenceOf(e: CloudTrailEvent, f: Fired): Occurrence {
  const actor = e.identity
  return {
    eventKey: e.eventKey,
    ...(e.eventId ? { eventId: e.eventId } : {}),
    eventName: e.eventName,
    eventSource: e.eventSource,
    ...(e.eventTime ? { eventTime: e.eventTime.toISOString() } : {}),
    ...(e.awsRegion ? { awsRegion: e.awsRegion } : {}),
    ...(e.sourceIp ? { sourceIp: clip(e.sourceIp, 64)! } : {}),
    ...(e.userAgent ? { userAgent: clip(e.userAgent)! } : {}),
    actor: {
      ...(actor.type ? { type: actor.type } : {}),
      ...(actor.arn ? { arn: clip(actor.arn)! } : {}),
      ...(actor.accountId ? { accountId: actor.accountId } : {}),
      ...(actor.userName ? { userName: clip(actor.userName, 128)! } : {}),
      ...(actor.accessKeyId ? { accessKeyId: clip(actor.accessKeyId, 128)! } : {}),
    },
    kind: f.kind,
    details: { ...(f.detection.context?.(e) ?? {}), ...f.details },
  }
}

function evidenceOf(o: Occurrence): Evidence {
  return {
    eventId: o.eventId ?? o.eventKey,
    eventName: o.eventName,
    eventTime: o.eventTime ?? null,
    sourceIp: o.sourceIp ?? null,
    actor: o.actor.arn ?? o.actor.type ?? null,
    ...o.details,
  }
}
