import * as v from 'valibot'
import { type AccountSessions, ReaderDenied } from '../aws/account-sessions.ts'
import type { ReportOptions } from '../aws/credential-report.ts'
import { mapLimit } from '../engine/limit.ts'
import type { AccountScanRequest, OrgAccount, OrgDirectory } from '../organization/model.ts'
import { accountLog } from './log.ts'
import {
  concurrencyOf,
  departures,
  keepKnownPaths,
  loadDirectory,
  newDispatchId,
  type OrganizationDeps,
  type OrganizationPartResult,
  resolveDeparted,
  runOrganizationPart,
  sessionsOf,
} from './organization.ts'
import { runScan, type ScanPart, type ScanSummary } from './scan.ts'

export interface AccountScanDeps extends OrganizationDeps {
  report?: ReportOptions
  deadline?: Date
}

/**
 * One account's scan: the central account with its own clients, a member through its reader role. The
 * same runScan as a single-account deployment; findings are the account's and carry its name. A reader
 * role that is denied fails the scan (ReaderDenied) before anything is read or resolved.
 */
export async function scanAccount(deps: AccountScanDeps, request: AccountScanRequest): Promise<ScanSummary> {
  // A request queued before its account left: scanning it now would reopen what account-gone resolved.
  const directory = await deps.store?.records.directory()
  if (
    directory?.complete &&
    request.accountId !== directory.centralAccountId &&
    !directory.accounts.some((a) => a.id === request.accountId && a.status !== 'CLOSED')
  )
    throw new AccountNotInDirectory(
      `${request.accountId} is no longer in the organization (discovered ${directory.asOf})`,
    )
  const sessions = sessionsOf(deps)
  try {
    return await scanWith(sessions, deps, request, directory)
  } finally {
    // Sessions made for this scan close their connections; shared ones are their owner's.
    if (!deps.sessions) sessions.destroy()
  }
}

async function scanWith(
  sessions: AccountSessions,
  deps: AccountScanDeps,
  request: AccountScanRequest,
  directory: OrgDirectory | undefined,
): Promise<ScanSummary> {
  await sessions.verify(request.accountId)
  const clients = sessions.clientsFor(request.accountId)
  return runScan(
    {
      iam: clients.iam,
      cloudTrail: clients.cloudTrail,
      accessAnalyzer: clients.accessAnalyzer,
      accountId: request.accountId,
      accountName: request.accountName,
      ...(directory ? { organizationAccounts: directory.accounts.map((a) => a.id) } : {}),
      ...(deps.store ? { store: deps.store } : {}),
      config: deps.config,
      region: deps.region,
      log: accountLog(deps.log, request.accountId),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.report ? { report: deps.report } : {}),
      ...(deps.deadline ? { deadline: deps.deadline } : {}),
      parts: request.parts as ScanPart[],
    },
    // The account and its parts: the daily dispatch sends an account's parts as separate requests.
    `${request.dispatchId}:${request.accountId}:${request.parts.join('+')}`,
  )
}

/** The account of a request is not in the organization any more (the latest complete discovery). */
export class AccountNotInDirectory extends Error {
  override name = 'AccountNotInDirectory'
}

export interface DispatchResult {
  dispatchId: string
  directory: OrgDirectory
  organization: Omit<OrganizationPartResult, 'probes'>
  goneAccounts: string[]
  /** One per member account to scan (the central account is scanned by its own scheduled functions). */
  requests: AccountScanRequest[]
  problems: string[]
}

/**
 * The central account's dispatch, on each schedule: discover who is in the organization (or read the
 * configured list), keep the directory, resolve the findings of accounts that left (a complete discovery
 * only), run the organization checks on every account, and ask for one scan per reachable member.
 */
export async function dispatchOrganization(
  deps: OrganizationDeps & { parts: readonly ScanPart[]; includeCentral?: boolean; together?: boolean },
): Promise<DispatchResult> {
  const now = deps.now?.() ?? new Date()
  const dispatchId = newDispatchId(deps.parts)
  const previous = await deps.store?.records.directory()
  const loaded = await loadDirectory(deps, now)
  for (const p of loaded.problems) deps.log.warn('organization incompletely read', { detail: p })
  const problems = loaded.problems
  const discovered = keepKnownPaths(loaded.directory, previous)
  const departed = departures(previous, discovered, now)
  const directory: OrgDirectory = { ...discovered, ...(departed.length ? { departed } : {}) }
  const known = new Set((previous?.departed ?? []).map((d) => d.id))
  const goneAccounts = departed.filter((d) => !known.has(d.id)).map((d) => d.id)
  if (deps.store) {
    // The directory first (with who left): a crash after it still has the next dispatch resolve them.
    await deps.store.records.putDirectory(directory)
    // As of the discovery's second: the credential report's GeneratedTime has whole seconds, so a report made
    // after an account came back, in the same second, is still as new as its departure (and reopens).
    const asOf = new Date(Math.floor(Date.parse(directory.asOf) / 1000) * 1000).toISOString()
    await resolveDeparted(deps.store, departed, asOf, dispatchId, now, deps.log)
  }
  const { probes: _probes, ...organization } = await runOrganizationPart(deps, directory, dispatchId)
  // An OU path that could not be read is a degraded dispatch, even though every account was found.
  if (problems.length > 0) organization.status = 'degraded'
  const requests = organization.reachable
    .filter((a) => deps.includeCentral || a.id !== deps.centralAccountId)
    // One request per (account, part): each part of an account has a function's whole time, and one part
    // failing is retried alone. The CLI, in one process, scans an account's parts together.
    .flatMap((a) =>
      deps.together
        ? [requestFor(a, deps.parts, dispatchId, now)]
        : deps.parts.map((p) => requestFor(a, [p], dispatchId, now)),
    )
  deps.log.info('organization dispatched', {
    dispatchId,
    accounts: directory.accounts.length,
    ...organization.counts,
    requests: requests.length,
    goneAccounts: goneAccounts.length,
  })
  return { dispatchId, directory, organization, goneAccounts, requests, problems }
}

const requestFor = (
  a: OrgAccount,
  parts: readonly string[],
  dispatchId: string,
  now: Date,
): AccountScanRequest => ({
  accountId: a.id,
  accountName: a.name,
  ouPath: a.ouPath,
  parts: [...parts],
  dispatchId,
  requestedAt: now.toISOString(),
})

export interface OrganizationScanResult extends DispatchResult {
  scans: Array<{ request: AccountScanRequest; summary?: ScanSummary; error?: string }>
}

/**
 * The whole organization in one process (the CLI): the dispatch, then every reachable account's scan
 * (the central one included), `concurrency` at a time. One account failing degrades that account only.
 */
export async function scanOrganization(
  deps: AccountScanDeps & {
    parts: readonly ScanPart[]
    onAccount?: (done: OrganizationScanResult['scans'][number]) => void
  },
): Promise<OrganizationScanResult> {
  const sessions = sessionsOf(deps)
  const shared = { ...deps, sessions }
  const dispatch = await dispatchOrganization({ ...shared, includeCentral: true, together: true })
  const scans = await mapLimit(dispatch.requests, concurrencyOf(deps.config), async (request) => {
    let done: OrganizationScanResult['scans'][number]
    try {
      done = { request, summary: await scanAccount(shared, request) }
    } catch (err) {
      done = {
        request,
        error:
          err instanceof ReaderDenied
            ? `reader role denied: ${err.message}`
            : String((err as Error).message ?? err),
      }
    }
    deps.onAccount?.(done)
    return done
  })
  return { ...dispatch, scans }
}

/** The account-scans queue's message, checked before anything is done with it. */
export const AccountScanRequestSchema = v.strictObject({
  accountId: v.pipe(v.string(), v.regex(/^\d{12}$/)),
  accountName: v.pipe(v.string(), v.maxLength(100)),
  ouPath: v.pipe(v.string(), v.maxLength(2000)),
  parts: v.pipe(
    v.array(v.picklist(['credentials', 'authorization', 'trails', 'access-advisor'] as const)),
    v.minLength(1),
  ),
  dispatchId: v.pipe(v.string(), v.maxLength(200)),
  requestedAt: v.pipe(v.string(), v.isoTimestamp()),
})
