import { parse } from 'csv-parse/sync'
import { type Rejection, sanitizeForLog } from './rejection.ts'

export const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const
export type ReportColumn = (typeof REPORT_COLUMNS)[number]
type Column = ReportColumn
type Row = Record<Column, string>

export const ROOT_USER = '<root_account>'
const SOURCE = 'credential-report'
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|user\/[\w+=,.@/-]{1,512})$/

export interface AccessKeySlot {
  slot: 1 | 2
  active: boolean
  /** When the key was created or last changed (the report's access_key_N_last_rotated). */
  lastRotatedAt: Date
  lastUsedAt?: Date
  lastUsedRegion?: string
  lastUsedService?: string
  /** Filled by joining with ListAccessKeys; absent when that join was not possible. */
  accessKeyId?: string
}

export interface CertificateSlot {
  slot: 1 | 2
  active: boolean
  lastRotatedAt?: Date
}

/**
 * Password usage as the report can tell it: a date; never used (N/A); `unknown`: no_information, that is
 * never used or not used since IAM began tracking on 2014-10-20; `unreadable`: an unexpected value (the
 * user's unknownFields lists password_last_used).
 */
export type PasswordUse =
  | { kind: 'used'; at: Date }
  | { kind: 'never' }
  | { kind: 'unknown' }
  | { kind: 'unreadable' }

export interface CredentialUser {
  name: string
  arn: string
  isRoot: boolean
  createdAt: Date
  /** For the root row the report says not_supported: undefined means "the report cannot tell". */
  passwordEnabled: boolean | undefined
  passwordUse: PasswordUse
  passwordLastChangedAt?: Date
  mfaActive: boolean
  /** Only the slots that hold a key (active, or inactive with a creation date). */
  accessKeys: AccessKeySlot[]
  certificates: CertificateSlot[]
  /**
   * Report columns whose value was unexpected (e.g. `password_last_used`, `access_key_1_last_used_date`):
   * their typed value is absent (password use is `unreadable`), and a check that reads one cannot judge.
   * Absent when every value was as expected.
   */
  unknownFields?: ReportColumn[]
}

/**
 * An unexpected value in a column that does not identify the user: the row is kept, that field is
 * unknown. Logged and counted like a rejection, but the user is not.
 */
export interface FieldWarning extends Rejection {
  line: number
  subject: string
  column: ReportColumn
}

export interface ParsedCredentialReport {
  root?: CredentialUser
  users: CredentialUser[]
  rejections: Rejection[]
  /** Unexpected values in fields that do not identify a user: their rows are kept, the fields unknown. */
  fieldWarnings: FieldWarning[]
  /** False when the report as a whole could not be read (header unusable). */
  readable: boolean
}

class RowError extends Error {}

/** Parses the credential report CSV once into typed users; bad rows are rejected with a reason. */
export function parseCredentialReport(csv: string): ParsedCredentialReport {
  const rejections: Rejection[] = []
  const fieldWarnings: FieldWarning[] = []
  const reject = (reason: string, line?: number, subject?: string) =>
    rejections.push({ source: SOURCE, reason, ...(line ? { line } : {}), ...(subject ? { subject } : {}) })

  let records: string[][]
  try {
    records = parse(csv, {
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      bom: true,
      on_skip: (err) => {
        const line = (err as { lines?: number } | undefined)?.lines
        reject(`malformed CSV record: ${sanitizeForLog(err?.message ?? 'unknown error')}`, line)
      },
    }) as string[][]
  } catch (err) {
    reject(`report is not parseable CSV: ${sanitizeForLog((err as Error).message)}`)
    return { users: [], rejections, fieldWarnings, readable: false }
  }

  const header = records[0]
  if (!header) {
    reject('report is empty')
    return { users: [], rejections, fieldWarnings, readable: false }
  }
  const index = new Map(header.map((name, i) => [name.trim(), i]))
  const missing = REPORT_COLUMNS.filter((c) => !index.has(c))
  const unknown = header.filter((c) => !(REPORT_COLUMNS as readonly string[]).includes(c.trim()))
  if (unknown.length > 0) reject(`unknown columns: ${sanitizeForLog(unknown.join(', '))}`, 1)
  if (missing.length > 0) {
    reject(`missing columns: ${missing.join(', ')}`, 1)
    return { users: [], rejections, fieldWarnings, readable: false }
  }

  const users: CredentialUser[] = []
  let root: CredentialUser | undefined
  const seen = new Set<string>()
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!
    const line = i + 1
    const subject = sanitizeForLog(record[index.get('user')!] ?? '')
    if (record.length !== header.length) {
      reject(`expected ${header.length} fields, found ${record.length}`, line, subject)
      continue
    }
    const row = Object.fromEntries(REPORT_COLUMNS.map((c) => [c, record[index.get(c)!]!.trim()])) as Row
    try {
      const fields = new FieldReader(row)
      const user = normalizeRow(fields)
      if (seen.has(user.name)) throw new RowError('duplicate row for this user')
      seen.add(user.name)
      if (fields.unknown.length > 0) user.unknownFields = fields.unknown.map((f) => f.column)
      for (const { column, value } of fields.unknown)
        fieldWarnings.push({
          source: SOURCE,
          line,
          subject,
          column,
          reason: `${column} has an unexpected value: ${sanitizeForLog(value, 40)}`,
        })
      if (user.isRoot) root = user
      else users.push(user)
    } catch (err) {
      if (!(err instanceof RowError)) throw err
      reject(err.message, line, subject)
    }
  }
  if (!root) reject(`no ${ROOT_USER} row`)
  return { root, users, rejections, fieldWarnings, readable: true }
}

/** Not a value: the report's words for "no such credential" or "never". */
const ABSENT = new Set(['N/A', 'not_supported', ''])

/**
 * Reads one row's fields. The ones that identify the user or decide every check (`required*`, `bool`)
 * throw a RowError; the others (`optional*`) keep the row and record the column as unknown.
 */
class FieldReader {
  readonly unknown: Array<{ column: ReportColumn; value: string }> = []
  readonly row: Row
  constructor(row: Row) {
    this.row = row
  }

  bool(column: Column): boolean {
    const value = parseBool(this.row[column])
    if (value === undefined)
      throw new RowError(`${column} is not true or false: ${sanitizeForLog(this.row[column], 32)}`)
    return value
  }

  requiredDate(column: Column): Date {
    const date = parseDate(this.row[column])
    if (!date)
      throw new RowError(`${column} is not an ISO 8601 date: ${sanitizeForLog(this.row[column], 40)}`)
    return date
  }

  /** A date, undefined for one of the `absent` words, or unknown. */
  optionalDate(column: Column, absent: readonly string[]): Date | undefined {
    const value = this.row[column]
    if (absent.includes(value)) return undefined
    return parseDate(value) ?? this.markUnknown(column)
  }

  optionalBool(column: Column): boolean | undefined {
    return parseBool(this.row[column]) ?? this.markUnknown(column)
  }

  /** A region or service name; N/A, not_supported or empty are absent. */
  optionalName(column: Column): string | undefined {
    const value = this.row[column]
    if (ABSENT.has(value)) return undefined
    return /^[a-z0-9-]{1,64}$/i.test(value) ? value : this.markUnknown(column)
  }

  markUnknown(column: Column): undefined {
    this.unknown.push({ column, value: this.row[column] })
    return undefined
  }
}

function parseBool(value: string): boolean | undefined {
  const lower = value.toLowerCase()
  return lower === 'true' ? true : lower === 'false' ? false : undefined
}

function parseDate(value: string): Date | undefined {
  const date = ISO_DATE.test(value) ? new Date(value) : undefined
  return date && !Number.isNaN(date.getTime()) ? date : undefined
}

function normalizeRow(fields: FieldReader): CredentialUser {
  const row = fields.row
  const isRoot = row.user === ROOT_USER
  if (!isRoot && !IAM_USER_NAME.test(row.user)) throw new RowError('user name is not a valid IAM user name')
  if (!USER_ARN.test(row.arn)) throw new RowError('arn is not an IAM user or root ARN')
  if (isRoot !== row.arn.endsWith(':root')) throw new RowError('root row and root ARN disagree')

  const createdAt = fields.requiredDate('user_creation_time')
  const passwordEnabled =
    isRoot && row.password_enabled === 'not_supported' ? undefined : fields.bool('password_enabled')
  const mfaActive = fields.bool('mfa_active')
  const passwordUse = readPasswordUse(fields)
  const passwordLastChangedAt = fields.optionalDate('password_last_changed', ['N/A', 'not_supported'])
  return {
    name: row.user,
    arn: row.arn,
    isRoot,
    createdAt,
    passwordEnabled,
    passwordUse,
    ...(passwordLastChangedAt ? { passwordLastChangedAt } : {}),
    mfaActive,
    accessKeys: [accessKey(fields, 1), accessKey(fields, 2)].filter(
      (k): k is AccessKeySlot => k !== undefined,
    ),
    certificates: [certificate(fields, 1), certificate(fields, 2)].filter(
      (c): c is CertificateSlot => c !== undefined,
    ),
  }
}

function readPasswordUse(fields: FieldReader): PasswordUse {
  const value = fields.row.password_last_used
  if (value === 'N/A') return { kind: 'never' }
  if (value === 'no_information') return { kind: 'unknown' }
  const at = fields.optionalDate('password_last_used', [])
  return at ? { kind: 'used', at } : { kind: 'unreadable' }
}

function accessKey(fields: FieldReader, slot: 1 | 2): AccessKeySlot | undefined {
  // Whether the key is active and when it was created identify it (the join with ListAccessKeys).
  const active = fields.bool(`access_key_${slot}_active`)
  const rotated = fields.row[`access_key_${slot}_last_rotated`]
  if (rotated === 'N/A') {
    if (active) throw new RowError(`access_key_${slot} is active but has no last_rotated date`)
    return undefined
  }
  const lastRotatedAt = fields.requiredDate(`access_key_${slot}_last_rotated`)
  const lastUsedAt = fields.optionalDate(`access_key_${slot}_last_used_date`, ['N/A'])
  const region = fields.optionalName(`access_key_${slot}_last_used_region`)
  const service = fields.optionalName(`access_key_${slot}_last_used_service`)
  return {
    slot,
    active,
    lastRotatedAt,
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(region ? { lastUsedRegion: region } : {}),
    ...(service ? { lastUsedService: service } : {}),
  }
}

function certificate(fields: FieldReader, slot: 1 | 2): CertificateSlot | undefined {
  const active = fields.optionalBool(`cert_${slot}_active`)
  const lastRotatedAt = fields.optionalDate(`cert_${slot}_last_rotated`, ['N/A'])
  if (active === undefined || (!active && !lastRotatedAt)) return undefined
  return { slot, active, ...(lastRotatedAt ? { lastRotatedAt } : {}) }
}
