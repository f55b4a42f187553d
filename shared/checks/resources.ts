import type { ResourceRef } from '../model/finding.ts'
import type { AccessKeySlot, CredentialUser } from '../normalize/credential-report.ts'

export function userResource(user: CredentialUser): ResourceRef {
  return { type: 'AwsIamUser', id: user.name, arn: user.arn }
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
