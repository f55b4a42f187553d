import type { Framework } from '../compliance/types.ts'
import { type ExportRecord, frameworksFor } from './evidence.ts'

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8. */
  bom?: boolean
  /** One column per framework, holding the requirement ids of each finding (default: every framework). */
  frameworks?: readonly Framework[]
}

/** The columns before the frameworks' and after them: the JSON record's field names. */
const LEADING = [
  'id',
  'source',
  'checkId',
  'severity',
  'status',
  'accountId',
  'accountName',
  'region',
  'resourceType',
  'resourceId',
  'resourceArn',
  'credentialId',
  'title',
  'firstOpenedAt',
  'lastTransitionAt',
  'resolvedAt',
  'resolution',
  'suppressedUntil',
  'suppressionOwner',
  'suppressionReason',
] as const
const TRAILING = ['evidence', 'remediation'] as const

/**
 * A cell a spreadsheet shows as text: one starting with = + - @, a tab or a carriage return would be
 * read as a formula (CSV injection), so it gets a leading apostrophe.
 */
export function neutralize(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** One RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  const text = neutralize(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One RFC 4180 record, CRLF-terminated. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`
}

/** The header row: the record's fields, a column per framework (named by its id), evidence, remediation. */
export function csvHeader(frameworks: readonly Framework[]): string[] {
  return [...LEADING, ...frameworks.map((f) => f.id), ...TRAILING]
}

function cells(r: ExportRecord, frameworks: readonly Framework[]): string[] {
  const leading: Record<(typeof LEADING)[number], string> = {
    id: r.id,
    source: r.source,
    checkId: r.checkId,
    severity: r.severity,
    status: r.status,
    accountId: r.accountId,
    accountName: r.accountName ?? '',
    region: r.region,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    resourceArn: r.resourceArn,
    credentialId: r.credentialId ?? '',
    title: r.title,
    firstOpenedAt: r.firstOpenedAt,
    lastTransitionAt: r.lastTransitionAt,
    resolvedAt: r.resolvedAt ?? '',
    resolution: r.resolution ?? '',
    suppressedUntil: r.suppression?.until ?? '',
    suppressionOwner: r.suppression?.owner ?? '',
    suppressionReason: r.suppression?.reason ?? '',
  }
  const requirements = frameworks.map((f) =>
    (r.compliance.find((c) => c.framework === f.id)?.requirements ?? []).map((q) => q.id).join('; '),
  )
  return [...LEADING.map((c) => leading[c]), ...requirements, JSON.stringify(r.evidence), r.remediation ?? '']
}

/** The records as CSV (RFC 4180, CRLF line ends), with a header row. */
export function toCsv(records: readonly ExportRecord[], options: CsvOptions = {}): string {
  const frameworks = options.frameworks ?? frameworksFor()
  const rows = [csvRecord(csvHeader(frameworks)), ...records.map((r) => csvRecord(cells(r, frameworks)))]
  return (options.bom ? '\uFEFF' : '') + rows.join('')
}
