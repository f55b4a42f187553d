import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { AttachUserPolicyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam'
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations'
import { afterEach, describe, expect, it } from 'vitest'
import { drainQueue, type ReceivedAlert } from '../../local/stack.ts'

/** `export NAME=value`, the value single-quoted when it is not shell-safe as it is (IAMWATCH_CONFIG's JSON). */
const EXPORT = /^export ([A-Z][A-Z0-9_]*)=('[^'\n]*'|[\w:/.@+=,-]+)$/
const unquote = (value: string) => value.replace(/^'(.*)'$/, '$1')

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

/** Polls the queue the settings name until an alert matches, or the deadline passes. */
async function waitForAlert(
  env: Record<string, string>,
  match: (a: ReceivedAlert) => boolean,
  deadlineMs: number,
): Promise<ReceivedAlert | undefined> {
  const until = performance.now() + deadlineMs
  while (performance.now() < until) {
    const alert = (await drainQueue(env.AWS_ENDPOINT_URL_SQS!, env.IAMWATCH_ALERTS_QUEUE_URL!)).find(match)
    if (alert) return alert
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return undefined
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
    const env = Object.fromEntries(
      exports.map((l) => {
        const [, name, value] = EXPORT.exec(l)!
        return [name!, unquote(value!)]
      }),
    )
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
    // The organization it serves, to the exported credentials; then a change in acme-prod made with the key
    // the summary prints for it, whose alert names the account.
    const summary = lines.slice(blank + 1).join('\n')
    const organizations = new OrganizationsClient({
      endpoint: env.AWS_ENDPOINT_URL_ORGANIZATIONS,
      region: env.AWS_REGION,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN,
      },
    })
    const { Accounts = [] } = await organizations.send(new ListAccountsCommand({}))
    const [, memberKey, memberSecret] =
      /AWS_ACCESS_KEY_ID=(AKIA[A-Z0-9]{16}) AWS_SECRET_ACCESS_KEY=(\S+)/.exec(summary) ?? []
    const member = new IAMClient({
      endpoint: env.AWS_ENDPOINT_URL_IAM,
      region: env.AWS_REGION,
      credentials: { accessKeyId: memberKey!, secretAccessKey: memberSecret! },
    })
    await member.send(
      new AttachUserPolicyCommand({
        UserName: 'web.oncall',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    )
    const memberAlert = await waitForAlert(
      env,
      (a) => a.attributes.checkId === 'admin-policy-attached' && a.attributes.accountName === 'acme-prod',
      10_000,
    )
    for (const c of [iam, organizations, member]) c.destroy()
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
    // The organization: every account listed, with its OU path and what it is, and a member's admin key.
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['AWS_ENDPOINT_URL_ORGANIZATIONS', 'AWS_ENDPOINT_URL_EVENTBRIDGE']),
    )
    expect(JSON.parse(env.IAMWATCH_CONFIG!)).toEqual({ trustedAccounts: ['123456789012'] })
    expect(Accounts.map((a) => a.Name).sort()).toEqual([
      'acme-management',
      'acme-prod',
      'acme-sandbox',
      'acme-security',
      'acme-staging',
    ])
    expect(summary).toMatch(/555555555555 {2}acme-sandbox +Root\/Sandbox +not monitored/)
    expect(summary).toMatch(/333333333333 {2}acme-prod +Root\/Workloads\/Prod +reader role iamwatch-reader/)
    expect(summary).toContain('scan --organization')
    expect(memberKey).toBe('AKIAACMEPRODADMIN001')
    expect(memberAlert?.attributes).toMatchObject({
      accountId: '333333333333',
      ouPath: 'Root/Workloads/Prod',
    })
    expect(memberAlert?.message).toContain('Account:     333333333333 (acme-prod)')
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
