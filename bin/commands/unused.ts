import type { Command } from 'commander'
import { findUnused, policyHolders } from '../../shared/app/unused.ts'
import { callerAccountId } from '../../shared/aws/sts.ts'
import type { Outcome } from '../../shared/model/finding.ts'
import { type CliContext, EXIT } from '../context.ts'
import { positiveNumber } from '../options.ts'

interface UnusedOptions {
  days?: number
  principal?: string
  json?: boolean
  config?: string
  allowDegraded?: boolean
}

/** One line of the answer: what is unused, of which principal or policy, and when it was last used. */
export interface UnusedRow {
  kind: 'role' | 'user' | 'service' | 'action' | 'policy'
  principal: string
  arn: string
  what: string
  lastAccessed: string
  severity?: string
}

const KIND: Record<string, UnusedRow['kind']> = {
  'role-unused': 'role',
  'user-unused': 'user',
  'unused-service-access': 'service',
  'unused-action-access': 'action',
  'unused-permissions-policy': 'policy',
}

export function registerUnused(program: Command, ctx: CliContext): void {
  program
    .command('unused')
    .description(
      'The unused roles, users, services, actions and customer managed policies, with their last access (Access Advisor, RoleLastUsed, the credential report)',
    )
    .option('--days <n>', 'the window: unused means not used for this many days (default 90)', positiveNumber)
    .option('--principal <arn>', 'only this user, role or customer managed policy')
    .option('--json', 'one JSON object per line')
    .option('--config <file>', 'JSON configuration; default: $IAMWATCH_CONFIG')
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
        },
        {
          ...(opts.days ? { windowDays: Math.floor(opts.days) } : {}),
          ...(opts.principal ? { principalArn: opts.principal } : {}),
        },
      )
      ctx.progress.clear()
      const rows = report.outcomes.filter((o) => o.status === 'fail').flatMap(rowsOf)
      ctx.io.out(opts.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : table(rows))
      if (!opts.json)
        ctx.io.err(
          `${rows.length} unused in account ${accountId}${opts.days ? ` (window ${opts.days} days)` : ''}\n`,
        )
      if (opts.principal?.includes(':policy/') && !opts.json) {
        // Trace the policy's use to its holders.
        const uses = await policyHolders({ iam: aws.iam() }, opts.principal)
        const day = (d?: Date) => (d ? d.toISOString().slice(0, 10) : 'never')
        ctx.io.err(
          `who used the services of ${opts.principal}:\n${uses
            .map(
              (u) =>
                `  ${u.service} (${day(u.lastAccessed)}): ${
                  u.holders
                    .map((h) => `${h.type.toLowerCase()}/${h.name} ${day(h.lastAccessed)}`)
                    .join(', ') || 'no holders'
                }\n`,
            )
            .join('')}`,
        )
      }
      if (report.degraded) {
        const lines = [...report.problems, ...report.notEvaluated].slice(0, 20)
        ctx.io.err(`not everything could be read or judged:\n${lines.map((l) => `  ${l}\n`).join('')}`)
        ctx.exit(opts.allowDegraded ? EXIT.ok : EXIT.degraded)
      }
    })
}

/** "s3: last 2026-01-02" / "s3: never" -> [s3, 2026-01-02 | never]. */
function split(entry: string): [string, string] {
  const at = entry.lastIndexOf(': ')
  if (at < 0) return [entry, '']
  const when = entry.slice(at + 2)
  return [entry.slice(0, at), when.startsWith('last ') ? when.slice(5) : when]
}

export function rowsOf(o: Outcome): UnusedRow[] {
  const kind = KIND[o.checkId]
  if (!kind) return []
  const base = {
    principal: o.resource.id.startsWith('arn:') ? o.resource.id.split(':').at(-1)! : o.resource.id,
    arn: o.resource.arn,
  }
  const e = o.evidence
  const list = (v: unknown) =>
    Array.isArray(v) ? (v as string[]).filter((x) => !x.startsWith('... and ')) : []
  switch (kind) {
    case 'role':
    case 'user':
      return [
        {
          kind,
          ...base,
          what: kind === 'role' && e.serviceLinked ? 'service-linked role unused' : `${kind} unused`,
          lastAccessed: String(e.lastUsedAt ?? 'never').slice(0, 10),
          ...(o.severity ? { severity: o.severity } : {}),
        },
      ]
    case 'service':
      return list(e.unusedServices).map((s) => {
        const [what, last] = split(s)
        return { kind, ...base, what, lastAccessed: last }
      })
    case 'action':
      return list(e.unusedActions).map((s) => {
        const [what, last] = split(s)
        return { kind, ...base, what, lastAccessed: last }
      })
    case 'policy':
      return [
        {
          kind,
          ...base,
          what: e.attachments === 0 ? 'policy attached to nothing' : 'policy unused',
          lastAccessed:
            list(e.services)
              .map((s) => split(s)[1])
              .filter((d) => d !== 'never')
              .sort()
              .at(-1) ?? 'never',
        },
      ]
  }
}

function table(rows: UnusedRow[]): string {
  if (rows.length === 0) return 'nothing unused\n'
  const head: UnusedRow = {
    kind: 'KIND' as never,
    principal: 'PRINCIPAL',
    arn: '',
    what: 'UNUSED',
    lastAccessed: 'LAST ACCESS',
  }
  const all = [head, ...rows]
  const w = (k: keyof UnusedRow) => Math.max(...all.map((r) => String(r[k] ?? '').length))
  const [wk, wp, ww] = [w('kind'), w('principal'), w('what')]
  return all
    .map((r) => `${r.kind.padEnd(wk)}  ${r.principal.padEnd(wp)}  ${r.what.padEnd(ww)}  ${r.lastAccessed}\n`)
    .join('')
}
