import type { Outcome, ResourceRef } from '../model/finding.ts'
import type { AccessKeySlot, CredentialUser, ReportColumn } from '../normalize/credential-report.ts'
import { pass } from './types.ts'

/** The same id the authorization checks give a user (`user/<name>`): one user, one resource id. */
export function userResource(user: CredentialUser): ResourceRef {
  return { type: 'AwsIamUser', id: `user/${user.name}`, arn: user.arn }
}

export function rootResource(accountId: string, arn?: string): ResourceRef {
  return { type: 'AwsAccount', id: 'root', arn: arn ?? `arn:aws:iam::${accountId}:root` }
}

export function passwordPolicyResource(accountId: string): ResourceRef {
  return { type: 'AwsIamPasswordPolicy', id: 'password-policy', arn: `arn:aws:iam::${accountId}:root` }
}

/**
 * The credential a key finding is about: the AccessKeyId, or for root (whose keys an IAM principal
 * cannot list) the report slot. Undefined when a user's key could not be joined with ListAccessKeys;
 * such a key is skipped rather than given an id that would change later.
 */
export function keyCredentialId(user: CredentialUser, key: AccessKeySlot): string | undefined {
  return user.isRoot ? `access_key_${key.slot}` : key.accessKeyId
}

export function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null
}

/** The report column of one of a key's fields: `access_key_<slot>_last_used_date`, ... */
export function keyColumn(
  key: Pick<AccessKeySlot, 'slot'>,
  field: 'last_used_date' | 'last_used_region' | 'last_used_service',
): ReportColumn {
  return `access_key_${key.slot}_${field}`
}

/** Of these report columns, the ones whose value was unexpected for this user (see unknownFields). */
export function unknownColumns(user: CredentialUser, ...columns: ReportColumn[]): ReportColumn[] {
  return columns.filter((c) => user.unknownFields?.includes(c))
}

/**
 * Why a check cannot judge: the first of the report columns it reads whose value was unexpected, as
 * `<column> has an unexpected value`; undefined when every one was readable.
 */
export function unreadableReason(user: CredentialUser, ...columns: ReportColumn[]): string | undefined {
  const [column] = unknownColumns(user, ...columns)
  return column && unexpectedValue(column)
}

/** The reason an outcome gives for a report column whose value was unexpected. */
export function unexpectedValue(column: ReportColumn): string {
  return `${column} has an unexpected value`
}

/**
 * One outcome per access key of the user that can be named (joined to its AccessKeyId): an inactive key
 * passes (it is compliant, so its finding resolves as passed, not as gone); `judge` decides active ones.
 */
export function judgeActiveKeys(
  checkId: string,
  user: CredentialUser,
  judge: (key: AccessKeySlot, credentialId: string) => Outcome,
): Outcome[] {
  return user.accessKeys.flatMap((key) => {
    const credentialId = keyCredentialId(user, key)
    if (!credentialId) return []
    if (!key.active) return [pass(checkId, userResource(user), { active: false }, { credentialId })]
    return [judge(key, credentialId)]
  })
}
