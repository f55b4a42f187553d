import type { PostureFacts } from '../detections/types.ts'
import type { AuthorizationInventory } from '../normalize/authorization.ts'
import { escalationPaths } from '../policy/escalation.ts'
import { isAdminStatement } from '../policy/evaluate.ts'

/**
 * What the latest complete authorization details say about each group, kept for the detections that judge
 * an event against posture (admin-group-membership): admin-capable (a policy grants full admin, or a path
 * to it) or not. A group with a policy that could not be read is left out: unknown, never "not admin".
 */
export interface GroupPosture {
  accountId: string
  asOf: string
  groups: Record<string, boolean>
}

export function groupPosture(accountId: string, inventory: AuthorizationInventory, asOf: Date): GroupPosture {
  const groups: Record<string, boolean> = Object.create(null)
  for (const g of inventory.groups) {
    if (g.unreadable.length > 0) continue
    const granting = g.policies.filter((p) => p.kind !== 'boundary')
    groups[g.name] =
      granting.some((p) => p.document.statements.some(isAdminStatement)) ||
      escalationPaths(granting).length > 0
  }
  return { accountId, asOf: asOf.toISOString(), groups }
}

/** Reads an account's group posture (the stored record of the latest scan); undefined when none. */
export type GroupPostureReader = (accountId: string) => Promise<GroupPosture | undefined>

/**
 * Posture facts for the detection engine, read ahead of detection (detect is synchronous and pure): the
 * handler calls `load` for the accounts of a delivery, then the facts answer from what was loaded. Each
 * account's record is re-read after `maxAgeMs` (a warm Lambda keeps it between invocations).
 */
export class LoadedPosture implements PostureFacts {
  private readonly loaded = new Map<string, { at: number; posture?: GroupPosture }>()
  private readonly read: GroupPostureReader
  private readonly maxAgeMs: number
  constructor(read: GroupPostureReader, maxAgeMs = 60_000) {
    this.read = read
    this.maxAgeMs = maxAgeMs
  }

  async load(accountIds: Iterable<string>, nowMs = Date.now()): Promise<void> {
    await Promise.all(
      [...new Set(accountIds)].map(async (id) => {
        const have = this.loaded.get(id)
        if (have && nowMs - have.at < this.maxAgeMs) return
        const posture = await this.read(id)
        this.loaded.set(id, { at: nowMs, ...(posture ? { posture } : {}) })
      }),
    )
  }

  groupIsAdmin(accountId: string, groupName: string): boolean | undefined {
    const groups = this.loaded.get(accountId)?.posture?.groups
    return groups && Object.hasOwn(groups, groupName) ? groups[groupName] : undefined
  }
}
