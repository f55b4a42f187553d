import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COMPLIANCE_FRAMEWORKS } from '../../shared/compliance/frameworks.ts'
import { csvHeader, csvRecord, neutralize, toCsv } from '../../shared/export/csv.ts'
import { exportRecords } from '../../shared/export/evidence.ts'
import { checkFinding, detectionFinding } from './fixtures.ts'

/** The CSV as csv-parse reads it (RFC 4180, strict about quotes): one object per row, by header. */
const read = (text: string) =>
  parse(text, { columns: true, bom: true, relax_quotes: false }) as Array<Record<string, string>>

describe('the CSV export', () => {
  it('starts with a header row of the JSON record fields, a column per framework, evidence and remediation', () => {
    // Act
    const text = toCsv(exportRecords([checkFinding()]))
    // Assess
    expect(text.split('\r\n')[0]).toBe(
      'id,source,checkId,severity,status,accountId,accountName,region,resourceType,resourceId,resourceArn,credentialId,' +
        'title,firstOpenedAt,lastTransitionAt,resolvedAt,resolution,suppressedUntil,suppressionOwner,' +
        'suppressionReason,cis-aws-5.0,cis-aws-3.0,fsbp,evidence,remediation',
    )
  })

  it('gives each finding a row with its requirement ids in the column of each framework', () => {
    // Act
    const [row] = read(toCsv(exportRecords([checkFinding()])))
    // Assess
    expect(row).toMatchObject({
      checkId: 'access-key-rotation',
      status: 'OPEN',
      credentialId: 'AKIADEVOLDKEY0000001',
      firstOpenedAt: '2026-11-01T09:15:42.123Z',
      resolvedAt: '',
      'cis-aws-5.0': '1.13',
      'cis-aws-3.0': '1.14',
      fsbp: 'IAM.3',
    })
    expect(JSON.parse(row!.evidence!)).toEqual({ ageDays: 120, lastRotated: '2026-07-01T00:00:00Z' })
  })

  it("with one framework, has only that framework's column", () => {
    // Prepare
    const framework = COMPLIANCE_FRAMEWORKS['cis-aws-5.0']
    // Act
    const text = toCsv(exportRecords([checkFinding(), detectionFinding()], { framework }), {
      frameworks: [framework],
    })
    // Assess
    expect(csvHeader([framework])).not.toContain('fsbp')
    expect(read(text).map((r) => [r.checkId, r['cis-aws-5.0'], r.fsbp])).toEqual([
      ['access-key-rotation', '1.13', undefined],
      ['root-console-login', '4.3', undefined],
    ])
  })

  it('round-trips commas, quotes, line breaks and non-ASCII through csv-parse', () => {
    // Prepare
    const tricky = checkFinding({
      resourceId: 'user/a,b',
      title: 'He said "rotate, now"\nthen left\r\nfor good',
      evidence: { note: 'x,"y"\n', user: 'Zoë 😀' },
    })
    // Act
    const [row] = read(toCsv(exportRecords([tricky])))
    // Assess
    expect(row!.resourceId).toBe('user/a,b')
    expect(row!.title).toBe('He said "rotate, now"\nthen left\r\nfor good')
    expect(JSON.parse(row!.evidence!)).toEqual({ note: 'x,"y"\n', user: 'Zoë 😀' })
  })

  it.each([
    ['=HYPERLINK("https://evil.example","x")'],
    ['+1+2'],
    ['-2+3'],
    ['@SUM(A1:A9)'],
    ['\tcmd'],
    ['\rcmd'],
  ])('neutralizes the formula-like cell %j with a leading apostrophe', (value) => {
    // Act
    const [row] = read(toCsv(exportRecords([checkFinding({ resourceId: value, title: value })])))
    // Assess
    expect(row!.resourceId).toBe(`'${value}`)
    expect(row!.title).toBe(`'${value}`)
  })

  it('leaves cells that only contain formula characters later on as they are', () => {
    // Act
    const [row] = read(toCsv(exportRecords([checkFinding({ resourceId: 'user/a=b+c-d@e' })])))
    // Assess
    expect(row!.resourceId).toBe('user/a=b+c-d@e')
  })

  it('reads back any text as written, neutralized (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (a, b) => {
        const [fields] = parse(csvRecord([a, b]), { relax_quotes: false }) as string[][]
        expect(fields).toEqual([neutralize(a), neutralize(b)])
      }),
    )
  })

  it('ends every record with CRLF, and starts with a UTF-8 BOM only when asked', () => {
    // Act
    const plain = toCsv(exportRecords([checkFinding()]))
    const bom = toCsv(exportRecords([checkFinding()]), { bom: true })
    // Assess
    expect(plain.startsWith('id,')).toBe(true)
    expect(plain.endsWith('\r\n')).toBe(true)
    expect(plain.replaceAll('\r\n', '')).not.toMatch(/\n/)
    expect(bom.startsWith('\uFEFFid,')).toBe(true)
    expect(read(bom)).toEqual(read(plain))
  })

  it("names an organization's account in accountName, and leaves it empty for a finding without a name", () => {
    // Act
    const rows = read(
      toCsv(
        exportRecords([
          checkFinding({ accountId: '222222222222', accountName: 'Prod, "EU" =1' }),
          detectionFinding(),
        ]),
      ),
    )
    // Assess
    expect(rows.map((r) => [r.accountId, r.accountName])).toEqual([
      ['222222222222', 'Prod, "EU" =1'],
      ['123456789012', ''],
    ])
  })

  it.each([['=cmd|calc'], ['+1'], ['@SUM(A1)']])(
    'neutralizes a formula-like account name %j with a leading apostrophe',
    (name) => {
      // Act
      const [row] = read(toCsv(exportRecords([checkFinding({ accountName: name })])))
      // Assess
      expect(row!.accountName).toBe(`'${name}`)
    },
  )

  it('is a header row alone when there is nothing to export', () => {
    expect(read(toCsv([]))).toEqual([])
    expect(toCsv([]).split('\r\n')).toHaveLength(2)
  })
})
