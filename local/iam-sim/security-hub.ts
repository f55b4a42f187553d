import { SimError } from './errors.ts'
import { tokenPage } from './paging.ts'

/**
 * AWS Security Hub's findings API (REST-JSON, signed for `securityhub`), per account and region (the
 * region the request was signed for), with the semantics a finding provider meets:
 *
 * - `POST /findings/import` BatchImportFindings: 1 to 100 findings a call (else InvalidInputException,
 *   the whole request). Each finding is accepted or refused on its own, in FailedFindings (ErrorCode,
 *   ErrorMessage), never failing the request: `InvalidInput` for a finding that does not adhere to the
 *   ASFF (a required field missing or blank, a value too long, a bad enum, timestamp, account id or
 *   finding type), `FindingSizeExceeded` for one larger than 240 KB, `AccessDeniedException` for a
 *   ProductArn other than the caller's own default product (`arn:<partition>:securityhub:<region>:
 *   <caller>:product/<caller>/default`) or an AwsAccountId other than the caller's (the default product
 *   takes only the calling account's findings).
 *   A finding is identified by ProductArn and Id. Importing an existing one whose UpdatedAt is older than
 *   the stored one changes nothing (it still counts as a success). A newer one replaces the provider's
 *   fields, except: Note, UserDefinedFields, VerificationState and Workflow (set on creation only); the
 *   top-level Confidence, Criticality, RelatedFindings, Severity and Types (ignored in an update: their
 *   FindingProviderFields counterparts update them, unless BatchUpdateFindings changed them). Security
 *   Hub sets a NOTIFIED or RESOLVED workflow back to NEW when the record state goes from ARCHIVED to
 *   ACTIVE or the compliance status from PASSED to FAILED, WARNING or NOT_AVAILABLE.
 * - `PATCH /findings/batchupdate` BatchUpdateFindings: 1 to 100 finding identifiers; sets Workflow,
 *   Note (with UpdatedAt), VerificationState, Confidence, Criticality, Severity, Types, UserDefinedFields,
 *   RelatedFindings. Per finding: FindingNotFound, DuplicatedFindingIdentifier in UnprocessedFindings.
 *   UpdatedAt is left as it is.
 * - `POST /findings` GetFindings: the caller's findings in the region, filtered by string filters
 *   (EQUALS, PREFIX, CONTAINS joined by OR; NOT_EQUALS, PREFIX_NOT_EQUALS, NOT_CONTAINS by AND) on Id,
 *   ProductArn, AwsAccountId, GeneratorId, Region, Title, ProductName, CompanyName, RecordState,
 *   WorkflowStatus, ComplianceStatus and SeverityLabel (any other filter is refused), MaxResults 1 to 100
 *   (default 100) a page with NextToken, in import order.
 *
 * Errors of a whole call (Security Hub's shapes): InvalidInputException 400, InvalidAccessException 401
 * (Security Hub not enabled: `sim.securityHub.disable(account)`), LimitExceededException 429 (the
 * simulator's throttling faults), InternalException 500. Faults per finding, for the retries of
 * FailedFindings and UnprocessedFindings: `sim.securityHub.failFindings({ operation, code, times })`.
 */

type Json = Record<string, unknown>

export type SecurityHubAction = (accountId: string, region: string, body: Json) => Json

export type SecurityHubOperation = 'BatchImportFindings' | 'BatchUpdateFindings' | 'GetFindings'

/** The next `times` findings of the operation (those with one of `ids`, when given) fail with `code`. */
export interface FindingFault {
  operation: 'BatchImportFindings' | 'BatchUpdateFindings'
  code: string
  message?: string
  times: number
  ids?: readonly string[]
}

interface Stored {
  finding: Json
  /** The top-level provider fields a BatchUpdateFindings changed: imports no longer change them. */
  changedByUsers: Set<string>
}

export const MAX_FINDINGS_PER_CALL = 100
export const MAX_FINDING_BYTES = 240 * 1024

const invalidInput = (message: string) => new SimError('InvalidInputException', 400, message)

const SCHEMA_VERSION = '2018-10-08'
const NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
]
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
const COMPLIANCE = ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']
const RECORD_STATES = ['ACTIVE', 'ARCHIVED']
const WORKFLOW = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']
const VERIFICATION = ['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE']
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-us-iso', 'aws-us-iso-b', 'AzureCloud']
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/
/** Fields a provider sets through FindingProviderFields once the finding exists. */
const PROVIDER_FIELDS = ['Confidence', 'Criticality', 'RelatedFindings', 'Severity', 'Types'] as const
/** Fields an import sets on creation only: the investigation's. */
const INVESTIGATION_FIELDS = ['Note', 'UserDefinedFields', 'VerificationState', 'Workflow'] as const

/** The partition of a region, as ARNs name it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-isob-')) return 'aws-us-iso-b'
  if (region.startsWith('us-iso-')) return 'aws-us-iso'
  return 'aws'
}

export function defaultProduct(accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const clone = <T>(v: T): T => structuredClone(v)

/** Why a finding does not adhere to the ASFF, in Security Hub's words; undefined when it does. */
export function asffProblem(f: unknown): string | undefined {
  if (!isObject(f)) return 'data should be object'
  const str = (name: string, max: number, required = true, min = 1): string | undefined => {
    const v = f[name]
    if (v === undefined || v === null)
      return required ? `data should have required property '${name}'` : undefined
    if (typeof v !== 'string') return `data.${name} should be string`
    if (!/\S/.test(v)) return `data.${name} should match pattern ".*\\S.*"`
    if (v.length < min) return `data.${name} should NOT be shorter than ${min} characters`
    if (v.length > max) return `data.${name} should NOT be longer than ${max} characters`
    return undefined
  }
  const time = (name: string, required: boolean) =>
    str(name, 64, required) ??
    (f[name] !== undefined && (!TIMESTAMP.test(String(f[name])) || Number.isNaN(Date.parse(String(f[name]))))
      ? `data.${name} should match format "date-time"`
      : undefined)
  const oneOf = (path: string, v: unknown, allowed: readonly string[]) =>
    v === undefined || allowed.includes(String(v))
      ? undefined
      : `data.${path} should be equal to one of the allowed values: ${allowed.join(', ')}`
  const map = (name: string, maxPairs: number, maxValue: number) => {
    const v = f[name]
    if (v === undefined) return undefined
    if (!isObject(v)) return `data.${name} should be object`
    const entries = Object.entries(v)
    if (entries.length > maxPairs) return `data.${name} should NOT have more than ${maxPairs} properties`
    for (const [k, value] of entries) {
      if (k.length > 128)
        return `data.${name} property name '${k.slice(0, 20)}...' is longer than 128 characters`
      if (typeof value !== 'string') return `data.${name}['${k}'] should be string`
      if (value.length > maxValue)
        return `data.${name}['${k}'] should NOT be longer than ${maxValue} characters`
    }
    return undefined
  }
  const fpf = isObject(f.FindingProviderFields) ? f.FindingProviderFields : {}
  const types = (path: string, v: unknown) => {
    if (v === undefined) return undefined
    if (!Array.isArray(v)) return `data.${path} should be array`
    if (v.length > 50) return `data.${path} should NOT have more than 50 items`
    for (const t of v)
      if (typeof t !== 'string' || !NAMESPACES.includes(t.split('/')[0]!) || t.split('/').length > 3)
        return `data.${path} has an invalid finding type "${String(t)}": namespace/category/classifier, namespace one of ${NAMESPACES.join(', ')}`
    return undefined
  }
  const severity = (path: string, v: unknown) => {
    if (v === undefined) return undefined
    if (!isObject(v)) return `data.${path} should be object`
    if (v.Label === undefined && v.Normalized === undefined)
      return `data.${path} should have required property 'Label'`
    if (v.Normalized !== undefined && !(Number.isInteger(v.Normalized) && Number(v.Normalized) <= 100))
      return `data.${path}.Normalized should be an integer from 0 to 100`
    if (typeof v.Original === 'string' && v.Original.length > 64)
      return `data.${path}.Original should NOT be longer than 64 characters`
    return oneOf(`${path}.Label`, v.Label, SEVERITY_LABELS)
  }
  const resources = () => {
    const v = f.Resources
    if (v === undefined) return "data should have required property 'Resources'"
    if (!Array.isArray(v) || v.length < 1) return 'data.Resources should NOT have fewer than 1 items'
    if (v.length > 32) return 'data.Resources should NOT have more than 32 items'
    for (const [i, r] of v.entries()) {
      if (!isObject(r)) return `data.Resources[${i}] should be object`
      for (const k of ['Type', 'Id'])
        if (typeof r[k] !== 'string' || !/\S/.test(r[k] as string))
          return `data.Resources[${i}] should have required property '${k}'`
      if ((r.Type as string).length > 256)
        return `data.Resources[${i}].Type should NOT be longer than 256 characters`
      if (typeof r.Region === 'string' && r.Region.length > 16)
        return `data.Resources[${i}].Region should NOT be longer than 16 characters`
      const p = oneOf(`Resources[${i}].Partition`, r.Partition, PARTITIONS)
      if (p) return p
    }
    return undefined
  }
  const nested = () => {
    const remediation = f.Remediation
    if (isObject(remediation) && isObject(remediation.Recommendation)) {
      const text = remediation.Recommendation.Text
      if (typeof text === 'string' && text.length > 512)
        return 'data.Remediation.Recommendation.Text should NOT be longer than 512 characters'
    }
    const compliance = f.Compliance
    if (isObject(compliance)) {
      const status = oneOf('Compliance.Status', compliance.Status, COMPLIANCE)
      if (status) return status
      if (Array.isArray(compliance.RelatedRequirements) && compliance.RelatedRequirements.length > 32)
        return 'data.Compliance.RelatedRequirements should NOT have more than 32 items'
    }
    const note = f.Note
    if (note !== undefined) {
      if (!isObject(note) || typeof note.Text !== 'string' || typeof note.UpdatedBy !== 'string')
        return "data.Note should have required properties 'Text', 'UpdatedBy', 'UpdatedAt'"
      if (note.Text.length > 512) return 'data.Note.Text should NOT be longer than 512 characters'
    }
    return (
      oneOf('RecordState', f.RecordState, RECORD_STATES) ??
      oneOf('Workflow.Status', isObject(f.Workflow) ? f.Workflow.Status : undefined, WORKFLOW) ??
      oneOf('VerificationState', f.VerificationState, VERIFICATION)
    )
  }
  return (
    str('SchemaVersion', 64) ??
    (f.SchemaVersion !== SCHEMA_VERSION
      ? `data.SchemaVersion should be equal to one of the allowed values: ${SCHEMA_VERSION}`
      : undefined) ??
    str('Id', 512) ??
    str('ProductArn', 2048, true, 12) ??
    str('GeneratorId', 512) ??
    str('AwsAccountId', 12) ??
    (/^\d{12}$/.test(String(f.AwsAccountId))
      ? undefined
      : 'data.AwsAccountId should match pattern "^\\d{12}$"') ??
    time('CreatedAt', true) ??
    time('UpdatedAt', true) ??
    time('FirstObservedAt', false) ??
    time('LastObservedAt', false) ??
    str('Title', 256) ??
    str('Description', 1024) ??
    str('ProductName', 128, false) ??
    str('CompanyName', 128, false) ??
    str('AwsAccountName', 50, false) ??
    str('Region', 16, false) ??
    (f.Types === undefined && fpf.Types === undefined
      ? "data should have required property 'Types'"
      : undefined) ??
    types('Types', f.Types) ??
    types('FindingProviderFields.Types', fpf.Types) ??
    (f.Severity === undefined && fpf.Severity === undefined
      ? "data should have required property 'Severity'"
      : undefined) ??
    severity('Severity', f.Severity) ??
    severity('FindingProviderFields.Severity', fpf.Severity) ??
    resources() ??
    map('ProductFields', 50, 2048) ??
    map('UserDefinedFields', 50, 1024) ??
    nested()
  )
}

/** A string filter's test: `Comparison` of a value (EQUALS when not said). */
function compare(value: string | undefined, filter: Json): boolean {
  const wanted = String(filter.Value ?? '')
  const v = value ?? ''
  switch (filter.Comparison ?? 'EQUALS') {
    case 'EQUALS':
      return v === wanted
    case 'PREFIX':
      return v.startsWith(wanted)
    case 'CONTAINS':
      return v.includes(wanted)
    case 'NOT_EQUALS':
      return v !== wanted
    case 'PREFIX_NOT_EQUALS':
      return !v.startsWith(wanted)
    case 'NOT_CONTAINS':
      return !v.includes(wanted)
    default:
      throw invalidInput(`Invalid string filter comparison ${String(filter.Comparison)}`)
  }
}
const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS'])

/** The filters GetFindings takes here, and the value each reads from a finding. */
const FILTERED: Readonly<Record<string, (f: Json) => string | undefined>> = {
  Id: (f) => f.Id as string,
  ProductArn: (f) => f.ProductArn as string,
  AwsAccountId: (f) => f.AwsAccountId as string,
  GeneratorId: (f) => f.GeneratorId as string,
  Region: (f) => f.Region as string,
  Title: (f) => f.Title as string,
  ProductName: (f) => f.ProductName as string,
  CompanyName: (f) => f.CompanyName as string,
  RecordState: (f) => f.RecordState as string,
  WorkflowStatus: (f) => (isObject(f.Workflow) ? (f.Workflow.Status as string) : undefined),
  ComplianceStatus: (f) => (isObject(f.Compliance) ? (f.Compliance.Status as string) : undefined),
  SeverityLabel: (f) => (isObject(f.Severity) ? (f.Severity.Label as string) : undefined),
}

export class SimSecurityHub {
  /** Findings by account, region, ProductArn and Id, in import order. */
  private readonly findings = new Map<string, Stored>()
  private readonly disabled = new Set<string>()
  private readonly faults: FindingFault[] = []
  private readonly clock: () => Date
  /** Told the size of each BatchImportFindings request it serves (tests watch what is sent again). */
  onImport?: (findings: number) => void

  constructor(clock: () => Date = () => new Date()) {
    this.clock = clock
  }

  /** The operation a request is for, by its method and path; `UnknownOperation` for any other. */
  operation(method: string, path: string): string {
    if (method === 'POST' && path === '/findings/import') return 'BatchImportFindings'
    if (method === 'PATCH' && path === '/findings/batchupdate') return 'BatchUpdateFindings'
    if (method === 'POST' && path === '/findings') return 'GetFindings'
    return 'UnknownOperation'
  }

  /** Security Hub is not enabled in the account (every call answers InvalidAccessException) until enable(). */
  disable(accountId: string): void {
    this.disabled.add(accountId)
  }

  enable(accountId: string): void {
    this.disabled.delete(accountId)
  }

  /** Makes the next findings of an operation fail on their own, with a code (FailedFindings, UnprocessedFindings). */
  failFindings(fault: FindingFault): void {
    this.faults.push({ ...fault })
  }

  /** A stored finding (a copy), by account, region and Id (of any product). */
  finding(accountId: string, region: string, id: string): Json | undefined {
    for (const s of this.findings.values())
      if (s.finding.AwsAccountId === accountId && s.finding.Region === region && s.finding.Id === id)
        return clone(s.finding)
    return undefined
  }

  /** Every stored finding (copies), of one account when given. */
  all(accountId?: string): Json[] {
    return [...this.findings.values()]
      .filter((s) => accountId === undefined || s.finding.AwsAccountId === accountId)
      .map((s) => clone(s.finding))
  }

  readonly actions: Readonly<Record<string, SecurityHubAction>> = {
    BatchImportFindings: (accountId, region, body) => this.batchImport(accountId, region, body),
    BatchUpdateFindings: (accountId, region, body) => this.batchUpdate(accountId, region, body),
    GetFindings: (accountId, region, body) => this.getFindings(accountId, region, body),
    UnknownOperation: () => {
      throw new SimError('UnknownOperationException', 404, 'The requested operation is not supported')
    },
  }

  private enabled(accountId: string, region: string): void {
    if (this.disabled.has(accountId))
      throw new SimError(
        'InvalidAccessException',
        401,
        `Account ${accountId} is not subscribed to AWS Security Hub in ${region}`,
      )
  }

  private key(accountId: string, region: string, productArn: string, id: string): string {
    return [accountId, region, productArn, id].join('\u0000')
  }

  /** The fault a finding meets, if any (counted down). */
  private fault(operation: FindingFault['operation'], id: string): FindingFault | undefined {
    const fault = this.faults.find(
      (f) => f.operation === operation && f.times > 0 && (!f.ids || f.ids.includes(id)),
    )
    if (fault) fault.times--
    return fault
  }

  private batchImport(accountId: string, region: string, body: Json): Json {
    this.enabled(accountId, region)
    const findings = body.Findings
    if (!Array.isArray(findings) || findings.length < 1 || findings.length > MAX_FINDINGS_PER_CALL)
      throw invalidInput(
        `Findings must be a list of 1 to ${MAX_FINDINGS_PER_CALL} findings (got ${Array.isArray(findings) ? findings.length : 'none'})`,
      )
    this.onImport?.(findings.length)
    const product = defaultProduct(accountId, region)
    const failed: Json[] = []
    const fail = (id: unknown, ErrorCode: string, ErrorMessage: string) =>
      failed.push({ Id: typeof id === 'string' ? id : '', ErrorCode, ErrorMessage })
    for (const f of findings as unknown[]) {
      const id = isObject(f) ? f.Id : undefined
      if (Buffer.byteLength(JSON.stringify(f)) > MAX_FINDING_BYTES) {
        fail(id, 'FindingSizeExceeded', 'Finding size exceeded 240 KB')
        continue
      }
      const problem = asffProblem(f)
      if (problem) {
        fail(id, 'InvalidInput', `Finding does not adhere to Amazon Finding Format. ${problem}.`)
        continue
      }
      const finding = f as Json
      if (finding.ProductArn !== product) {
        fail(
          id,
          'AccessDeniedException',
          `Account ${accountId} is not authorized to import findings into ${String(finding.ProductArn)} in ${region}: its own product is ${product}`,
        )
        continue
      }
      if (finding.AwsAccountId !== accountId) {
        fail(
          id,
          'AccessDeniedException',
          `Account ${accountId} cannot import findings for account ${String(finding.AwsAccountId)} into its default product: the AwsAccountId must be the caller's`,
        )
        continue
      }
      const fault = this.fault('BatchImportFindings', String(id))
      if (fault) {
        fail(id, fault.code, fault.message ?? `injected ${fault.code}`)
        continue
      }
      this.store(accountId, region, finding)
    }
    return {
      FailedCount: failed.length,
      SuccessCount: findings.length - failed.length,
      FailedFindings: failed,
    }
  }

  /** Creates the finding, or updates it as a provider's import may. */
  private store(accountId: string, region: string, incoming: Json): void {
    const key = this.key(accountId, region, incoming.ProductArn as string, incoming.Id as string)
    const existing = this.findings.get(key)
    const now = this.clock().toISOString()
    const incomingProvider = isObject(incoming.FindingProviderFields) ? incoming.FindingProviderFields : {}
    const finishing = (f: Json) => {
      f.Region = region
      f.ProductName ??= 'Default'
      f.CompanyName ??= 'Personal'
      f.ProcessedAt = now
      f.ProductFields = {
        ...(isObject(f.ProductFields) ? f.ProductFields : {}),
        'aws/securityhub/FindingId': `${String(f.ProductArn)}/${String(f.Id)}`,
        'aws/securityhub/ProductName': String(f.ProductName),
        'aws/securityhub/CompanyName': String(f.CompanyName),
      }
      return f
    }
    if (!existing) {
      const f = clone(incoming)
      const provider: Json = clone(incomingProvider)
      for (const k of PROVIDER_FIELDS) {
        if (f[k] === undefined && provider[k] !== undefined) f[k] = clone(provider[k])
        if (provider[k] === undefined && f[k] !== undefined) provider[k] = clone(f[k])
      }
      f.FindingProviderFields = provider
      f.Workflow = { Status: isObject(incoming.Workflow) ? (incoming.Workflow.Status ?? 'NEW') : 'NEW' }
      f.RecordState ??= 'ACTIVE'
      if (isObject(f.Note)) f.Note = { ...f.Note, UpdatedAt: f.Note.UpdatedAt ?? now }
      this.findings.set(key, { finding: finishing(f), changedByUsers: new Set() })
      return
    }
    const old = existing.finding
    // An import older than the stored finding changes nothing.
    if (Date.parse(incoming.UpdatedAt as string) < Date.parse(old.UpdatedAt as string)) return
    const next = clone(incoming)
    for (const k of INVESTIGATION_FIELDS) {
      if (old[k] === undefined) delete next[k]
      else next[k] = clone(old[k])
    }
    const provider: Json = { ...(old.FindingProviderFields as Json), ...clone(incomingProvider) }
    for (const k of PROVIDER_FIELDS) {
      const fromProvider = incomingProvider[k] !== undefined && !existing.changedByUsers.has(k)
      const value = fromProvider ? provider[k] : old[k]
      if (value === undefined) delete next[k]
      else next[k] = clone(value)
    }
    next.FindingProviderFields = provider
    next.RecordState ??= old.RecordState
    const status = (f: Json) => (isObject(f.Compliance) ? f.Compliance.Status : undefined)
    const reactivated = old.RecordState === 'ARCHIVED' && next.RecordState === 'ACTIVE'
    const failingAgain =
      status(old) === 'PASSED' && ['FAILED', 'WARNING', 'NOT_AVAILABLE'].includes(String(status(next)))
    const workflow = isObject(next.Workflow) ? next.Workflow.Status : undefined
    if ((reactivated || failingAgain) && (workflow === 'NOTIFIED' || workflow === 'RESOLVED'))
      next.Workflow = { Status: 'NEW' }
    existing.finding = finishing(next)
  }

  private batchUpdate(accountId: string, region: string, body: Json): Json {
    this.enabled(accountId, region)
    const ids = body.FindingIdentifiers
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_FINDINGS_PER_CALL)
      throw invalidInput(
        `FindingIdentifiers must be a list of 1 to ${MAX_FINDINGS_PER_CALL} finding identifiers`,
      )
    const updatable = [
      'Note',
      'Severity',
      'VerificationState',
      'Confidence',
      'Criticality',
      'Types',
      'UserDefinedFields',
      'Workflow',
      'RelatedFindings',
    ]
    if (!updatable.some((k) => body[k] !== undefined))
      throw invalidInput(`At least one of ${updatable.join(', ')} must be given`)
    const note = body.Note
    if (note !== undefined) {
      if (!isObject(note) || typeof note.Text !== 'string' || typeof note.UpdatedBy !== 'string')
        throw invalidInput('Note requires Text and UpdatedBy')
      if (!/\S/.test(note.Text) || note.Text.length > 512)
        throw invalidInput('Note.Text must be 1 to 512 characters')
      if (!/\S/.test(note.UpdatedBy) || note.UpdatedBy.length > 512)
        throw invalidInput('Note.UpdatedBy must be 1 to 512 characters')
    }
    const workflow = isObject(body.Workflow) ? body.Workflow.Status : undefined
    if (body.Workflow !== undefined && !WORKFLOW.includes(String(workflow)))
      throw invalidInput(`Workflow.Status must be one of ${WORKFLOW.join(', ')}`)
    if (body.VerificationState !== undefined && !VERIFICATION.includes(String(body.VerificationState)))
      throw invalidInput(`VerificationState must be one of ${VERIFICATION.join(', ')}`)
    if (
      isObject(body.Severity) &&
      body.Severity.Label !== undefined &&
      !SEVERITY_LABELS.includes(String(body.Severity.Label))
    )
      throw invalidInput(`Severity.Label must be one of ${SEVERITY_LABELS.join(', ')}`)
    const now = this.clock().toISOString()
    const processed: Json[] = []
    const unprocessed: Json[] = []
    const seen = new Set<string>()
    for (const ident of ids as unknown[]) {
      const id = isObject(ident) && typeof ident.Id === 'string' ? ident.Id : ''
      const productArn = isObject(ident) && typeof ident.ProductArn === 'string' ? ident.ProductArn : ''
      const identifier = { Id: id, ProductArn: productArn }
      const refuse = (ErrorCode: string, ErrorMessage: string) =>
        unprocessed.push({ FindingIdentifier: identifier, ErrorCode, ErrorMessage })
      const key = this.key(accountId, region, productArn, id)
      if (seen.has(key)) {
        refuse('DuplicatedFindingIdentifier', 'Finding Identifier is duplicated')
        continue
      }
      seen.add(key)
      const fault = this.fault('BatchUpdateFindings', id)
      if (fault) {
        refuse(fault.code, fault.message ?? `injected ${fault.code}`)
        continue
      }
      const stored = this.findings.get(key)
      if (!stored) {
        refuse('FindingNotFound', 'Finding Not Found')
        continue
      }
      const f = stored.finding
      if (isObject(note)) f.Note = { Text: note.Text, UpdatedBy: note.UpdatedBy, UpdatedAt: now }
      if (workflow !== undefined) f.Workflow = { Status: workflow }
      if (body.VerificationState !== undefined) f.VerificationState = body.VerificationState
      if (isObject(body.UserDefinedFields))
        f.UserDefinedFields = {
          ...(isObject(f.UserDefinedFields) ? f.UserDefinedFields : {}),
          ...body.UserDefinedFields,
        }
      for (const k of PROVIDER_FIELDS) {
        if (body[k] === undefined) continue
        f[k] =
          k === 'Severity'
            ? { ...(isObject(f.Severity) ? f.Severity : {}), ...(body[k] as Json) }
            : clone(body[k])
        stored.changedByUsers.add(k)
      }
      processed.push(identifier)
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed }
  }

  private getFindings(accountId: string, region: string, body: Json): Json {
    this.enabled(accountId, region)
    const filters = body.Filters ?? {}
    if (!isObject(filters)) throw invalidInput('Filters must be an object')
    const tests: Array<(f: Json) => boolean> = []
    for (const [name, list] of Object.entries(filters)) {
      const read = FILTERED[name]
      if (!read) throw invalidInput(`The simulator does not filter findings on ${name}`)
      if (!Array.isArray(list) || list.length > 20 || !list.every(isObject))
        throw invalidInput(`Filters.${name} must be a list of at most 20 string filters`)
      const positive = list.filter((c) => !NEGATIVE.has(String(c.Comparison ?? 'EQUALS')))
      const negative = list.filter((c) => NEGATIVE.has(String(c.Comparison)))
      tests.push(
        (f) =>
          (positive.length === 0 || positive.some((c) => compare(read(f), c))) &&
          negative.every((c) => compare(read(f), c)),
      )
    }
    const all = [...this.findings.values()]
      .map((s) => s.finding)
      .filter((f) => f.AwsAccountId === accountId && f.Region === region && tests.every((t) => t(f)))
    const { items, NextToken } = tokenPage(all, body, {
      list: `GetFindings|${accountId}|${region}|${JSON.stringify(filters)}`,
      max: 100,
      invalid: invalidInput,
    })
    return { Findings: items.map(clone), ...(NextToken ? { NextToken } : {}) }
  }
}
