import type { SecurityHubClient } from '@aws-sdk/client-securityhub'
import {
  type FailedFinding,
  importedSeqs,
  importFindings,
  type RetryOptions,
  updateWorkflows,
  type WorkflowUpdate,
} from '../aws/security-hub.ts'
import {
  asffFinding,
  asffNote,
  asffWorkflowStatus,
  defaultProductArn,
  workflowUpdateDue,
} from '../export/asff-import.ts'
import type { HistoryEntry } from '../model/finding.ts'
import type { Log } from './log.ts'

export interface SecurityHubSyncDeps {
  client: SecurityHubClient
  partition: string
  /** The region findings are imported into (the monitor's home region). */
  region: string
  /** The monitor's account: the owner of the default product the findings are imported into. */
  accountId: string
  log: Log
  /**
   * When a finding first opened (its CreatedAt in Security Hub), for transitions after its first: the
   * findings table knows. Without it, a batch's OPENED item gives it, else the transition's own time.
   */
  firstOpenedAt?: (findingId: string) => Promise<string | undefined>
  /** Retries of findings Security Hub refused for a transient reason (shared/aws/security-hub.ts). */
  retry?: RetryOptions
}

/** Findings Security Hub did not take, after the retries: the batch should be delivered again. */
export class SecurityHubSyncError extends Error {
  override name = 'SecurityHubSyncError'
  readonly failed: readonly FailedFinding[]
  constructor(failed: readonly FailedFinding[]) {
    const first = failed[0]
    super(
      `Security Hub did not take ${failed.length} finding${failed.length === 1 ? '' : 's'}` +
        (first ? ` (first: ${first.id}, ${first.code}: ${first.message})` : ''),
    )
    this.failed = failed
  }
}

/**
 * The Security Hub import of history items (config `alerts.securityHub.enabled`, off by default): each
 * finding that transitioned is imported as it stands after its newest transition in the batch (one
 * import per finding, so two transitions of one finding in a batch never race), and its workflow status
 * is set with BatchUpdateFindings when a transition calls for it (resolved, acknowledged, suppressed,
 * unsuppressed), since an import sets Workflow on creation only.
 *
 * Redelivery is harmless: the same transition imports the same finding (same Id and UpdatedAt), and sets
 * the same workflow status again. A finding that could not be imported or updated, after the retries,
 * makes the call throw (SecurityHubSyncError, listing them) so the caller retries the batch.
 *
 * The default product takes only the calling account's own findings (BatchImportFindings: the caller
 * must be the finding's AwsAccountId). Items of other accounts (an organization's members) are skipped,
 * with a warning, rather than refused by Security Hub over and over.
 */
export function createSecurityHubSync(
  deps: SecurityHubSyncDeps,
): (entries: readonly HistoryEntry[]) => Promise<void> {
  const productArn = defaultProductArn(deps)
  return async (entries) => {
    const own = entries.filter((e) => e.accountId === deps.accountId)
    if (own.length < entries.length)
      deps.log.warn('security hub import skipped findings of other accounts', {
        skipped: entries.length - own.length,
        accounts: [...new Set(entries.filter((e) => e.accountId !== deps.accountId).map((e) => e.accountId))],
      })
    if (own.length === 0) return
    const byFinding = new Map<string, HistoryEntry[]>()
    for (const e of own) byFinding.set(e.findingId, [...(byFinding.get(e.findingId) ?? []), e])

    const latest = [...byFinding.values()].map((group) => group.reduce((a, b) => (b.seq > a.seq ? b : a)))
    const findings = await Promise.all(
      latest.map(async (entry) => {
        const opened = byFinding.get(entry.findingId)!.find((e) => e.transition === 'OPENED')?.at
        const firstOpenedAt = opened ?? (await deps.firstOpenedAt?.(entry.findingId))
        const { partition, region, accountId } = deps
        return asffFinding(entry, {
          partition,
          region,
          accountId,
          ...(firstOpenedAt ? { firstOpenedAt } : {}),
        })
      }),
    )
    const imported = await importFindings(deps.client, findings, deps.retry)
    if (imported.failed.length) {
      for (const f of imported.failed) deps.log.error('security hub did not import a finding', { ...f })
      throw new SecurityHubSyncError(imported.failed)
    }

    // The workflow updates due: for each finding, the note of its newest transition that calls for one.
    const due = latest.flatMap((entry, i) => {
      const newest = byFinding
        .get(entry.findingId)!
        .filter(workflowUpdateDue)
        .reduce<HistoryEntry | undefined>((a, b) => (a && a.seq > b.seq ? a : b), undefined)
      return newest ? [{ entry, due: newest, id: findings[i]!.Id }] : []
    })
    if (due.length === 0) return done(0)
    // A batch delivered again after a newer one must not set an older workflow status: Security Hub kept
    // the newer import (an older UpdatedAt changes nothing), and the newer transition set its own.
    const seqs = await importedSeqs(
      deps.client,
      productArn,
      due.map((d) => d.id),
      deps.retry,
    )
    // One BatchUpdateFindings per workflow status and note.
    const updates = new Map<string, WorkflowUpdate>()
    for (const { entry, due: newest, id } of due) {
      const seq = seqs.get(id)
      if (seq !== undefined && seq > entry.seq) {
        deps.log.info('security hub workflow left to a newer transition', {
          findingId: entry.findingId,
          seq: entry.seq,
          imported: seq,
        })
        continue
      }
      const status = asffWorkflowStatus(entry)
      const note = asffNote(newest)
      const key = `${status}\u0000${note}`
      const update = updates.get(key) ?? { findings: [], status, note }
      update.findings.push({ Id: id, ProductArn: productArn })
      updates.set(key, update)
    }
    const updated = await updateWorkflows(deps.client, [...updates.values()], deps.retry)
    if (updated.failed.length) {
      for (const f of updated.failed) deps.log.error('security hub did not update a workflow', { ...f })
      throw new SecurityHubSyncError(updated.failed)
    }
    done(updated.updated)

    function done(workflowUpdates: number): void {
      deps.log.info('security hub import', {
        findings: imported.imported,
        workflowUpdates,
        transitions: own.length,
      })
    }
  }
}
