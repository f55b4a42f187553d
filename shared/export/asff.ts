import type { Severity } from '../model/severity.ts'
import type { ExportRecord } from './evidence.ts'
import { arnPartition } from './ocsf.ts'
import { toJsonLines } from './records.ts'

/**
 * Findings in the AWS Security Finding Format, as Security Hub's BatchImportFindings takes them (at
 * most 100 a call): one finding object per line. The product is the account's own default product
 * (`product/<account>/default`), which accepts findings without a partner integration. A check's
 * finding is a control finding (Compliance.Status FAILED while open, PASSED once resolved); a
 * detection's has no Compliance.
 */

export const ASFF_SCHEMA_VERSION = '2018-10-08'

/** The limits BatchImportFindings enforces on the fields iamwatch fills (AwsSecurityFinding, API reference). */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendation: 512,
  productFieldValue: 2048,
  accountName: 50,
}

export const ASFF_SEVERITY_LABEL: Record<Severity, string> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
}

/** iamwatch's resource types that are ASFF resource types; the others are `Other`. */
const ASFF_RESOURCE_TYPES = new Set([
  'AwsAccount',
  'AwsIamUser',
  'AwsIamRole',
  'AwsIamGroup',
  'AwsIamPolicy',
  'AwsIamAccessKey',
  'AwsCloudTrailTrail',
])

export type AsffFinding = Record<string, unknown>

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** The ASFF resource type: iamwatch's when ASFF has it; for a detection's principal, read from its ARN. */
export function asffResourceType(resourceType: string, arn: string): string {
  if (ASFF_RESOURCE_TYPES.has(resourceType)) return resourceType
  if (/^arn:aws[a-z-]*:iam::\d{12}:user\//.test(arn)) return 'AwsIamUser'
  if (/^arn:aws[a-z-]*:(iam::\d{12}:role\/|sts::\d{12}:assumed-role\/)/.test(arn)) return 'AwsIamRole'
  if (/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(arn)) return 'AwsAccount'
  return 'Other'
}

/** Why a record cannot go to Security Hub as it is, or undefined when it can. */
export function asffRefusal(r: ExportRecord): string | undefined {
  if (!/^\d{12}$/.test(r.accountId)) return `its account "${r.accountId}" is not a 12-digit AWS account id`
  return undefined
}

/** Finding types (namespace/category/classifier): a detection is unusual user behaviour, a check a best practice. */
function typesOf(r: ExportRecord): string[] {
  if (r.source === 'detection') return ['Unusual Behaviors/User']
  return [
    'Software and Configuration Checks/AWS Security Best Practices',
    ...(r.compliance.some((c) => c.framework.startsWith('cis-'))
      ? ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark']
      : []),
  ]
}

export function toAsffFinding(r: ExportRecord): AsffFinding {
  const open = r.status === 'OPEN'
  const partition = arnPartition(r.resourceArn) ?? 'aws'
  const requirements = r.compliance.flatMap((c) => c.requirements.map((q) => `${c.standard}/${q.id}`))
  const credential = r.credentialId ? ` (credential ${r.credentialId})` : ''
  const gone =
    r.resolution === 'credential-gone' || r.resolution === 'resource-gone' || r.resolution === 'account-gone'
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: r.id,
    ProductArn: `arn:${partition}:securityhub:${r.region}:${r.accountId}:product/${r.accountId}/default`,
    ProductName: 'iamwatch',
    CompanyName: 'iamwatch',
    GeneratorId: `iamwatch/${r.checkId}`,
    AwsAccountId: r.accountId,
    // The account's name (AwsSecurityFinding.AwsAccountName, 1 to 50 characters), when the finding has one.
    ...(r.accountName?.trim() ? { AwsAccountName: clip(r.accountName.trim(), ASFF_LIMITS.accountName) } : {}),
    Region: r.region,
    Types: typesOf(r),
    FirstObservedAt: r.firstOpenedAt,
    LastObservedAt: r.lastTransitionAt,
    CreatedAt: r.firstOpenedAt,
    UpdatedAt: r.lastTransitionAt,
    Severity: { Label: ASFF_SEVERITY_LABEL[r.severity], Original: r.severity },
    Title: clip(r.title, ASFF_LIMITS.title),
    Description: clip(
      `${r.title}: ${r.resourceType} ${r.resourceId}${credential}.${r.remediation ? ` ${r.remediation}` : ''}`,
      ASFF_LIMITS.description,
    ),
    ...(r.remediation
      ? { Remediation: { Recommendation: { Text: clip(r.remediation, ASFF_LIMITS.recommendation) } } }
      : {}),
    ProductFields: {
      'iamwatch/checkId': r.checkId,
      'iamwatch/source': r.source,
      ...(r.credentialId ? { 'iamwatch/credentialId': r.credentialId } : {}),
      ...(r.resolution ? { 'iamwatch/resolution': r.resolution } : {}),
      ...(r.suppression
        ? {
            'iamwatch/suppression': clip(
              `${r.suppression.reason} (owner ${r.suppression.owner}, until ${r.suppression.until})`,
              ASFF_LIMITS.productFieldValue,
            ),
          }
        : {}),
      'iamwatch/evidence': clip(JSON.stringify(r.evidence), ASFF_LIMITS.productFieldValue),
      // A detection's finding has no Compliance: the requirements it is evidence for go here.
      ...(r.source === 'detection' && requirements.length
        ? { 'iamwatch/requirements': clip(requirements.join(', '), ASFF_LIMITS.productFieldValue) }
        : {}),
    },
    Resources: [
      {
        Type: asffResourceType(r.resourceType, r.resourceArn),
        Id: r.resourceArn || r.resourceId,
        Partition: partition,
        Region: r.region,
      },
    ],
    ...(r.source === 'check'
      ? {
          Compliance: {
            Status: open ? 'FAILED' : 'PASSED',
            ...(requirements.length ? { RelatedRequirements: requirements.slice(0, 32) } : {}),
          },
        }
      : {}),
    // A finding whose credential or resource is gone is no longer relevant: archived, as Security Hub does.
    RecordState: !open && gone ? 'ARCHIVED' : 'ACTIVE',
    Workflow: { Status: !open ? 'RESOLVED' : r.suppression ? 'SUPPRESSED' : 'NEW' },
  }
}

/** One ASFF finding per line, and the records left out because Security Hub would refuse them. */
export function toAsffLines(records: readonly ExportRecord[]): {
  text: string
  refused: Array<{ id: string; reason: string }>
} {
  const refused: Array<{ id: string; reason: string }> = []
  const accepted = records.filter((r) => {
    const reason = asffRefusal(r)
    if (reason) refused.push({ id: r.id, reason })
    return !reason
  })
  return { text: toJsonLines(accepted.map(toAsffFinding)), refused }
}
