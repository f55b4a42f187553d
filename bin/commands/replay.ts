import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Severity } from '../../shared/model/severity.ts'
import type { CliContext } from '../context.ts'
import { positiveNumber, severityOption } from '../options.ts'
import { DEFAULT_REPLAY_LIMITS, parseByteSize, runReplay } from '../replay.ts'

/** The flags `replay` takes, as commander gives them. */
export interface ReplayFlags {
  json?: boolean
  failOn?: Severity
  table?: string
  config?: string
  maxFileBytes?: number
  maxStreamBytes?: number
  maxDepth?: number
}

const byteSize = (value: string): number => {
  try {
    return parseByteSize(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

export function registerReplay(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      'Feed CloudTrail records (bare, EventBridge envelopes, log files, JSON lines, gzip) through the detections',
    )
    .argument('<paths...>', 'files or directories (read recursively)')
    .option(
      '--json',
      'one JSON object per record: file, line, index, eventId, eventName, detections, rejected',
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 2 when a detection at least this severe fires').argParser(
        severityOption,
      ),
    )
    .option(
      '--table <name>',
      'run the full handler path against this DynamoDB findings table (stores findings, alerts via the stream)',
    )
    .option('--config <file>', 'JSON configuration (thresholds, trusted accounts); default: $IAMWATCH_CONFIG')
    .option(
      '--max-file-bytes <size>',
      `the largest file read whole (default ${DEFAULT_REPLAY_LIMITS.maxFileBytes / 1024 ** 2}M)`,
      byteSize,
    )
    .option(
      '--max-stream-bytes <size>',
      `the most a gzip JSON-lines file may decompress to (default ${DEFAULT_REPLAY_LIMITS.maxStreamBytes / 1024 ** 3}G)`,
      byteSize,
    )
    .option(
      '--max-depth <n>',
      `the deepest nesting accepted (default ${DEFAULT_REPLAY_LIMITS.maxDepth})`,
      positiveNumber,
    )
    .action(async (paths: string[], flags: ReplayFlags) => ctx.exit(await replay(paths, flags, ctx)))
}

/**
 * The adapter between the command line and bin/replay.ts: everything the command does once its flags
 * are parsed, returning the exit code (bin/replay.ts's REPLAY_EXIT). A change to runReplay's options
 * changes this function (and, for a new flag, `registerReplay`) and nothing else.
 */
export async function replay(paths: string[], flags: ReplayFlags, ctx: CliContext): Promise<number> {
  const config = ctx.config(flags.config)
  const aws = flags.table ? await ctx.aws() : undefined
  return runReplay(paths, {
    config,
    ...(flags.json ? { json: true } : {}),
    ...(flags.failOn ? { failOn: flags.failOn } : {}),
    ...(flags.table && aws
      ? {
          table: ctx.useTable(flags.table),
          db: aws.dynamo(),
          region: aws.region,
          log: ctx.log(false),
          describeError: (err: unknown) => ctx.describe(err),
        }
      : {}),
    limits: {
      maxFileBytes: flags.maxFileBytes,
      maxStreamBytes: flags.maxStreamBytes,
      maxDepth: flags.maxDepth,
    },
    out: ctx.io.out,
    err: ctx.io.err,
  })
}
