import { type Command, InvalidArgumentError, Option } from 'commander'
import { findingsAsOf, parseInstant } from '../../shared/app/as-of.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { bySeverity, recordFromFinding, toJsonLines, toTable } from '../../shared/export/records.ts'
import type { FindingStatus } from '../../shared/model/finding.ts'
import type { Severity } from '../../shared/model/severity.ts'
import type { CliContext } from '../context.ts'
import { accountIdsOption, checkOrDetectionId, severityOption, statusOption } from '../options.ts'

interface FindingsOptions {
  table: string
  status?: FindingStatus
  severity?: Severity
  check?: string
  account?: string[]
  asOf?: string
  json?: boolean
}

function instantOption(value: string): string {
  try {
    return parseInstant(value)
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message)
  }
}

export function registerFindings(program: Command, ctx: CliContext): void {
  program
    .command('findings')
    .description(
      'List findings stored in a findings table, with when each was first seen, changed and resolved',
    )
    .requiredOption(
      '--table <name>',
      'the DynamoDB findings table (default: $IAMWATCH_TABLE)',
      ctx.env.IAMWATCH_TABLE,
    )
    .addOption(new Option('--status <status>', 'OPEN or RESOLVED').argParser(statusOption))
    .addOption(new Option('--severity <severity>', 'only this severity').argParser(severityOption))
    .addOption(new Option('--check <id>', 'only this check or detection').argParser(checkOrDetectionId))
    .addOption(
      new Option(
        '--account <ids>',
        "only these accounts' findings (12-digit ids, comma-separated, repeatable)",
      ).argParser(accountIdsOption),
    )
    .addOption(
      new Option(
        '--as-of <time>',
        'the findings open at this ISO 8601 time (or date: its start, UTC), as they stood then, from the history',
      ).argParser(instantOption),
    )
    .option('--json', 'one JSON object per finding per line')
    .action(async (opts: FindingsOptions) => {
      if (opts.asOf && opts.status === 'RESOLVED')
        throw new Error('--as-of lists the findings open at that time: --status RESOLVED cannot apply')
      const aws = await ctx.aws()
      const store = new FindingsStore(aws.dynamo(), ctx.useTable(opts.table))
      // One account is asked of the store (the as-of index reads that account's range only); several are filtered.
      const one = opts.account?.length === 1 ? { accountId: opts.account[0]! } : {}
      const accounts = opts.account ? new Set(opts.account) : undefined
      const findings = (
        opts.asOf
          ? (await findingsAsOf(store, opts.asOf, { status: 'OPEN', ...one })).filter(
              (f) =>
                (!opts.severity || f.severity === opts.severity) && (!opts.check || f.checkId === opts.check),
            )
          : await store.listFindings({
              ...(opts.status ? { status: opts.status } : {}),
              ...(opts.severity ? { severity: opts.severity } : {}),
              ...(opts.check ? { checkId: opts.check } : {}),
              ...one,
            })
      ).filter((f) => !accounts || accounts.has(f.accountId))
      const records = findings.map(recordFromFinding).sort(bySeverity)
      if (opts.json) ctx.io.out(toJsonLines(records))
      else {
        if (opts.asOf) ctx.io.out(`${records.length} finding(s) open at ${opts.asOf}, from the history:\n`)
        ctx.io.out(toTable(records, { dates: true }))
      }
    })
}
