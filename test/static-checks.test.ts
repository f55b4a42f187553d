import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

/** Runs a tool; resolves with its complaints ('' when it is satisfied). */
const run = (file: string, args: string[]) =>
  promisify(execFile)(file, args, { timeout: 120_000 }).then(
    () => '',
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}` || String(err),
  )
const tsc = (project: string) =>
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project, '--noEmit'])

describe('type checking (strict)', () => {
  it('passes for the code and tests', async () => {
    expect(await tsc('tsconfig.json')).toBe('')
  }, 120_000)

  it("passes for the infrastructure, against SST's component types", async () => {
    expect(await tsc('tsconfig.infra.json')).toBe('')
  }, 120_000)
})

describe('linting', () => {
  it('biome finds nothing to fix', async () => {
    expect(await run('node_modules/.bin/biome', ['check', '--diagnostic-level=warn', '.'])).toBe('')
  }, 60_000)
})
