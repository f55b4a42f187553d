import { type Command, InvalidArgumentError } from 'commander'
import { findUnused, MAX_WINDOW_DAYS, policyHolders, type UnusedRow } from '../../shared/app/unused.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { callerAccountId } from '../../shared/aws/sts.ts'
import { stripInvisible } from '../../shared/notify/escape.ts'
import { type CliContext, EXIT } from '../context.ts'

interface UnusedOptions {
  days?: number
  principal?: string
  json?: boolean
  config?: string
  table?: string
  allowDegraded?: boolean
}

/** A window in whole days, within Access Advisor's tracking period. */
export function windowDays(value: string): number {
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > MAX_WINDOW_DAYS)
    throw new InvalidArgumentError(
      `a whole number of days from 1 to ${MAX_WINDOW_DAYS} (Access Advisor's tracking period), not "${value}"`,
    )
  return n
}

export function registerUnused(program: Command, ctx: CliContext): void {
  program
    .command('unused')
    .description(
      'The unused roles, users, services, actions and customer managed policies, with their last access (Access Advisor, RoleLastUsed, the credential report)',
    )
    .option('--days <n>', 'the window: unused means not used for this many days (default 90)', windowDays)
    .option('--principal <arn>', 'only this user, role or customer managed policy')
    .option('--json', 'one JSON object per line')
    .option('--config <file>', 'JSON configuration; default: $IAMWATCH_CONFIG')
    .option(
      '--table <name>',
      'read grant times from this findings table (attachments iamwatch saw; nothing is written); default: $IAMWATCH_TABLE',
      ctx.env.IAMWATCH_TABLE,
    )
    .option('--allow-degraded', 'exit 0, not 3, when something could not be read')
    .action(async (opts: UnusedOptions) => {
      const aws = await ctx.aws()
      const accountId = await callerAccountId(aws.sts())
      ctx.progress.step(`unused access in account ${accountId}`)
      const report = await findUnused(
        {
          accountId,
          iam: aws.iam(),
          config: ctx.config(opts.config),
          region: aws.region,
          log: ctx.log(false, new Set(['input rejected', 'source incomplete', 'not evaluated'])),
          ...(opts.table ? { store: new FindingsStore(aws.dynamo(), ctx.useTable(opts.table)) } : {}),
        },
        {
          ...(opts.days ? { windowDays: opts.days } : {}),
          ...(opts.principal !== undefined ? { principalArn: opts.principal } : {}),
        },
      )
      ctx.progress.clear()
      const rows = report.rows
      ctx.io.out(opts.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : table(rows))
      const notes: string[] = []
      if (!opts.json)
        notes.push(
          `${rows.length} unused in account ${accountId} (window ${opts.days ?? 'as configured, 90 days by default'})`,
        )
      for (const n of report.notYet.slice(0, 10))
        notes.push(`not judged yet (too new): ${safe(n.resource)}, from ${n.judgedFrom}`)
      if (report.notYet.length > 10) notes.push(`... and ${report.notYet.length - 10} more too new to judge`)
      if (!report.grantTimesKnown)
        notes.push(
          'grant times unknown without --table: a policy attached recently counts from its holder’s creation',
        )
      if (opts.principal?.includes(':policy/')) {
        // Trace the policy's use to its holders.
        const uses = await policyHolders({ iam: aws.iam() }, opts.principal)
        notes.push(`who used the services of ${safe(opts.principal)}:`)
        for (const u of uses)
          notes.push(
            `  ${u.service} (${day(u.lastAccessed)}): ${
              u.holders
                .map((h) => `${h.type.toLowerCase()}/${safe(h.name)} ${day(h.lastAccessed)}`)
                .join(', ') || 'no holders'
            }`,
          )
      }
      if (notes.length) ctx.io.err(`${notes.join('\n')}\n`)
      if (report.degraded) {
        const lines = [...report.problems, ...report.notEvaluated].slice(0, 20)
        ctx.io.err(`not everything could be read or judged:\n${lines.map((l) => `  ${safe(l)}\n`).join('')}`)
        ctx.exit(opts.allowDegraded ? EXIT.ok : EXIT.degraded)
      }
    })
}

const day = (d?: Date) => (d ? d.toISOString().slice(0, 10) : 'never')
/** Names come from IAM: one visible line each on a terminal. */
const safe = (s: string) => stripInvisible(s)

function table(rows: UnusedRow[]): string {
  if (rows.length === 0) return 'nothing unused\n'
  const cells = [
    ['KIND', 'PRINCIPAL', 'UNUSED', 'LAST ACCESS', 'SEVERITY'],
    ...rows.map((r) => [r.kind, safe(r.principal), safe(r.what), r.lastAccessed, r.severity]),
  ]
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((c) => c[i]!.length)))
  return cells.map((c) => `${c.map((v, i) => (i < 4 ? v.padEnd(widths[i]!) : v)).join('  ')}\n`).join('')
}
