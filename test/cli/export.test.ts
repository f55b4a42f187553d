import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId, GENESIS_HASH } from '../../shared/model/finding.ts'
import { ACCOUNT, subject } from '../export/fixtures.ts'
import { OcsfSchema, ocsfSchemaPresent } from '../export/ocsf-schema.ts'
import { startCliSimulator } from '../support/cli-account.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { newStore } from '../support/harness.ts'

/** `iamwatch` as a separate process, configured only through standard AWS variables and IAMWATCH_TABLE. */
async function iamwatch(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { ...awsEnv({ dynamo: true, iam: sim?.endpoint, sts: sim?.endpoint }), ...env })
}

const base = (checkId: string, resourceId: string, over: Partial<Finding> = {}): Finding => ({
  id: findingId({ accountId: ACCOUNT, checkId, resourceId }),
  ...subject(checkId, resourceId),
  firstOpenedAt: '2026-11-01T09:00:00.000Z',
  lastTransitionAt: '2026-11-01T09:00:00.000Z',
  seq: 0,
  headHash: GENESIS_HASH,
  ...over,
})

let sim: IamSimulator | undefined
/** A table holding four findings: two open checks, one resolved, one open detection. */
let table: string

beforeAll(async () => {
  sim = await startCliSimulator()
  const { store, tableName } = await newStore()
  table = tableName
  const opened = (f: Finding) => advance(f, 'OPENED', 'scan-1', f.firstOpenedAt)
  const rotation = opened(
    base('access-key-rotation', 'user/dev', {
      credentialId: 'AKIADEVOLDKEY0000001',
      title: 'Access key, "old" =1+1',
      evidence: { ageDays: 120, note: 'line one\nline two, with a comma' },
    }),
  )
  const wildcard = opened(
    base('role-trust-wildcard', 'role/open', { severity: 'critical', resourceType: 'AwsIamRole' }),
  )
  const mfa = opened(base('console-user-no-mfa', 'user/ops', { severity: 'high' }))
  const mfaResolved = advance(
    { ...mfa.finding, status: 'RESOLVED', resolution: 'passed', resolvedAt: '2026-11-10T12:00:00.000Z' },
    'RESOLVED',
    'scan-2',
    '2026-11-10T12:00:00.000Z',
  )
  const rootLogin = opened(
    base('root-console-login', 'root', {
      severity: 'critical',
      resourceType: 'AwsPrincipal',
      resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
      firstOpenedAt: '2026-11-21T08:00:00.000Z',
      lastTransitionAt: '2026-11-21T08:00:00.000Z',
    }),
  )
  for (const t of [rotation, wildcard, mfa, mfaResolved, rootLogin]) await store.applyTransition(t)
})
afterAll(async () => sim?.stop())

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('iamwatch export', () => {
  it('exports every stored finding as JSON lines, with dates and the requirements of every framework', async () => {
    // Act
    const { code, stdout } = await iamwatch(['export', '--format', 'json', '--table', table])
    // Assess
    expect(code).toBe(0)
    const lines = jsonLines(stdout)
    expect(lines.map((l) => [l.checkId, l.status])).toEqual([
      ['role-trust-wildcard', 'OPEN'],
      ['root-console-login', 'OPEN'],
      ['console-user-no-mfa', 'RESOLVED'],
      ['access-key-rotation', 'OPEN'],
    ])
    expect(lines.find((l) => l.checkId === 'console-user-no-mfa')).toMatchObject({
      source: 'check',
      firstOpenedAt: '2026-11-01T09:00:00.000Z',
      resolvedAt: '2026-11-10T12:00:00.000Z',
      resolution: 'passed',
      compliance: [
        { framework: 'cis-aws-5.0', requirements: [{ id: '1.9' }] },
        { framework: 'cis-aws-3.0', requirements: [{ id: '1.10' }] },
        { framework: 'fsbp', requirements: [{ id: 'IAM.5' }] },
      ],
    })
    expect(lines.find((l) => l.checkId === 'role-trust-wildcard')!.compliance).toEqual([])
  })

  it("reads the table from IAMWATCH_TABLE, and with --framework keeps only its checks' and detections' findings", async () => {
    // Act
    const { stdout } = await iamwatch(['export', '--format', 'json', '--framework', 'cis-aws-5.0'], {
      IAMWATCH_TABLE: table,
    })
    // Assess: role-trust-wildcard is in no CIS requirement
    expect(
      jsonLines(stdout).map((l) => [
        l.checkId,
        (l.compliance as Array<{ requirements: Array<{ id: string }> }>)[0]!.requirements[0]!.id,
      ]),
    ).toEqual([
      ['root-console-login', '4.3'],
      ['console-user-no-mfa', '1.9'],
      ['access-key-rotation', '1.13'],
    ])
  })

  it('exports only open or only resolved findings with --status', async () => {
    // Act
    const resolved = await iamwatch(['export', '--format', 'json', '--status', 'resolved', '--table', table])
    const open = await iamwatch(['export', '--format', 'json', '--status', 'OPEN', '--table', table])
    // Assess
    expect(jsonLines(resolved.stdout).map((l) => l.checkId)).toEqual(['console-user-no-mfa'])
    expect(jsonLines(open.stdout).map((l) => l.status)).toEqual(['OPEN', 'OPEN', 'OPEN'])
  })

  it('writes CSV that a spreadsheet opens: header row, one row per finding, formulas neutralized', async () => {
    // Act
    const { code, stdout } = await iamwatch([
      'export',
      '--format',
      'csv',
      '--framework',
      'fsbp',
      '--table',
      table,
    ])
    // Assess
    expect(code).toBe(0)
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>
    expect(rows.map((r) => [r.checkId, r.fsbp])).toEqual([
      ['console-user-no-mfa', 'IAM.5'],
      ['access-key-rotation', 'IAM.3'],
    ])
    expect(rows[1]).toMatchObject({
      title: 'Access key, "old" =1+1',
      credentialId: 'AKIADEVOLDKEY0000001',
    })
    expect(JSON.parse(rows[1]!.evidence!)).toEqual({ ageDays: 120, note: 'line one\nline two, with a comma' })
    expect(Object.keys(rows[0]!)).not.toContain('cis-aws-5.0')
  })

  it('writes to --out, refuses to overwrite it, and overwrites it with --force', async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'iamwatch-export-')), 'evidence.csv')
    // Act
    const first = await iamwatch(['export', '--format', 'csv', '--bom', '--out', out, '--table', table])
    writeFileSync(out, 'kept')
    const again = await iamwatch(['export', '--format', 'csv', '--out', out, '--table', table])
    const kept = readFileSync(out, 'utf8')
    const forced = await iamwatch(['export', '--format', 'csv', '--out', out, '--force', '--table', table])
    // Assess
    expect(first).toMatchObject({ code: 0, stdout: '' })
    expect(first.stderr).toBe(`4 findings written to ${out}\n`)
    expect(again.code).toBe(1)
    expect(again.stderr).toBe(`error: ${out} exists: --force overwrites it\n`)
    expect(kept).toBe('kept')
    expect(forced.code).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/^id,source,checkId,/)
  })

  it('writes OCSF 1.8.0 events: Compliance Findings for checks, Detection Findings for detections', async () => {
    // Act
    const { stdout } = await iamwatch(['export', '--format', 'ocsf', '--table', table])
    // Assess
    const events = jsonLines(stdout)
    expect(events.map((e) => e.class_uid)).toEqual([2003, 2004, 2003, 2003])
    expect(events[0]).toMatchObject({ metadata: { version: '1.8.0', product: { name: 'iamwatch' } } })
    if (ocsfSchemaPresent) {
      const schema = new OcsfSchema()
      for (const e of events)
        expect(schema.validate(e, e.class_uid === 2003 ? 'compliance_finding' : 'detection_finding')).toEqual(
          [],
        )
    }
  })

  it('writes ASFF findings that BatchImportFindings takes for the account', async () => {
    // Act
    const { stdout } = await iamwatch([
      'export',
      '--format',
      'asff',
      '--framework',
      'cis-aws-3.0',
      '--table',
      table,
    ])
    // Assess
    const findings = jsonLines(stdout)
    expect(findings).toHaveLength(3)
    expect(findings[2]).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      GeneratorId: 'iamwatch/access-key-rotation',
      AwsAccountId: ACCOUNT,
      Compliance: { Status: 'FAILED', RelatedRequirements: ['CIS AWS Foundations Benchmark v3.0.0/1.14'] },
      Workflow: { Status: 'NEW' },
    })
  })

  it('exports what a scan recorded', async () => {
    // Prepare
    const { tableName } = await newStore()
    await iamwatch(['scan', '--table', tableName, '--only', 'credentials', '--report-poll-ms', '10'])
    // Act
    const { stdout } = await iamwatch([
      'export',
      '--format',
      'csv',
      '--framework',
      'cis-aws-5.0',
      '--table',
      tableName,
    ])
    // Assess
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>
    expect(rows.map((r) => [r.checkId, r.accountId, r.credentialId, r['cis-aws-5.0']])).toEqual([
      ['access-key-rotation', '777788889999', 'AKIADEVOLDKEY0000001', '1.13'],
    ])
  })

  it.each([
    [
      ['--format', 'xml'],
      "error: option '--format <format>' argument 'xml' is invalid. one of csv, json, ocsf, asff",
    ],
    [
      ['--format', 'csv', '--framework', 'cis-aws-9'],
      "error: option '--framework <id>' argument 'cis-aws-9' is invalid. one of cis-aws-5.0, cis-aws-3.0, fsbp",
    ],
    [['--format', 'csv', '--status', 'closed'], 'OPEN or RESOLVED'],
    [['--format', 'json', '--bom'], 'error: --bom is for --format csv'],
    [['--format', 'json', '--as-of', 'yesterday'], 'is not an ISO 8601 time with its zone'],
  ])('explains the bad arguments %j and exits 1', async (args, message) => {
    // Act
    const { code, stderr } = await iamwatch(['export', ...args, '--table', table])
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain(message)
  })

  it('needs a table: --table or IAMWATCH_TABLE', async () => {
    const { code, stderr } = await iamwatch(['export', '--format', 'json'])
    expect(code).toBe(1)
    expect(stderr).toContain("required option '--table <name>' not specified")
  })

  it('exports the findings as they stood at --as-of, from their history', async () => {
    // Act: on 5 November the MFA finding was still open and root had not signed in yet.
    const then = await iamwatch([
      'export',
      '--format',
      'json',
      '--as-of',
      '2026-11-05T00:00:00Z',
      '--table',
      table,
    ])
    const resolvedBy15th = await iamwatch([
      'export',
      '--format',
      'json',
      '--as-of',
      '2026-11-15',
      '--status',
      'resolved',
      '--table',
      table,
    ])
    // Assess
    expect(then.code).toBe(0)
    expect(jsonLines(then.stdout).map((l) => [l.checkId, l.status])).toEqual([
      ['role-trust-wildcard', 'OPEN'],
      ['console-user-no-mfa', 'OPEN'],
      ['access-key-rotation', 'OPEN'],
    ])
    expect(jsonLines(resolvedBy15th.stdout).map((l) => [l.checkId, l.resolvedAt])).toEqual([
      ['console-user-no-mfa', '2026-11-10T12:00:00.000Z'],
    ])
  })
})
