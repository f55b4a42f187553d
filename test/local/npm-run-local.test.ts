import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam'
import { afterEach, describe, expect, it } from 'vitest'

const EXPORT = /^export ([A-Z][A-Z0-9_]*)=(\S+)$/

let child: ChildProcess | undefined
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** Starts `npm run local` (its script: node local/local.ts) and reads stdout up to the end of its summary. */
async function runLocal(envFile: string) {
  const started = performance.now()
  child = spawn(process.execPath, ['local/local.ts'], {
    env: { ...process.env, IAMWATCH_LOCAL_ENV_FILE: envFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()))
  const lines: string[] = []
  const rl = createInterface({ input: child.stdout! })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 60 s: ${stderr.join('')}`)), 60_000)
    rl.on('line', (line) => {
      lines.push(line)
      if (/^Ready in /.test(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child!.once('exit', (code) => reject(new Error(`exited (${code}): ${stderr.join('')}`)))
  })
  return { lines, startMs: performance.now() - started, stderr }
}

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })

describe('npm run local (the embedded AWS, kept running)', () => {
  it('prints shell settings another process can use, and stops everything on SIGTERM', async () => {
    // Prepare
    const envFile = join(mkdtempSync(join(tmpdir(), 'iamwatch-local-')), '.iamwatch-local.env')
    // Act: start it, then use only what it printed.
    const { lines, startMs } = await runLocal(envFile)
    const blank = lines.indexOf('')
    const exports = lines.slice(0, blank)
    const env = Object.fromEntries(exports.map((l) => EXPORT.exec(l)!.slice(1, 3) as [string, string]))
    const fileLines = readFileSync(envFile, 'utf8').trim().split('\n')
    const cliEnv = { ...process.env, ...env }
    delete cliEnv.AWS_ENDPOINT_URL // the test run's default; the printed settings must suffice
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['bin/iamwatch.ts', ...args], { env: cliEnv, timeout: 60_000 })
    const scan = await cli('scan', '--table', env.IAMWATCH_TABLE!, '--report-poll-ms', '100')
    const findings = await cli('findings', '--json')
    const iam = new IAMClient({
      endpoint: env.AWS_ENDPOINT_URL_IAM,
      region: env.AWS_REGION,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN,
      },
    })
    const created = await iam.send(new CreateUserCommand({ UserName: 'from-another-shell' }))
    const second = await promisify(execFile)(process.execPath, ['local/local.ts'], {
      env: { ...process.env, IAMWATCH_LOCAL_ENV_FILE: envFile },
      timeout: 30_000,
    }).catch((err: { code: number; stderr: string }) => err)
    const fileAfterSecond = readFileSync(envFile, 'utf8').trim().split('\n')
    const stopping = performance.now()
    child!.kill('SIGTERM')
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child!.once('exit', (c, s) => resolve([c, s])),
    )
    const stopMs = performance.now() - stopping
    // Assess: the settings, in the promised form and order, also in the file.
    expect(blank).toBeGreaterThan(0)
    for (const line of exports) expect(line).toMatch(EXPORT)
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_IAM',
        'AWS_ENDPOINT_URL_STS',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_SNS',
        'AWS_ENDPOINT_URL_SQS',
        'AWS_ENDPOINT_URL_CLOUDTRAIL',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'IAMWATCH_TABLE',
        'IAMWATCH_ALERTS_QUEUE_URL',
      ]),
    )
    expect(env.AWS_REGION).toBe('us-east-1')
    for (const [name, value] of Object.entries(env))
      if (name.startsWith('AWS_ENDPOINT_URL')) expect(value, name).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(fileLines).toEqual(exports)
    expect(lines.slice(blank + 1).join('\n')).toMatch(/Ctrl-C/)
    // The CLI scanned the simulated account into the table, and lists what it stored.
    expect(scan.stderr).toMatch(/account 123456789012: \d+ failing, scan complete \(opened \d+/)
    const stored = findings.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(stored.length).toBeGreaterThan(20)
    expect(stored.map((f) => f.checkId)).toContain('root-access-key')
    expect(created.User?.Arn).toBe('arn:aws:iam::123456789012:user/from-another-shell')
    // A second one would clobber the settings file: it refuses to start.
    expect(second).toMatchObject({ code: 1, stderr: expect.stringContaining('already running') })
    expect(fileAfterSecond).toEqual(exports)
    // Stopped: the process exited cleanly, every endpoint refuses connections, the file is gone.
    expect([code, signal]).toEqual([0, null])
    for (const [name, url] of Object.entries(env))
      if (name.startsWith('AWS_ENDPOINT_URL')) expect(await refused(url), name).toBe(true)
    expect(existsSync(envFile)).toBe(false)
    console.info(`npm run local: ready in ${startMs.toFixed(0)} ms, stopped in ${stopMs.toFixed(0)} ms`)
  }, 120_000)
})
