import { describe, expect, it } from 'vitest'
import { recordFromFinding, toJsonLines, toTable } from '../../shared/export/records.ts'
import type { Finding } from '../../shared/model/finding.ts'

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f1',
  accountId: '123456789012',
  region: 'us-east-1',
  checkId: 'access-key-rotation',
  severity: 'medium',
  status: 'OPEN',
  resourceType: 'user',
  resourceId: 'user/dev',
  resourceArn: 'arn:aws:iam::123456789012:user/dev',
  credentialId: 'AKIADEVOLDKEY0000001',
  title: 'Access key not rotated',
  evidence: { ageDays: 120 },
  firstOpenedAt: '2026-11-01T09:15:42.123Z',
  lastTransitionAt: '2026-11-20T17:03:00.000Z',
  seq: 1,
  headHash: 'h',
  ...over,
})

describe('stored findings as records', () => {
  it('carries first seen, last transition and resolved-at dates in JSON, resolvedAt null while open', () => {
    // Act
    const open = JSON.parse(toJsonLines([recordFromFinding(finding())]))
    const resolved = JSON.parse(
      toJsonLines([
        recordFromFinding(finding({ status: 'RESOLVED', resolvedAt: '2026-11-20T17:03:00.000Z' })),
      ]),
    )
    // Assess
    expect(open).toMatchObject({
      firstOpenedAt: '2026-11-01T09:15:42.123Z',
      lastTransitionAt: '2026-11-20T17:03:00.000Z',
      resolvedAt: null,
    })
    expect(resolved.resolvedAt).toBe('2026-11-20T17:03:00.000Z')
  })

  it('shows the dates in the table, to the minute in UTC, and a dash for a finding still open', () => {
    // Act
    const table = toTable(
      [
        recordFromFinding(finding()),
        recordFromFinding(
          finding({
            id: 'f2',
            status: 'RESOLVED',
            resolvedAt: '2026-11-20T17:03:00.000Z',
            resourceId: 'user/ops',
          }),
        ),
      ],
      { dates: true },
    )
    // Assess
    const [header, first, second] = table.split('\n')
    expect(header).toMatch(
      /^SEVERITY\s+STATUS\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+FIRST SEEN\s+LAST TRANSITION\s+RESOLVED\s+TITLE$/,
    )
    expect(first).toMatch(/2026-11-01 09:15Z\s+2026-11-20 17:03Z\s+-\s+Access key not rotated$/)
    expect(second).toMatch(/RESOLVED.*2026-11-01 09:15Z\s+2026-11-20 17:03Z\s+2026-11-20 17:03Z\s+Access key/)
  })

  it('keeps the scan table without dates (a scan without a table has no history)', () => {
    // Act
    const header = toTable([recordFromFinding(finding())]).split('\n')[0]
    // Assess
    expect(header).toMatch(/^SEVERITY\s+STATUS\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+TITLE$/)
  })

  it("adds an ACCOUNT column, the name beside the id, when findings carry an account's name", () => {
    // Act
    const table = toTable([
      recordFromFinding(finding({ accountId: '222222222222', accountName: 'Prod\u001b[31m A' })),
      recordFromFinding(finding({ id: 'f2', resourceId: 'user/ops' })),
    ])
    // Assess
    const [header, first, second] = table.split('\n')
    expect(header).toMatch(/^SEVERITY\s+STATUS\s+ACCOUNT\s+CHECK\s+RESOURCE\s+CREDENTIAL\s+TITLE$/)
    expect(first).toMatch(
      /^MEDIUM\s+OPEN\s+222222222222 \(Prod\?\[31m A\)\s+access-key-rotation\s+user\/dev\s/,
    )
    expect(second).toMatch(/^MEDIUM\s+OPEN\s+123456789012\s+access-key-rotation\s+user\/ops\s/)
  })

  it('adds an ACCOUNT column for findings of several accounts, and leaves it out when told', () => {
    // Prepare
    const records = [
      recordFromFinding(finding()),
      recordFromFinding(finding({ id: 'f2', accountId: '222222222222' })),
    ]
    // Act / Assess
    expect(toTable(records).split('\n')[0]).toMatch(/^SEVERITY\s+STATUS\s+ACCOUNT\s+CHECK\s/)
    expect(toTable(records, { account: false }).split('\n')[0]).toMatch(/^SEVERITY\s+STATUS\s+CHECK\s/)
  })

  it("carries the account's name in JSON only when the finding has one", () => {
    // Act
    const named = recordFromFinding(finding({ accountName: 'Prod A' }))
    const unnamed = recordFromFinding(finding())
    // Assess
    expect(named.accountName).toBe('Prod A')
    expect(unnamed).not.toHaveProperty('accountName')
  })
})
