import { type Command, Option } from 'commander'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { bySeverity, recordFromFinding, toJsonLines, toTable } from '../../shared/export/records.ts'
import type { FindingStatus } from '../../shared/model/finding.ts'
import type { Severity } from '../../shared/model/severity.ts'
import type { CliContext } from '../context.ts'
import { checkOrDetectionId, severityOption, statusOption } from '../options.ts'

interface FindingsOptions {
  table: string
  status?: FindingStatus
  severity?: Severity
  check?: string
  json?: boolean
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
    .option('--json', 'one JSON object per finding per line')
    .action(async (opts: FindingsOptions) => {
      const aws = await ctx.aws()
      const store = new FindingsStore(aws.dynamo(), ctx.useTable(opts.table))
      const findings = await store.listFindings({
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.severity ? { severity: opts.severity } : {}),
        ...(opts.check ? { checkId: opts.check } : {}),
      })
      const records = findings.map(recordFromFinding).sort(bySeverity)
      ctx.io.out(opts.json ? toJsonLines(records) : toTable(records, { dates: true }))
    })
}
