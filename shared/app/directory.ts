import type { MonitorRecordsRepository } from '../engine/repository.ts'
import type { OrgAccount, OrgDirectory } from '../organization/model.ts'

/** How long a warm function trusts the stored directory before reading it again. */
export const DIRECTORY_TTL_MS = 5 * 60_000

/**
 * The organization's directory as the event path and the notifier read it: the stored item (written by
 * each dispatch), read at most every 5 minutes per warm function. An account the directory does not know
 * (a single-account deployment, or one that joined since) simply has no name.
 */
export class LoadedDirectory {
  private directory: OrgDirectory | undefined
  private byId = new Map<string, OrgAccount>()
  private loadedAt = Number.NEGATIVE_INFINITY
  private readonly records: Pick<MonitorRecordsRepository, 'directory'>
  private readonly ttlMs: number

  constructor(records: Pick<MonitorRecordsRepository, 'directory'>, ttlMs = DIRECTORY_TTL_MS) {
    this.records = records
    this.ttlMs = ttlMs
  }

  async refresh(nowMs: number = Date.now()): Promise<void> {
    if (nowMs - this.loadedAt < this.ttlMs) return
    this.directory = await this.records.directory()
    this.byId = new Map((this.directory?.accounts ?? []).map((a) => [a.id, a]))
    this.loadedAt = nowMs
  }

  async account(accountId: string): Promise<OrgAccount | undefined> {
    await this.refresh()
    return this.byId.get(accountId)
  }

  /** Every account of the organization, as last discovered (none in a single-account deployment). */
  async accountIds(): Promise<string[]> {
    await this.refresh()
    return [...this.byId.keys()]
  }

  /** A member account of the organization (not the central one), as last discovered. */
  async isMember(accountId: string): Promise<boolean> {
    await this.refresh()
    return this.byId.has(accountId) && accountId !== this.directory?.centralAccountId
  }
}
