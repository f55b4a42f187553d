import { Command } from 'commander'
import pkg from '../package.json' with { type: 'json' }
import { registerCan } from './commands/can.ts'
import { registerExport } from './commands/export.ts'
import { registerFindings } from './commands/findings.ts'
import { registerHistory } from './commands/history.ts'
import { registerRecommend } from './commands/recommend.ts'
import { registerReplay } from './commands/replay.ts'
import { registerScan } from './commands/scan.ts'
import {
  registerAck,
  registerSuppress,
  registerSuppressions,
  registerUnsuppress,
} from './commands/suppress.ts'
import { registerUnused } from './commands/unused.ts'
import { registerVerify } from './commands/verify.ts'
import { type CliContext, createContext, EXIT, type Io } from './context.ts'

export { EXIT, type Io } from './context.ts'

/** The commands, one file each under bin/commands/: each registers itself on the program. */
const COMMANDS = [
  registerScan,
  registerFindings,
  registerHistory,
  registerVerify,
  registerReplay,
  registerCan,
  registerUnused,
  registerRecommend,
  registerSuppress,
  registerUnsuppress,
  registerAck,
  registerSuppressions,
  registerExport,
]

export function buildCli(ctx: CliContext): Command {
  const program = new Command('iamwatch')
    .description('Continuous compliance monitor for AWS IAM')
    .version(pkg.version, '-V, --version', 'print the version')
    .configureOutput({ writeOut: ctx.io.out, writeErr: ctx.io.err })
    .exitOverride()
  for (const register of COMMANDS) register(program, ctx)
  return program
}

/** Runs one command line; returns its exit code (see EXIT). */
export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ctx = createContext(io, env)
  try {
    await buildCli(ctx).parseAsync(argv, { from: 'user' })
    return ctx.exitCode
  } catch (err) {
    const e = err as { code?: string; exitCode?: number }
    // Commander has said what was wrong (or printed help or the version).
    if (e.code?.startsWith('commander.')) return e.exitCode === 0 ? EXIT.ok : EXIT.error
    ctx.io.err(`error: ${ctx.describe(err)}\n`)
    return EXIT.error
  } finally {
    ctx.progress.clear()
  }
}
