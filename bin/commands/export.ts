import { writeFileSync } from 'node:fs'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pkg from '../../package.json' with { type: 'json' }
import { findingsAsOf, parseInstant } from '../../shared/app/as-of.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { FRAMEWORK_IDS, type Framework, getFramework, ruleIdsOf } from '../../shared/compliance/frameworks.ts'
import { mapLimit } from '../../shared/engine/limit.ts'
import { Verifier } from '../../shared/engine/verify.ts'
import { toAsffLines } from '../../shared/export/asff.ts'
import { toCsv } from '../../shared/export/csv.ts'
import { exportRecords, frameworksFor } from '../../shared/export/evidence.ts'
import { renderReport, verificationFrom } from '../../shared/export/html.ts'
import { toOcsfLines } from '../../shared/export/ocsf.ts'
import { bySeverity, toJsonLines } from '../../shared/export/records.ts'
import type { Finding, FindingStatus } from '../../shared/model/finding.ts'
import type { CliContext } from '../context.ts'
import { accountIdsOption, statusOption } from '../options.ts'

export const EXPORT_FORMATS = ['csv', 'json', 'ocsf', 'asff', 'html'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

interface ExportOptions {
  format: ExportFormat
  framework?: Framework
  status?: FindingStatus
  out?: string
  force?: boolean
  bom?: boolean
  asOf?: string
  since?: string
  account?: string[]
  table: string
}

/** The framework of an HTML report when --framework is not given. */
const REPORT_FRAMEWORK = 'cis-aws-5.0'

function formatOption(value: string): ExportFormat {
  const found = EXPORT_FORMATS.find((f) => f === value.trim().toLowerCase())
  if (!found) throw new InvalidArgumentError(`one of ${EXPORT_FORMATS.join(', ')}, not "${value}"`)
  return found
}

function frameworkOption(value: string): Framework {
  const found = getFramework(value.trim().toLowerCase())
  if (!found) throw new InvalidArgumentError(`one of ${FRAMEWORK_IDS.join(', ')}, not "${value}"`)
  return found
}

/** A time as people type it: ISO 8601 with its zone, or a date (midnight UTC). */
function timeOption(value: string): string {
  try {
    return parseInstant(value)
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message)
  }
}

/** Writes the export to `out`, never over an existing file unless `force`. */
function writeOut(out: string, text: string, force: boolean): void {
  try {
    writeFileSync(out, text, { encoding: 'utf8', flag: force ? 'w' : 'wx' })
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err.code === 'EEXIST') throw new Error(`${out} exists: --force overwrites it`)
    throw new Error(`${out} could not be written: ${err.message}`)
  }
}

/**
 * The HTML evidence report: the framework's findings, each one's chain read once, verified, and its
 * history (up to the report's end: --as-of, or now) rendered. The period starts at --since, or at the
 * start of the day of the findings' first history item.
 */
async function htmlReport(
  store: FindingsStore,
  findings: readonly Finding[],
  opts: ExportOptions,
): Promise<{ text: string; written: number }> {
  const framework = opts.framework ?? getFramework(REPORT_FRAMEWORK)!
  const rules = ruleIdsOf(framework)
  const mine = findings.filter((f) => rules.has(f.checkId))
  const chains = await mapLimit(mine, 16, (f) => store.readFinding(f.id))
  const verifier = new Verifier()
  for (const chain of chains) verifier.add(chain)
  const generatedAt = new Date().toISOString()
  const to = opts.asOf ?? generatedAt
  const history = chains.flatMap((c) => c.history).filter((e) => Date.parse(e.at) <= Date.parse(to))
  let first = Number.POSITIVE_INFINITY
  for (const t of [...history.map((e) => e.at), ...mine.map((f) => f.firstOpenedAt)])
    first = Math.min(first, Date.parse(t))
  const from =
    opts.since ?? (Number.isFinite(first) ? new Date(first - (first % 86_400_000)).toISOString() : to)
  if (Date.parse(from) > Date.parse(to)) throw new Error(`--since ${from} is after the report's end, ${to}`)
  const text = renderReport({
    framework,
    findings: mine,
    history,
    // The accounts asked for (--account), else those the findings are of.
    accounts: [...new Set(opts.account ?? mine.map((f) => f.accountId))].sort(),
    period: { from, to },
    generatedAt,
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    verification: verificationFrom(verifier.report(), new Date().toISOString()),
    version: pkg.version,
  })
  return { text, written: mine.length }
}

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description(
      "Export stored findings as evidence: CSV, JSON lines, OCSF 1.8.0 or Security Hub's ASFF, optionally for one compliance framework; or an auditor's HTML report for one framework",
    )
    .addOption(
      new Option('--format <format>', EXPORT_FORMATS.join(', '))
        .argParser(formatOption)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--framework <id>',
        `only findings of this framework's checks and detections, with its requirement ids (${FRAMEWORK_IDS.join(', ')}; html: default ${REPORT_FRAMEWORK})`,
      ).argParser(frameworkOption),
    )
    .addOption(new Option('--status <status>', 'open or resolved').argParser(statusOption))
    .addOption(
      new Option(
        '--account <ids>',
        "only these accounts' findings (12-digit ids, comma-separated, repeatable)",
      ).argParser(accountIdsOption),
    )
    .option('--out <file>', 'write to this file instead of stdout (never over an existing one)')
    .option('--force', 'let --out overwrite an existing file')
    .option('--bom', 'csv: start with a UTF-8 byte order mark (for Excel)')
    .addOption(
      new Option(
        '--as-of <time>',
        'the findings as they stood at this time (ISO 8601 with its zone, or a date: midnight UTC)',
      ).argParser(timeOption),
    )
    .addOption(
      new Option(
        '--since <time>',
        "html: the report's period starts at this time (default: the day of the findings' first history item)",
      ).argParser(timeOption),
    )
    .requiredOption(
      '--table <name>',
      'the DynamoDB findings table (default: $IAMWATCH_TABLE)',
      ctx.env.IAMWATCH_TABLE,
    )
    .action(async (opts: ExportOptions) => {
      if (opts.bom && opts.format !== 'csv') throw new Error('--bom is for --format csv')
      if (opts.force && !opts.out) throw new Error('--force is for --out')
      if (opts.since && opts.format !== 'html') throw new Error('--since is for --format html')
      if (opts.status && opts.format === 'html')
        throw new Error('--status is not for --format html: the report shows open and resolved findings')
      const aws = await ctx.aws()
      const store = new FindingsStore(aws.dynamo(), ctx.useTable(opts.table))
      const status = opts.status ? { status: opts.status } : {}
      // One account is asked of the store (the as-of index reads that account's range only); several are filtered.
      const one = opts.account?.length === 1 ? { accountId: opts.account[0]! } : {}
      const accounts = opts.account ? new Set(opts.account) : undefined
      // --as-of: the findings as they stood then, rebuilt from their history (never the current state).
      const findings = (
        opts.asOf
          ? await findingsAsOf(store, opts.asOf, { ...status, ...one })
          : await store.listFindings({ ...status, ...one })
      ).filter((f) => !accounts || accounts.has(f.accountId))
      const options = opts.framework ? { framework: opts.framework } : {}
      const records = exportRecords(findings, options).sort(bySeverity)
      let text: string
      let written = records.length
      switch (opts.format) {
        case 'csv':
          text = toCsv(records, { bom: opts.bom === true, frameworks: frameworksFor(options) })
          break
        case 'json':
          text = toJsonLines(records)
          break
        case 'ocsf':
          text = toOcsfLines(records, { productVersion: pkg.version })
          break
        case 'asff': {
          const asff = toAsffLines(records)
          for (const r of asff.refused)
            ctx.io.err(`warning: finding ${r.id} left out of the ASFF export: ${r.reason}\n`)
          text = asff.text
          written -= asff.refused.length
          break
        }
        case 'html': {
          const report = await htmlReport(store, findings, opts)
          text = report.text
          written = report.written
          break
        }
      }
      if (opts.out) {
        writeOut(opts.out, text, opts.force === true)
        ctx.io.err(`${written} findings written to ${opts.out}\n`)
      } else ctx.io.out(text)
    })
}
