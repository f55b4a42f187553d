import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { Log } from '../shared/app/log.ts'
import { runScan, SCAN_PARTS, type ScanPart } from '../shared/app/scan.ts'
import { accessAnalyzerClient } from '../shared/aws/access-analyzer.ts'
import { documentClient, iamClient } from '../shared/aws/clients.ts'
import { cloudTrailClient } from '../shared/aws/cloudtrail.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { stsClient } from '../shared/aws/sts.ts'
import { configFromEnv, parseConfig } from '../shared/config/config.ts'
import {
  bySeverity,
  recordFromFinding,
  recordFromOutcome,
  toJsonLines,
  toTable,
} from '../shared/export/records.ts'
import { atLeast, SEVERITIES, type Severity } from '../shared/model/severity.ts'
import { replayIntoTable, replayOffline } from './replay.ts'

export interface Io {
  out: (text: string) => void
  err: (text: string) => void
}

/** Exit codes: 0 fine, 1 error, 2 findings at or above --fail-on. */
export const EXIT = { ok: 0, error: 1, failOn: 2 } as const

const stderrLog = (io: Io, verbose: boolean): Log => ({
  info: (m, e) => verbose && io.err(`info: ${m} ${e ? JSON.stringify(e) : ''}\n`),
  warn: (m, e) => io.err(`warning: ${m} ${e ? JSON.stringify(e) : ''}\n`),
  error: (m, e) => io.err(`error: ${m} ${e ? JSON.stringify(e) : ''}\n`),
})

function severityOption(value: string): Severity {
  const v = value.toLowerCase()
  if (!(SEVERITIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`one of ${SEVERITIES.join(', ')}`)
  return v as Severity
}

function parseParts(value: string): ScanPart[] {
  const parts = value.split(',').map((p) => p.trim())
  for (const p of parts)
    if (!(SCAN_PARTS as readonly string[]).includes(p))
      throw new InvalidArgumentError(`one or more of ${SCAN_PARTS.join(', ')}`)
  return parts as ScanPart[]
}

function loadConfig(file?: string) {
  return file ? parseConfig(JSON.parse(readFileSync(file, 'utf8'))) : configFromEnv()
}

export function buildCli(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('iamwatch')
    .description('Continuous compliance monitor for AWS IAM')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()

  program
    .command('scan')
    .description(
      'Scan the account the standard AWS configuration points at (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_*)',
    )
    .option('--json', 'one JSON object per finding per line')
    .addOption(
      new Option('--fail-on <severity>', 'exit 2 when a finding is at least this severe').argParser(
        severityOption,
      ),
    )
    .option(
      '--table <name>',
      'reconcile into this DynamoDB findings table (opens/resolves findings, keeps history)',
    )
    .option('--config <file>', 'JSON configuration (thresholds, disabled checks); default: $IAMWATCH_CONFIG')
    .option(
      '--report-poll-ms <ms>',
      'how often to poll while IAM generates the credential report',
      (v) => Number(v),
      2000,
    )
    .option('--verbose', 'log progress to stderr')
    .option(
      '--only <parts>',
      `scan only these, comma-separated: ${SCAN_PARTS.join(', ')}`,
      parseParts,
      SCAN_PARTS,
    )
    .action(async (opts) => {
      const log = stderrLog(io, Boolean(opts.verbose))
      const summary = await runScan({
        parts: opts.only,
        cloudTrail: cloudTrailClient(),
        accessAnalyzer: (region: string) => accessAnalyzerClient(region),
        iam: iamClient(),
        sts: stsClient(),
        ...(opts.table ? { store: new FindingsStore(documentClient(), opts.table) } : {}),
        config: loadConfig(opts.config),
        region: process.env.AWS_REGION ?? 'us-east-1',
        log,
        report: { pollIntervalMs: opts.reportPollMs },
      })
      const records = summary.outcomes
        .filter((o) => o.status === 'fail')
        .map((o) => recordFromOutcome(o, summary.accountId, process.env.AWS_REGION ?? 'us-east-1'))
        .sort(bySeverity)
      io.out(opts.json ? toJsonLines(records) : toTable(records))
      if (!opts.json) {
        const c = summary.counts
        io.err(
          `account ${summary.accountId}: ${records.length} failing, scan ${summary.status}` +
            (opts.table
              ? ` (opened ${c.opened}, reopened ${c.reopened}, resolved ${c.resolved}, unchanged ${c.unchanged})`
              : '') +
            '\n',
        )
      }
      if (summary.status === 'degraded') {
        const n = summary.notEvaluated.length
        io.err(
          'warning: the scan was degraded: ' +
            (n > 0
              ? `${n} check or resource judgement${n === 1 ? ' was' : 's were'} not evaluated and their findings were left as they are (see "not evaluated" above); everything else was reconciled\n`
              : 'some input could not be read (see the warnings above); everything that was read was reconciled\n'),
        )
      }
      if (opts.failOn && records.some((r) => atLeast(r.severity, opts.failOn))) setExit(EXIT.failOn)
    })

  program
    .command('findings')
    .description('List findings stored in a findings table')
    .requiredOption('--table <name>', 'the DynamoDB findings table', process.env.IAMWATCH_TABLE)
    .addOption(new Option('--status <status>', 'OPEN or RESOLVED').choices(['OPEN', 'RESOLVED']))
    .addOption(new Option('--severity <severity>', 'only this severity').argParser(severityOption))
    .option('--check <id>', 'only this check')
    .option('--json', 'one JSON object per finding per line')
    .action(async (opts) => {
      const store = new FindingsStore(documentClient(), opts.table)
      const findings = await store.listFindings({
        status: opts.status,
        severity: opts.severity,
        checkId: opts.check,
      })
      const records = findings.map(recordFromFinding).sort(bySeverity)
      io.out(opts.json ? toJsonLines(records) : toTable(records))
    })

  program
    .command('replay')
    .description(
      'Feed CloudTrail records (bare, EventBridge envelopes, log files, JSON lines, gzip) through the detections',
    )
    .argument('<path>', 'a file or a directory (read recursively)')
    .option('--json', 'one JSON object per record: file, eventId, eventName, detections, rejected')
    .option(
      '--table <name>',
      'run the full handler path against this DynamoDB findings table (stores findings, alerts via the stream)',
    )
    .option('--config <file>', 'JSON configuration (thresholds, trusted accounts); default: $IAMWATCH_CONFIG')
    .action(async (path: string, opts) => {
      const config = loadConfig(opts.config)
      const lines = opts.table
        ? await replayIntoTable(path, opts.table, config, stderrLog(io, false))
        : await replayOffline(path, config)
      if (opts.json) {
        io.out(lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''))
        return
      }
      for (const l of lines) {
        const what = l.rejected
          ? `REJECTED: ${l.rejected}`
          : l.detections.length
            ? l.detections.join(', ')
            : '-'
        io.out(`${l.file}  ${l.eventName ?? '?'}  ${l.eventId ?? ''}  ${what}\n`)
      }
      const fired = lines.flatMap((l) => l.detections)
      const counts = new Map<string, number>()
      for (const d of fired) counts.set(d, (counts.get(d) ?? 0) + 1)
      const tally = [...counts].map(([d, n]) => `${d} ${n}`)
      io.err(
        `${lines.length} records, ${lines.filter((l) => l.rejected).length} rejected, ${fired.length} detections${tally.length ? `: ${tally.join(', ')}` : ''}\n`,
      )
    })

  return program
}

export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok
  const program = buildCli(io, (c) => {
    code = c
  })
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string }
    if (e.code?.startsWith('commander.')) return e.exitCode === 0 ? EXIT.ok : EXIT.error
    io.err(`error: ${e.message ?? String(err)}\n`)
    return EXIT.error
  }
}
