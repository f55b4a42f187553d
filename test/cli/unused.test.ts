import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction } from '../../shared/policy/evaluate.ts'

const exec = promisify(execFile)
const ACCOUNT = '777788889999'
const APP = `arn:aws:iam::${ACCOUNT}:role/app`
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
}
const allow = (Action: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
})
let sim: IamSimulator

beforeAll(async () => {
  const b = new AccountBuilder(ACCOUNT)
  const old = b.managedPolicy('old-reports', allow('athena:*'))
  sim = await startIamSimulator(
    b
      .role('app', trust, (r) =>
        r
          .createdDaysAgo(400)
          .inline('main', allow(['s3:*', 'sqs:SendMessage', 'iam:PassRole']))
          .usage('s3', { daysAgo: 40, actions: { CreateBucket: 40 } }),
      )
      .role('etl', trust, (r) => r.createdDaysAgo(400).attach(old))
      .user('quiet', (u) => u.createdDaysAgo(300).accessKey({ ageDays: 300, lastUsedDaysAgo: 120 }))
      .build(),
    { accessJobDelayMs: 5, reportDelayMs: 5 },
  )
})
afterAll(async () => sim?.stop())

async function iamwatch(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/iamwatch.ts', ...args], {
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_IAM: sim.endpoint,
        AWS_ENDPOINT_URL_STS: sim.endpoint,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('iamwatch unused', () => {
  it('lists unused roles, users, services and policies with their last access', async () => {
    // Act
    const { code, stdout } = await iamwatch('unused')
    // Assess
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^KIND\s+PRINCIPAL\s+UNUSED\s+LAST ACCESS/)
    expect(lines.find((l) => l.includes('role/etl') && l.includes('role unused'))).toMatch(/never$/)
    expect(lines.find((l) => l.includes('role/app') && /\bsqs\b/.test(l))).toMatch(/never$/)
    expect(lines.find((l) => l.includes('user/quiet'))).toMatch(/user unused/)
    expect(lines.find((l) => l.includes('old-reports'))).toMatch(/policy unused/)
    // PassRole is never judged unused
    expect(stdout).not.toMatch(/\biam\b.*never/)
  })

  it('narrows to one principal and a window, as JSON lines', async () => {
    const { code, stdout } = await iamwatch('unused', '--days', '30', '--principal', APP, '--json')
    expect(code).toBe(0)
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; what: string; principal: string })
    expect(new Set(rows.map((r) => r.principal))).toEqual(new Set(['role/app']))
    // At 30 days, s3 (used 40 days ago) is unused too
    expect(
      rows
        .filter((r) => r.kind === 'service')
        .map((r) => r.what)
        .sort(),
    ).toEqual(['s3', 'sqs'])
  })

  it('traces a customer managed policy’s use to its holders', async () => {
    const { code, stdout, stderr } = await iamwatch(
      'unused',
      '--principal',
      `arn:aws:iam::${ACCOUNT}:policy/old-reports`,
    )
    expect(code).toBe(0)
    expect(stdout).toMatch(/policy unused/)
    expect(stderr).toMatch(/athena \(never\): role\/etl never/)
  })
})

describe('iamwatch recommend', () => {
  it('prints a policy that drops the unused service, keeps the used one and PassRole, and says what it removed', async () => {
    // Act
    const { code, stdout, stderr } = await iamwatch('recommend', APP)
    // Assess
    expect(code).toBe(0)
    const parsed = parsePolicyDocument(stdout)
    if (!parsed.ok) throw new Error(parsed.reason)
    const held = [{ name: 'recommended', kind: 'inline' as const, document: parsed.document }]
    expect(evaluateAction(held, 'sqs:SendMessage').decision).toBe('denied')
    expect(evaluateAction(held, 's3:CreateBucket').decision).toBe('allowed')
    expect(evaluateAction(held, 'iam:PassRole').decision).toBe('allowed')
    expect(stderr).toMatch(/- service sqs \(last accessed never\)/)
  })

  it('exits 1 for a principal the account does not have', async () => {
    const { code, stderr } = await iamwatch('recommend', `arn:aws:iam::${ACCOUNT}:role/nope`)
    expect(code).toBe(1)
    expect(stderr).toMatch(/no such role/)
  })
})
