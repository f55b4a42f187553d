import type { IAMClient } from '@aws-sdk/client-iam'
import { errorCode, mapLimit } from '../aws/clients.ts'
import { fetchCredentialReport, type ReportOptions } from '../aws/credential-report.ts'
import { getPasswordPolicy, getRootSummary, listAccessKeys, rootHasVirtualMfa } from '../aws/iam-account.ts'
import type { CheckSources, CredentialInventory } from '../checks/sources.ts'
import { joinAccessKeys } from '../normalize/access-keys.ts'
import { type CredentialUser, parseCredentialReport } from '../normalize/credential-report.ts'
import type { Rejection } from '../normalize/rejection.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'

export interface CollectedCredentials {
  accountId?: string
  sources: Partial<Pick<CheckSources, 'credentials' | 'passwordPolicy'>>
  rejections: Rejection[]
  /** What could not be read; any entry makes the scan degraded. */
  incomplete: string[]
}

const describe = (err: unknown) => `${errorCode(err)}: ${sanitizeForLog((err as Error)?.message ?? err, 200)}`

/** Reads everything the A1/A2 checks need. Failures of one source never stop the others. */
export async function collectCredentials(
  iam: IAMClient,
  report: ReportOptions = {},
): Promise<CollectedCredentials> {
  const result: CollectedCredentials = { sources: {}, rejections: [], incomplete: [] }

  const [inventory, policy] = await Promise.all([
    readInventory(iam, report, result),
    getPasswordPolicy(iam).then(
      (p) => ({ policy: p }),
      (err) => {
        result.incomplete.push(`GetAccountPasswordPolicy failed: ${describe(err)}`)
        return undefined
      },
    ),
  ])
  if (inventory) result.sources.credentials = inventory
  if (policy) result.sources.passwordPolicy = policy
  return result
}

async function readInventory(iam: IAMClient, options: ReportOptions, result: CollectedCredentials) {
  let report: { csv: string; generatedAt: Date }
  try {
    report = await fetchCredentialReport(iam, options)
  } catch (err) {
    result.incomplete.push(`credential report unavailable: ${describe(err)}`)
    return undefined
  }
  const parsed = parseCredentialReport(report.csv)
  result.rejections.push(...parsed.rejections)
  if (!parsed.readable) return undefined
  const anyArn = parsed.root?.arn ?? parsed.users[0]?.arn
  result.accountId = anyArn?.split(':')[4]

  const users = await mapLimit(parsed.users, 8, async (user): Promise<CredentialUser> => {
    if (user.accessKeys.length === 0) return user
    try {
      return joinAccessKeys(user, await listAccessKeys(iam, user.name)).user
    } catch (err) {
      result.incomplete.push(`ListAccessKeys ${sanitizeForLog(user.name)} failed: ${describe(err)}`)
      return user
    }
  })
  const [rootSummary, rootMfaKind] = await Promise.all([
    getRootSummary(iam).catch((err) => {
      result.incomplete.push(`GetAccountSummary failed: ${describe(err)}`)
      return undefined
    }),
    rootHasVirtualMfa(iam).then(
      (virtual): CredentialInventory['rootMfaKind'] => (virtual ? 'virtual' : 'not-virtual'),
      (err): CredentialInventory['rootMfaKind'] => {
        result.incomplete.push(`ListVirtualMFADevices failed: ${describe(err)}`)
        return 'unknown'
      },
    ),
  ])
  const inventory: CredentialInventory = {
    reportGeneratedAt: report.generatedAt,
    ...(parsed.root ? { root: parsed.root } : {}),
    users,
    ...(rootSummary ? { rootSummary } : {}),
    rootMfaKind,
  }
  return inventory
}
