import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction } from '../../shared/policy/evaluate.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'

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

async function iamwatchWith(env: Record<string, string>, ...args: string[]) {
  return runCli(args, { ...awsEnv({ iam: sim.endpoint, sts: sim.endpoint }), ...env })
}

const iamwatch = (...args: string[]) => iamwatchWith({}, ...args)

describe('iamwatch unused', () => {
  it('lists unused roles, users, services and policies with their last access', async () => {
    // Act
    const { code, stdout } = await iamwatch('unused')
    // Assess
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^KIND\s+PRINCIPAL\s+UNUSED\s+LAST ACCESS/)
    expect(lines.find((l) => l.includes('role/etl') && l.includes('role unused'))).toMatch(/never\s+medium$/)
    expect(lines.find((l) => l.includes('role/app') && /\bsqs\b/.test(l))).toMatch(/never\s+low$/)
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

  it('lists every unused action, not only the first of the finding’s evidence', async () => {
    const { stdout } = await iamwatch('unused', '--principal', APP, '--json')
    const actions = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; what: string })
    // s3 is used (CreateBucket); every other tracked s3 management action it is granted is listed
    expect(actions.filter((r) => r.kind === 'action').length).toBeGreaterThan(50)
  })

  it('refuses a principal the account does not have, or a group, with exit 1', async () => {
    const missing = await iamwatch('unused', '--principal', `arn:aws:iam::${ACCOUNT}:role/nope`)
    const elsewhere = await iamwatch('unused', '--principal', 'arn:aws:iam::111122223333:role/app')
    const group = await iamwatch('unused', '--principal', `arn:aws:iam::${ACCOUNT}:group/devs`)
    expect([missing.code, elsewhere.code, group.code]).toEqual([1, 1, 1])
    expect(missing.stderr).toMatch(/no such role/)
    expect(elsewhere.stderr).toMatch(/not in account 777788889999/)
    expect(group.stderr).toMatch(/groups are not judged/)
  })

  it('says it could not read the account, with exit 1, rather than "nothing unused"', async () => {
    const { code, stdout, stderr } = await iamwatchWith(
      { AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9', IAMWATCH_MAX_ATTEMPTS: '1' },
      'unused',
    )
    expect(code).toBe(1)
    expect(stderr).toMatch(/could not read the account/)
    expect(stdout).toBe('')
  })

  it('refuses a window outside Access Advisor’s tracking period', async () => {
    const { code, stdout, stderr } = await iamwatch('unused', '--principal', APP, '--days', '0')
    expect(code).toBe(1)
    expect(stderr).toMatch(/whole number of days from 1 to 400/)
    expect(stdout).toBe('')
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
