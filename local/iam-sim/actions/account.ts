import { noSuchEntity } from '../errors.ts'
import { xmlMap } from '../xml.ts'
import type { ActionHandler } from './types.ts'

export const GetAccountPasswordPolicy: ActionHandler = ({ account }) => {
  const p = account.passwordPolicy
  if (!p) throw noSuchEntity(`The Password Policy with domain name ${account.accountId} cannot be found.`)
  return {
    PasswordPolicy: {
      MinimumPasswordLength: p.minimumPasswordLength,
      RequireSymbols: p.requireSymbols ?? false,
      RequireNumbers: p.requireNumbers ?? false,
      RequireUppercaseCharacters: p.requireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: p.requireLowercaseCharacters ?? false,
      AllowUsersToChangePassword: p.allowUsersToChangePassword ?? false,
      ExpirePasswords: p.maxPasswordAge !== undefined,
      MaxPasswordAge: p.maxPasswordAge,
      PasswordReusePrevention: p.passwordReusePrevention,
      HardExpiry: p.hardExpiry,
    },
  }
}

export const GetAccountSummary: ActionHandler = ({ account }) => {
  const users = [...account.users.values()]
  const summary: Record<string, number> = {
    Users: users.length,
    UsersQuota: 5000,
    Groups: account.groups.size,
    GroupsQuota: 300,
    MFADevices: users.reduce((n, u) => n + u.mfaDevices.length, 0) + (account.root.mfa ? 1 : 0),
    MFADevicesInUse: users.filter((u) => u.mfaDevices.length > 0).length + (account.root.mfa ? 1 : 0),
    AccountMFAEnabled: account.root.mfa ? 1 : 0,
    AccountAccessKeysPresent: account.root.accessKeys.length > 0 ? 1 : 0,
    AccountPasswordPresent: account.root.hasPassword ? 1 : 0,
    AccountSigningCertificatesPresent: 0,
    AccessKeysPerUserQuota: 2,
  }
  return { SummaryMap: xmlMap(summary) }
}
