import type { Command } from 'commander'
import { recommendFor } from '../../shared/app/unused.ts'
import { callerAccountId } from '../../shared/aws/sts.ts'
import type { CliContext } from '../context.ts'
import { positiveNumber } from '../options.ts'

const day = (d?: Date) => (d ? d.toISOString().slice(0, 10) : 'never')

export function registerRecommend(program: Command, ctx: CliContext): void {
  program
    .command('recommend')
    .description(
      'The least-privilege replacement for a user’s or role’s policies (unused services and actions removed) as JSON on stdout, and what it removes on stderr',
    )
    .argument('<principal-arn>', 'the user or role')
    .option('--days <n>', 'the window: unused means not used for this many days (default 90)', positiveNumber)
    .option('--config <file>', 'JSON configuration; default: $IAMWATCH_CONFIG')
    .action(async (arn: string, opts: { days?: number; config?: string }) => {
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
        },
        arn,
        opts.days ? Math.floor(opts.days) : undefined,
      )
      ctx.progress.clear()
      const docs = r.recommendation.documents
      ctx.io.out(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`)
      const lines = [
        `recommended policy for ${r.arn}: ${docs.length} document${docs.length === 1 ? '' : 's'}${docs.length > 1 ? ' (a JSON array: attach each as its own managed policy)' : ''}`,
        ...r.unusedServices.map((s) => `- service ${s.namespace} (last accessed ${day(s.lastAccessed)})`),
        ...r.unusedActions.map((a) => `- action ${a.action} (last accessed ${day(a.lastAccessed)})`),
        ...(r.usedServices.length
          ? [`  kept: ${r.usedServices.join(', ')}, and iam:PassRole wherever it was granted`]
          : []),
        ...(r.recentGrants.length
          ? [`  not judged (granted too recently): ${r.recentGrants.join(', ')}`]
          : []),
        ...r.recommendation.notes.map((n) => `  note: ${n}`),
      ]
      if (r.unusedServices.length + r.unusedActions.length === 0)
        lines.push('  nothing unused within the window: the policy allows what the current ones allow')
      ctx.io.err(`${lines.join('\n')}\n`)
    })
}
