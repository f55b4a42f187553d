import type { Command } from 'commander'
import { recommendFor } from '../../shared/app/unused.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { callerAccountId } from '../../shared/aws/sts.ts'
import { stripInvisible } from '../../shared/notify/escape.ts'
import type { CliContext } from '../context.ts'
import { windowDays } from './unused.ts'

const day = (d?: Date) => (d ? d.toISOString().slice(0, 10) : 'never')
const safe = (s: string) => stripInvisible(s)
const listed = (items: string[], max = 20) =>
  items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ')

export function registerRecommend(program: Command, ctx: CliContext): void {
  program
    .command('recommend')
    .description(
      'The least-privilege replacement for a user’s or role’s policies (unused services and actions removed) as JSON on stdout, and what it removes on stderr',
    )
    .argument('<principal-arn>', 'the user or role')
    .option(
      '--days <n>',
      'the window: unused means not used for this many days (default: as configured, 90)',
      windowDays,
    )
    .option('--config <file>', 'JSON configuration; default: $IAMWATCH_CONFIG')
    .option(
      '--table <name>',
      'read grant times from this findings table (nothing is written); default: $IAMWATCH_TABLE',
      ctx.env.IAMWATCH_TABLE,
    )
    .action(async (arn: string, opts: { days?: number; config?: string; table?: string }) => {
      const aws = await ctx.aws()
      const accountId = await callerAccountId(aws.sts())
      ctx.progress.step(`Access Advisor for ${arn}`)
      const r = await recommendFor(
        {
          accountId,
          iam: aws.iam(),
          config: ctx.config(opts.config),
          region: aws.region,
          log: ctx.log(false),
          ...(opts.table ? { store: new FindingsStore(aws.dynamo(), ctx.useTable(opts.table)) } : {}),
        },
        arn,
        opts.days,
      )
      ctx.progress.clear()
      const docs = r.recommendation.documents
      if (docs.length > 0) ctx.io.out(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`)
      const removed = r.unusedServices.length + r.unusedActions.length
      const lines = [
        docs.length === 0
          ? `${safe(r.arn)} is allowed nothing that iamwatch can keep: detach its policies rather than replace them`
          : `recommended policy for ${safe(r.arn)} (window ${r.windowDays} days): ${docs.length} document${docs.length === 1 ? '' : 's'}${docs.length > 1 ? ' (a JSON array: attach each as its own managed policy)' : ''}`,
        ...r.unusedServices.map((s) => `- service ${s.namespace} (last accessed ${day(s.lastAccessed)})`),
        ...r.unusedActions.map((a) => `- action ${a.action} (last accessed ${day(a.lastAccessed)})`),
        ...(r.usedServices.length
          ? [
              `  kept: ${listed(r.usedServices)}${r.passesRoles ? ', and iam:PassRole as it was granted' : ''}`,
            ]
          : []),
        ...(r.recentGrants.length ? [`  not judged (granted too recently): ${listed(r.recentGrants)}`] : []),
        ...(r.judgedFrom ? [`  not judged yet: too new (judged from ${r.judgedFrom})`] : []),
        ...(r.grantTimesKnown
          ? []
          : [
              '  grant times unknown without --table: a policy attached recently counts from the principal’s creation',
            ]),
        ...r.recommendation.notes.map((n) => `  note: ${safe(n)}`),
      ]
      if (removed === 0 && !r.judgedFrom && docs.length > 0)
        lines.push('  nothing unused within the window: the policy allows what the current ones allow')
      ctx.io.err(`${lines.join('\n')}\n`)
    })
}
