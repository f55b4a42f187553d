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

/** What one run covered: only findings inside it may be opened or resolved by it. */
export interface ScanScope {
  accountId: string
  region: string
  checkIds: ReadonlySet<string>
  /** Resource ids covered; undefined means every resource (a full scan). */
  resourceIds?: ReadonlySet<string>
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
  /** Resolutions held back because the run was degraded or incomplete. */
  withheldResolutions: number
}

export interface ReconcileInput {
  scope: ScanScope
  outcomes: readonly Outcome[]
  /** Stored state of every finding a failing outcome maps to, and every OPEN finding in scope. */
  existing: ReadonlyMap<string, Finding>
  /** May this run resolve findings? False when anything could not be read or evaluated. */
  complete: boolean
  now: Date
  scanId: string
  checks: ReadonlyMap<string, Pick<AnyCheck, 'title' | 'severity'>>
}

export function inScope(
  scope: ScanScope,
  finding: Pick<Finding, 'accountId' | 'checkId' | 'resourceId'>,
): boolean {
  return (
    finding.accountId === scope.accountId &&
    scope.checkIds.has(finding.checkId) &&
    (scope.resourceIds === undefined || scope.resourceIds.has(finding.resourceId))
  )
}

/** Pure: from what the checks said and what is stored, the transitions to write. Unchanged findings get none. */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const { scope, existing, now, scanId } = input
  const at = now.toISOString()
  const plan: ReconcilePlan = { transitions: [], unchanged: 0, withheldResolutions: 0 }
  const failing = new Map<string, Outcome>()
  const passing = new Set<string>()
  const judgedResources = new Set<string>()

  for (const outcome of input.outcomes) {
    if (
      !inScope(scope, {
        accountId: scope.accountId,
        checkId: outcome.checkId,
        resourceId: outcome.resource.id,
      })
    )
      continue
    const id = findingId({
      accountId: scope.accountId,
      checkId: outcome.checkId,
      resourceId: outcome.resource.id,
      credentialId: outcome.credentialId,
    })
    judgedResources.add(`${outcome.checkId}\u0000${outcome.resource.id}`)
    if (outcome.status === 'fail') failing.set(id, outcome)
    else passing.add(id)
  }

  for (const [id, outcome] of failing) {
    const current = existing.get(id)
    if (current?.status === 'OPEN') {
      plan.unchanged++
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
      firstOpenedAt: current?.firstOpenedAt ?? at,
      lastTransitionAt: at,
      seq: current?.seq ?? 0,
      headHash: current?.headHash ?? GENESIS_HASH,
    }
    plan.transitions.push(advance(finding, current ? 'REOPENED' : 'OPENED', scanId, at))
  }

  for (const current of existing.values()) {
    if (current.status !== 'OPEN' || failing.has(current.id) || !inScope(scope, current)) continue
    if (!input.complete) {
      plan.withheldResolutions++
      continue
    }
    const resolution: ResolutionReason = passing.has(current.id)
      ? 'passed'
      : judgedResources.has(`${current.checkId}\u0000${current.resourceId}`)
        ? current.credentialId
          ? 'credential-gone'
          : 'passed'
        : 'resource-gone'
    const { resolvedAt: _r, resolution: _p, ...rest } = current
    plan.transitions.push(
      advance(
        { ...rest, status: 'RESOLVED', resolvedAt: at, resolution, lastTransitionAt: at },
        'RESOLVED',
        scanId,
        at,
      ),
    )
  }
  return plan
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
    ...(finding.resolution ? { resolution: finding.resolution } : {}),
    scanId,
    ...(occurrence ? { occurrence } : {}),
    prevHash: finding.headHash,
  }
  const hash = hashHistoryEntry(body)
  return { finding: { ...finding, seq, headHash: hash }, entry: { ...body, hash }, expectedSeq: finding.seq }
}
