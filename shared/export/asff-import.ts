import { FRAMEWORKS } from '../checks/frameworks.ts'
import { getCheck } from '../checks/registry.ts'
import { FRAMEWORK_IDS, getFramework } from '../compliance/frameworks.ts'
import { getDetection } from '../detections/registry.ts'
import { type HistoryEntry, SYSTEM_ACTOR, type TransitionKind } from '../model/finding.ts'
import { ASFF_LIMITS, ASFF_SCHEMA_VERSION, ASFF_SEVERITY_LABEL, asffResourceType } from './asff.ts'
import { complianceOf } from './evidence.ts'
import { arnPartition } from './ocsf.ts'

/**
 * Security Hub import, transition by transition (issue 14): each history item becomes the finding's ASFF
 * as it stands after that transition, imported with BatchImportFindings (shared/aws/security-hub.ts).
 * Pure: no AWS SDK here; the shapes below are the AwsSecurityFinding fields iamwatch fills.
 */

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'
export type AsffWorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED'
/** The partitions Security Hub's Resource.Partition takes (the SDK's Partition enum, less Azure). */
export const ASFF_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-us-iso', 'aws-us-iso-b'] as const
export type AsffPartition = (typeof ASFF_PARTITIONS)[number]

export interface AsffResource {
  Type: string
  Id: string
  Partition: AsffPartition
  Region?: string
}

export interface AsffSeverity {
  Label: AsffSeverityLabel
  Original: string
}

/** An AwsSecurityFinding as iamwatch imports it: the SDK's type accepts it as it is. */
export interface AsffSecurityFinding {
  SchemaVersion: string
  Id: string
  ProductArn: string
  ProductName: string
  CompanyName: string
  GeneratorId: string
  AwsAccountId: string
  AwsAccountName?: string
  Types: string[]
  FirstObservedAt: string
  LastObservedAt: string
  CreatedAt: string
  UpdatedAt: string
  Severity: AsffSeverity
  Title: string
  Description: string
  Remediation?: { Recommendation: { Text: string } }
  ProductFields: Record<string, string>
  Resources: AsffResource[]
  Compliance?: { Status: 'PASSED' | 'FAILED'; RelatedRequirements?: string[] }
  RecordState: 'ACTIVE' | 'ARCHIVED'
  /** Taken on creation only: later imports leave it, BatchUpdateFindings changes it. */
  Workflow: { Status: AsffWorkflowStatus }
  /**
   * Severity and Types again, where a provider updates them: Security Hub ignores the top-level ones in
   * an import that updates a finding, and copies these to the top level unless a user changed it there.
   */
  FindingProviderFields: { Severity: AsffSeverity; Types: string[] }
}

/** Where the findings are imported: the monitor's account (owner of the default product) and region. */
export interface AsffContext {
  partition: string
  region: string
  /** The monitor's account, owner of the product ARN. */
  accountId: string
  /** When the finding first opened (the finding's firstOpenedAt): its CreatedAt and FirstObservedAt. */
  firstOpenedAt?: string
}

/** The further limits of the fields this mapping fills (AwsSecurityFinding and its parts, API reference). */
export const ASFF_IMPORT_LIMITS = {
  ...ASFF_LIMITS,
  id: 512,
  generatorId: 512,
  severityOriginal: 64,
  productFields: 50,
  productFieldKey: 128,
  resources: 32,
  relatedRequirements: 32,
  resourceRegion: 16,
  noteText: 512,
  /** The largest finding BatchImportFindings takes: 240 KB. */
  findingBytes: 240 * 1024,
}

/** Every framework: a check's finding lists the requirements it is evidence for in each. */
const ALL_ASFF_FRAMEWORKS = FRAMEWORK_IDS.map((id) => getFramework(id)!)

const CIS_TYPE =
  'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'
const BEST_PRACTICE_TYPE = 'Software and Configuration Checks/AWS Security Best Practices'
const UNUSUAL_USER = 'Unusual Behaviors/User'

/**
 * A detection's finding type (ASFF types taxonomy: TTPs categories, Effects, Unusual Behaviors): what the
 * event it fires on is a sign of. Detections not named here are unusual behaviour of a user.
 */
const DETECTION_TYPES: Readonly<Record<string, string>> = {
  'root-console-login-failed': 'TTPs/Credential Access',
  'console-login-failures': 'TTPs/Credential Access',
  'root-password-recovery': 'TTPs/Credential Access',
  'compromised-key-quarantine': 'TTPs/Credential Access',
  'root-access-key-created': 'TTPs/Persistence',
  'root-credential-change': 'TTPs/Persistence',
  'access-key-created-for-other-user': 'TTPs/Persistence',
  'login-profile-changed': 'TTPs/Persistence',
  'trust-policy-changed': 'TTPs/Persistence',
  'identity-provider-change': 'TTPs/Persistence',
  'roles-anywhere-change': 'TTPs/Persistence',
  'federation-token-created': 'TTPs/Persistence',
  'mfa-device-registered-for-other-user': 'TTPs/Persistence',
  'user-created-outside-iac': 'TTPs/Persistence',
  'identity-center-change': 'TTPs/Persistence',
  'iam-policy-change': 'TTPs/Privilege Escalation',
  'admin-policy-attached': 'TTPs/Privilege Escalation',
  'admin-group-membership': 'TTPs/Privilege Escalation',
  'mfa-deactivated': 'TTPs/Defense Evasion',
  'cloudtrail-tampering': 'TTPs/Defense Evasion',
  'security-service-disabled': 'TTPs/Defense Evasion',
  'security-hub-disabled': 'TTPs/Defense Evasion',
  'config-change': 'TTPs/Defense Evasion',
  'monitor-tampered': 'TTPs/Defense Evasion',
  'password-policy-changed': 'TTPs/Defense Evasion',
  'organizations-change': 'TTPs/Defense Evasion',
  'kms-key-disabled': 'TTPs/Defense Evasion',
  'cross-account-role-assumption': 'TTPs/Lateral Movement',
  'unauthorized-api-calls': 'TTPs/Discovery',
  's3-bucket-policy-change': 'Effects/Data Exposure',
}

const FORMAT_CHARS = /[\p{Cf}\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const ELLIPSIS_CHAR = '…'

/**
 * A string Security Hub takes and a console shows as it is: control characters (C0, DEL, C1, line and
 * paragraph separators) become spaces, invisible format characters (bidi overrides, zero-width) go,
 * lone surrogates become U+FFFD, runs of white space become one space; then it is cut to `max` UTF-16
 * units (never inside a surrogate pair), ending with "…" when cut. Never blank: `fallback` stands in.
 */
export function asffText(value: unknown, max: number, fallback = '-'): string {
  const text = String(value ?? '')
    .replace(LONE_SURROGATES, '\uFFFD')
    .replace(FORMAT_CHARS, '')
    .replace(CONTROL_CHARS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (!text) return fallback.length <= max ? fallback : fallback.slice(0, max)
  if (text.length <= max) return text
  let end = max - ELLIPSIS_CHAR.length
  // Not between the two halves of a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--
  return `${text.slice(0, Math.max(end, 0)).trimEnd()}${ELLIPSIS_CHAR}`
}

const ACCOUNT_ID = /^\d{12}$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/

function isPartition(value: string | undefined): value is AsffPartition {
  return (ASFF_PARTITIONS as readonly string[]).includes(value ?? '')
}

/** The account's own product (a custom integration): `product/<account>/default`. */
export function defaultProductArn(ctx: Pick<AsffContext, 'partition' | 'region' | 'accountId'>): string {
  if (!isPartition(ctx.partition)) throw new Error(`"${ctx.partition}" is not an AWS partition`)
  if (!REGION.test(ctx.region)) throw new Error(`"${ctx.region}" is not an AWS region`)
  if (!ACCOUNT_ID.test(ctx.accountId)) throw new Error(`"${ctx.accountId}" is not a 12-digit AWS account id`)
  return `arn:${ctx.partition}:securityhub:${ctx.region}:${ctx.accountId}:product/${ctx.accountId}/default`
}

/** The ASFF Id of an iamwatch finding: one per finding, whatever its transitions. */
export const asffId = (findingIdValue: string) =>
  asffText(`iamwatch/${findingIdValue}`, ASFF_IMPORT_LIMITS.id)

/**
 * The workflow status a finding should have after `entry`: SUPPRESSED while a suppression is in force,
 * RESOLVED once resolved (acknowledged detections too), NEW while open.
 */
export function asffWorkflowStatus(entry: HistoryEntry): AsffWorkflowStatus {
  if (entry.suppression) return 'SUPPRESSED'
  return entry.status === 'RESOLVED' ? 'RESOLVED' : 'NEW'
}

/**
 * The transitions whose workflow status must be set with BatchUpdateFindings, since an import sets it on
 * creation only. A reopening needs none: Security Hub itself sets a RESOLVED (or NOTIFIED) workflow back
 * to NEW when the record state goes from ARCHIVED to ACTIVE or the compliance status from PASSED to FAILED.
 */
const WORKFLOW_TRANSITIONS: ReadonlySet<TransitionKind> = new Set([
  'RESOLVED',
  'ACKNOWLEDGED',
  'SUPPRESSED',
  'UNSUPPRESSED',
])

export function workflowUpdateDue(entry: HistoryEntry): boolean {
  // A finding reopened with a suppression in force stays SUPPRESSED: Security Hub's reset made it NEW.
  return (
    WORKFLOW_TRANSITIONS.has(entry.transition) || (entry.transition === 'REOPENED' && !!entry.suppression)
  )
}

/** The note a workflow update carries: who changed what, when and why (Note.Text, at most 512). */
export function asffNote(entry: HistoryEntry): string {
  const by = entry.actor ?? SYSTEM_ACTOR
  const why = entry.reason ? `: ${entry.reason}` : ''
  const s = entry.suppression
  const text =
    entry.transition === 'SUPPRESSED'
      ? `Suppressed in iamwatch by ${by} at ${entry.at}${s ? ` until ${s.until} (owner ${s.owner})` : ''}${why}`
      : entry.transition === 'UNSUPPRESSED'
        ? `Suppression lifted in iamwatch by ${by} at ${entry.at}${why}; the finding is ${entry.status.toLowerCase()}`
        : entry.transition === 'ACKNOWLEDGED'
          ? `Acknowledged in iamwatch by ${by} at ${entry.at}${why}`
          : entry.status === 'OPEN'
            ? `Reopened in iamwatch at ${entry.at}${s ? `, suppressed until ${s.until} (owner ${s.owner}): ${s.reason}` : ''}`
            : `Resolved in iamwatch at ${entry.at} (${entry.resolution ?? 'passed'})`
  // Nothing per finding in it (the transition id is in ProductFields): one note serves a scan's resolutions.
  return asffText(`${text}.`, ASFF_IMPORT_LIMITS.noteText)
}

function asffTypes(entry: HistoryEntry, detection: boolean): string[] {
  const cis = Boolean(FRAMEWORKS[entry.checkId]?.cis3 || FRAMEWORKS[entry.checkId]?.cis5)
  if (!detection) return [cis ? CIS_TYPE : BEST_PRACTICE_TYPE]
  // A detection of a CIS monitoring control (section 4) is evidence for the benchmark too.
  return [DETECTION_TYPES[entry.checkId] ?? UNUSUAL_USER, ...(cis ? [CIS_TYPE] : [])]
}

/** One line of evidence or details: `key: value; key: value`. */
function pairs(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('; ')
}

function describe(entry: HistoryEntry, definition: string | undefined): string {
  const o = entry.occurrence
  const credential = entry.credentialId ? ` (credential ${entry.credentialId})` : ''
  const parts = [
    definition ?? entry.title,
    `Resource: ${entry.resourceType} ${entry.resourceId}${credential} in account ${entry.accountId}.`,
    ...(o
      ? [
          `Who: ${o.actor.arn ?? o.actor.userName ?? o.actor.type ?? 'unknown'}; source IP ${o.sourceIp ?? 'unknown'};` +
            ` event ${o.eventSource} ${o.eventName}${o.eventId ? ` ${o.eventId}` : ''} at ${o.eventTime ?? entry.at}.`,
          ...(Object.keys(o.details).length ? [`Details: ${pairs(o.details)}.`] : []),
        ]
      : []),
    ...(Object.keys(entry.evidence).length ? [`Evidence: ${pairs(entry.evidence)}.`] : []),
    ...(entry.status === 'RESOLVED' ? [`Resolved (${entry.resolution ?? 'passed'}).`] : []),
    ...(entry.suppression
      ? [`Suppressed until ${entry.suppression.until}: ${entry.suppression.reason}.`]
      : []),
  ]
  return asffText(parts.join(' '), ASFF_LIMITS.description, entry.checkId)
}

/** What to do: the check's remediation, or the detection's runbook, numbered. */
function recommendation(entry: HistoryEntry): string | undefined {
  const check = getCheck(entry.checkId)
  const text = check
    ? check.remediation
    : getDetection(entry.checkId)
        ?.runbook.map((step, i) => `${i + 1}. ${step}`)
        .join(' ')
  return text ? asffText(text, ASFF_LIMITS.recommendation) : undefined
}

function resourcesOf(entry: HistoryEntry, ctx: AsffContext): AsffResource[] {
  const partitionOfArn = arnPartition(entry.resourceArn)
  const partition = isPartition(partitionOfArn) ? partitionOfArn : (ctx.partition as AsffPartition)
  const region = REGION.test(entry.region) ? entry.region : ctx.region
  const id = asffText(entry.resourceArn || entry.resourceId, 2048, entry.resourceId || entry.checkId)
  const resources: AsffResource[] = [
    {
      Type: asffResourceType(entry.resourceType, entry.resourceArn),
      Id: id,
      Partition: partition,
      Region: region,
    },
  ]
  // An access key's finding names the key too.
  if (entry.credentialId && ACCESS_KEY_ID.test(entry.credentialId))
    resources.push({ Type: 'AwsIamAccessKey', Id: entry.credentialId, Partition: partition, Region: region })
  return resources
}

function productFields(entry: HistoryEntry, detection: boolean): Record<string, string> {
  const value = (v: unknown) => asffText(v, ASFF_LIMITS.productFieldValue)
  const s = entry.suppression
  const fields: Record<string, string | undefined> = {
    'iamwatch/findingId': entry.findingId,
    'iamwatch/transition': entry.transition,
    'iamwatch/transitionId': entry.transitionId,
    'iamwatch/seq': String(entry.seq),
    'iamwatch/checkId': entry.checkId,
    'iamwatch/source': detection ? 'detection' : 'check',
    'iamwatch/status': entry.status,
    'iamwatch/scanId': entry.scanId,
    'iamwatch/resolution': entry.status === 'RESOLVED' ? (entry.resolution ?? 'passed') : undefined,
    'iamwatch/credentialId': entry.credentialId,
    'iamwatch/eventId': entry.occurrence?.eventId,
    'iamwatch/suppression': s ? `${s.reason} (owner ${s.owner}, until ${s.until}, by ${s.by})` : undefined,
    'iamwatch/actor': entry.actor,
    'iamwatch/reason': entry.reason,
    'iamwatch/evidence': Object.keys(entry.evidence).length ? JSON.stringify(entry.evidence) : undefined,
    'iamwatch/hash': entry.hash,
  }
  return Object.fromEntries(
    Object.entries(fields).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, value(v)]])),
  )
}

/** A valid ASFF timestamp, or the fallback. */
const timestamp = (value: string | undefined, fallback: string) =>
  value && TIMESTAMP.test(value) ? value : fallback

/**
 * The ASFF of a finding as it stands after one of its transitions, for BatchImportFindings into the
 * monitor account's default product. The same transition always maps to the same finding (same Id and
 * UpdatedAt), so importing it again changes nothing. A check's finding is a control finding: Compliance
 * FAILED while open, PASSED once resolved; a detection's has none. Resolved findings are ARCHIVED.
 */
export function asffFinding(entry: HistoryEntry, ctx: AsffContext): AsffSecurityFinding {
  const productArn = defaultProductArn(ctx)
  const check = getCheck(entry.checkId)
  const detection = check ? undefined : getDetection(entry.checkId)
  const open = entry.status === 'OPEN'
  const createdAt = timestamp(ctx.firstOpenedAt, entry.at)
  const observedAt = timestamp(entry.occurrence?.eventTime, entry.at)
  // A detection's event happened a moment before iamwatch opened its finding.
  const firstObservedAt = Date.parse(observedAt) < Date.parse(createdAt) ? observedAt : createdAt
  const severity: AsffSeverity = {
    Label: ASFF_SEVERITY_LABEL[entry.severity] as AsffSeverityLabel,
    Original: asffText(entry.severity, ASFF_IMPORT_LIMITS.severityOriginal),
  }
  const types = asffTypes(entry, detection !== undefined)
  const requirements = complianceOf(entry.checkId, ALL_ASFF_FRAMEWORKS).flatMap((c) =>
    c.requirements.map((q) => asffText(`${c.standard}/${q.id}`, 256)),
  )
  const text = recommendation(entry)
  const accountName = entry.accountName ? asffText(entry.accountName, ASFF_LIMITS.accountName, '') : ''
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffId(entry.findingId),
    ProductArn: productArn,
    ProductName: 'iamwatch',
    CompanyName: 'iamwatch',
    GeneratorId: asffText(entry.checkId, ASFF_IMPORT_LIMITS.generatorId),
    AwsAccountId: entry.accountId,
    ...(accountName ? { AwsAccountName: accountName } : {}),
    Types: types,
    FirstObservedAt: firstObservedAt,
    LastObservedAt: observedAt,
    CreatedAt: createdAt,
    UpdatedAt: entry.at,
    Severity: severity,
    Title: asffText(entry.title, ASFF_LIMITS.title, entry.checkId),
    Description: describe(entry, check?.description ?? detection?.description),
    ...(text ? { Remediation: { Recommendation: { Text: text } } } : {}),
    ProductFields: productFields(entry, detection !== undefined),
    Resources: resourcesOf(entry, ctx),
    ...(detection
      ? {}
      : {
          Compliance: {
            Status: open ? 'FAILED' : 'PASSED',
            ...(requirements.length
              ? { RelatedRequirements: requirements.slice(0, ASFF_IMPORT_LIMITS.relatedRequirements) }
              : {}),
          },
        }),
    RecordState: open ? 'ACTIVE' : 'ARCHIVED',
    Workflow: { Status: asffWorkflowStatus(entry) },
    FindingProviderFields: { Severity: { ...severity }, Types: [...types] },
  }
}
