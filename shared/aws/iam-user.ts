import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type GetUserCommandOutput,
  type IAMClient,
  paginateListMFADevices,
} from '@aws-sdk/client-iam'
import type { AccessKeySlot, CredentialUser } from '../normalize/credential-report.ts'
import { errorCode } from './clients.ts'
import { listAccessKeys } from './iam-account.ts'

const notFound = (err: unknown) => ['NoSuchEntity', 'NoSuchEntityException'].includes(errorCode(err))

/**
 * One user's credentials, live (GetUser, GetLoginProfile, ListMFADevices, ListAccessKeys,
 * GetAccessKeyLastUsed), in the same shape the credential report gives, so the same checks judge it.
 * Null when the user does not exist (any more).
 */
export async function fetchUserCredentials(iam: IAMClient, userName: string): Promise<CredentialUser | null> {
  let user: GetUserCommandOutput
  try {
    user = await iam.send(new GetUserCommand({ UserName: userName }))
  } catch (err) {
    if (notFound(err)) return null
    throw err
  }
  const u = user.User
  if (!u?.Arn || !u.CreateDate) throw new Error(`GetUser ${userName} returned no ARN or creation date`)
  const [profile, mfaCount, keys] = await Promise.all([
    iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
      (r) => r.LoginProfile,
      (err) => {
        if (notFound(err)) return undefined
        throw err
      },
    ),
    countMfaDevices(iam, userName),
    listAccessKeys(iam, userName),
  ])
  const sorted = [...keys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime()).slice(0, 2)
  const accessKeys: AccessKeySlot[] = await Promise.all(
    sorted.map(async (k, i) => {
      const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.accessKeyId })))
        .AccessKeyLastUsed
      return {
        slot: (i + 1) as 1 | 2,
        active: k.status === 'Active',
        lastRotatedAt: k.createDate,
        accessKeyId: k.accessKeyId,
        ...(used?.LastUsedDate ? { lastUsedAt: used.LastUsedDate } : {}),
        ...(used?.Region && used.Region !== 'N/A' ? { lastUsedRegion: used.Region } : {}),
        ...(used?.ServiceName && used.ServiceName !== 'N/A' ? { lastUsedService: used.ServiceName } : {}),
      }
    }),
  )
  return {
    name: u.UserName ?? userName,
    arn: u.Arn,
    isRoot: false,
    createdAt: u.CreateDate,
    passwordEnabled: profile !== undefined,
    passwordUse: u.PasswordLastUsed ? { kind: 'used', at: u.PasswordLastUsed } : { kind: 'never' },
    // IAM does not expose the last password change live; the login profile's creation is the closest.
    ...(profile?.CreateDate ? { passwordLastChangedAt: profile.CreateDate } : {}),
    mfaActive: mfaCount > 0,
    accessKeys,
    certificates: [],
  }
}

async function countMfaDevices(iam: IAMClient, userName: string): Promise<number> {
  let n = 0
  for await (const page of paginateListMFADevices({ client: iam }, { UserName: userName }))
    n += page.MFADevices?.length ?? 0
  return n
}
