import {
  type AlertGroup,
  type AlertGroupsRepository,
  type GroupingParams,
  isDue,
} from '../engine/alert-groups.ts'
import { buildFollowUp, followUpId } from '../notify/follow-up.ts'
import type { AlertMessage } from '../notify/message.ts'
import type { Log } from './log.ts'

export interface FlushDeps {
  groups: AlertGroupsRepository
  publish: (alert: AlertMessage) => Promise<string>
  log: Log
  now: () => Date
}

/**
 * Sends a group's follow-up, once: the group is claimed first (`closing`, only if nothing joined since
 * it was read), so no occurrence joins a group whose follow-up is on its way; then published; then
 * marked `sent`. A sender that dies between claim and mark leaves it `closing`, and a tick claims it
 * again once the claim is stale (a duplicate only if it died after publishing, as with every alert).
 * 'moved': an occurrence joined or another sender claimed or sent it; the caller reads it again.
 */
export async function flushGroup(group: AlertGroup, deps: FlushDeps): Promise<'sent' | 'empty' | 'moved'> {
  if (group.status === 'sent') return 'moved'
  // Claimed (again, for a claim a crashed sender left): the claim is conditional on the group as read,
  // its update time included, so of two senders only one goes on.
  const claimed: AlertGroup = { ...group, status: 'closing', updatedAt: deps.now().toISOString() }
  if (!(await deps.groups.replace(group, claimed))) return 'moved'
  if (claimed.count === 0) {
    // Nothing joined: nothing to tell; the group is closed so the next occurrence alerts.
    await deps.groups.replace(claimed, { ...claimed, status: 'sent', sentAt: deps.now().toISOString() })
    return 'empty'
  }
  const messageId = await deps.publish(buildFollowUp(claimed))
  const at = deps.now().toISOString()
  if (!(await deps.groups.replace(claimed, { ...claimed, status: 'sent', messageId, sentAt: at })))
    deps.log.warn('group follow-up sent concurrently', { group: followUpId(claimed) })
  deps.log.info('occurrences follow-up sent', {
    group: followUpId(claimed),
    count: claimed.count,
    messageId,
  })
  return 'sent'
}

/** The tick's part: every group whose follow-up is due is sent. */
export async function flushDueGroups(
  deps: FlushDeps & { params: GroupingParams },
): Promise<{ sent: number; failed: number }> {
  const now = deps.now()
  let sent = 0
  let failed = 0
  for (const group of await deps.groups.unsent()) {
    if (!isDue(group, now, deps.params)) continue
    try {
      if ((await flushGroup(group, deps)) === 'sent') sent++
    } catch (err) {
      failed++
      deps.log.error('occurrences follow-up failed; the next tick retries', {
        group: followUpId(group),
        error: String((err as Error)?.message ?? err),
      })
    }
  }
  return { sent, failed }
}
