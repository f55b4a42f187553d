import type { CredentialInventory, Reading } from '../checks/sources.ts'
import { mapLimit } from '../engine/limit.ts'
import { type SourceScope, scopeUsers } from '../engine/scope.ts'
import type { CredentialUser } from '../normalize/credential-report.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import { describeError, type SourceContext, type SourceModule, unreadable } from './types.ts'

/** Live reads per event: more touched users than this are left to the next scan. */
export const MAX_LIVE_USERS = 25

/**
 * The credential checks' data (A1). For the account: the credential report (as of its GeneratedTime,
 * up to four hours old) joined with ListAccessKeys, GetAccountSummary and ListVirtualMFADevices. For an
 * event's users: each user read live (GetUser, GetLoginProfile, ListMFADevices, ListAccessKeys,
 * GetAccessKeyLastUsed), as of now.
 */
export const credentialsSource: SourceModule<'credentials'> = {
  name: 'credentials',
  actions: {
    account: [
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:ListAccessKeys',
      'iam:GetAccountSummary',
      'iam:ListVirtualMFADevices',
    ],
    principals: [
      'iam:GetUser',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
      'iam:ListAccessKeys',
      'iam:GetAccessKeyLastUsed',
    ],
  },
  collect(ctx, scope) {
    return scope.kind === 'account' ? readReport(ctx) : readUsers(ctx, scope)
  },
}

/** The user ids a live read answered for: `user/<name>`. */
const userId = (name: string) => `user/${name}`

async function readUsers(ctx: SourceContext, scope: SourceScope): Promise<Reading<CredentialInventory>> {
  const all = scopeUsers(scope) ?? []
  const names = all.slice(0, MAX_LIVE_USERS)
  const { fetchUserCredentials } = await import('../aws/iam-user.ts')
  const partial = new Map<string, string>()
  const problems: string[] = []
  if (all.length > names.length)
    problems.push(
      `${all.length - names.length} more touched users are left to the next scan (live reads are capped at ${MAX_LIVE_USERS})`,
    )
  const users: CredentialUser[] = []
  await mapLimit(names, 4, async (name) => {
    try {
      const user = await fetchUserCredentials(ctx.iam, name)
      if (user) users.push(user)
    } catch (err) {
      const why = `live read failed: ${describeError(err)}`
      partial.set(userId(name), why)
      problems.push(`${sanitizeForLog(name)}: ${why}`)
    }
  })
  return {
    data: { reportGeneratedAt: ctx.now, users, rootMfaKind: 'unknown' },
    covers: new Set(names.map(userId)),
    present: new Set(users.map((u) => userId(u.name))),
    complete: true,
    asOf: ctx.now,
    problems,
    partial,
  }
}

async function readReport(ctx: SourceContext): Promise<Reading<CredentialInventory>> {
  // Loaded on first use: the event handler reads users live and never parses a report.
  const [
    { fetchCredentialReport },
    { getRootSummary, listAccessKeys, rootHasVirtualMfa },
    { joinAccessKeys },
    { parseCredentialReport },
  ] = await Promise.all([
    import('../aws/credential-report.ts'),
    import('../aws/iam-account.ts'),
    import('../normalize/access-keys.ts'),
    import('../normalize/credential-report.ts'),
  ])
  let report: { csv: string; generatedAt: Date }
  try {
    report = await fetchCredentialReport(ctx.iam, ctx.report)
  } catch (err) {
    return unreadable(ctx.now, `credential report unavailable: ${describeError(err)}`)
  }
  const parsed = parseCredentialReport(report.csv)
  if (!parsed.readable)
    return { ...unreadable(ctx.now, 'credential report unreadable'), rejections: parsed.rejections }
  const reportAccount = (parsed.root?.arn ?? parsed.users[0]?.arn)?.split(':')[4]
  if (reportAccount && reportAccount !== ctx.accountId)
    return unreadable(
      ctx.now,
      `the credential report is for account ${reportAccount}, the credentials for ${ctx.accountId}`,
    )
  const problems: string[] = []
  const partial = new Map<string, string>()
  // A whole row rejected: its user is unknown, and an absent user may not be gone.
  const rowsRejected = parsed.rejections.filter((r) => r.line !== undefined && r.line > 1)
  for (const r of rowsRejected)
    if (r.subject) partial.set(userId(r.subject), `report row rejected: ${r.reason}`)
  // No root row: root is unknown, not gone.
  if (!parsed.root) partial.set('root', 'the report has no <root_account> row')
  const users = await mapLimit(parsed.users, 8, async (user): Promise<CredentialUser> => {
    if (user.accessKeys.length === 0) return user
    try {
      const joined = joinAccessKeys(user, await listAccessKeys(ctx.iam, user.name))
      // A key in the report that IAM no longer lists changed since the report: judge it later.
      if (joined.unmatched.length > 0) partial.set(userId(user.name), 'access keys changed since the report')
      return joined.user
    } catch (err) {
      const why = `ListAccessKeys failed: ${describeError(err)}`
      partial.set(userId(user.name), why)
      problems.push(`${sanitizeForLog(user.name)}: ${why}`)
      return user
    }
  })
  const [rootSummary, rootMfaKind] = await Promise.all([
    getRootSummary(ctx.iam).then(
      (summary) => ({ ...summary, readAt: ctx.now }),
      (err) => {
        problems.push(`GetAccountSummary failed: ${describeError(err)}`)
        partial.set('root', 'GetAccountSummary failed')
        return undefined
      },
    ),
    rootHasVirtualMfa(ctx.iam).then(
      (virtual): CredentialInventory['rootMfaKind'] => (virtual ? 'virtual' : 'not-virtual'),
      (err): CredentialInventory['rootMfaKind'] => {
        problems.push(`ListVirtualMFADevices failed: ${describeError(err)}`)
        return 'unknown'
      },
    ),
  ])
  return {
    data: {
      reportGeneratedAt: report.generatedAt,
      ...(parsed.root ? { root: parsed.root } : {}),
      users,
      ...(rootSummary ? { rootSummary } : {}),
      rootMfaKind,
    },
    complete: rowsRejected.length === 0 && parsed.root !== undefined,
    present: new Set([...(parsed.root ? ['root'] : []), ...users.map((u) => userId(u.name))]),
    asOf: report.generatedAt,
    problems,
    partial,
    // Rows rejected whole, and odd values that made one field unknown (the row was kept).
    rejections: [...parsed.rejections, ...parsed.fieldWarnings],
  }
}
