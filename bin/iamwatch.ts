#!/usr/bin/env node
import { main } from './cli.ts'

// The SDK is bundled at a fixed version: its notice that later versions will need Node 22 concerns
// whoever rebuilds the CLI, not whoever runs it, and would be the only noise on stderr under Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

process.exitCode = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTTY: process.stderr.isTTY === true,
})
