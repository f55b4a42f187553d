import type { Severity } from '../model/severity.ts'
import type { ExportRecord } from './evidence.ts'
import { toJsonLines } from './records.ts'

/**
 * Findings as OCSF 1.8.0 events (https://schema.ocsf.io/1.8.0): a check's finding is a Compliance
 * Finding (class 2003) with the frameworks' requirements in `compliance`; a detection's is a Detection
 * Finding (2004); unused access (A5) is an IAM Analysis Finding (2008) naming the principal. Both are in the Findings category (2) and carry the cloud profile. One event per
 * finding, as it stands: `time` is when it last changed status.
 */

export const OCSF_VERSION = '1.8.0'

const FINDINGS_CATEGORY = { uid: 2, name: 'Findings' } as const
const CLASSES = {
  check: { uid: 2003, name: 'Compliance Finding' },
  detection: { uid: 2004, name: 'Detection Finding' },
  access: { uid: 2008, name: 'IAM Analysis Finding' },
} as const

/** Unused access (catalog A5) is an identity analysis: an IAM Analysis Finding (class 2008). */
const ACCESS_ANALYSIS = new Set([
  'role-unused',
  'user-unused',
  'unused-service-access',
  'unused-action-access',
  'unused-permissions-policy',
])
const count = (v: unknown) =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'string' && !x.startsWith('... and ')).length : undefined

/** severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
const SEVERITY: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
}

export interface OcsfOptions {
  /** iamwatch's version, for metadata.product.version. */
  productVersion: string
}

export type OcsfEvent = Record<string, unknown>

const millis = (iso: string) => Date.parse(iso)

/** The AWS partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), when it is one. */
export function arnPartition(arn: string): string | undefined {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1]
}

export function toOcsfEvent(r: ExportRecord, options: OcsfOptions): OcsfEvent {
  const analysis = r.source === 'check' && ACCESS_ANALYSIS.has(r.checkId)
  const cls = analysis ? CLASSES.access : CLASSES[r.source]
  const open = r.status === 'OPEN'
  // A finding as it stands: Create while it is open, Close once resolved.
  const activity = open ? { id: 1, name: 'Create' } : { id: 3, name: 'Close' }
  const severity = SEVERITY[r.severity]
  const partition = arnPartition(r.resourceArn)
  const requirements = r.compliance.flatMap((c) =>
    c.requirements.map((q) => ({ ...q, framework: c.framework, standard: c.standard })),
  )
  const event: OcsfEvent = {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: FINDINGS_CATEGORY.uid,
    category_name: FINDINGS_CATEGORY.name,
    class_uid: cls.uid,
    class_name: cls.name,
    type_uid: cls.uid * 100 + activity.id,
    type_name: `${cls.name}: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    // status_id: 1 New, 3 Suppressed (a known, accepted problem: still open), 4 Resolved.
    status_id: !open ? 4 : r.suppression ? 3 : 1,
    status: !open ? 'Resolved' : r.suppression ? 'Suppressed' : 'New',
    time: millis(r.lastTransitionAt),
    message: r.title,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'iamwatch', vendor_name: 'iamwatch', version: options.productVersion },
      profiles: ['cloud'],
    },
    finding_info: {
      uid: r.id,
      title: r.title,
      analytic: { uid: r.checkId, name: r.checkId, type_id: 1, type: 'Rule' },
      created_time: millis(r.firstOpenedAt),
      first_seen_time: millis(r.firstOpenedAt),
      last_seen_time: millis(r.lastTransitionAt),
      modified_time: millis(r.lastTransitionAt),
    },
    cloud: {
      provider: 'AWS',
      region: r.region,
      account: {
        uid: r.accountId,
        // The account's name (Organizations, or the configured one), when the finding carries it.
        ...(r.accountName ? { name: r.accountName } : {}),
        type_id: 10,
        type: 'AWS Account',
      },
    },
    resources: [
      {
        uid: r.resourceArn,
        name: r.resourceId,
        type: r.resourceType,
        region: r.region,
        ...(partition ? { cloud_partition: partition } : {}),
        role_id: 1,
        role: 'Target',
      },
    ],
    ...(r.remediation ? { remediation: { desc: r.remediation } } : {}),
    unmapped: {
      evidence: r.evidence,
      ...(r.credentialId ? { credential_id: r.credentialId } : {}),
      ...(r.resolution ? { resolution: r.resolution } : {}),
      ...(r.suppression ? { suppression: r.suppression } : {}),
      // A detection's or an analysis's finding has no compliance object: its requirements go here.
      ...((r.source === 'detection' || analysis) && requirements.length
        ? { requirements: requirements.map((q) => `${q.framework} ${q.id}`) }
        : {}),
    },
  }
  if (analysis) {
    // The principal analysed, and what the analysis found unused (the evidence's lists, counted).
    const principal = r.resourceType === 'AwsIamPolicy' ? undefined : r.resourceId.split('/').at(-1)
    if (principal)
      event.user = {
        name: principal,
        uid: r.resourceArn,
        type_id: r.resourceType === 'AwsIamUser' ? 1 : 99,
        type: r.resourceType === 'AwsIamUser' ? 'User' : 'Role',
      }
    const services = count(r.evidence.unusedServices)
    const actions = count(r.evidence.unusedActions)
    event.permission_analysis_results = [
      {
        policy: {
          name: r.resourceType === 'AwsIamPolicy' ? r.resourceId.split('/').at(-1) : 'identity policies',
          ...(r.resourceType === 'AwsIamPolicy' ? { uid: r.resourceArn } : {}),
          type: r.resourceType === 'AwsIamPolicy' ? 'Customer Managed Policy' : 'Identity Policy',
        },
        ...(services !== undefined ? { unused_services_count: services } : {}),
        ...(actions !== undefined ? { unused_privileges_count: actions } : {}),
      },
    ]
  } else if (r.source === 'check') {
    const status = open ? { id: 3, name: 'Fail' } : { id: 1, name: 'Pass' }
    event.compliance = {
      status_id: status.id,
      status: status.name,
      // With one requirement (an export for one framework), it is the control; the checks list them all.
      ...(requirements.length === 1 ? { control: requirements[0]!.id } : {}),
      ...(requirements.length
        ? {
            standards: [...new Set(requirements.map((q) => q.standard))],
            requirements: requirements.map((q) => `${q.framework} ${q.id}`),
            checks: requirements.map((q) => ({
              uid: q.id,
              name: q.title,
              standards: [q.standard],
              status_id: status.id,
              status: status.name,
            })),
          }
        : {}),
    }
  } else {
    event.is_alert = open
  }
  return event
}

/** One OCSF event per line. */
export function toOcsfLines(records: readonly ExportRecord[], options: OcsfOptions): string {
  return toJsonLines(records.map((r) => toOcsfEvent(r, options)))
}
