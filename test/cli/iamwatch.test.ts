import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { startCliSimulator } from '../support/cli-account.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { newStore } from '../support/harness.ts'

let sim: IamSimulator

beforeAll(async () => {
  sim = await startCliSimulator()
})
afterAll(async () => sim?.stop())

/** Runs the CLI as a user would: a separate process configured only through standard AWS variables. */
async function iamwatch(args: string[], env: Record<string, string> = {}) {
  const scan = args[0] === 'scan'
  return runCli(
    [
      ...args,
      ...(scan ? ['--report-poll-ms', '10'] : []),
      ...(scan && !args.includes('--only') ? ['--only', 'credentials'] : []),
    ],
    {
      ...awsEnv({
        iam: sim.endpoint,
        sts: sim.endpoint,
        cloudtrail: sim.endpoint,
        accessanalyzer: sim.endpoint,
      }),
      ...env,
    },
  )
}

describe('iamwatch scan', () => {
  it('prints one JSON finding per line against the endpoint named in AWS_ENDPOINT_URL_IAM', async () => {
    const { code, stdout } = await iamwatch(['scan', '--json'])
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(code).toBe(0)
    expect(lines.map((l) => `${l.checkId}:${l.credentialId ?? ''}`)).toEqual([
      'access-key-rotation:AKIADEVOLDKEY0000001',
    ])
    expect(Object.keys(lines[0]).sort()).toEqual(
      [
        'accountId',
        'checkId',
        'credentialId',
        'evidence',
        'id',
        'region',
        'resourceArn',
        'resourceId',
        'severity',
        'status',
        'title',
      ].sort(),
    )
    expect(lines[0]).toMatchObject({
      accountId: '777788889999',
      status: 'OPEN',
      severity: 'medium',
      resourceArn: 'arn:aws:iam::777788889999:user/dev',
    })
  })

  it('sets exit code 2 for --fail-on at or below the worst severity, 0 above it', async () => {
    expect((await iamwatch(['scan', '--json', '--fail-on', 'medium'])).code).toBe(2)
    expect((await iamwatch(['scan', '--json', '--fail-on', 'high'])).code).toBe(0)
  })

  it('prints a table by default', async () => {
    const { stdout, stderr } = await iamwatch(['scan'])
    expect(stdout.split('\n')[0]).toMatch(/^SEVERITY\s+STATUS\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+TITLE$/)
    expect(stdout).toContain('MEDIUM    OPEN    access-key-rotation  user/dev  AKIADEVOLDKEY0000001')
    expect(stderr).toContain('account 777788889999: 1 failing, scan complete')
  })

  it('applies thresholds from a configuration', async () => {
    const { stdout } = await iamwatch(['scan', '--json'], {
      IAMWATCH_CONFIG: JSON.stringify({ checks: { 'access-key-rotation': { params: { maxAgeDays: 365 } } } }),
    })
    expect(stdout.trim()).toBe('')
  })

  it('reconciles into a table with --table and lists it with findings', async () => {
    const { tableName } = await newStore()
    const env = { AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint') }
    const scan = await iamwatch(['scan', '--table', tableName], env)
    expect(scan.stderr).toContain('(opened 1, reopened 0, resolved 0, unchanged 0)')
    const listed = await iamwatch(['findings', '--table', tableName, '--json', '--status', 'OPEN'], env)
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ checkId: 'access-key-rotation', status: 'OPEN' })
  })

  it('exits 3 on a degraded scan, saying what was not evaluated and why', async () => {
    // Prepare: root's virtual MFA devices cannot be listed
    sim.faults.failActions = { ListVirtualMFADevices: 'AccessDenied' }
    // Act
    const { code, stdout, stderr } = await iamwatch(['scan']).finally(() => {
      sim.faults.failActions = undefined
    })
    // Assess
    expect(code).toBe(3)
    expect(stdout).toContain('access-key-rotation')
    expect(stderr).toContain(
      'error: the scan was degraded, so it exits 3 (--allow-degraded accepts a degraded scan):\n' +
        '  not read: ListVirtualMFADevices failed: AccessDenied: injected AccessDenied for ListVirtualMFADevices\n' +
        '  not evaluated: root-hardware-mfa on root: ListVirtualMFADevices could not be read\n' +
        'what was not evaluated is missing from the findings above\n',
    )
    expect(stderr).not.toContain('nothing was resolved')
  })

  it('exits 0 on a degraded scan with --allow-degraded, still saying what was not evaluated', async () => {
    // Prepare
    sim.faults.failActions = { ListVirtualMFADevices: 'AccessDenied' }
    // Act
    const { code, stderr } = await iamwatch(['scan', '--allow-degraded']).finally(() => {
      sim.faults.failActions = undefined
    })
    // Assess
    expect(code).toBe(0)
    expect(stderr).toContain('warning: the scan was degraded (accepted with --allow-degraded):\n')
    expect(stderr).toContain(
      '  not evaluated: root-hardware-mfa on root: ListVirtualMFADevices could not be read\n',
    )
  })

  it('names what could not be read, and keeps exit 2 when a finding reaches --fail-on', async () => {
    // Prepare: the password policy cannot be read at all
    sim.faults.failActions = { GetAccountPasswordPolicy: 'AccessDenied' }
    // Act
    const { code, stderr } = await iamwatch(['scan', '--fail-on', 'medium']).finally(() => {
      sim.faults.failActions = undefined
    })
    // Assess
    expect(code).toBe(2)
    expect(stderr).toContain(
      'error: the scan was degraded (it exits 2 for the findings at or above --fail-on, else it would exit 3):\n',
    )
    expect(stderr).toMatch(/^ {2}not read: GetAccountPasswordPolicy failed: AccessDenied/m)
    expect(stderr).toMatch(/^ {2}not evaluated: password-policy-length: passwordPolicy not read \(/m)
  })

  it('explains a bad argument and exits 1', async () => {
    const { code, stderr } = await iamwatch(['scan', '--fail-on', 'severe'])
    expect(code).toBe(1)
    expect(stderr).toContain('one of critical, high, medium, low, info')
  })

  it('accepts severities and parts in any case', async () => {
    // Act
    const high = await iamwatch(['scan', '--json', '--fail-on', 'HIGH', '--only', 'Credentials'])
    const medium = await iamwatch(['scan', '--json', '--fail-on', 'Medium', '--only', 'CREDENTIALS'])
    // Assess
    expect(high.code).toBe(0)
    expect(medium.code).toBe(2)
  })

  it.each(['0', '-1', 'fast'])('refuses --report-poll-ms %s: numbers are positive numbers', async (value) => {
    // Act
    const { code, stderr } = await iamwatch(['scan', '--report-poll-ms', value, '--only', 'credentials'])
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain(
      `error: option '--report-poll-ms <ms>' argument '${value}' is invalid. a positive number`,
    )
  })

  it('names the configuration file that is missing, not JSON, or wrong', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'iamwatch-config-'))
    const notJson = join(dir, 'not.json')
    writeFileSync(notJson, '{ checks: ')
    const wrong = join(dir, 'wrong.json')
    writeFileSync(wrong, JSON.stringify({ checks: { 'no-such-check': { enabled: false } } }))
    // Act
    const missing = await iamwatch(['scan', '--config', join(dir, 'missing.json')])
    const unparsable = await iamwatch(['scan', '--config', notJson])
    const invalid = await iamwatch(['scan', '--config', wrong])
    // Assess
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(
      `error: configuration file ${join(dir, 'missing.json')} could not be read: ENOENT`,
    )
    expect(unparsable.stderr).toContain(`error: configuration file ${notJson} is not JSON: `)
    expect(invalid.stderr).toContain(
      `error: configuration file ${wrong}: checks.no-such-check: no such check`,
    )
  })

  it('names the service and region of an AWS error that stops the scan', async () => {
    // Prepare
    sim.faults.failActions = { GetCallerIdentity: 'AccessDenied' }
    // Act
    const { code, stderr } = await iamwatch(['scan']).finally(() => {
      sim.faults.failActions = undefined
    })
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain(
      'error: STS (us-east-1): AccessDenied: injected AccessDenied for GetCallerIdentity',
    )
  })

  it('names the findings table and region when scan --table cannot write to it', async () => {
    // Act
    const { code, stderr } = await iamwatch(['scan', '--table', 'no-such-table'], {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    })
    // Assess
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^error: findings table no-such-table \(DynamoDB, us-east-1\): ResourceNotFoundException/m,
    )
  })

  it('prints the package version', async () => {
    // Act
    const { code, stdout } = await iamwatch(['--version'])
    // Assess
    expect(code).toBe(0)
    expect(stdout).toBe(`${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`)
  })

  it('scans the authorization part with --only authorization, and both parts by default', async () => {
    const auth = await iamwatch(['scan', '--json', '--only', 'authorization'])
    expect(
      auth.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).checkId),
    ).toEqual(['access-analyzer-disabled', 'support-role-missing'])
    const both = await iamwatch(['scan', '--json', '--only', 'credentials,authorization'])
    expect(
      both.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).checkId)
        .sort(),
    ).toEqual(['access-analyzer-disabled', 'access-key-rotation', 'support-role-missing'])
    expect((await iamwatch(['scan', '--only', 'everything'])).stderr).toContain(
      'one or more of credentials, authorization, trails',
    )
    const trails = await iamwatch(['scan', '--json', '--only', 'trails'])
    expect(
      trails.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).checkId),
    ).toEqual(['cloudtrail-multi-region-missing'])
  })
})

describe('iamwatch findings', () => {
  let tableName: string
  const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint') })
  beforeAll(async () => {
    tableName = (await newStore()).tableName
    await iamwatch(['scan', '--table', tableName], env())
  })

  it('shows when each finding was first seen, last changed and resolved, in the table and in JSON', async () => {
    // Act
    const table = await iamwatch(['findings', '--table', tableName], env())
    const json = await iamwatch(['findings', '--table', tableName, '--json'], env())
    // Assess
    const [header, row] = table.stdout.split('\n')
    expect(header).toMatch(/\bFIRST SEEN\s+LAST TRANSITION\s+RESOLVED\s+TITLE$/)
    expect(row).toMatch(/ \d{4}-\d\d-\d\d \d\d:\d\dZ {2}\d{4}-\d\d-\d\d \d\d:\d\dZ {2}- +\S/)
    const record = JSON.parse(json.stdout)
    expect(record.firstOpenedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
    expect(record.lastTransitionAt).toBe(record.firstOpenedAt)
    expect(record.resolvedAt).toBeNull()
  })

  it('accepts status, severity and check in any case', async () => {
    // Act
    const { code, stdout } = await iamwatch(
      [
        'findings',
        '--table',
        tableName,
        '--json',
        '--status',
        'open',
        '--severity',
        'MEDIUM',
        '--check',
        'Access-Key-Rotation',
      ],
      env(),
    )
    // Assess
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ checkId: 'access-key-rotation', status: 'OPEN' })
  })

  it('refuses an unknown --check, suggesting the nearest check and detection ids', async () => {
    // Act
    const { code, stderr } = await iamwatch(
      ['findings', '--table', tableName, '--check', 'root-login'],
      env(),
    )
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain('no check or detection "root-login": did you mean root-console-login')
  })

  it('names the table and the region when the table cannot be read', async () => {
    // Act
    const { code, stderr } = await iamwatch(['findings', '--table', 'no-such-table'], env())
    // Assess
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^error: findings table no-such-table \(DynamoDB, us-east-1\): ResourceNotFoundException/m,
    )
  })
})
