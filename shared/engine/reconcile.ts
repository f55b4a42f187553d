import type { AnyCheck } from '../checks/types.ts'
import {
  EXPIRED_REASON,
  type Finding,
  findingId,
  GENESIS_HASH,
  type HistoryEntry,
  type Outcome,
  type ResolutionReason,
  type Suppression,
  SYSTEM_ACTOR,
  type TransitionKind,
  transitionId,
} from '../model/finding.ts'
import { hashHistoryEntry } from '../model/history.ts'
import type { Judgement } from './evaluate.ts'

/** The account a run judged, and the region its findings are recorded in. */
export interface RunScope {
  accountId: string
  region: string
  /** The account's name, recorded on the findings it opens (an organization's account). */
  accountName?: string
}

export interface PlannedTransition {
  /** The finding's new state. */
  finding: Finding
  entry: HistoryEntry
  /** The sequence number the stored state must still have (0: must not exist yet). */
  expectedSeq: number
}

export interface ReconcilePlan {
  transitions: PlannedTransition[]
  unchanged: number
  /** Resolutions held back: a resource was absent but the data did not cover the whole account. */
  withheldResolutions: number
  /** Findings left as they are because their resource could not be judged. */
  notEvaluated: number
  /** Findings left as they are because the data was older than their last transition. */
  stale: number
}

export interface ReconcileInput {
  scope: RunScope
  judgements: readonly Judgement[]
  /** Stored state of every finding a failing outcome maps to, and every OPEN finding in scope. */
  existing: ReadonlyMap<string, Finding>
  now: Date
  scanId: string
  checks: ReadonlyMap<string, Pick<AnyCheck, 'title' | 'severity'>>
  /**
   * The suppression a rule puts on a finding that opens (or reopens) unsuppressed: it opens suppressed,
   * in the same transition, and sends no alert. Undefined: no rule matches.
   */
  suppressionFor?: (finding: Finding) => Suppression | undefined
}

/** Is this finding one the judgement speaks for (same account, check, and a resource it covered)? */
export function judges(
  j: Pick<Judgement, 'checkId' | 'resourceIds' | 'status'>,
  scope: RunScope,
  f: Pick<Finding, 'accountId' | 'checkId' | 'resourceId'>,
): boolean {
  return (
    j.status === 'judged' &&
    f.accountId === scope.accountId &&
    f.checkId === j.checkId &&
    (j.resourceIds === undefined || j.resourceIds.has(f.resourceId))
  )
}

/**
 * When a resource is known gone: a complete source lacks it, and no newer source has it. Undefined
 * when a source still has it; false when no source can tell (absence of outcomes then decides).
 */
function goneAsOf(j: Judgement, resourceId: string): Date | false | undefined {
  if (!j.presence) return false
  const having = j.presence.filter((p) => p.present.has(resourceId))
  const lacking = j.presence.filter((p) => p.complete && !p.present.has(resourceId))
  const newest = lacking.reduce<Date | undefined>((d, p) => (d && d >= p.asOf ? d : p.asOf), undefined)
  if (!newest || having.some((p) => p.asOf > newest)) return undefined
  return newest
}

/** The data is at least as new as the finding's last transition (findings without an as-of: its time). */
const freshEnough = (f: Finding, asOf: Date) => asOf.getTime() >= Date.parse(f.asOf ?? f.lastTransitionAt)

/**
 * Pure: from the judgements and what is stored, the transitions to write. The resolution rule: a
 * finding changes status (opened again or resolved) only by a judgement that read every source of its
 * check for its resource, with data at least as new as its last transition; anything else leaves it.
 */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = {
    transitions: [],
    unchanged: 0,
    withheldResolutions: 0,
    notEvaluated: 0,
    stale: 0,
  }
  const judged = input.judgements.filter((j) => j.status === 'judged')
  for (const j of judged) reconcileOne(input, j, plan)
  liftExpired(input, judged, plan)
  return plan
}

/** Has the suppression's expiry passed at `now`? */
export function isExpired(s: Pick<Suppression, 'until'>, now: Date): boolean {
  return Date.parse(s.until) <= now.getTime()
}

/**
 * Every finding the run judges whose suppression has expired is unsuppressed (UNSUPPRESSED by
 * iamwatch, reason `expired`: alerted when the finding is open). When the same run changes its status,
 * both are written, in the order that alerts what needs attention and nothing else: a reopening after
 * the lift (alerted, unless a rule suppresses it again), a resolution before it (the finding was fixed
 * while the suppression still stood: neither alerts).
 */
function liftExpired(input: ReconcileInput, judged: readonly Judgement[], plan: ReconcilePlan): void {
  const at = input.now.toISOString()
  const planned = new Map(plan.transitions.map((t) => [t.finding.id, t]))
  const replaced = new Map<string, PlannedTransition[]>()
  for (const f of input.existing.values()) {
    if (!f.suppression || !isExpired(f.suppression, input.now)) continue
    if (!judged.some((j) => judges(j, input.scope, f))) continue
    const t = planned.get(f.id)
    if (t?.entry.transition === 'RESOLVED') {
      replaced.set(f.id, [t, unsuppressExpired(t.finding, input.scanId, at)])
      continue
    }
    const lift = unsuppressExpired(f, input.scanId, at)
    if (!t) {
      replaced.set(f.id, [lift])
      continue
    }
    // Re-planned on the lifted state (the reopening did not carry the expired suppression).
    const { seq, headHash } = lift.finding
    replaced.set(f.id, [
      lift,
      advance({ ...t.finding, seq, headHash }, t.entry.transition, t.entry.scanId, t.entry.at),
    ])
  }
  if (replaced.size === 0) return
  const out: PlannedTransition[] = []
  for (const t of plan.transitions) out.push(...(replaced.get(t.finding.id) ?? [t]))
  for (const [id, ts] of replaced) if (!planned.has(id)) out.push(...ts)
  plan.transitions = out
}

/** The UNSUPPRESSED transition iamwatch writes when a finding's suppression has expired. */
export function unsuppressExpired(f: Finding, scanId: string, at: string): PlannedTransition {
  const { suppression, ...rest } = f
  return advance(rest, 'UNSUPPRESSED', scanId, at, undefined, {
    actor: SYSTEM_ACTOR,
    reason: EXPIRED_REASON,
    ...(suppression ? { lifted: suppression } : {}),
  })
}

function reconcileOne(input: ReconcileInput, j: Judgement, plan: ReconcilePlan): void {
  const { scope, existing, scanId } = input
  const at = input.now.toISOString()
  const failing = new Map<string, Outcome>()
  const passing = new Map<string, Outcome>()
  // An outcome may know its data is newer than the judgement's (a live read beside a cached report).
  const asOfOf = (o?: Outcome) => (o?.asOf ? new Date(o.asOf) : j.asOf)
  const judgedResources = new Set<string>()

  for (const outcome of j.outcomes) {
    if (outcome.status === 'unknown') continue
    if (
      !judges(j, scope, { accountId: scope.accountId, checkId: j.checkId, resourceId: outcome.resource.id })
    )
      continue
    const id = findingId({
      accountId: scope.accountId,
      checkId: outcome.checkId,
      resourceId: outcome.resource.id,
      credentialId: outcome.credentialId,
    })
    judgedResources.add(outcome.resource.id)
    if (outcome.status === 'fail') failing.set(id, outcome)
    else passing.set(id, outcome)
  }

  for (const [id, outcome] of failing) {
    const current = existing.get(id)
    if (current?.status === 'OPEN') {
      plan.unchanged++
      continue
    }
    // Opened on what could be read; but reopened only on a whole reading of its resource.
    if (current && j.partial?.has(outcome.resource.id)) {
      plan.notEvaluated++
      continue
    }
    if (current && !freshEnough(current, asOfOf(outcome))) {
      plan.stale++
      continue
    }
    const check = input.checks.get(outcome.checkId)
    const finding: Finding = {
      id,
      accountId: scope.accountId,
      ...(scope.accountName ? { accountName: scope.accountName } : {}),
      region: scope.region,
      checkId: outcome.checkId,
      severity: outcome.severity ?? check?.severity ?? 'medium',
      status: 'OPEN',
      resourceType: outcome.resource.type,
      resourceId: outcome.resource.id,
      resourceArn: outcome.resource.arn,
      ...(outcome.credentialId ? { credentialId: outcome.credentialId } : {}),
      title: check?.title ?? outcome.checkId,
      evidence: outcome.evidence,
      asOf: asOfOf(outcome).toISOString(),
      firstOpenedAt: current?.firstOpenedAt ?? at,
      lastTransitionAt: at,
      seq: current?.seq ?? 0,
      headHash: current?.headHash ?? GENESIS_HASH,
    }
    // A suppression in force stays (an expired one is lifted: see liftExpired); a finding that opens
    // unsuppressed takes a matching rule's.
    const kept =
      current?.suppression && !isExpired(current.suppression, input.now) ? current.suppression : undefined
    const suppression = kept ?? input.suppressionFor?.(finding)
    if (suppression) finding.suppression = suppression
    plan.transitions.push(advance(finding, current ? 'REOPENED' : 'OPENED', scanId, at))
  }

  for (const current of existing.values()) {
    if (current.status !== 'OPEN' || failing.has(current.id) || !judges(j, scope, current)) continue
    if (j.unknown.has(current.resourceId) || j.partial?.has(current.resourceId)) {
      plan.notEvaluated++
      continue
    }
    const judged = judgedResources.has(current.resourceId)
    const gone = judged ? undefined : goneAsOf(j, current.resourceId)
    const exists = judged || (j.presence !== undefined && gone === undefined)
    if (!exists && !(gone instanceof Date || (gone === false && j.complete))) {
      plan.withheldResolutions++
      continue
    }
    // As of the data that decided: the passing outcome's, or the source that no longer has it.
    const asOf = gone instanceof Date ? gone : asOfOf(passing.get(current.id))
    if (!freshEnough(current, asOf)) {
      plan.stale++
      continue
    }
    const resolution: ResolutionReason = passing.has(current.id)
      ? 'passed'
      : exists
        ? current.credentialId
          ? 'credential-gone'
          : 'passed'
        : 'resource-gone'
    const { resolvedAt: _r, resolution: _p, ...rest } = current
    plan.transitions.push(
      advance(
        {
          ...rest,
          status: 'RESOLVED',
          resolvedAt: at,
          resolution,
          asOf: asOf.toISOString(),
          lastTransitionAt: at,
        },
        'RESOLVED',
        scanId,
        at,
      ),
    )
  }
}

/** Who made a manual transition and why (and, for UNSUPPRESSED, what it lifted). */
export interface ManualChange {
  actor: string
  reason: string
  lifted?: Suppression
}

/**
 * Appends one history entry to a finding's chain and returns the planned write. The entry records the
 * suppression in force after the transition (the notifier sends no alert for it) and, for a manual
 * transition, who made it and why.
 */
export function advance(
  finding: Finding,
  transition: TransitionKind,
  scanId: string,
  at: string,
  occurrence?: HistoryEntry['occurrence'],
  manual?: ManualChange,
): PlannedTransition {
  const seq = finding.seq + 1
  const body: Omit<HistoryEntry, 'hash'> = {
    findingId: finding.id,
    seq,
    transitionId: transitionId(finding.id, seq),
    transition,
    at,
    status: finding.status,
    severity: finding.severity,
    checkId: finding.checkId,
    accountId: finding.accountId,
    ...(finding.accountName ? { accountName: finding.accountName } : {}),
    region: finding.region,
    resourceType: finding.resourceType,
    resourceId: finding.resourceId,
    resourceArn: finding.resourceArn,
    ...(finding.credentialId ? { credentialId: finding.credentialId } : {}),
    title: finding.title,
    evidence: finding.evidence,
    ...(finding.asOf ? { asOf: finding.asOf } : {}),
    ...(finding.resolution ? { resolution: finding.resolution } : {}),
    ...(finding.suppression ? { suppression: finding.suppression } : {}),
    scanId,
    ...(occurrence ? { occurrence } : {}),
    ...(manual ? { actor: manual.actor, reason: manual.reason } : {}),
    ...(manual?.lifted ? { lifted: manual.lifted } : {}),
    prevHash: finding.headHash,
  }
  const hash = hashHistoryEntry(body)
  const opened = transition === 'OPENED' || transition === 'REOPENED' ? { openedSeq: seq, openedAt: at } : {}
  return {
    finding: { ...finding, seq, headHash: hash, ...opened },
    entry: { ...body, hash },
    expectedSeq: finding.seq,
  }
}
