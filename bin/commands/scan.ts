import { type Command, Option } from 'commander'
import { runScan, SCAN_PARTS, type ScanSummary } from '../../shared/app/scan.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { callerAccountId } from '../../shared/aws/sts.ts'
import { bySeverity, recordFromOutcome, toJsonLines, toTable } from '../../shared/export/records.ts'
import { atLeast } from '../../shared/model/severity.ts'
import { DEFAULT_READER_ROLE } from '../../shared/organization/model.ts'
import { type CliContext, EXIT } from '../context.ts'
import {
  accountIdsOption,
  partsOption,
  positiveNumber,
  roleNameOption,
  severityOption,
  wholeNumber,
} from '../options.ts'
import { type OrganizationScanOptions, scanOrganizationCommand } from './scan-organization.ts'

/** `scan`'s options: the organization scan's (it takes them all). */
type ScanOptions = OrganizationScanOptions

/** The scan's own warnings that the degraded summary lists instead, with the reasons. */
const SUMMARIZED = new Set(['input rejected', 'source incomplete', 'not evaluated'])
/** How many of each kind of thing not evaluated the summary lists. */
const LISTED = 20

export function registerScan(program: Command, ctx: CliContext): void {
  program
    .command('scan')
    .description(
      'Scan the account the standard AWS configuration points at (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_*), or with --organization / --accounts every account of an organization or a list, through their reader roles',
    )
    .option(
      '--json',
      'one JSON object per finding per line (--organization, --accounts: one JSON object with every account and finding)',
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 2 when a finding is at least this severe').argParser(
        severityOption,
      ),
    )
    .option('--allow-degraded', 'exit 0, not 3, when the scan could not read or judge everything')
    .option(
      '--table <name>',
      'reconcile into this DynamoDB findings table (opens/resolves findings, keeps history)',
    )
    .option('--config <file>', 'JSON configuration (thresholds, disabled checks); default: $IAMWATCH_CONFIG')
    .option(
      '--report-poll-ms <ms>',
      'how often to poll while IAM generates the credential report',
      positiveNumber,
      2000,
    )
    .option('--verbose', 'log what the scan does to stderr')
    .option(
      '--only <parts>',
      `scan only these, comma-separated: ${SCAN_PARTS.join(', ')} (default: all but access-advisor, which runs one IAM job per principal; see \`iamwatch unused\`)`,
      partsOption,
      SCAN_PARTS.filter((p) => p !== 'access-advisor'),
    )
    .addOption(
      new Option(
        '--organization',
        "scan every account of the AWS Organization (discovered with Organizations: run it with the management account's or a delegated administrator's credentials), each through its reader role; yours with your own credentials",
      ).conflicts('accounts'),
    )
    .addOption(
      new Option(
        '--accounts <ids>',
        'scan these accounts (12-digit ids, comma-separated, repeatable), each through its reader role; no Organizations call',
      ).argParser(accountIdsOption),
    )
    .addOption(
      new Option(
        '--role-name <name>',
        `with --organization or --accounts: the reader role to assume in each account (default: the configuration's organization.readerRoleName, else ${DEFAULT_READER_ROLE})`,
      ).argParser(roleNameOption),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        "with --organization or --accounts: accounts scanned at once (default: the configuration's organization.concurrency, else 20)",
      ).argParser(wholeNumber(1000)),
    )
    .action(async (opts: ScanOptions) => {
      if (opts.organization || opts.accounts) return ctx.exit(await scanOrganizationCommand(opts, ctx))
      if (opts.roleName !== undefined) throw new Error('--role-name is for --organization or --accounts')
      if (opts.concurrency !== undefined) throw new Error('--concurrency is for --organization or --accounts')
      ctx.exit(await scan(opts, ctx))
    })
}

/** Scans each part (concurrently, as the scheduled functions do), prints the failing findings, and says how it went. */
async function scan(opts: ScanOptions, ctx: CliContext): Promise<number> {
  const { io, progress } = ctx
  const config = ctx.config(opts.config)
  const aws = await ctx.aws()
  const log = ctx.log(Boolean(opts.verbose), SUMMARIZED)
  const store = opts.table
    ? new FindingsStore(aws.dynamo(), ctx.useTable(opts.table), { mac: aws.itemMac() })
    : undefined
  const parts = [...new Set(opts.only)]
  const accountId = await callerAccountId(aws.sts())
  progress.step(`scan of account ${accountId} (${aws.region}): ${parts.join(', ')}`)
  const settled = await Promise.allSettled(
    parts.map(async (part) => {
      progress.step(`${part}: started`)
      const started = progress.elapsed()
      const summary = await runScan({
        parts: [part],
        accountId,
        iam: aws.iam(),
        cloudTrail: aws.cloudTrail(),
        accessAnalyzer: aws.accessAnalyzer,
        ...(store ? { store } : {}),
        config,
        region: aws.region,
        log,
        report: { pollIntervalMs: opts.reportPollMs },
      })
      const failing = summary.outcomes.filter((o) => o.status === 'fail').length
      progress.step(
        `${part}: finished in ${(progress.elapsed() - started).toFixed(1)} s, ${summary.status}: ` +
          `${summary.counts.checksEvaluated ?? 0} checks judged, ${failing} failing`,
      )
      return summary
    }),
  )
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw failed.reason
  const summary = merge(settled.map((s) => (s as PromiseFulfilledResult<ScanSummary>).value))
  progress.step(`scan finished in ${progress.elapsed().toFixed(1)} s`)
  progress.clear()

  const records = summary.outcomes
    .filter((o) => o.status === 'fail')
    .map((o) => recordFromOutcome(o, accountId, aws.region))
    .sort(bySeverity)
  io.out(opts.json ? toJsonLines(records) : toTable(records))
  if (!opts.json) {
    const c = summary.counts
    io.err(
      `account ${accountId}: ${records.length} failing, scan ${summary.status}` +
        (opts.table
          ? ` (opened ${c.opened ?? 0}, reopened ${c.reopened ?? 0}, resolved ${c.resolved ?? 0}, unchanged ${c.unchanged ?? 0})`
          : '') +
        '\n',
    )
  }
  // A finding at or above --fail-on is certain, whatever was not evaluated: 2 wins over 3.
  const failOn = opts.failOn !== undefined && records.some((r) => atLeast(r.severity, opts.failOn!))
  const degraded = summary.status === 'degraded'
  const code = failOn ? EXIT.failOn : degraded && !opts.allowDegraded ? EXIT.degraded : EXIT.ok
  if (degraded) io.err(degradedReport(summary, code, Boolean(opts.table)))
  return code
}

/** The parts' summaries as one: degraded when any part is. */
function merge(summaries: ScanSummary[]): ScanSummary {
  const counts: Record<string, number> = {}
  for (const s of summaries) for (const [k, n] of Object.entries(s.counts)) counts[k] = (counts[k] ?? 0) + n
  return {
    scanId: summaries.map((s) => s.scanId).join(','),
    accountId: summaries[0]?.accountId ?? '',
    status: summaries.some((s) => s.status === 'degraded') ? 'degraded' : 'complete',
    outcomes: summaries.flatMap((s) => s.outcomes),
    counts,
    rejections: summaries.flatMap((s) => s.rejections ?? []),
    // A source two parts read (the credential report) fails for both: say it once.
    incomplete: [...new Set(summaries.flatMap((s) => s.incomplete))],
    notEvaluated: summaries.flatMap((s) => s.notEvaluated),
    checkErrors: summaries.flatMap((s) => s.checkErrors),
  }
}

/** What a degraded scan did not read, rejected, or did not evaluate, and why; and what that means. */
export function degradedReport(summary: ScanSummary, code: number, reconciled: boolean): string {
  const lines = [
    code === EXIT.degraded
      ? `error: the scan was degraded, so it exits ${EXIT.degraded} (--allow-degraded accepts a degraded scan):`
      : code === EXIT.failOn
        ? `error: the scan was degraded (it exits ${EXIT.failOn} for the findings at or above --fail-on, else it would exit ${EXIT.degraded}):`
        : 'warning: the scan was degraded (accepted with --allow-degraded):',
  ]
  const list = (label: string, items: readonly string[]) => {
    for (const item of items.slice(0, LISTED)) lines.push(`  ${label}: ${item}`)
    if (items.length > LISTED) lines.push(`  ... and ${items.length - LISTED} more ${label}`)
  }
  list('not read', summary.incomplete)
  list(
    'rejected',
    (summary.rejections ?? []).map(
      (r) =>
        `${r.source}${r.line ? ` line ${r.line}` : ''}${r.subject ? ` (${r.subject})` : ''}: ${r.reason}`,
    ),
  )
  list('not evaluated', summary.notEvaluated)
  lines.push(
    reconciled
      ? 'the findings of what was not evaluated were left as they are; everything else was reconciled'
      : 'what was not evaluated is missing from the findings above',
  )
  return `${lines.join('\n')}\n`
}
