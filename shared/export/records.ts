import { getCheck } from '../checks/registry.ts'
import { type Evidence, type Finding, findingId, type Outcome } from '../model/finding.ts'
import { type Severity, severityRank } from '../model/severity.ts'

/** The record the CLI prints, one JSON object per line with --json. A stable, documented shape. */
export interface FindingRecord {
  id: string
  checkId: string
  severity: Severity
  status: 'OPEN' | 'RESOLVED'
  resourceArn: string
  resourceId: string
  credentialId?: string
  accountId: string
  /** The account's name (an organization's account), when the finding carries one. */
  accountName?: string
  region: string
  title: string
  evidence: Evidence
  /** A stored finding's dates (`findings`; a scan without a table has no history): ISO 8601, UTC. */
  firstOpenedAt?: string
  lastTransitionAt?: string
  /** When it was last resolved; null while it is open. */
  resolvedAt?: string | null
}

/** A failing outcome seen by a scan without a table: reported as the OPEN finding it would be. */
export function recordFromOutcome(
  o: Outcome,
  accountId: string,
  region: string,
  accountName?: string,
): FindingRecord {
  const check = getCheck(o.checkId)
  return {
    id: findingId({ accountId, checkId: o.checkId, resourceId: o.resource.id, credentialId: o.credentialId }),
    checkId: o.checkId,
    severity: o.severity ?? check?.severity ?? 'medium',
    status: 'OPEN',
    resourceArn: o.resource.arn,
    resourceId: o.resource.id,
    ...(o.credentialId ? { credentialId: o.credentialId } : {}),
    accountId,
    ...(accountName ? { accountName } : {}),
    region,
    title: check?.title ?? o.checkId,
    evidence: o.evidence,
  }
}

export function recordFromFinding(f: Finding): FindingRecord {
  return {
    id: f.id,
    checkId: f.checkId,
    severity: f.severity,
    status: f.status,
    resourceArn: f.resourceArn,
    resourceId: f.resourceId,
    ...(f.credentialId ? { credentialId: f.credentialId } : {}),
    accountId: f.accountId,
    ...(f.accountName ? { accountName: f.accountName } : {}),
    region: f.region,
    title: f.title,
    evidence: f.evidence,
    firstOpenedAt: f.firstOpenedAt,
    lastTransitionAt: f.lastTransitionAt,
    resolvedAt: f.status === 'RESOLVED' ? (f.resolvedAt ?? null) : null,
  }
}

export function bySeverity(a: FindingRecord, b: FindingRecord): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    a.resourceId.localeCompare(b.resourceId)
  )
}

/** One JSON object per line: the records, or any export format's objects. */
export function toJsonLines(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '')
}

/** An ISO time to the minute, in UTC: 2026-11-23 10:04Z. */
function minute(iso: string | null | undefined): string {
  if (!iso) return '-'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '?' : `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}Z`
}

/** Control characters in names never reach the screen. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')

/** An account as people read it: its id, and its name beside it when it has one (`222222222222 (Prod A)`). */
export function accountLabel(accountId: string, accountName?: string): string {
  const name = accountName?.trim()
  return clean(name && name !== accountId ? `${accountId} (${name})` : accountId)
}

export interface TableOptions {
  /** Stored findings: when each was first seen, last changed status, and resolved. */
  dates?: boolean
  /**
   * An ACCOUNT column (the id, and the name beside it). Default: when the records are of more than one
   * account, or carry an account's name.
   */
  account?: boolean
}

/**
 * A plain-text table for terminals: control characters in names never reach the screen. With `dates`
 * (stored findings), when each was first seen, last changed status, and resolved.
 */
export function toTable(records: readonly FindingRecord[], options: TableOptions = {}): string {
  const dates = options.dates === true
  const account =
    options.account ??
    (records.some((r) => r.accountName) || new Set(records.map((r) => r.accountId)).size > 1)
  const rows = [
    [
      'SEVERITY',
      'STATUS',
      ...(account ? ['ACCOUNT'] : []),
      'CHECK',
      'RESOURCE',
      'CREDENTIAL',
      ...(dates ? ['FIRST SEEN', 'LAST TRANSITION', 'RESOLVED'] : []),
      'TITLE',
    ],
    ...records.map((r) => [
      r.severity.toUpperCase(),
      r.status,
      ...(account ? [accountLabel(r.accountId, r.accountName)] : []),
      r.checkId,
      clean(r.resourceId),
      clean(r.credentialId ?? '-'),
      ...(dates ? [minute(r.firstOpenedAt), minute(r.lastTransitionAt), minute(r.resolvedAt)] : []),
      r.title,
    ]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return `${rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`
}
