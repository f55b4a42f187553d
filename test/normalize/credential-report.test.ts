import { describe, expect, it } from 'vitest'
import { consoleUserNoMfa } from '../../shared/checks/credentials/console-user-no-mfa.ts'
import { userNoMfa } from '../../shared/checks/credentials/user-no-mfa.ts'
import { parseCredentialReport, REPORT_COLUMNS } from '../../shared/normalize/credential-report.ts'
import { inventory, run } from '../support/fixtures.ts'

const HEADER = REPORT_COLUMNS.join(',')
const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,TRUE,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
const row = (name: string, overrides: Partial<Record<(typeof REPORT_COLUMNS)[number], string>> = {}) => {
  const base: Record<string, string> = {
    user: name,
    arn: `arn:aws:iam::123456789012:user/${name}`,
    user_creation_time: '2024-01-01T00:00:00+00:00',
    password_enabled: 'true',
    password_last_used: 'no_information',
    password_last_changed: '2024-01-01T00:00:00+00:00',
    password_next_rotation: 'N/A',
    mfa_active: 'false',
    access_key_1_active: 'true',
    access_key_1_last_rotated: '2024-02-01T00:00:00+00:00',
    access_key_1_last_used_date: 'N/A',
    access_key_1_last_used_region: 'N/A',
    access_key_1_last_used_service: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
    cert_1_active: 'false',
    cert_1_last_rotated: 'N/A',
    cert_2_active: 'false',
    cert_2_last_rotated: 'N/A',
    ...overrides,
  }
  return REPORT_COLUMNS.map((c) =>
    /[",\n]/.test(base[c]!) ? `"${base[c]!.replace(/"/g, '""')}"` : base[c],
  ).join(',')
}
const report = (...rows: string[]) => [HEADER, ROOT, ...rows].join('\n')

describe('parseCredentialReport', () => {
  it('normalizes the root row: not_supported password, boolean case, no keys', () => {
    const parsed = parseCredentialReport(report())
    expect(parsed.root).toMatchObject({
      isRoot: true,
      passwordEnabled: undefined,
      mfaActive: true,
      accessKeys: [],
    })
    expect(parsed.root?.passwordUse).toEqual({ kind: 'used', at: new Date('2026-11-01T10:00:00Z') })
    expect(parsed.rejections).toEqual([])
  })

  it('turns N/A and no_information into absent values and key slots into a list of keys', () => {
    const [u] = parseCredentialReport(report(row('alice'))).users
    expect(u).toMatchObject({
      name: 'alice',
      passwordEnabled: true,
      passwordUse: { kind: 'unknown' },
      mfaActive: false,
    })
    expect(u?.accessKeys).toEqual([
      { slot: 1, active: true, lastRotatedAt: new Date('2024-02-01T00:00:00Z') },
    ])
  })

  it('reads a user name containing a comma (quoted CSV)', () => {
    expect(parseCredentialReport(report(row('ops,admin'))).users.map((u) => u.name)).toEqual(['ops,admin'])
  })

  it('rejects a row with an unparseable date, with its line, and keeps the others', () => {
    const parsed = parseCredentialReport(report(row('bad', { user_creation_time: 'yesterday' }), row('good')))
    expect(parsed.users.map((u) => u.name)).toEqual(['good'])
    expect(parsed.rejections).toEqual([
      {
        source: 'credential-report',
        line: 3,
        subject: 'bad',
        reason: 'user_creation_time is not an ISO 8601 date: yesterday',
      },
    ])
  })

  it('rejects hostile user names and unexpected values without echoing control characters', () => {
    const parsed = parseCredentialReport(
      report(
        row('evil\n<script>', { arn: 'arn:aws:iam::123456789012:user/evil' }),
        row('odd', { mfa_active: 'maybe' }),
        row('ok'),
      ),
    )
    expect(parsed.users.map((u) => u.name)).toEqual(['ok'])
    expect(parsed.rejections.map((r) => r.reason)).toEqual([
      'user name is not a valid IAM user name',
      'mfa_active is not true or false: maybe',
    ])
    expect(parsed.rejections[0]?.subject).toBe('evil\\u000a<script>')
  })

  it('rejects a row with the wrong number of fields', () => {
    const parsed = parseCredentialReport(report('short,row', row('ok')))
    expect(parsed.users).toHaveLength(1)
    expect(parsed.rejections[0]?.reason).toBe('expected 22 fields, found 2')
  })

  it('rejects a duplicate user row', () => {
    const parsed = parseCredentialReport(report(row('twin'), row('twin')))
    expect(parsed.users).toHaveLength(1)
    expect(parsed.rejections[0]?.reason).toBe('duplicate row for this user')
  })

  it('reports a missing root row', () => {
    const parsed = parseCredentialReport([HEADER, row('alice')].join('\n'))
    expect(parsed.root).toBeUndefined()
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['no <root_account> row'])
  })

  it('cannot read a report with a missing column, and says which', () => {
    const header = REPORT_COLUMNS.filter((c) => c !== 'mfa_active').join(',')
    const parsed = parseCredentialReport(`${header}\n`)
    expect(parsed.readable).toBe(false)
    expect(parsed.rejections[0]?.reason).toBe('missing columns: mfa_active')
  })

  it('flags unknown columns but still reads the known ones', () => {
    const parsed = parseCredentialReport([`${HEADER},surprise`, `${ROOT},x`, `${row('alice')},y`].join('\n'))
    expect(parsed.readable).toBe(true)
    expect(parsed.users).toHaveLength(1)
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['unknown columns: surprise'])
  })

  it('survives a broken quote: the bad record is rejected, not the report', () => {
    const parsed = parseCredentialReport(report('"unterminated,field', row('ok')))
    expect(parsed.readable).toBe(true)
    expect(parsed.rejections.length).toBeGreaterThan(0)
  })

  it('rejects an active key without a creation date', () => {
    const parsed = parseCredentialReport(report(row('k', { access_key_1_last_rotated: 'N/A' })))
    expect(parsed.rejections[0]?.reason).toBe('access_key_1 is active but has no last_rotated date')
  })

  it('rejects a row whose deciding values are unreadable, as before', () => {
    const parsed = parseCredentialReport(
      report(
        row('no-bool', { password_enabled: 'not_supported' }),
        row('odd-key', { access_key_1_active: 'yes' }),
        row('odd-rotation', { access_key_1_last_rotated: 'not_supported' }),
        row('ok'),
      ),
    )

    expect(parsed.users.map((u) => u.name)).toEqual(['ok'])
    expect(parsed.rejections.map((r) => [r.subject, r.reason])).toEqual([
      ['no-bool', 'password_enabled is not true or false: not_supported'],
      ['odd-key', 'access_key_1_active is not true or false: yes'],
      ['odd-rotation', 'access_key_1_last_rotated is not an ISO 8601 date: not_supported'],
    ])
  })
})

describe('parseCredentialReport with an unexpected value in a field that does not identify the user', () => {
  it('keeps the row when password_last_used is not_supported, marks that field unknown and notes it', () => {
    const csv = report(row('svc', { password_enabled: 'false', password_last_used: 'not_supported' }))

    const parsed = parseCredentialReport(csv)

    expect(parsed.users.map((u) => u.name)).toEqual(['svc'])
    expect(parsed.users[0]?.passwordUse).toEqual({ kind: 'unreadable' })
    expect(parsed.users[0]?.unknownFields).toEqual(['password_last_used'])
    expect(parsed.rejections).toEqual([])
    expect(parsed.fieldWarnings).toEqual([
      {
        source: 'credential-report',
        line: 3,
        subject: 'svc',
        column: 'password_last_used',
        reason: 'password_last_used has an unexpected value: not_supported',
      },
    ])
  })

  it('reads not_supported in a key last-used region and service as absent, like N/A, without a note', () => {
    const csv = report(
      row('ci', {
        access_key_1_last_used_date: '2026-11-20T10:00:00+00:00',
        access_key_1_last_used_region: 'not_supported',
        access_key_1_last_used_service: 'not_supported',
        access_key_2_last_used_region: 'not_supported',
        access_key_2_last_used_service: 'not_supported',
      }),
    )

    const parsed = parseCredentialReport(csv)

    expect(parsed.users[0]?.accessKeys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotatedAt: new Date('2024-02-01T00:00:00Z'),
        lastUsedAt: new Date('2026-11-20T10:00:00Z'),
      },
    ])
    expect(parsed.users[0]?.unknownFields).toBeUndefined()
    expect(parsed.rejections).toEqual([])
    expect(parsed.fieldWarnings).toEqual([])
  })

  it("keeps the key when its last-used date is unexpected: only that key's date is unknown", () => {
    const csv = report(row('ci', { access_key_1_last_used_date: 'not_supported' }))

    const parsed = parseCredentialReport(csv)

    expect(parsed.users[0]?.accessKeys).toEqual([
      { slot: 1, active: true, lastRotatedAt: new Date('2024-02-01T00:00:00Z') },
    ])
    expect(parsed.users[0]?.unknownFields).toEqual(['access_key_1_last_used_date'])
    expect(parsed.fieldWarnings.map((w) => [w.subject, w.column])).toEqual([
      ['ci', 'access_key_1_last_used_date'],
    ])
  })

  it('keeps the row with several unexpected values, one note per field, in column order', () => {
    const csv = report(
      row('odd', {
        password_last_changed: 'last week',
        access_key_1_last_used_date: '2026-11-20T10:00:00+00:00',
        access_key_1_last_used_region: 'eu west 1',
        access_key_1_last_used_service: 's3!',
        cert_1_active: 'maybe',
        cert_2_active: 'true',
        cert_2_last_rotated: 'not_supported',
      }),
      row('fine'),
    )

    const parsed = parseCredentialReport(csv)

    const odd = parsed.users.find((u) => u.name === 'odd')
    expect(parsed.users.map((u) => u.name)).toEqual(['odd', 'fine'])
    expect(odd?.unknownFields).toEqual([
      'password_last_changed',
      'access_key_1_last_used_region',
      'access_key_1_last_used_service',
      'cert_1_active',
      'cert_2_last_rotated',
    ])
    expect(odd?.passwordLastChangedAt).toBeUndefined()
    expect(odd?.accessKeys[0]).toEqual({
      slot: 1,
      active: true,
      lastRotatedAt: new Date('2024-02-01T00:00:00Z'),
      lastUsedAt: new Date('2026-11-20T10:00:00Z'),
    })
    expect(odd?.certificates).toEqual([{ slot: 2, active: true }])
    expect(parsed.fieldWarnings.map((w) => w.reason)).toEqual([
      'password_last_changed has an unexpected value: last week',
      'access_key_1_last_used_region has an unexpected value: eu west 1',
      'access_key_1_last_used_service has an unexpected value: s3!',
      'cert_1_active has an unexpected value: maybe',
      'cert_2_last_rotated has an unexpected value: not_supported',
    ])
    expect(parsed.rejections).toEqual([])
  })

  it('never puts a hostile field value into a note unsanitized or unbounded', () => {
    const hostile = `\u001b[31mpwned\n${'x'.repeat(500)}`
    const csv = report(row('target', { password_last_used: hostile }))

    const [warning] = parseCredentialReport(csv).fieldWarnings

    expect(warning?.reason).toMatch(/^password_last_used has an unexpected value: \\u001b\[31mpwned\\u000a/)
    expect(warning?.reason).not.toMatch(/[\x00-\x1f\x7f]/)
    expect(warning?.reason.length).toBeLessThan(120)
  })

  it('keeps the root row when its password_last_used is unexpected', () => {
    const csv = [HEADER, ROOT.replace('2026-11-01T10:00:00+00:00', 'not_supported'), row('alice')].join('\n')

    const parsed = parseCredentialReport(csv)

    expect(parsed.root?.passwordUse).toEqual({ kind: 'unreadable' })
    expect(parsed.root?.unknownFields).toEqual(['password_last_used'])
    expect(parsed.fieldWarnings.map((w) => [w.line, w.subject])).toEqual([[2, '<root_account>']])
    expect(parsed.rejections).toEqual([])
  })
})

/**
 * A credential report as an independent AWS emulator renders it for 13 users: it writes not_supported
 * where AWS writes N/A (password_last_used of users without a password, the last-used region and service
 * of every key, password_next_rotation). 8 of the 13 rows carry such values.
 */
const EMULATOR_REPORT = [
  HEADER,
  '<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-10-01T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'ana,arn:aws:iam::123456789012:user/ana,2024-03-01T09:00:00+00:00,true,2026-11-20T08:15:00+00:00,2024-03-01T09:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'ben,arn:aws:iam::123456789012:user/ben,2024-03-02T09:00:00+00:00,true,no_information,2024-03-02T09:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'carla,arn:aws:iam::123456789012:user/carla,2024-03-03T09:00:00+00:00,true,2026-11-21T12:00:00+00:00,2024-03-03T09:00:00+00:00,N/A,true,true,2024-03-03T09:01:00+00:00,2026-11-22T07:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'dev.ops,arn:aws:iam::123456789012:user/teams/dev.ops,2024-03-04T09:00:00+00:00,true,2026-11-01T12:00:00+00:00,2024-03-04T09:00:00+00:00,N/A,false,false,2024-03-04T09:02:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'eve@corp,arn:aws:iam::123456789012:user/eve@corp,2024-03-05T09:00:00+00:00,true,N/A,2024-03-05T09:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'ci-deploy,arn:aws:iam::123456789012:user/ci-deploy,2025-01-10T10:00:00+00:00,false,not_supported,2025-01-10T10:00:00+00:00,not_supported,false,true,2025-01-10T10:00:05+00:00,2026-11-23T01:00:00+00:00,not_supported,not_supported,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'backup,arn:aws:iam::123456789012:user/backup,2025-01-11T10:00:00+00:00,false,not_supported,2025-01-11T10:00:00+00:00,not_supported,false,true,2025-01-11T10:00:05+00:00,N/A,not_supported,not_supported,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'svc-lambda,arn:aws:iam::123456789012:user/svc-lambda,2025-01-12T10:00:00+00:00,false,not_supported,2025-01-12T10:00:00+00:00,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'reporting,arn:aws:iam::123456789012:user/reporting,2025-01-13T10:00:00+00:00,false,not_supported,2025-01-13T10:00:00+00:00,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'frank,arn:aws:iam::123456789012:user/frank,2025-01-14T10:00:00+00:00,true,2026-11-18T16:30:00+00:00,2025-01-14T10:00:00+00:00,not_supported,false,true,2025-01-14T10:00:05+00:00,N/A,not_supported,not_supported,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'gina,arn:aws:iam::123456789012:user/gina,2025-01-15T10:00:00+00:00,true,no_information,2025-01-15T10:00:00+00:00,not_supported,true,true,2025-01-15T10:00:05+00:00,2026-11-10T09:00:00+00:00,not_supported,not_supported,true,2025-06-01T10:00:00+00:00,N/A,not_supported,not_supported,false,N/A,false,N/A',
  'metrics,arn:aws:iam::123456789012:user/metrics,2025-01-16T10:00:00+00:00,false,not_supported,2025-01-16T10:00:00+00:00,not_supported,false,true,2025-01-16T10:00:05+00:00,2026-11-22T23:00:00+00:00,not_supported,not_supported,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'hugo,arn:aws:iam::123456789012:user/hugo,2025-01-17T10:00:00+00:00,false,not_supported,2025-01-17T10:00:00+00:00,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n')

describe('parseCredentialReport on an emulator report that writes not_supported where AWS writes N/A', () => {
  it('parses all 13 users, rejecting none, and notes each unexpected password_last_used', () => {
    const parsed = parseCredentialReport(EMULATOR_REPORT)

    expect(parsed.readable).toBe(true)
    expect(parsed.rejections).toEqual([])
    expect(parsed.root?.isRoot).toBe(true)
    expect(parsed.users.map((u) => u.name)).toEqual([
      'ana',
      'ben',
      'carla',
      'dev.ops',
      'eve@corp',
      'ci-deploy',
      'backup',
      'svc-lambda',
      'reporting',
      'frank',
      'gina',
      'metrics',
      'hugo',
    ])
    expect(parsed.fieldWarnings.map((w) => [w.subject, w.column])).toEqual([
      ['ci-deploy', 'password_last_used'],
      ['backup', 'password_last_used'],
      ['svc-lambda', 'password_last_used'],
      ['reporting', 'password_last_used'],
      ['metrics', 'password_last_used'],
      ['hugo', 'password_last_used'],
    ])
    expect(parsed.users.find((u) => u.name === 'gina')?.accessKeys.map((k) => k.lastUsedRegion)).toEqual([
      undefined,
      undefined,
    ])
  })

  it('lets every one of the 13 users reach the checks that do not read the odd fields', () => {
    const parsed = parseCredentialReport(EMULATOR_REPORT)
    const input = inventory({ ...(parsed.root ? { root: parsed.root } : {}), users: parsed.users })

    const mfa = run(userNoMfa, input)
    const console = run(consoleUserNoMfa, input)

    expect(mfa).toHaveLength(13)
    expect(console).toHaveLength(13)
    expect([...mfa, ...console].filter((o) => o.status === 'unknown')).toEqual([])
    expect(console.filter((o) => o.status === 'fail').map((o) => o.resource.id)).toEqual([
      'user/ben',
      'user/dev.ops',
      'user/frank',
    ])
  })
})
