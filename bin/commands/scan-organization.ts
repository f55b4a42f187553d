import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import {
  type AccountScanDeps,
  dispatchOrganization,
  scanAccount,
} from '../../shared/app/organization-scan.ts'
import type { ScanPart, ScanSummary } from '../../shared/app/scan.ts'
import { type AccountClients, AccountSessions, ReaderDenied } from '../../shared/aws/account-sessions.ts'
import { errorCode } from '../../shared/aws/clients.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import type { IamwatchConfig } from '../../shared/config/config.ts'
import { mapLimit } from '../../shared/engine/limit.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'
import type { FindingsRepository } from '../../shared/engine/repository.ts'
import {
  accountLabel,
  bySeverity,
  type FindingRecord,
  recordFromFinding,
  recordFromOutcome,
  toTable,
} from '../../shared/export/records.ts'
import type { Finding } from '../../shared/model/finding.ts'
import { atLeast, type Severity } from '../../shared/model/severity.ts'
import { DEFAULT_READER_ROLE, type OrgAccount, type OrgDirectory } from '../../shared/organization/model.ts'
import { type CliContext, EXIT } from '../context.ts'

/**
 * `iamwatch scan --organization` and `iamwatch scan --accounts ...`: every account of an AWS Organization
 * (or of a list), each through its reader role, the caller's own account with its own credentials. The
 * same dispatch and account scans as a deployment's (shared/app/organization-scan.ts), in this process.
 */

export interface OrganizationScanOptions {
  /** Discover the accounts with Organizations (the management account or a delegated administrator). */
  organization?: boolean
  /** These accounts instead (no Organizations call). */
  accounts?: string[]
  roleName?: string
  concurrency?: number
  json?: boolean
  failOn?: Severity
  allowDegraded?: boolean
  table?: string
  config?: string
  reportPollMs: number
  verbose?: boolean
  only: ScanPart[]
}

/** Who is asking, as CloudTrail in each member account shows it (the session name of every AssumeRole). */
export const CLI_SESSION_NAME = 'iamwatch-cli'

/** The checks of the organization part (not scan parts: every organization scan runs them). */
const ORGANIZATION_CHECKS = CHECKS.filter((c) => c.triggers.schedule === 'organization').map((c) => c.id)

/** The reader role of one account as this run found it. */
export type ReaderState =
  | { state: 'ok' | 'not-needed' }
  | { state: 'missing' | 'unknown' | 'not-tried'; detail: string }

const describeError = (err: unknown) =>
  `${errorCode(err)}: ${String((err as Error)?.message ?? err).slice(0, 300)}`

/**
 * The sessions of the run, remembering how each account's reader role answered (the dispatch's probe
 * assumes it first): denied (AccessDenied: missing, or not trusting the caller), transient, or fine.
 */
class ObservedSessions extends AccountSessions {
  readonly readers = new Map<string, ReaderState>()

  override verify(accountId: string): Promise<void> {
    const p = super.verify(accountId)
    p.then(
      () => {
        if (!this.readers.has(accountId)) this.readers.set(accountId, { state: 'ok' })
      },
      (err) =>
        this.readers.set(
          accountId,
          err instanceof ReaderDenied
            ? { state: 'missing', detail: err.message }
            : { state: 'unknown', detail: describeError(err) },
        ),
    )
    return p
  }
}

/** How one account came out of the run. */
export type AccountOutcome =
  /** Scanned: every part read and judged, or not (`degraded`), or the scan failed. */
  | 'complete'
  | 'degraded'
  | 'failed'
  /** Its reader role cannot be assumed (AccessDenied): member-account-not-monitored. */
  | 'not-monitored'
  /** Not scanned: its reader role was not tried (a transient error), or the account is not ACTIVE. */
  | 'not-scanned'

/** One account in the JSON result. */
export interface AccountResult {
  accountId: string
  accountName: string
  ouPath: string
  /** Its status in Organizations (ACTIVE, SUSPENDED, ...). */
  accountStatus: OrgAccount['status']
  /** The caller's own account: scanned with the caller's credentials. */
  caller: boolean
  reader: ReaderState['state']
  readerDetail?: string
  outcome: AccountOutcome
  /** Its scan: what was not read, rejected or not judged, and (with --table) what changed. */
  scan: Pick<
    ScanSummary,
    'scanId' | 'status' | 'counts' | 'incomplete' | 'notEvaluated' | 'rejections'
  > | null
  /** Why its scan failed (outcome `failed`). */
  error?: string
  /** Its failing findings: its scan's and the organization checks'. */
  failing: number
}

/** What `scan --organization --json` prints: one JSON object. */
export interface OrganizationScanJson {
  organization: {
    id: string | null
    managementAccountId: string | null
    /** `organizations`: discovered; `configured`: the --accounts list. */
    source: OrgDirectory['source']
    complete: boolean
    asOf: string
    /** The organization checks' run: complete, or degraded (something not judged). */
    status: 'complete' | 'degraded'
    counts: Record<string, number>
    /** What discovery could not read (an OU's name). */
    problems: string[]
  }
  callerAccountId: string
  readerRoleName: string
  parts: ScanPart[]
  /** Degraded when any account, or the organization checks, could not read or judge everything. */
  status: 'complete' | 'degraded'
  accounts: AccountResult[]
  /** Every failing finding, of every account scanned and of the organization checks, worst first. */
  findings: FindingRecord[]
}

/**
 * The configuration of the run: the reader role and concurrency given, and for --accounts the list (the
 * names and OU paths the configuration gives those accounts kept). --organization always discovers.
 * Without an organization there is nothing for org-root-credentials-not-centralized to judge, so a list
 * is scanned without it (it would only say, for each account, that it cannot tell).
 */
export function organizationConfig(
  config: IamwatchConfig,
  run: { roleName: string; concurrency: number; accounts?: readonly string[] },
): IamwatchConfig {
  const configured = new Map((config.organization?.accounts ?? []).map((a) => [a.id, a]))
  return {
    ...config,
    ...(run.accounts
      ? {
          checks: {
            ...config.checks,
            'org-root-credentials-not-centralized': {
              ...config.checks['org-root-credentials-not-centralized'],
              enabled: false,
            },
          },
        }
      : {}),
    organization: {
      readerRoleName: run.roleName,
      concurrency: run.concurrency,
      ...(run.accounts ? { accounts: run.accounts.map((id) => configured.get(id) ?? { id }) } : {}),
    },
  }
}

/** A finding printed by a scan: as recordFromOutcome makes it (no dates: those are the table's). */
function scanRecord(f: Finding): FindingRecord {
  const { firstOpenedAt: _f, lastTransitionAt: _l, resolvedAt: _r, ...record } = recordFromFinding(f)
  return record
}

/** The organization checks' open findings of every account, from where the dispatch reconciled them. */
async function organizationFindings(
  store: FindingsRepository,
  directory: OrgDirectory,
  config: IamwatchConfig,
): Promise<Finding[]> {
  const checks = ORGANIZATION_CHECKS.filter((id) => config.checks[id]?.enabled !== false)
  const pairs = directory.accounts.flatMap((a) => checks.map((c) => [a.id, c] as const))
  return (await mapLimit(pairs, 8, ([account, check]) => store.listOpenByCheck(account, check))).flat()
}

/** Scans the organization (or the list), prints each account's outcome and the failing findings; the exit code. */
export async function scanOrganizationCommand(
  opts: OrganizationScanOptions,
  ctx: CliContext,
): Promise<number> {
  const { io, progress } = ctx
  const base = ctx.config(opts.config)
  const aws = await ctx.aws()
  const log = ctx.log(Boolean(opts.verbose), SUMMARIZED_WARNINGS)
  const table = opts.table
    ? new FindingsStore(aws.dynamo(), ctx.useTable(opts.table), { mac: aws.itemMac() })
    : undefined
  const parts = [...new Set(opts.only)]
  const identity = await aws.sts().send(new GetCallerIdentityCommand({}))
  const callerAccountId = identity.Account ?? ''
  if (!/^\d{12}$/.test(callerAccountId))
    throw new Error(`GetCallerIdentity returned no account id (${identity.Account})`)
  const partition = /^arn:(aws[a-z-]*):/.exec(identity.Arn ?? '')?.[1] ?? 'aws'
  const roleName = opts.roleName ?? base.organization?.readerRoleName ?? DEFAULT_READER_ROLE
  const concurrency = opts.concurrency ?? base.organization?.concurrency ?? 20
  const config = organizationConfig(base, {
    roleName,
    concurrency,
    ...(opts.accounts ? { accounts: opts.accounts } : {}),
  })
  const central: AccountClients = {
    accountId: callerAccountId,
    iam: aws.iam(),
    cloudTrail: aws.cloudTrail(),
    accessAnalyzer: aws.accessAnalyzer,
    events: aws.events,
  }
  const sessions = new ObservedSessions({
    sts: aws.sts(),
    roleName,
    centralAccountId: callerAccountId,
    central,
    partition,
    sessionName: CLI_SESSION_NAME,
    overrides: aws.overrides,
  })
  const deps: AccountScanDeps = {
    centralAccountId: callerAccountId,
    central,
    sts: aws.sts(),
    ...(opts.organization ? { organizations: aws.organizations() } : {}),
    config,
    region: aws.region,
    log,
    partition,
    sessions,
    sessionName: CLI_SESSION_NAME,
    report: { pollIntervalMs: opts.reportPollMs },
  }
  progress.step(
    opts.organization
      ? `organization scan from account ${callerAccountId} (${aws.region}), reader role ${roleName}: ${parts.join(', ')}`
      : `scan of ${opts.accounts!.length} account(s) from account ${callerAccountId} (${aws.region}), reader role ${roleName}: ${parts.join(', ')}`,
  )
  // The organization checks are reconciled in a store in memory that lives as long as this command, and
  // read back from it: what this caller's credentials saw (its reader role, its bus) does not speak for the
  // deployment, so neither they nor the directory are written to a table, nor is any account resolved as
  // gone. The accounts' own scans write to the table when one is given.
  const organizationStore: FindingsRepository = new MemoryFindingsRepository()
  try {
    const dispatch = await dispatchOrganization({
      ...deps,
      store: organizationStore,
      parts,
      includeCentral: true,
      // One request per account with every part: its scan is one summary.
      together: true,
    })
    const { directory } = dispatch
    progress.step(
      `${directory.accounts.length} account(s), ${dispatch.requests.length} to scan, ${concurrency} at a time`,
    )
    // The organization's accounts are expected in each other's trust policies (the reader roles trust the
    // central account): as a deployment's scans take them from the stored directory, a scan without a table
    // takes them from this one.
    const scanDeps: AccountScanDeps = {
      ...deps,
      config: {
        ...config,
        trustedAccounts: [...new Set([...config.trustedAccounts, ...directory.accounts.map((a) => a.id)])],
      },
      ...(table ? { store: table } : {}),
    }
    const scans = new Map<string, { summary?: ScanSummary; error?: string }>()
    await mapLimit(dispatch.requests, concurrency, async (request) => {
      const label = accountLabel(request.accountId, request.accountName)
      progress.step(`${label}: started`)
      const started = progress.elapsed()
      try {
        const summary = await scanAccount(scanDeps, request)
        scans.set(request.accountId, { summary })
        progress.step(
          `${label}: finished in ${(progress.elapsed() - started).toFixed(1)} s, ${summary.status}`,
        )
      } catch (err) {
        const error = err instanceof ReaderDenied ? `reader role denied: ${err.message}` : ctx.describe(err)
        scans.set(request.accountId, { error })
        progress.step(`${label}: failed: ${error}`)
      }
    })
    const orgFindings = await organizationFindings(organizationStore, directory, config)
    progress.step(`scan finished in ${progress.elapsed().toFixed(1)} s`)
    progress.clear()

    const names = new Map(directory.accounts.map((a) => [a.id, a.name]))
    const findings: FindingRecord[] = [
      ...[...scans].flatMap(([accountId, s]) =>
        (s.summary?.outcomes ?? [])
          .filter((o) => o.status === 'fail')
          .map((o) => recordFromOutcome(o, accountId, aws.region, names.get(accountId))),
      ),
      ...orgFindings.map(scanRecord),
    ].sort((a, b) => a.accountId.localeCompare(b.accountId) || bySeverity(a, b))
    const accounts = directory.accounts.map((a) =>
      accountResult(a, callerAccountId, sessions.readers.get(a.id), scans.get(a.id), findings),
    )
    const degraded =
      dispatch.organization.status === 'degraded' ||
      dispatch.problems.length > 0 ||
      accounts.some(
        (a) =>
          a.outcome === 'degraded' ||
          a.outcome === 'failed' ||
          // Nothing in it was read: its reader role is denied, or did not answer.
          a.outcome === 'not-monitored' ||
          (a.outcome === 'not-scanned' && a.accountStatus === 'ACTIVE'),
      )
    const result: OrganizationScanJson = {
      organization: {
        id: directory.organizationId ?? null,
        managementAccountId: directory.managementAccountId ?? null,
        source: directory.source,
        complete: directory.complete,
        asOf: directory.asOf,
        status: dispatch.organization.status,
        // Without a table nothing was opened or resolved anywhere but in this process: those counts are left out.
        counts: table ? dispatch.organization.counts : withoutChanges(dispatch.organization.counts),
        problems: dispatch.problems,
      },
      callerAccountId,
      readerRoleName: roleName,
      parts,
      status: degraded ? 'degraded' : 'complete',
      accounts,
      findings,
    }
    if (opts.json) io.out(`${JSON.stringify(result)}\n`)
    else {
      io.out(organizationText(result))
      io.err(summaryLine(result, Boolean(opts.table)))
    }
    // As `scan`: a finding at or above --fail-on is certain whatever was not evaluated, so 2 wins over 3.
    const failOn = opts.failOn !== undefined && findings.some((r) => atLeast(r.severity, opts.failOn!))
    const code = failOn ? EXIT.failOn : degraded && !opts.allowDegraded ? EXIT.degraded : EXIT.ok
    if (degraded) io.err(organizationDegradedReport(result, code, Boolean(opts.table)))
    return code
  } finally {
    sessions.destroy()
  }
}

const withoutChanges = (counts: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(counts).filter(([k]) => !['opened', 'resolved', 'reopened', 'unchanged'].includes(k)),
  )

/** The warnings the degraded report lists instead (as `scan`'s). */
const SUMMARIZED_WARNINGS = new Set(['input rejected', 'source incomplete', 'not evaluated'])

function accountResult(
  a: OrgAccount,
  callerAccountId: string,
  observed: ReaderState | undefined,
  scan: { summary?: ScanSummary; error?: string } | undefined,
  findings: readonly FindingRecord[],
): AccountResult {
  const caller = a.id === callerAccountId
  const reader: ReaderState = caller
    ? { state: 'not-needed' }
    : (observed ??
      (a.status !== 'ACTIVE'
        ? { state: 'not-tried', detail: `the account is ${a.status}` }
        : { state: 'not-tried', detail: 'not tried' }))
  const s = scan?.summary
  const outcome: AccountOutcome = s
    ? s.status
    : scan?.error !== undefined
      ? 'failed'
      : reader.state === 'missing'
        ? 'not-monitored'
        : 'not-scanned'
  return {
    accountId: a.id,
    accountName: a.name,
    ouPath: a.ouPath,
    accountStatus: a.status,
    caller,
    reader: reader.state,
    ...('detail' in reader ? { readerDetail: reader.detail } : {}),
    outcome,
    scan: s
      ? {
          scanId: s.scanId,
          status: s.status,
          counts: s.counts,
          incomplete: s.incomplete,
          notEvaluated: s.notEvaluated,
          rejections: s.rejections,
        }
      : null,
    ...(scan?.error !== undefined ? { error: scan.error } : {}),
    failing: findings.filter((f) => f.accountId === a.id).length,
  }
}

/** `222222222222 Prod A (Root/Workloads/Prod)`: the id, the name when it has one, where it sits. */
function accountHeading(a: Pick<AccountResult, 'accountId' | 'accountName' | 'ouPath'>): string {
  const name = a.accountName && a.accountName !== a.accountId ? ` ${a.accountName}` : ''
  const where = a.ouPath ? ` (${a.ouPath})` : ''
  return `${a.accountId}${name}${where}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
}

/** What one account's line says after its heading. */
function accountState(a: AccountResult, roleName: string): string {
  const failing = `${a.failing} failing`
  switch (a.outcome) {
    case 'complete':
    case 'degraded':
      return `${failing}, ${a.outcome}${a.caller ? ' (your own account, your credentials)' : ''}`
    case 'failed':
      return `scan failed: ${a.error}${a.failing ? ` (${failing})` : ''}`
    case 'not-monitored':
      return `not monitored: the reader role ${roleName} cannot be assumed (${failing})`
    case 'not-scanned':
      return a.accountStatus !== 'ACTIVE'
        ? `not scanned: the account is ${a.accountStatus}`
        : `not scanned: the reader role was not tried (${a.readerDetail ?? 'unknown error'})`
  }
}

/**
 * The human output: one line per account (`222222222222 Prod A (Root/Workloads/Prod): 12 failing,
 * complete`), then each account's failing findings under its heading.
 */
export function organizationText(r: OrganizationScanJson): string {
  const lines: string[] = []
  lines.push(
    r.organization.id
      ? `organization ${r.organization.id} (management account ${r.organization.managementAccountId}): ${r.accounts.length} account(s), reader role ${r.readerRoleName}`
      : `${r.accounts.length} account(s), reader role ${r.readerRoleName}`,
  )
  for (const a of r.accounts) lines.push(`${accountHeading(a)}: ${accountState(a, r.readerRoleName)}`)
  const notMonitored = r.accounts.filter((a) => a.outcome === 'not-monitored')
  if (notMonitored.length)
    lines.push(
      '',
      `not monitored (member-account-not-monitored): ${notMonitored.map((a) => accountLabel(a.accountId, a.accountName)).join(', ')}`,
    )
  let text = `${lines.join('\n')}\n`
  for (const a of r.accounts) {
    const mine = r.findings.filter((f) => f.accountId === a.accountId)
    if (mine.length === 0) continue
    text += `\n${accountHeading(a)}:\n${toTable(mine, { account: false })}`
  }
  return text
}

function summaryLine(r: OrganizationScanJson, reconciled: boolean): string {
  const count = (o: AccountOutcome) => r.accounts.filter((a) => a.outcome === o).length
  const scanned = count('complete') + count('degraded')
  const changes = { opened: 0, reopened: 0, resolved: 0, unchanged: 0 }
  for (const a of r.accounts)
    for (const k of Object.keys(changes) as Array<keyof typeof changes>) changes[k] += a.scan?.counts[k] ?? 0
  for (const k of ['opened', 'reopened', 'resolved'] as const) changes[k] += r.organization.counts[k] ?? 0
  const what = r.organization.id ? `organization ${r.organization.id}` : 'accounts'
  return (
    `${what}: ${r.accounts.length} account(s), ${scanned} scanned, ${count('not-monitored')} not monitored, ` +
    `${count('not-scanned') + count('failed')} not scanned or failed; ${r.findings.length} failing, scan ${r.status}` +
    (reconciled
      ? ` (opened ${changes.opened}, reopened ${changes.reopened}, resolved ${changes.resolved}, unchanged ${changes.unchanged})`
      : '') +
    '\n'
  )
}

/** How many items of each kind the degraded report lists per account. */
const LISTED = 20

/** What a degraded organization scan did not read or judge, account by account, and what that means. */
export function organizationDegradedReport(
  r: OrganizationScanJson,
  code: number,
  reconciled: boolean,
): string {
  const lines = [
    code === EXIT.degraded
      ? `error: the scan was degraded, so it exits ${EXIT.degraded} (--allow-degraded accepts a degraded scan):`
      : code === EXIT.failOn
        ? `error: the scan was degraded (it exits ${EXIT.failOn} for the findings at or above --fail-on, else it would exit ${EXIT.degraded}):`
        : 'warning: the scan was degraded (accepted with --allow-degraded):',
  ]
  const list = (prefix: string, label: string, items: readonly string[]) => {
    for (const item of items.slice(0, LISTED)) lines.push(`  ${prefix}${label}: ${item}`)
    if (items.length > LISTED) lines.push(`  ${prefix}... and ${items.length - LISTED} more ${label}`)
  }
  list('organization: ', 'not read', r.organization.problems)
  for (const a of r.accounts) {
    const who = `${accountLabel(a.accountId, a.accountName)}: `
    if (a.outcome === 'not-scanned' && a.accountStatus === 'ACTIVE')
      lines.push(`  ${who}not scanned: its reader role was not tried: ${a.readerDetail ?? 'unknown error'}`)
    else if (a.outcome === 'not-scanned') lines.push(`  ${who}not scanned: the account is ${a.accountStatus}`)
    else if (a.outcome === 'not-monitored')
      lines.push(`  ${who}not monitored: nothing in it was read (its reader role cannot be assumed)`)
    else if (a.outcome === 'failed') lines.push(`  ${who}scan failed: ${a.error}`)
    if (!a.scan) continue
    list(who, 'not read', a.scan.incomplete)
    list(
      who,
      'rejected',
      (a.scan.rejections ?? []).map(
        (x) =>
          `${x.source}${x.line ? ` line ${x.line}` : ''}${x.subject ? ` (${x.subject})` : ''}: ${x.reason}`,
      ),
    )
    list(who, 'not evaluated', a.scan.notEvaluated)
  }
  if (r.organization.status === 'degraded')
    lines.push(
      `  organization checks: not everything was judged (${r.organization.counts.readerMissing ?? 0} reader role(s) denied, ${r.organization.counts.readerUnknown ?? 0} not tried)`,
    )
  lines.push(
    reconciled
      ? 'the findings of what was not evaluated were left as they are; everything else was reconciled'
      : 'what was not evaluated is missing from the findings above',
  )
  return `${lines.join('\n')}\n`
}
