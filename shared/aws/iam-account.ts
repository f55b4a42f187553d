import {
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  type IAMClient,
  paginateListAccessKeys,
  paginateListVirtualMFADevices,
} from '@aws-sdk/client-iam'
import type { PasswordPolicy, RootSummary } from '../checks/sources.ts'
import type { ListedAccessKey } from '../normalize/access-keys.ts'
import { errorCode } from './clients.ts'

/** GetAccountPasswordPolicy; NoSuchEntity means the account has no policy (null). */
export async function getPasswordPolicy(iam: IAMClient): Promise<PasswordPolicy | null> {
  try {
    const { PasswordPolicy: p } = await iam.send(new GetAccountPasswordPolicyCommand({}))
    if (!p) return null
    return {
      minimumPasswordLength: p.MinimumPasswordLength,
      requireSymbols: p.RequireSymbols,
      requireNumbers: p.RequireNumbers,
      requireUppercaseCharacters: p.RequireUppercaseCharacters,
      requireLowercaseCharacters: p.RequireLowercaseCharacters,
      allowUsersToChangePassword: p.AllowUsersToChangePassword,
      expirePasswords: p.ExpirePasswords,
      maxPasswordAge: p.MaxPasswordAge,
      passwordReusePrevention: p.PasswordReusePrevention,
      hardExpiry: p.HardExpiry,
    }
  } catch (err) {
    if (errorCode(err) === 'NoSuchEntity' || errorCode(err) === 'NoSuchEntityException') return null
    throw err
  }
}

export async function getRootSummary(iam: IAMClient): Promise<RootSummary> {
  const { SummaryMap: m = {} } = await iam.send(new GetAccountSummaryCommand({}))
  const flag = (key: keyof typeof m) => {
    const value = m[key]
    return value === undefined ? undefined : value > 0
  }
  return {
    mfaEnabled: flag('AccountMFAEnabled'),
    passwordPresent: flag('AccountPasswordPresent'),
    accessKeysPresent: flag('AccountAccessKeysPresent'),
  }
}

export async function listAccessKeys(iam: IAMClient, userName: string): Promise<ListedAccessKey[]> {
  const keys: ListedAccessKey[] = []
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
    for (const k of page.AccessKeyMetadata ?? []) {
      if (k.AccessKeyId && k.CreateDate) {
        keys.push({
          accessKeyId: k.AccessKeyId,
          status: k.Status === 'Active' ? 'Active' : 'Inactive',
          createDate: k.CreateDate,
        })
      }
    }
  }
  return keys
}

/** Is a virtual MFA device assigned to the root user? */
export async function rootHasVirtualMfa(iam: IAMClient): Promise<boolean> {
  for await (const page of paginateListVirtualMFADevices({ client: iam }, { AssignmentStatus: 'Assigned' })) {
    for (const d of page.VirtualMFADevices ?? []) {
      if (d.User?.Arn?.endsWith(':root') || d.SerialNumber?.endsWith(':mfa/root-account-mfa-device'))
        return true
    }
  }
  return false
}
