import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrganizationScanJson } from '../../bin/commands/scan-organization.ts'
import type { SimCredential } from '../../local/iam-sim/identity.ts'
import { OcsfSchema, ocsfSchemaPresent } from '../export/ocsf-schema.ts'
import {
  credentialsOf,
  type Key,
  MANAGEMENT,
  MANAGEMENT_KEY,
  MEMBER,
  MEMBER_KEY,
  ORG_ID,
  type OrgWorld,
  PLAIN_MEMBER,
  PLAIN_MEMBER_KEY,
  READER_TRUST,
  SECURITY,
  startOrganization,
} from '../simulator/organization.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { newStore } from '../support/harness.ts'
import { forwardEvents } from '../support/organization.ts'

/**
 * `iamwatch scan --organization` and `--accounts` as a user runs them, against the simulator's
 * organization (test/simulator/organization.ts): the management account (111111111111, given a reader
 * role here), the security account (222222222222, IAM's delegated administrator, whose `iamwatch-scan`
 * role session is the caller), Prod A (333333333333, with a reader role that trusts that role inside the
 * organization) and Sandbox (555555555555, without a reader role).
 */

/** A role the management account's `admin` user made for itself in each account it audits from a laptop. */
const LAPTOP_ROLE = 'audit-from-laptop'
const LAPTOP_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:user/admin` },
      Action: 'sts:AssumeRole',
    },
  ],
}

let world: OrgWorld

/** Creates a role in an account, as its administrator would (CreateRole, signed with their key). */
async function createRole(key: string, roleName: string, trust: object) {
  const iam = new IAMClient({
    endpoint: world.sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: credentialsOf(key),
  })
  await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  )
  iam.destroy()
}

beforeAll(async () => {
  world = await startOrganization()
  await createRole(MANAGEMENT_KEY, 'iamwatch-reader', READER_TRUST)
  await createRole(MEMBER_KEY, LAPTOP_ROLE, LAPTOP_TRUST)
  await createRole(PLAIN_MEMBER_KEY, LAPTOP_ROLE, LAPTOP_TRUST)
  // The member template's forwarding rules, in the accounts that have the reader role.
  forwardEvents(world.sim, MANAGEMENT, SECURITY)
  forwardEvents(world.sim, MEMBER, SECURITY)
})
afterAll(async () => world?.sim.stop())

/** The caller's credentials as the standard variables carry them: a role session, or a user's key. */
function credentialsEnv(key: Key): Record<string, string> {
  const c = credentialsOf(key)
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...('sessionToken' in c && c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
  }
}

/**
 * `iamwatch` as a separate process, every service at the simulator through AWS_ENDPOINT_URL_<SERVICE>,
 * as `caller` (default: the central scan role's session); scans read the credentials part unless told.
 */
async function iamwatch(args: string[], options: { caller?: Key; env?: Record<string, string> } = {}) {
  const endpoint = world.sim.endpoint
  const scan = args[0] === 'scan'
  const defaults = [
    ...(scan ? ['--report-poll-ms', '10'] : []),
    ...(scan && !args.includes('--only') ? ['--only', 'credentials'] : []),
  ]
  return runCli([...args, ...defaults], {
    ...awsEnv({ iam: endpoint, sts: endpoint, cloudtrail: endpoint, accessanalyzer: endpoint, dynamo: true }),
    AWS_ENDPOINT_URL_ORGANIZATIONS: endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint,
    ...credentialsEnv(options.caller ?? (world.scan as SimCredential)),
    ...options.env,
  })
}

const parsed = (stdout: string) => JSON.parse(stdout) as OrganizationScanJson
const account = (r: OrganizationScanJson, id: string) => r.accounts.find((a) => a.accountId === id)!
const findingsOf = (r: OrganizationScanJson, id: string, checkId?: string) =>
  r.findings
    .filter((f) => f.accountId === id && (!checkId || f.checkId === checkId))
    .map((f) => f.resourceId)
    .sort()

describe('iamwatch scan --organization', () => {
  it("reports the findings of every account with the reader role, each with its account's name, and lists the one without it as not monitored", async () => {
    // Act
    const { code, stdout, stderr } = await iamwatch(['scan', '--organization', '--json'])
    // Assess
    const r = parsed(stdout)
    expect(r.organization).toMatchObject({
      id: ORG_ID,
      managementAccountId: MANAGEMENT,
      source: 'organizations',
    })
    expect(r.callerAccountId).toBe(SECURITY)
    expect(r.accounts.map((a) => [a.accountId, a.accountName, a.ouPath, a.reader, a.outcome])).toEqual([
      [MANAGEMENT, 'Management', 'Root', 'ok', 'complete'],
      [SECURITY, 'Security', 'Root/Security', 'not-needed', 'complete'],
      [MEMBER, 'Prod A', 'Root/Workloads/Prod', 'ok', 'complete'],
      [PLAIN_MEMBER, 'Sandbox', 'Root', 'missing', 'not-monitored'],
    ])
    expect(findingsOf(r, MEMBER, 'user-no-mfa')).toEqual(['user/admin', 'user/alice', 'user/bob'])
    expect(findingsOf(r, MANAGEMENT, 'user-no-mfa')).toEqual(['user/admin'])
    expect(new Set(r.findings.filter((f) => f.accountId === MEMBER).map((f) => f.accountName))).toEqual(
      new Set(['Prod A']),
    )
    expect(r.findings.filter((f) => f.checkId === 'member-account-not-monitored')).toEqual([
      expect.objectContaining({
        accountId: PLAIN_MEMBER,
        accountName: 'Sandbox',
        severity: 'high',
        evidence: expect.objectContaining({ readerRole: 'cannot be assumed' }),
      }),
    ])
    // The organization checks: root sessions are not centralized (judged on the management account), and
    // each member whose reader role answered still has a root password.
    expect(
      r.findings
        .filter((f) => f.checkId === 'org-root-credentials-not-centralized')
        .map((f) => [f.accountId, f.resourceId, f.evidence]),
    ).toEqual([
      [
        MANAGEMENT,
        ORG_ID,
        { featuresMissing: ['RootSessions'], featuresEnabled: ['RootCredentialsManagement'] },
      ],
      [SECURITY, SECURITY, { accountName: 'Security', rootCredentials: ['password'] }],
      [MEMBER, MEMBER, { accountName: 'Prod A', rootCredentials: ['password'] }],
    ])
    expect(account(r, PLAIN_MEMBER).readerDetail).toContain(
      `arn:aws:iam::${PLAIN_MEMBER}:role/iamwatch-reader`,
    )
    // Sandbox's own root user could not be judged: the scan is degraded, and says why.
    expect(r.status).toBe('degraded')
    expect(code).toBe(3)
    expect(stderr).toContain(
      `  ${PLAIN_MEMBER} (Sandbox): not monitored: nothing in it was read (its reader role cannot be assumed)\n`,
    )
  })

  it('prints one line per account, the accounts not monitored, then the failing findings by account', async () => {
    // Act
    const { code, stdout, stderr } = await iamwatch(['scan', '--organization', '--allow-degraded'])
    // Assess
    expect(code).toBe(0)
    const [head, ...rest] = stdout.split('\n\n')
    const lines = head!.split('\n')
    expect(lines[0]).toBe(
      `organization ${ORG_ID} (management account ${MANAGEMENT}): 4 account(s), reader role iamwatch-reader`,
    )
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${MANAGEMENT} Management \\(Root\\): \\d+ failing, complete$`)),
      expect.stringMatching(
        new RegExp(
          `^${SECURITY} Security \\(Root/Security\\): \\d+ failing, complete \\(your own account, your credentials\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^${MEMBER} Prod A \\(Root/Workloads/Prod\\): \\d+ failing, complete$`),
      ),
      `${PLAIN_MEMBER} Sandbox (Root): not monitored: the reader role iamwatch-reader cannot be assumed (1 failing)`,
    ])
    expect(rest[0]).toBe(`not monitored (member-account-not-monitored): ${PLAIN_MEMBER} (Sandbox)`)
    // Then each account's failing findings, under its heading, in the order of the accounts.
    expect(rest.slice(1).map((s) => s.split('\n')[0])).toEqual([
      `${MANAGEMENT} Management (Root):`,
      `${SECURITY} Security (Root/Security):`,
      `${MEMBER} Prod A (Root/Workloads/Prod):`,
      `${PLAIN_MEMBER} Sandbox (Root):`,
    ])
    const prod = rest.find((s) => s.startsWith(`${MEMBER} Prod A (Root/Workloads/Prod):\n`))!
    expect(prod.split('\n')[1]).toMatch(/^SEVERITY\s+STATUS\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+TITLE$/)
    expect(prod).toMatch(/^MEDIUM\s+OPEN\s+user-no-mfa\s+user\/alice\s+-\s+An IAM user has no MFA device$/m)
    expect(rest.at(-1)).toMatch(
      /^HIGH\s+OPEN\s+member-account-not-monitored\s+555555555555\s+-\s+An account of the organization is not monitored$/m,
    )
    expect(stderr).toMatch(
      new RegExp(
        `^organization ${ORG_ID}: 4 account\\(s\\), 3 scanned, 1 not monitored, 0 not scanned or failed; \\d+ failing, scan degraded$`,
        'm',
      ),
    )
    expect(stderr).toContain('warning: the scan was degraded (accepted with --allow-degraded):\n')
  })

  it("takes the organization's accounts as trusted: a role trusting another of its accounts is no external-account finding", async () => {
    // Act: Prod A's reader role trusts the security account's scan role, its laptop role the management account's admin
    const { stdout } = await iamwatch(['scan', '--organization', '--json', '--only', 'authorization'])
    // Assess
    const r = parsed(stdout)
    expect(account(r, MEMBER)).toMatchObject({ outcome: 'complete' })
    expect(r.findings.filter((f) => f.checkId.startsWith('role-trust-'))).toEqual([])
  })

  it('degrades only the account whose AssumeRole is throttled: the others are scanned as usual', async () => {
    // Prepare: the first AssumeRole (the management account's, one account at a time) is throttled on every attempt
    world.sim.faults.failNext = { AssumeRole: { times: 3, code: 'Throttling' } }
    // Act
    const { code, stdout, stderr } = await iamwatch([
      'scan',
      '--organization',
      '--json',
      '--concurrency',
      '1',
    ]).finally(() => {
      world.sim.faults.failNext = undefined
    })
    // Assess
    const r = parsed(stdout)
    expect(code).toBe(3)
    expect(account(r, MANAGEMENT)).toMatchObject({ reader: 'unknown', outcome: 'not-scanned', scan: null })
    expect(account(r, MANAGEMENT).readerDetail).toMatch(/^Throttling: /)
    expect(account(r, MEMBER)).toMatchObject({ reader: 'ok', outcome: 'complete' })
    expect(account(r, SECURITY)).toMatchObject({ outcome: 'complete' })
    expect(findingsOf(r, MEMBER, 'user-no-mfa')).toEqual(['user/admin', 'user/alice', 'user/bob'])
    // A reader role that did not answer proves nothing: the management account is not called unmonitored,
    // and nothing in it was read (the organization's own root access features still were).
    expect(r.findings.filter((f) => f.accountId === MANAGEMENT).map((f) => f.checkId)).toEqual([
      'org-root-credentials-not-centralized',
    ])
    expect(r.organization.counts).toMatchObject({ readerUnknown: 1, readerMissing: 1 })
    expect(stderr).toContain(
      `  ${MANAGEMENT} (Management): not scanned: its reader role was not tried: Throttling: `,
    )
  })
})

describe('iamwatch scan --accounts', () => {
  it('scans the accounts listed through the role named, without calling Organizations, with the names the configuration gives', async () => {
    // Prepare
    world.sim.resetCounters()
    const config = { organization: { accounts: [{ id: MEMBER, name: 'Prod A', ouPath: 'Workloads/Prod' }] } }
    // Act: from a laptop, as the management account's admin user, through a role of its own
    const { code, stdout } = await iamwatch(
      ['scan', '--accounts', `${MEMBER},${PLAIN_MEMBER}`, '--role-name', LAPTOP_ROLE, '--json'],
      { caller: MANAGEMENT_KEY, env: { IAMWATCH_CONFIG: JSON.stringify(config) } },
    )
    // Assess
    expect(code).toBe(0)
    const r = parsed(stdout)
    expect(r.organization).toMatchObject({ id: null, source: 'configured', status: 'complete' })
    expect(r.readerRoleName).toBe(LAPTOP_ROLE)
    expect(r.accounts.map((a) => [a.accountId, a.accountName, a.ouPath, a.reader, a.outcome])).toEqual([
      [MEMBER, 'Prod A', 'Workloads/Prod', 'ok', 'complete'],
      [PLAIN_MEMBER, PLAIN_MEMBER, '', 'ok', 'complete'],
    ])
    expect(findingsOf(r, MEMBER, 'user-no-mfa')).toEqual(['user/admin', 'user/alice', 'user/bob'])
    expect(findingsOf(r, PLAIN_MEMBER, 'user-no-mfa')).toEqual(['user/admin'])
    expect(world.sim.requestCount('ListAccounts') + world.sim.requestCount('DescribeOrganization')).toBe(0)
    expect(world.sim.requestCount('AssumeRole')).toBe(2)
  })

  it('reports an account whose role does not trust the caller as not monitored, and the scan as degraded', async () => {
    // Act: the central scan role is not among those the laptop role trusts
    const { code, stdout, stderr } = await iamwatch([
      'scan',
      '--accounts',
      MEMBER,
      '--role-name',
      LAPTOP_ROLE,
      '--json',
    ])
    // Assess
    const r = parsed(stdout)
    expect(account(r, MEMBER)).toMatchObject({ reader: 'missing', outcome: 'not-monitored', scan: null })
    expect(r.findings.map((f) => [f.accountId, f.checkId, f.evidence.readerRole])).toEqual([
      [MEMBER, 'member-account-not-monitored', 'cannot be assumed'],
    ])
    expect(code).toBe(3)
    expect(stderr).toContain(
      `  ${MEMBER}: not monitored: nothing in it was read (its reader role cannot be assumed)\n`,
    )
  })

  it.each([
    [['--role-name', 'iamwatch-reader'], '--role-name is for --organization or --accounts'],
    [['--concurrency', '4'], '--concurrency is for --organization or --accounts'],
    [
      ['--organization', '--accounts', MEMBER],
      "option '--organization' cannot be used with option '--accounts <ids>'",
    ],
    [['--accounts', '12345'], 'a 12-digit account id, not "12345"'],
    [['--accounts', MEMBER, '--role-name', `arn:aws:iam::${MEMBER}:role/x`], 'the name, not the ARN'],
    [['--accounts', MEMBER, '--concurrency', '0'], 'a whole number from 1 to 1000, not "0"'],
  ])('refuses %j and exits 1', async (flags, message) => {
    // Act
    const { code, stderr } = await iamwatch(['scan', ...flags])
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain(message)
  })
})

describe('an organization scan into a findings table', () => {
  let table: string
  beforeAll(async () => {
    table = (await newStore()).tableName
    const { code, stderr } = await iamwatch(['scan', '--organization', '--table', table, '--allow-degraded'])
    // Everything failing in the accounts' scans was opened; the organization checks are not written to the
    // table (what this caller's credentials saw does not speak for the deployment).
    expect(stderr).toMatch(
      /; (\d+) failing, scan degraded \(opened \1, reopened 0, resolved 0, unchanged 0\)\n/,
    )
    expect(code).toBe(0)
  })

  it("lists one account's findings with --account, its name beside its id", async () => {
    // Act
    const { code, stdout } = await iamwatch([
      'findings',
      '--table',
      table,
      '--account',
      MEMBER,
      '--check',
      'user-no-mfa',
    ])
    // Assess
    expect(code).toBe(0)
    const [header, ...rows] = stdout.trim().split('\n')
    expect(header).toMatch(/^SEVERITY\s+STATUS\s+ACCOUNT\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+FIRST SEEN\s/)
    expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['MEDIUM', 'OPEN', `${MEMBER} (Prod A)`, 'user-no-mfa'],
      ['MEDIUM', 'OPEN', `${MEMBER} (Prod A)`, 'user-no-mfa'],
      ['MEDIUM', 'OPEN', `${MEMBER} (Prod A)`, 'user-no-mfa'],
    ])
  })

  it('takes several accounts, comma-separated or repeated, and gives each finding its account name in JSON', async () => {
    // Act
    const comma = await iamwatch([
      'findings',
      '--table',
      table,
      '--json',
      '--account',
      `${MEMBER},${SECURITY}`,
    ])
    const repeated = await iamwatch([
      'findings',
      '--table',
      table,
      '--json',
      '--account',
      MEMBER,
      '--account',
      SECURITY,
    ])
    // Assess
    const lines = comma.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { accountId: string; accountName: string; checkId: string })
    expect(new Set(lines.map((l) => `${l.accountId} ${l.accountName}`))).toEqual(
      new Set([`${MEMBER} Prod A`, `${SECURITY} Security`]),
    )
    // The sandbox's not-monitored finding is the deployment's to record, not a laptop scan's.
    expect(lines.some((l) => l.checkId === 'member-account-not-monitored')).toBe(false)
    expect(repeated.stdout).toBe(comma.stdout)
  })

  it("reads one account's history with --as-of and --account, the name as it stood then", async () => {
    // Act
    const now = new Date().toISOString()
    const { code, stdout } = await iamwatch([
      'findings',
      '--table',
      table,
      '--json',
      '--as-of',
      now,
      '--account',
      MEMBER,
      '--check',
      'user-no-mfa',
    ])
    const exported = await iamwatch([
      'export',
      '--format',
      'json',
      '--table',
      table,
      '--as-of',
      now,
      '--account',
      MEMBER,
    ])
    // Assess
    expect(code).toBe(0)
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(3)
    for (const line of lines)
      expect(line).toMatchObject({
        accountId: MEMBER,
        accountName: 'Prod A',
        checkId: 'user-no-mfa',
        status: 'OPEN',
      })
    for (const record of exported.stdout.trim().split('\n'))
      expect(JSON.parse(record)).toMatchObject({ accountId: MEMBER, accountName: 'Prod A' })
  })

  it("exports one account's findings with --account, with its name in the CSV's accountName column", async () => {
    // Act
    const { code, stdout } = await iamwatch([
      'export',
      '--format',
      'csv',
      '--table',
      table,
      '--account',
      MEMBER,
    ])
    // Assess
    expect(code).toBe(0)
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>
    expect(rows.length).toBeGreaterThan(3)
    expect(new Set(rows.map((r) => `${r.accountId} ${r.accountName}`))).toEqual(new Set([`${MEMBER} Prod A`]))
    expect(stdout.split('\r\n')[0]).toMatch(
      /^id,source,checkId,severity,status,accountId,accountName,region,/,
    )
  })

  it("exports the accounts' findings as OCSF, each naming its account in cloud.account.name", async () => {
    // Act
    const { code, stdout } = await iamwatch([
      'export',
      '--format',
      'ocsf',
      '--table',
      table,
      '--account',
      SECURITY,
      '--account',
      MANAGEMENT,
    ])
    // Assess
    expect(code).toBe(0)
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { class_uid: number; cloud: { account: Record<string, unknown> } })
    expect(new Set(events.map((e) => JSON.stringify(e.cloud.account)))).toEqual(
      new Set([
        JSON.stringify({ uid: MANAGEMENT, name: 'Management', type_id: 10, type: 'AWS Account' }),
        JSON.stringify({ uid: SECURITY, name: 'Security', type_id: 10, type: 'AWS Account' }),
      ]),
    )
    if (ocsfSchemaPresent) {
      const schema = new OcsfSchema()
      for (const e of events) {
        expect(e.class_uid).toBe(2003)
        expect(schema.validate(e, 'compliance_finding')).toEqual([])
      }
    }
  })

  it('puts the account name in ASFF (AwsAccountName) and beside the id in the HTML report', async () => {
    // Act
    const asff = await iamwatch(['export', '--format', 'asff', '--table', table, '--account', MEMBER])
    const html = await iamwatch(['export', '--format', 'html', '--table', table])
    // Assess
    const findings = asff.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(new Set(findings.map((f) => `${f.AwsAccountId} ${f.AwsAccountName}`))).toEqual(
      new Set([`${MEMBER} Prod A`]),
    )
    expect(html.code).toBe(0)
    expect(html.stdout).toContain(`${MANAGEMENT} (Management), ${SECURITY} (Security), ${MEMBER} (Prod A)`)
    expect(html.stdout).toContain(`· account ${MEMBER} (Prod A)`)
  })

  it('names the account beside its id in a finding history', async () => {
    // Prepare
    const { stdout } = await iamwatch(['findings', '--table', table, '--json', '--account', MEMBER])
    const { id } = JSON.parse(stdout.trim().split('\n')[0]!) as { id: string }
    // Act
    const history = await iamwatch(['history', id, '--table', table])
    // Assess
    expect(history.code).toBe(0)
    expect(history.stdout).toContain(`  account    ${MEMBER} (Prod A)  us-east-1\n`)
  })
})
