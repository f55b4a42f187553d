import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { newStore } from '../support/harness.ts'

const run = promisify(execFile)
let sim: IamSimulator

beforeAll(async () => {
  sim = await startIamSimulator(
    new AccountBuilder('777788889999')
      .root((r) => r.mfa('hardware'))
      .passwordPolicy({ ...CIS_PASSWORD_POLICY })
      .user('dev', (u) =>
        u
          .console({ lastUsedDaysAgo: 1 })
          .mfa()
          .accessKey({ ageDays: 120, lastUsedDaysAgo: 1, id: 'AKIADEVOLDKEY0000001' }),
      )
      .build(),
    { reportDelayMs: 10 },
  )
})
afterAll(async () => sim?.stop())

/** Runs the CLI as a user would: a separate process configured only through standard AWS variables. */
async function iamwatch(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        'bin/iamwatch.ts',
        ...args,
        ...(args[0] === 'scan' ? ['--report-poll-ms', '10'] : []),
        ...(args[0] === 'scan' && !args.includes('--only') ? ['--only', 'credentials'] : []),
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_IAM: sim.endpoint,
          AWS_ENDPOINT_URL_STS: sim.endpoint,
          AWS_ENDPOINT_URL_CLOUDTRAIL: sim.endpoint,
          AWS_ENDPOINT_URL_ACCESSANALYZER: sim.endpoint,
          // Anything not named above fails fast on a dead loopback port instead of leaving the machine.
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...env,
        },
      },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
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

  it('says what a degraded scan left unjudged instead of claiming nothing was resolved', async () => {
    // Prepare: root's virtual MFA devices cannot be listed
    sim.faults.failActions = { ListVirtualMFADevices: 'AccessDenied' }
    // Act
    const { code, stderr } = await iamwatch(['scan']).finally(() => {
      sim.faults.failActions = undefined
    })
    // Assess
    expect(code).toBe(0)
    expect(stderr).toContain(
      'warning: not evaluated {"detail":"root-hardware-mfa on root: ListVirtualMFADevices could not be read"}',
    )
    expect(stderr).toContain(
      'the scan was degraded: 1 check or resource judgement was not evaluated and their findings were left as they are',
    )
    expect(stderr).not.toContain('nothing was resolved')
  })

  it('explains a bad argument and exits 1', async () => {
    const { code, stderr } = await iamwatch(['scan', '--fail-on', 'severe'])
    expect(code).toBe(1)
    expect(stderr).toContain('one of critical, high, medium, low, info')
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
