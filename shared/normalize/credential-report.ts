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
type Column = (typeof REPORT_COLUMNS)[number]
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

/** Password usage as the report can tell it: a date, never used (N/A), or unknown (no_information). */
export type PasswordUse = { kind: 'used'; at: Date } | { kind: 'never' } | { kind: 'unknown' }

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
}

export interface ParsedCredentialReport {
  root?: CredentialUser
  users: CredentialUser[]
  rejections: Rejection[]
  /** False when the report as a whole could not be read (header unusable). */
  readable: boolean
}

class RowError extends Error {}

/** Parses the credential report CSV once into typed users; bad rows are rejected with a reason. */
export function parseCredentialReport(csv: string): ParsedCredentialReport {
  const rejections: Rejection[] = []
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
    return { users: [], rejections, readable: false }
  }

  const header = records[0]
  if (!header) {
    reject('report is empty')
    return { users: [], rejections, readable: false }
  }
  const index = new Map(header.map((name, i) => [name.trim(), i]))
  const missing = REPORT_COLUMNS.filter((c) => !index.has(c))
  const unknown = header.filter((c) => !(REPORT_COLUMNS as readonly string[]).includes(c.trim()))
  if (unknown.length > 0) reject(`unknown columns: ${sanitizeForLog(unknown.join(', '))}`, 1)
  if (missing.length > 0) {
    reject(`missing columns: ${missing.join(', ')}`, 1)
    return { users: [], rejections, readable: false }
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
      const user = normalizeRow(row)
      if (seen.has(user.name)) throw new RowError('duplicate row for this user')
      seen.add(user.name)
      if (user.isRoot) root = user
      else users.push(user)
    } catch (err) {
      if (!(err instanceof RowError)) throw err
      reject(err.message, line, subject)
    }
  }
  if (!root) reject(`no ${ROOT_USER} row`)
  return { root, users, rejections, readable: true }
}

function normalizeRow(row: Row): CredentialUser {
  const isRoot = row.user === ROOT_USER
  if (!isRoot && !IAM_USER_NAME.test(row.user)) throw new RowError('user name is not a valid IAM user name')
  if (!USER_ARN.test(row.arn)) throw new RowError('arn is not an IAM user or root ARN')
  if (isRoot !== row.arn.endsWith(':root')) throw new RowError('root row and root ARN disagree')

  const createdAt = requiredDate(row, 'user_creation_time')
  const passwordEnabled =
    isRoot && row.password_enabled === 'not_supported' ? undefined : bool(row, 'password_enabled')
  return {
    name: row.user,
    arn: row.arn,
    isRoot,
    createdAt,
    passwordEnabled,
    passwordUse: passwordUse(row),
    passwordLastChangedAt: optionalDate(row, 'password_last_changed', ['N/A', 'not_supported']),
    mfaActive: bool(row, 'mfa_active'),
    accessKeys: [accessKey(row, 1), accessKey(row, 2)].filter((k): k is AccessKeySlot => k !== undefined),
    certificates: [certificate(row, 1), certificate(row, 2)].filter(
      (c): c is CertificateSlot => c !== undefined,
    ),
  }
}

function passwordUse(row: Row): PasswordUse {
  const value = row.password_last_used
  if (value === 'N/A') return { kind: 'never' }
  if (value === 'no_information') return { kind: 'unknown' }
  return { kind: 'used', at: requiredDate(row, 'password_last_used') }
}

function accessKey(row: Row, slot: 1 | 2): AccessKeySlot | undefined {
  const active = bool(row, `access_key_${slot}_active`)
  const lastRotatedAt = optionalDate(row, `access_key_${slot}_last_rotated`, ['N/A'])
  if (!lastRotatedAt) {
    if (active) throw new RowError(`access_key_${slot} is active but has no last_rotated date`)
    return undefined
  }
  const lastUsedAt = optionalDate(row, `access_key_${slot}_last_used_date`, ['N/A'])
  const region = optionalText(row, `access_key_${slot}_last_used_region`)
  const service = optionalText(row, `access_key_${slot}_last_used_service`)
  return {
    slot,
    active,
    lastRotatedAt,
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(region ? { lastUsedRegion: region } : {}),
    ...(service ? { lastUsedService: service } : {}),
  }
}

function certificate(row: Row, slot: 1 | 2): CertificateSlot | undefined {
  const active = bool(row, `cert_${slot}_active`)
  const lastRotatedAt = optionalDate(row, `cert_${slot}_last_rotated`, ['N/A'])
  if (!active && !lastRotatedAt) return undefined
  return { slot, active, ...(lastRotatedAt ? { lastRotatedAt } : {}) }
}

function bool(row: Row, column: Column): boolean {
  const value = row[column].toLowerCase()
  if (value === 'true') return true
  if (value === 'false') return false
  throw new RowError(`${column} is not true or false: ${sanitizeForLog(row[column], 32)}`)
}

function requiredDate(row: Row, column: Column): Date {
  const value = row[column]
  const date = ISO_DATE.test(value) ? new Date(value) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw new RowError(`${column} is not an ISO 8601 date: ${sanitizeForLog(value, 40)}`)
  }
  return date
}

function optionalDate(row: Row, column: Column, absent: readonly string[]): Date | undefined {
  return absent.includes(row[column]) ? undefined : requiredDate(row, column)
}

function optionalText(row: Row, column: Column): string | undefined {
  const value = row[column]
  if (value === 'N/A' || value === '') return undefined
  if (!/^[a-z0-9-]{1,64}$/i.test(value))
    throw new RowError(`${column} has an unexpected value: ${sanitizeForLog(value, 40)}`)
  return value
}
