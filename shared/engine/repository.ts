import type { GrantLedger } from '../model/access.ts'
import type { Finding, HistoryEntry } from '../model/finding.ts'
import type { OrgDirectory } from '../organization/model.ts'
import type { GroupPosture } from './posture.ts'
import type { PlannedTransition } from './reconcile.ts'
import type { SuppressionRule } from './suppression.ts'

/** A scan run as recorded: complete or degraded, and why. */
export interface ScanRun {
  scanId: string
  scanType: string
  accountId?: string
  startedAt: string
  finishedAt?: string
  status: 'running' | 'complete' | 'degraded' | 'failed'
  counts?: Record<string, number>
  rejections?: Array<{ source: string; reason: string; line?: number; subject?: string }>
  /** What could not be read, and which checks were not evaluated for what, and why. */
  incomplete?: string[]
  error?: string
}

/**
 * Where a scan that spans several invocations stands (the Access Advisor cycle): the cycle, the last
 * resource done (targets are taken in sorted order), and a version every write must advance from, so
 * two invocations never both carry one cycle on.
 */
export interface Checkpoint {
  name: string
  accountId: string
  cycleId: string
  startedAt: string
  /** The last resource id done in this cycle; absent: none yet. */
  after?: string
  finishedAt?: string
  done: number
  degraded: number
  version: number
}

/** The monitor's own records kept beside the findings: scan runs, event intake, alert markers. */
export interface MonitorRecordsRepository {
  /** Remembers a grant seen in CloudTrail (keeps the latest time per holder and key). */
  recordGrant(accountId: string, grant: { holder: string; key: string; at: string }): Promise<void>
  /** Every grant remembered for the account. */
  grantLedger(accountId: string): Promise<GrantLedger>
  getCheckpoint(name: string, accountId: string): Promise<Checkpoint | undefined>
  /** Writes it if the stored one is still at `version - 1` (or absent for version 1); false otherwise. */
  putCheckpoint(checkpoint: Checkpoint): Promise<boolean>
  /** Keeps what the latest complete authorization details say of the account's groups (never moves back in time). */
  putGroupPosture(posture: GroupPosture): Promise<void>
  groupPosture(accountId: string): Promise<GroupPosture | undefined>
  /** The organization's accounts as last discovered (organization deployments). */
  putDirectory(directory: OrgDirectory): Promise<void>
  directory(): Promise<OrgDirectory | undefined>
  countEvents(day: string, processed: number, rejected: number, at: string): Promise<void>
  eventStats(day: string): Promise<{ processed: number; rejected: number; lastEventAt?: string } | undefined>
  startScan(run: ScanRun): Promise<void>
  finishScan(run: ScanRun): Promise<void>
  isNotified(findingId: string, seq: number): Promise<boolean>
  markNotified(
    entry: Pick<HistoryEntry, 'findingId' | 'seq' | 'transitionId'>,
    messageId: string,
    at: string,
  ): Promise<boolean>
}

/**
 * Where suppression rules live (in the findings table, one partition per account): stored by
 * `iamwatch suppress --check ... --resource ...`, read when findings open.
 */
export interface SuppressionRulesRepository {
  /** The account's rules, expired ones included. */
  listRules(accountId: string): Promise<SuppressionRule[]>
  getRule(accountId: string, id: string): Promise<SuppressionRule | undefined>
  /** Stores the rule under its id: 'unchanged' when the same rule (but for who and when) is there. */
  putRule(rule: SuppressionRule & { accountId: string }): Promise<'created' | 'updated' | 'unchanged'>
  /** Removes it; the rule removed, or undefined when there was none. */
  deleteRule(accountId: string, id: string): Promise<SuppressionRule | undefined>
}

/**
 * Where findings live: their current state and their immutable, hash-chained history. DynamoDB in a
 * deployment (shared/aws/findings-store.ts); in memory for the lifecycle model test. Every write of a
 * transition is conditioned on the sequence it was planned from.
 */
export interface FindingsRepository {
  readonly records: MonitorRecordsRepository
  /** Suppression rules stored beside the findings; absent: only the configuration's rules apply. */
  readonly rules?: SuppressionRulesRepository
  getFinding(id: string): Promise<Finding | undefined>
  getFindings(ids: readonly string[]): Promise<Map<string, Finding>>
  /** OPEN findings of one check in one account (of one resource, when given). */
  listOpenByCheck(accountId: string, checkId: string, resourceId?: string): Promise<Finding[]>
  history(id: string): Promise<HistoryEntry[]>
  /** Writes each transition if its finding is still at the planned sequence; returns those that were not. */
  applyTransitions(transitions: readonly PlannedTransition[]): Promise<PlannedTransition[]>
  /** A detection's transition with a marker for its event, atomically: a redelivered event is a duplicate. */
  applyEventTransition(
    t: PlannedTransition,
    eventMarker: string,
  ): Promise<'applied' | 'duplicate' | 'conflict'>
}
