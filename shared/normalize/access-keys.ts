import type { AccessKeySlot, CredentialUser } from './credential-report.ts'

export interface ListedAccessKey {
  accessKeyId: string
  status: 'Active' | 'Inactive'
  createDate: Date
}

const SAME_INSTANT_MS = 1000

/**
 * Gives each report slot its AccessKeyId from ListAccessKeys. The report's last_rotated is the key's
 * creation date, so slots are matched on it (to the second); a key the report does not know (created
 * after the report) is ignored. Slots that cannot be matched keep no id and are reported back.
 */
export function joinAccessKeys(
  user: CredentialUser,
  listed: readonly ListedAccessKey[],
): { user: CredentialUser; unmatched: AccessKeySlot[] } {
  const remaining = [...listed]
  const unmatched: AccessKeySlot[] = []
  const accessKeys = user.accessKeys.map((slot) => {
    const i = remaining.findIndex(
      (k) => Math.abs(k.createDate.getTime() - slot.lastRotatedAt.getTime()) < SAME_INSTANT_MS,
    )
    if (i < 0) {
      unmatched.push(slot)
      return slot
    }
    const [key] = remaining.splice(i, 1)
    return { ...slot, accessKeyId: key!.accessKeyId }
  })
  return { user: { ...user, accessKeys }, unmatched }
}
