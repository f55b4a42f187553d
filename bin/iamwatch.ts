#!/usr/bin/env node
import { main } from './cli.ts'

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
})
process.exitCode = code
