import { type Command, InvalidArgumentError, Option } from 'commander'
import { parseInstant } from '../../shared/app/as-of.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { mapLimit } from '../../shared/engine/limit.ts'
import { Verifier, type VerifyReport } from '../../shared/engine/verify.ts'
import type { CliContext } from '../context.ts'

interface VerifyOptions {
  table: string
  since?: string
  json?: boolean
}

/** Exit code when anything does not verify. */
const EXIT_BROKEN = 3

function timeOption(value: string): string {
  try {
    return parseInstant(value)
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message)
  }
}

/**
 * Verifies the table: every finding (or, with `since`, those with a transition at or after it) against
 * its state's head. The whole table is read once in parallel scan segments; `since` reads the
 * history-as-of index for the findings to check, then each of them.
 */
export async function verifyTable(store: FindingsStore, since?: string): Promise<VerifyReport> {
  const verifier = new Verifier()
  if (since === undefined) await store.forEachFinding((chain) => verifier.add(chain))
  else {
    const ids = new Set<string>()
    await store.forEachAsOfEntry({ from: since }, (e) => ids.add(e.findingId))
    await mapLimit([...ids], 16, async (id) => verifier.add(await store.readFinding(id)))
  }
  return verifier.report()
}

const clean = (s: string) =>
  s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')

export function reportText(r: VerifyReport, ms: number, since?: string): string {
  const scope = since ? ` with a transition since ${since}` : ''
  const head = `verified ${r.findings} finding(s)${scope}, ${r.items} history item(s), in ${(ms / 1000).toFixed(1)} s: `
  if (r.ok) return `${head}every chain intact, each ending at its finding's head\n`
  const lines = r.problems.map((p) => `${p.findingId ?? '-'}  ${p.kind}: ${clean(p.message)}`)
  return `${head}${r.broken} finding(s) with problems\n${lines.join('\n')}\n`
}

export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description(
      "Verify every finding's hash chain against its head: altered, missing, extra or misplaced history items, and state items that differ from their head (exit 3 if anything does not verify)",
    )
    .requiredOption(
      '--table <name>',
      'the DynamoDB findings table (default: $IAMWATCH_TABLE)',
      ctx.env.IAMWATCH_TABLE,
    )
    .addOption(
      new Option(
        '--since <time>',
        'only findings with a transition at or after this ISO 8601 time (or date)',
      ).argParser(timeOption),
    )
    .option('--json', 'the report as one JSON object')
    .action(async (opts: VerifyOptions) => {
      const aws = await ctx.aws()
      const store = new FindingsStore(aws.dynamo(), ctx.useTable(opts.table))
      const started = performance.now()
      const report = await verifyTable(store, opts.since)
      const ms = performance.now() - started
      ctx.io.out(
        opts.json
          ? `${JSON.stringify({ ...report, ...(opts.since ? { since: opts.since } : {}) })}\n`
          : reportText(report, ms, opts.since),
      )
      if (!report.ok) ctx.exit(EXIT_BROKEN)
    })
}
