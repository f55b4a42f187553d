import { describe, expect, it } from 'vitest'
import { parseCredentialReport, REPORT_COLUMNS } from '../../shared/normalize/credential-report.ts'

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
})
