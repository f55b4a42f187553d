import { noSuchEntity, SimError } from '../errors.ts'
import { xmlMap } from '../xml.ts'
import { bool, integer } from './params.ts'
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
    AccountSigningCertificatesPresent: (account.root.signingCertificates ?? []).length > 0 ? 1 : 0,
    AccessKeysPerUserQuota: 2,
  }
  return { SummaryMap: xmlMap(summary) }
}

/**
 * IAM's ListOrganizationsFeatures: the centralized root access features of the caller's organization,
 * for its management account or IAM's delegated administrator (`iam.amazonaws.com`). Its errors' codes
 * on the wire are their shape names, `...Exception` included: unlike IAM's older errors, IAM's model
 * gives them no shorter Query error code (the API reference's headings drop the suffix).
 */
export const ListOrganizationsFeatures: ActionHandler = ({ account, world }) => {
  const org = world.organization
  if (!org?.accounts.has(account.accountId))
    throw new SimError(
      'OrganizationNotFoundException',
      400,
      'The request was rejected because no organization is associated with your account.',
    )
  if (
    account.accountId !== org.managementAccountId &&
    !org.isDelegatedAdministrator(account.accountId, 'iam.amazonaws.com')
  )
    throw new SimError(
      'AccountNotManagementOrDelegatedAdministratorException',
      400,
      'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
    )
  return { OrganizationId: org.id, EnabledFeatures: [...org.features] }
}

/**
 * Replaces the password policy: a parameter left out takes its default (IAM does not merge with the
 * current policy): 6 characters, no character classes, no expiry, no reuse prevention.
 */
export const UpdateAccountPasswordPolicy: ActionHandler = (ctx) => {
  const maxPasswordAge = integer(ctx, 'MaxPasswordAge', 1, 1095)
  const passwordReusePrevention = integer(ctx, 'PasswordReusePrevention', 1, 24)
  ctx.account.passwordPolicy = {
    minimumPasswordLength: integer(ctx, 'MinimumPasswordLength', 6, 128) ?? 6,
    requireSymbols: bool(ctx, 'RequireSymbols') ?? false,
    requireNumbers: bool(ctx, 'RequireNumbers') ?? false,
    requireUppercaseCharacters: bool(ctx, 'RequireUppercaseCharacters') ?? false,
    requireLowercaseCharacters: bool(ctx, 'RequireLowercaseCharacters') ?? false,
    allowUsersToChangePassword: bool(ctx, 'AllowUsersToChangePassword') ?? false,
    ...(maxPasswordAge !== undefined ? { maxPasswordAge, hardExpiry: bool(ctx, 'HardExpiry') ?? false } : {}),
    ...(passwordReusePrevention !== undefined ? { passwordReusePrevention } : {}),
  }
  return {}
}

export const DeleteAccountPasswordPolicy: ActionHandler = ({ account }) => {
  if (!account.passwordPolicy)
    throw noSuchEntity('The account policy with name PasswordPolicy cannot be found.')
  account.passwordPolicy = null
  return {}
}
