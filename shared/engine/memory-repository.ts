import type { Finding, HistoryEntry } from '../model/finding.ts'
import type { OrgDirectory } from '../organization/model.ts'
import type { GroupPosture } from './posture.ts'
import type { PlannedTransition } from './reconcile.ts'
import type {
  Checkpoint,
  FindingsRepository,
  MonitorRecordsRepository,
  ScanRun,
  SuppressionRulesRepository,
} from './repository.ts'
import { type SuppressionRule, sameRule } from './suppression.ts'

class MemoryRecords implements MonitorRecordsRepository {
  readonly scans = new Map<string, ScanRun>()
  readonly checkpoints = new Map<string, Checkpoint>()
  readonly grants = new Map<string, Map<string, Map<string, Date>>>()
  async recordGrant(accountId: string, g: { holder: string; key: string; at: string }) {
    const account = this.grants.get(accountId) ?? new Map<string, Map<string, Date>>()
    this.grants.set(accountId, account)
    const holder = account.get(g.holder) ?? new Map<string, Date>()
    account.set(g.holder, holder)
    const at = new Date(g.at)
    if (!holder.has(g.key) || holder.get(g.key)! < at) holder.set(g.key, at)
  }
  readonly postures = new Map<string, GroupPosture>()
  stored?: OrgDirectory
  async putDirectory(d: OrgDirectory) {
    if (!this.stored || this.stored.asOf <= d.asOf) this.stored = d
  }
  async directory() {
    return this.stored
  }
  async putGroupPosture(p: GroupPosture) {
    const have = this.postures.get(p.accountId)
    if (!have || have.asOf <= p.asOf) this.postures.set(p.accountId, p)
  }
  async groupPosture(accountId: string) {
    return this.postures.get(accountId)
  }
  async grantLedger(accountId: string) {
    return this.grants.get(accountId) ?? new Map()
  }
  async getCheckpoint(name: string, accountId: string) {
    return this.checkpoints.get(`${name}#${accountId}`)
  }
  async putCheckpoint(cp: Checkpoint) {
    const key = `${cp.name}#${cp.accountId}`
    if ((this.checkpoints.get(key)?.version ?? 0) !== cp.version - 1) return false
    this.checkpoints.set(key, { ...cp })
    return true
  }
  readonly notified = new Map<string, string>()
  private readonly stats = new Map<string, { processed: number; rejected: number; lastEventAt?: string }>()

  async countEvents(day: string, processed: number, rejected: number, at: string) {
    const s = this.stats.get(day) ?? { processed: 0, rejected: 0 }
    this.stats.set(day, {
      processed: s.processed + processed,
      rejected: s.rejected + rejected,
      lastEventAt: at,
    })
  }
  async eventStats(day: string) {
    return this.stats.get(day)
  }
  async startScan(run: ScanRun) {
    this.scans.set(run.scanId, run)
  }
  async finishScan(run: ScanRun) {
    this.scans.set(run.scanId, run)
  }
  async isNotified(findingId: string, seq: number) {
    return this.notified.has(`${findingId}#${seq}`)
  }
  async markNotified(entry: Pick<HistoryEntry, 'findingId' | 'seq'>, messageId: string) {
    const key = `${entry.findingId}#${entry.seq}`
    if (this.notified.has(key)) return false
    this.notified.set(key, messageId)
    return true
  }
}

/** Suppression rules in memory, keyed by account and id as in the table. */
export class MemorySuppressionRules implements SuppressionRulesRepository {
  readonly rules = new Map<string, SuppressionRule>()
  async listRules(accountId: string) {
    return [...this.rules.values()].filter((r) => r.accountId === accountId)
  }
  async getRule(accountId: string, id: string) {
    return this.rules.get(`${accountId}#${id}`)
  }
  async putRule(rule: SuppressionRule & { accountId: string }) {
    const key = `${rule.accountId}#${rule.id}`
    const old = this.rules.get(key)
    if (old && sameRule(old, rule)) return 'unchanged' as const
    this.rules.set(key, { ...rule })
    return old ? ('updated' as const) : ('created' as const)
  }
  async deleteRule(accountId: string, id: string) {
    const key = `${accountId}#${id}`
    const old = this.rules.get(key)
    this.rules.delete(key)
    return old
  }
}

/**
 * The findings repository in memory, with the same conditional semantics as the DynamoDB one: a
 * transition applies only at its planned sequence, state and history item together. `outbox` is what
 * the table's stream would carry: every history item, in write order.
 */
export class MemoryFindingsRepository implements FindingsRepository {
  readonly records = new MemoryRecords()
  readonly rules = new MemorySuppressionRules()
  readonly states = new Map<string, Finding>()
  readonly histories = new Map<string, HistoryEntry[]>()
  readonly outbox: HistoryEntry[] = []
  private readonly markers = new Set<string>()
  readonly writes = { transitions: 0 }

  async getFinding(id: string) {
    return this.states.get(id)
  }
  async getFindings(ids: readonly string[]) {
    const out = new Map<string, Finding>()
    for (const id of ids) {
      const f = this.states.get(id)
      if (f) out.set(id, f)
    }
    return out
  }
  async listOpenByCheck(accountId: string, checkId: string, resourceId?: string) {
    return [...this.states.values()].filter(
      (f) =>
        f.status === 'OPEN' &&
        f.accountId === accountId &&
        f.checkId === checkId &&
        (resourceId === undefined || f.resourceId === resourceId),
    )
  }
  async history(id: string) {
    return [...(this.histories.get(id) ?? [])]
  }
  async applyTransitions(transitions: readonly PlannedTransition[]) {
    const conflicts: PlannedTransition[] = []
    for (const t of transitions) if (!this.apply(t)) conflicts.push(t)
    return conflicts
  }
  async applyEventTransition(t: PlannedTransition, eventMarker: string) {
    const marker = `${t.finding.id}#${eventMarker}`
    if (this.markers.has(marker)) return 'duplicate' as const
    if (!this.apply(t)) return 'conflict' as const
    this.markers.add(marker)
    return 'applied' as const
  }

  private apply(t: PlannedTransition): boolean {
    const current = this.states.get(t.finding.id)
    if ((current?.seq ?? 0) !== t.expectedSeq) return false
    this.states.set(t.finding.id, t.finding)
    this.histories.set(t.finding.id, [...(this.histories.get(t.finding.id) ?? []), t.entry])
    this.outbox.push(t.entry)
    this.writes.transitions++
    return true
  }
}
