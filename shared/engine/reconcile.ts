import type { AnyCheck } from '../checks/types.ts'
import {
  type Finding,
  findingId,
  GENESIS_HASH,
  type HistoryEntry,
  type Outcome,
  type ResolutionReason,
  type TransitionKind,
  transitionId,
} from '../model/finding.ts'
import { hashHistoryEntry } from '../model/history.ts'
import type { Judgement } from './evaluate.ts'

/** The account a run judged, and the region its findings are recorded in. */
export interface RunScope {
  accountId: string
  region: string
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
  for (const j of input.judgements) if (j.status === 'judged') reconcileOne(input, j, plan)
  return plan
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

/** Appends one history entry to a finding's chain and returns the planned write. */
export function advance(
  finding: Finding,
  transition: TransitionKind,
  scanId: string,
  at: string,
  occurrence?: HistoryEntry['occurrence'],
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
    region: finding.region,
    resourceType: finding.resourceType,
    resourceId: finding.resourceId,
    resourceArn: finding.resourceArn,
    ...(finding.credentialId ? { credentialId: finding.credentialId } : {}),
    title: finding.title,
    evidence: finding.evidence,
    ...(finding.asOf ? { asOf: finding.asOf } : {}),
    ...(finding.resolution ? { resolution: finding.resolution } : {}),
    scanId,
    ...(occurrence ? { occurrence } : {}),
    prevHash: finding.headHash,
  }
  const hash = hashHistoryEntry(body)
  return { finding: { ...finding, seq, headHash: hash }, entry: { ...body, hash }, expectedSeq: finding.seq }
}
