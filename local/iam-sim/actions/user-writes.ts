import { randomBytes } from 'node:crypto'
import { noSuchEntity, SimError, validationError } from '../errors.ts'
import { newId, type SimAccessKey, type SimAccount, type SimUser } from '../model.ts'
import type { XmlNode } from '../xml.ts'
import {
  alreadyExists,
  attachablePolicy,
  bool,
  deleteConflict,
  limitExceeded,
  name,
  path,
  QUOTAS,
  required,
  tags,
  targetUser,
  userNamed,
} from './params.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/** A user as GetUser and CreateUser render it: the User shape with its boundary and tags. */
export function fullUserNode(account: SimAccount, u: SimUser): XmlNode {
  return {
    ...account.userNode(u),
    PermissionsBoundary: u.policies?.boundary
      ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: u.policies.boundary }
      : undefined,
    Tags: u.tags,
  }
}

export const CreateUser: ActionHandler = (ctx) => {
  const { account } = ctx
  const userName = name(ctx, 'UserName')
  const userPath = path(ctx)
  const userTags = tags(ctx)
  const boundary = ctx.params.get('PermissionsBoundary')
  if ([...account.users.keys()].some((n) => n.toLowerCase() === userName.toLowerCase()))
    throw alreadyExists(`User with name ${userName} already exists.`)
  if (boundary) attachablePolicy(ctx, boundary)
  const user: SimUser = {
    name: userName,
    userId: newId('AIDA', 17),
    path: userPath,
    createDate: account.now(),
    accessKeys: [],
    mfaDevices: [],
    groups: [],
    policies: { attached: [], inline: new Map(), ...(boundary ? { boundary } : {}) },
    ...(userTags ? { tags: userTags } : {}),
  }
  account.users.set(userName, user)
  return { User: fullUserNode(account, user) }
}

/** IAM refuses to delete a user that still has credentials, policies or groups, naming the first it finds. */
export const DeleteUser: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  const conflict = user.loginProfile
    ? 'must delete login profile first'
    : user.accessKeys.length > 0
      ? 'must delete access keys first'
      : user.mfaDevices.length > 0
        ? 'must delete MFA device first'
        : (user.policies?.inline.size ?? 0) > 0
          ? 'must delete policies first'
          : (user.policies?.attached.length ?? 0) > 0
            ? 'must detach all policies first'
            : user.groups.length > 0
              ? 'must remove user from group first'
              : undefined
  if (conflict) throw deleteConflict(`Cannot delete entity, ${conflict}.`)
  ctx.account.users.delete(user.name)
  return {}
}

export const TagUser: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  const added = tags(ctx) ?? []
  const merged = new Map((user.tags ?? []).map((t) => [t.Key, t.Value]))
  for (const t of added) merged.set(t.Key, t.Value)
  if (merged.size > QUOTAS.tagsPerResource)
    throw limitExceeded(`Cannot exceed quota for TagsPerUser: ${QUOTAS.tagsPerResource}`)
  user.tags = [...merged].map(([Key, Value]) => ({ Key, Value }))
  return {}
}

const CLASSES: Array<[keyof NonNullable<SimAccount['passwordPolicy']>, RegExp, string]> = [
  ['requireUppercaseCharacters', /[A-Z]/, 'at least one uppercase letter'],
  ['requireLowercaseCharacters', /[a-z]/, 'at least one lowercase letter'],
  ['requireNumbers', /[0-9]/, 'at least one number'],
  ['requireSymbols', /[^A-Za-z0-9]/, 'at least one symbol'],
]

/** The account's password policy (or IAM's default one: 8 characters, three of four character types). */
function checkPassword(account: SimAccount, password: string): void {
  const violation = (what: string) =>
    new SimError('PasswordPolicyViolation', 400, `Password should have ${what}`)
  const policy = account.passwordPolicy
  if (!policy) {
    if (password.length < 8) throw violation('a minimum length of 8')
    if (CLASSES.filter(([, re]) => re.test(password)).length < 3)
      throw violation('at least three of: uppercase letters, lowercase letters, numbers, symbols')
    return
  }
  const min = policy.minimumPasswordLength ?? 6
  if (password.length < min) throw violation(`a minimum length of ${min}`)
  for (const [flag, re, what] of CLASSES) if (policy[flag] && !re.test(password)) throw violation(what)
}

function loginProfileNode(user: SimUser): XmlNode {
  return {
    LoginProfile: {
      UserName: user.name,
      CreateDate: user.loginProfile!.createDate,
      PasswordResetRequired: user.loginProfile!.passwordResetRequired,
    },
  }
}

function consoleUser(ctx: ActionContext): SimUser {
  const target = targetUser(ctx)
  if (target === 'root')
    throw new SimError('InvalidInput', 400, 'The root user manages its password through the console sign-in.')
  return target
}

export const CreateLoginProfile: ActionHandler = (ctx) => {
  const user = consoleUser(ctx)
  if (user.loginProfile) throw alreadyExists(`Login Profile for user ${user.name} already exists.`)
  const password = ctx.params.get('Password')
  if (password !== null) checkPassword(ctx.account, password)
  const now = ctx.account.now()
  user.loginProfile = {
    createDate: now,
    passwordLastChanged: now,
    passwordResetRequired: bool(ctx, 'PasswordResetRequired') ?? false,
  }
  return loginProfileNode(user)
}

export const UpdateLoginProfile: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${user.name} cannot be found.`)
  const password = ctx.params.get('Password')
  if (password !== null) {
    checkPassword(ctx.account, password)
    user.loginProfile.passwordLastChanged = ctx.account.now()
  }
  const reset = bool(ctx, 'PasswordResetRequired')
  if (reset !== undefined) user.loginProfile.passwordResetRequired = reset
  return {}
}

export const DeleteLoginProfile: ActionHandler = (ctx) => {
  const user = consoleUser(ctx)
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${user.name} cannot be found.`)
  delete user.loginProfile
  return {}
}

/** The access keys a key call acts on: the named user's, or the caller's own (root's for root). */
function keyHolder(ctx: ActionContext): {
  keys: SimAccessKey[]
  set: (k: SimAccessKey[]) => void
  user?: SimUser
} {
  const target = targetUser(ctx)
  if (target === 'root')
    return { keys: ctx.account.root.accessKeys, set: (k) => (ctx.account.root.accessKeys = k) }
  return { keys: target.accessKeys, set: (k) => (target.accessKeys = k), user: target }
}

function accessKeyNamed(ctx: ActionContext, keys: SimAccessKey[]): SimAccessKey {
  const id = required(ctx, 'AccessKeyId')
  const key = keys.find((k) => k.id === id)
  if (!key) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`)
  return key
}

export const CreateAccessKey: ActionHandler = (ctx) => {
  const holder = keyHolder(ctx)
  if (holder.keys.length >= QUOTAS.accessKeysPerUser)
    throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${QUOTAS.accessKeysPerUser}`)
  const key: SimAccessKey = {
    id: newId('AKIA'),
    status: 'Active',
    createDate: ctx.account.now(),
    secret: randomBytes(30).toString('base64'),
  }
  holder.keys.push(key)
  return {
    AccessKey: {
      UserName: holder.user?.name,
      AccessKeyId: key.id,
      Status: key.status,
      SecretAccessKey: key.secret,
      CreateDate: key.createDate,
    },
  }
}

export const UpdateAccessKey: ActionHandler = (ctx) => {
  const holder = keyHolder(ctx)
  const key = accessKeyNamed(ctx, holder.keys)
  const status = required(ctx, 'Status')
  if (status !== 'Active' && status !== 'Inactive')
    throw validationError(
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    )
  key.status = status
  return {}
}

export const DeleteAccessKey: ActionHandler = (ctx) => {
  const holder = keyHolder(ctx)
  const key = accessKeyNamed(ctx, holder.keys)
  holder.set(holder.keys.filter((k) => k !== key))
  return {}
}

const mfaArn = (ctx: ActionContext, devicePath: string, deviceName: string) =>
  ctx.account.arn(`mfa${devicePath}${deviceName}`)

/** Every virtual MFA device's serial in the account: assigned (root's, users') and unassigned. */
function virtualSerials(account: SimAccount): Set<string> {
  return new Set([
    ...(account.root.mfa?.kind === 'virtual' ? [account.root.mfa.serialNumber] : []),
    ...[...account.users.values()].flatMap((u) =>
      u.mfaDevices.filter((d) => d.kind === 'virtual').map((d) => d.serialNumber),
    ),
    ...account.unassignedVirtualMfa.map((d) => d.serialNumber),
  ])
}

/** A QR code stand-in: a valid 1x1 PNG (IAM's is a real QR code of the otpauth URI). */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

export const CreateVirtualMFADevice: ActionHandler = (ctx) => {
  const deviceName = name(ctx, 'VirtualMFADeviceName', 226)
  const serial = mfaArn(ctx, path(ctx), deviceName)
  tags(ctx)
  if (virtualSerials(ctx.account).has(serial))
    throw alreadyExists('MFADevice entity at the same path and name already exists.')
  ctx.account.unassignedVirtualMfa.push({
    serialNumber: serial,
    kind: 'virtual',
    enableDate: ctx.account.now(),
  })
  // The seed is a base32 string; the Query protocol carries both blobs base64-encoded.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const seed = Array.from(randomBytes(64), (b) => alphabet[b % 32]).join('')
  return {
    VirtualMFADevice: {
      SerialNumber: serial,
      Base32StringSeed: Buffer.from(seed).toString('base64'),
      QRCodePNG: PNG_1X1,
    },
  }
}

export const EnableMFADevice: ActionHandler = (ctx) => {
  const user = userNamed(ctx, required(ctx, 'UserName'))
  const serial = required(ctx, 'SerialNumber')
  for (const code of ['AuthenticationCode1', 'AuthenticationCode2']) {
    if (!/^\d{6}$/.test(required(ctx, code)))
      throw new SimError('InvalidAuthenticationCode', 403, 'Authentication code for device is not valid.')
  }
  const { account } = ctx
  const inUse = [...account.users.values()].some((u) => u.mfaDevices.some((d) => d.serialNumber === serial))
  if (inUse || account.root.mfa?.serialNumber === serial) throw alreadyExists('MFA Device is already in use.')
  if (user.mfaDevices.length >= QUOTAS.mfaDevicesPerUser)
    throw limitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${QUOTAS.mfaDevicesPerUser}`)
  const now = account.now()
  if (serial.startsWith('arn:')) {
    // A virtual device: it must have been created (CreateVirtualMFADevice) and not yet assigned.
    const i = account.unassignedVirtualMfa.findIndex((d) => d.serialNumber === serial)
    if (i < 0) throw noSuchEntity(`VirtualMFADevice with serial number ${serial} does not exist.`)
    account.unassignedVirtualMfa.splice(i, 1)
    user.mfaDevices.push({ serialNumber: serial, kind: 'virtual', enableDate: now })
  } else {
    user.mfaDevices.push({ serialNumber: serial, kind: 'hardware', enableDate: now })
  }
  return {}
}

export const DeactivateMFADevice: ActionHandler = (ctx) => {
  const target = targetUser(ctx)
  const serial = required(ctx, 'SerialNumber')
  if (target === 'root') {
    if (ctx.account.root.mfa?.serialNumber !== serial)
      throw noSuchEntity(`MFA Device with serial number ${serial} does not exist.`)
    const device = ctx.account.root.mfa
    delete ctx.account.root.mfa
    if (device.kind === 'virtual') ctx.account.unassignedVirtualMfa.push(device)
    return {}
  }
  const device = target.mfaDevices.find((d) => d.serialNumber === serial)
  if (!device) throw noSuchEntity(`MFA Device with serial number ${serial} does not exist.`)
  target.mfaDevices = target.mfaDevices.filter((d) => d !== device)
  // A virtual device stays in the account, unassigned, until it is deleted.
  if (device.kind === 'virtual') ctx.account.unassignedVirtualMfa.push(device)
  return {}
}

export const DeleteVirtualMFADevice: ActionHandler = (ctx) => {
  const serial = required(ctx, 'SerialNumber')
  const { account } = ctx
  const i = account.unassignedVirtualMfa.findIndex((d) => d.serialNumber === serial)
  if (i >= 0) {
    account.unassignedVirtualMfa.splice(i, 1)
    return {}
  }
  if (virtualSerials(account).has(serial)) throw deleteConflict('MFA Device is still in use')
  throw noSuchEntity(`VirtualMFADevice with serial number ${serial} does not exist.`)
}

export const CreateGroup: ActionHandler = (ctx) => {
  const groupName = name(ctx, 'GroupName', 128)
  const groupPath = path(ctx)
  const { account } = ctx
  if ([...account.groups.keys()].some((n) => n.toLowerCase() === groupName.toLowerCase()))
    throw alreadyExists(`Group with name ${groupName} already exists.`)
  const group = {
    name: groupName,
    groupId: newId('AGPA', 17),
    path: groupPath,
    createDate: account.now(),
    policies: { attached: [], inline: new Map<string, string>() },
  }
  account.groups.set(groupName, group)
  return {
    Group: {
      Path: group.path,
      GroupName: group.name,
      GroupId: group.groupId,
      Arn: account.arn(`group${group.path}${group.name}`),
      CreateDate: group.createDate,
    },
  }
}

function groupNamed(ctx: ActionContext, groupName: string) {
  const group = ctx.account.groups.get(groupName)
  if (!group) throw noSuchEntity(`The group with name ${groupName} cannot be found.`)
  return group
}

export const AddUserToGroup: ActionHandler = (ctx) => {
  const group = groupNamed(ctx, required(ctx, 'GroupName'))
  const user = userNamed(ctx, required(ctx, 'UserName'))
  if (user.groups.includes(group.name)) return {}
  if (user.groups.length >= QUOTAS.groupsPerUser)
    throw limitExceeded(`Cannot exceed quota for GroupsPerUser: ${QUOTAS.groupsPerUser}`)
  user.groups.push(group.name)
  return {}
}

export const RemoveUserFromGroup: ActionHandler = (ctx) => {
  const group = groupNamed(ctx, required(ctx, 'GroupName'))
  const user = userNamed(ctx, required(ctx, 'UserName'))
  if (!user.groups.includes(group.name))
    throw noSuchEntity(`The user with name ${user.name} cannot be found in group ${group.name}.`)
  user.groups = user.groups.filter((g) => g !== group.name)
  return {}
}
