import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { COMPLIANCE_FRAMEWORKS } from '../../shared/compliance/frameworks.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { ASFF_SCHEMA_VERSION, asffResourceType, toAsffLines } from '../../shared/export/asff.ts'
import { exportRecords } from '../../shared/export/evidence.ts'
import type { Finding } from '../../shared/model/finding.ts'
import { SEVERITIES } from '../../shared/model/severity.ts'
import { checkFinding, detectionFinding } from './fixtures.ts'

/**
 * What Security Hub's BatchImportFindings requires of a finding, and the formats of the fields iamwatch
 * fills. Sources:
 * - required top-level attributes: AWS Security Hub user guide, "Required top-level ASFF attributes"
 *   (AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn, Resources, SchemaVersion,
 *   Severity, Title, Types, UpdatedAt), the ones the API reference (AwsSecurityFinding) marks
 *   "Required: Yes";
 * - AwsAccountId 12 characters, Description 1 to 1,024 characters, every string matching `.*\S.*`: the
 *   API reference, AwsSecurityFinding;
 * - ProductArn `arn:<partition>:securityhub:<region>:<account-id>:product/<company-id>/<product-id>`,
 *   and `product/<account>/default` for an account's own findings: the same user guide page;
 * - Resources: up to 32 ("Resources ASFF object"); Type and Id required (API reference, Resource);
 * - Types: `namespace/category/classifier`, namespaces from "Types taxonomy for ASFF";
 * - timestamps: RFC 3339 ("Timestamps" in the API reference's introduction);
 * - ProductFields: up to 50 pairs, keys up to 128 characters, values up to 2,048 (AwsSecurityFinding);
 * - enums: Severity.Label, Compliance.Status, RecordState, Workflow.Status (AwsSecurityFinding).
 * Title's limit of 256 characters and RelatedRequirements' of 32 items are from the API reference as
 * remembered, not confirmed by a search here.
 */
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
]
const OPTIONAL_USED = [
  'AwsAccountName',
  'ProductName',
  'CompanyName',
  'Region',
  'FirstObservedAt',
  'LastObservedAt',
  'Remediation',
  'ProductFields',
  'Compliance',
  'RecordState',
  'Workflow',
]
const NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
]
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const nonBlank = (v: unknown) => typeof v === 'string' && /\S/.test(v)

/** What BatchImportFindings would refuse in `f`: an empty list when nothing. */
function asffErrors(f: Record<string, unknown>): string[] {
  const errors: string[] = []
  const check = (ok: boolean, what: string) => ok || errors.push(what)
  for (const k of REQUIRED) check(k in f, `${k}: required, missing`)
  for (const k of Object.keys(f))
    check([...REQUIRED, ...OPTIONAL_USED].includes(k), `${k}: not an ASFF attribute`)
  check(f.SchemaVersion === '2018-10-08', 'SchemaVersion: 2018-10-08')
  check(typeof f.AwsAccountId === 'string' && /^\d{12}$/.test(f.AwsAccountId), 'AwsAccountId: 12 digits')
  if ('AwsAccountName' in f)
    check(
      nonBlank(f.AwsAccountName) && (f.AwsAccountName as string).length <= 50,
      'AwsAccountName: 1 to 50 characters, not blank',
    )
  check(nonBlank(f.Id) && nonBlank(f.GeneratorId), 'Id, GeneratorId: non-blank')
  check(
    typeof f.ProductArn === 'string' &&
      /^arn:aws(-cn|-us-gov)?:securityhub:[a-z]{2}(-gov)?-[a-z]+-\d:(?<account>\d{12}):product\/\k<account>\/default$/.test(
        f.ProductArn,
      ),
    `ProductArn: the account's default product, not ${f.ProductArn}`,
  )
  check(nonBlank(f.Title) && (f.Title as string).length <= 256, 'Title: 1 to 256 characters')
  check(
    nonBlank(f.Description) && (f.Description as string).length <= 1024,
    'Description: 1 to 1024 characters',
  )
  const types = f.Types as unknown[]
  check(
    Array.isArray(types) &&
      types.length >= 1 &&
      types.length <= 50 &&
      types.every(
        (t) => typeof t === 'string' && NAMESPACES.includes(t.split('/')[0]!) && t.split('/').length <= 3,
      ),
    `Types: namespace/category/classifier, not ${JSON.stringify(types)}`,
  )
  for (const k of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt'])
    if (k in f) check(typeof f[k] === 'string' && RFC3339.test(f[k] as string), `${k}: RFC 3339`)
  check(
    Date.parse(f.UpdatedAt as string) >= Date.parse(f.CreatedAt as string),
    'UpdatedAt: not before CreatedAt',
  )
  const severity = f.Severity as { Label?: string }
  check(
    ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(severity?.Label ?? ''),
    'Severity.Label',
  )
  const resources = f.Resources as Array<Record<string, unknown>>
  check(Array.isArray(resources) && resources.length >= 1 && resources.length <= 32, 'Resources: 1 to 32')
  for (const r of resources ?? []) {
    check(nonBlank(r.Type) && nonBlank(r.Id), 'Resources[].Type, Id: required')
    check(['aws', 'aws-cn', 'aws-us-gov'].includes(r.Partition as string), 'Resources[].Partition')
  }
  const compliance = f.Compliance as { Status?: string; RelatedRequirements?: string[] } | undefined
  if (compliance) {
    check(
      ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'].includes(compliance.Status ?? ''),
      'Compliance.Status',
    )
    check((compliance.RelatedRequirements ?? []).length <= 32, 'Compliance.RelatedRequirements: up to 32')
  }
  if ('RecordState' in f) check(['ACTIVE', 'ARCHIVED'].includes(f.RecordState as string), 'RecordState')
  const workflow = f.Workflow as { Status?: string } | undefined
  if (workflow)
    check(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'].includes(workflow.Status ?? ''), 'Workflow.Status')
  const fields = Object.entries((f.ProductFields ?? {}) as Record<string, unknown>)
  check(fields.length <= 50, 'ProductFields: up to 50')
  for (const [k, v] of fields)
    check(
      k.length <= 128 && typeof v === 'string' && v.length <= 2048,
      `ProductFields.${k}: string up to 2048`,
    )
  return errors
}

const asff = (findings: Finding[], framework?: keyof typeof COMPLIANCE_FRAMEWORKS) => {
  const { text, refused } = toAsffLines(
    exportRecords(findings, framework ? { framework: COMPLIANCE_FRAMEWORKS[framework] } : {}),
  )
  const lines = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { lines, refused }
}

describe('the ASFF export', () => {
  it('fills every required attribute in the formats Security Hub accepts, for every check and detection', () => {
    // Prepare: every check and detection, open, resolved and suppressed, at every severity, and long text
    const findings: Finding[] = [
      ...CHECKS.flatMap((c, i) => [
        checkFinding({
          id: `c${i}`,
          checkId: c.id,
          severity: SEVERITIES[i % 5]!,
          resourceType: c.resourceType,
        }),
        checkFinding({
          id: `c${i}r`,
          checkId: c.id,
          status: 'RESOLVED',
          resolvedAt: '2026-11-22T00:00:00.000Z',
        }),
      ]),
      ...DETECTIONS.map((d, i) =>
        detectionFinding({ id: `d${i}`, checkId: d.id, severity: SEVERITIES[i % 5]! }),
      ),
      checkFinding({ id: 'long', title: 'x'.repeat(400), evidence: { blob: 'y'.repeat(5000) } }),
      checkFinding({ id: 'named', accountName: 'Prod A' }),
      checkFinding({ id: 'long-name', accountName: 'n'.repeat(80) }),
      checkFinding({
        id: 'muted',
        suppression: {
          reason: 'accepted',
          owner: 'secops',
          until: '2027-01-01T00:00:00Z',
          by: 'me',
          at: 'now',
        },
      }),
    ]
    // Act
    const { lines, refused } = asff(findings)
    // Assess
    expect(refused).toEqual([])
    expect(lines).toHaveLength(findings.length)
    for (const l of lines) expect(asffErrors(l), JSON.stringify(l)).toEqual([])
  })

  it('maps a failing check to a FAILED, NEW, ACTIVE control finding with its related requirements', () => {
    // Act
    const [f] = asff([checkFinding()]).lines
    // Assess
    expect(f).toMatchObject({
      SchemaVersion: ASFF_SCHEMA_VERSION,
      Id: 'f0000000000000000000000000000001',
      ProductArn: 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      GeneratorId: 'iamwatch/access-key-rotation',
      AwsAccountId: '123456789012',
      CreatedAt: '2026-11-01T09:15:42.123Z',
      UpdatedAt: '2026-11-20T17:03:00.000Z',
      Severity: { Label: 'MEDIUM' },
      Title: 'Access key not rotated in 90 days',
      Resources: [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::123456789012:user/dev', Region: 'us-east-1' }],
      Compliance: {
        Status: 'FAILED',
        RelatedRequirements: [
          'CIS AWS Foundations Benchmark v5.0.0/1.13',
          'CIS AWS Foundations Benchmark v3.0.0/1.14',
          'AWS Foundational Security Best Practices v1.0.0/IAM.3',
        ],
      },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    })
    expect(f!.Types).toContain(
      'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
    )
    expect(f!.Description).toMatch(
      /^Access key not rotated in 90 days: AwsIamUser user\/dev \(credential AKIA/,
    )
  })

  it('passes and resolves a resolved finding, and archives one whose resource is gone', () => {
    // Act
    const [passed, gone] = asff([
      checkFinding({ status: 'RESOLVED', resolvedAt: '2026-11-22T00:00:00.000Z', resolution: 'passed' }),
      checkFinding({
        status: 'RESOLVED',
        resolvedAt: '2026-11-22T00:00:00.000Z',
        resolution: 'credential-gone',
      }),
    ]).lines
    // Assess
    expect(passed).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } })
    expect(passed!.RecordState).toBe('ACTIVE')
    expect(gone!.RecordState).toBe('ARCHIVED')
  })

  it('gives a detection no Compliance, and its requirements in ProductFields', () => {
    // Act
    const [f] = asff([detectionFinding()], 'cis-aws-5.0').lines
    // Assess
    expect(f).not.toHaveProperty('Compliance')
    expect(f).toMatchObject({
      Types: ['Unusual Behaviors/User'],
      Severity: { Label: 'CRITICAL' },
      Resources: [{ Type: 'AwsAccount', Id: 'arn:aws:iam::123456789012:root' }],
      ProductFields: { 'iamwatch/requirements': 'CIS AWS Foundations Benchmark v5.0.0/4.3' },
    })
  })

  it("uses the partition of the resource's ARN in the product ARN", () => {
    const [f] = asff([
      checkFinding({ resourceArn: 'arn:aws-us-gov:iam::123456789012:user/dev', region: 'us-gov-west-1' }),
    ]).lines
    expect(f!.ProductArn).toBe(
      'arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default',
    )
    expect(f!.Resources).toEqual([expect.objectContaining({ Partition: 'aws-us-gov' })])
  })

  it('leaves out, and says so, a finding without a 12-digit account (Security Hub would refuse it)', () => {
    // Act
    const { lines, refused } = asff([detectionFinding({ id: 'u', accountId: 'unknown' }), checkFinding()])
    // Assess
    expect(lines).toHaveLength(1)
    expect(refused).toEqual([{ id: 'u', reason: 'its account "unknown" is not a 12-digit AWS account id' }])
  })

  it("names the finding's account in AwsAccountName when it carries a name, shortened to 50 characters", () => {
    // Act
    const [named, long, blank, none] = asff([
      checkFinding({ id: 'a', accountName: 'Prod A' }),
      checkFinding({ id: 'b', accountName: 'n'.repeat(80) }),
      checkFinding({ id: 'c', accountName: '   ' }),
      checkFinding({ id: 'd' }),
    ]).lines
    // Assess
    expect(named).toMatchObject({ AwsAccountId: '123456789012', AwsAccountName: 'Prod A' })
    expect((long!.AwsAccountName as string).length).toBe(50)
    expect(blank).not.toHaveProperty('AwsAccountName')
    expect(none).not.toHaveProperty('AwsAccountName')
  })

  it("names a principal's resource type from its ARN, and Other for what ASFF has no type for", () => {
    expect(asffResourceType('AwsPrincipal', 'arn:aws:sts::123456789012:assumed-role/ops/s')).toBe(
      'AwsIamRole',
    )
    expect(asffResourceType('AwsPrincipal', 'arn:aws:iam::123456789012:user/dev')).toBe('AwsIamUser')
    expect(asffResourceType('AwsIamPasswordPolicy', 'arn:aws:iam::123456789012:root')).toBe('AwsAccount')
    expect(asffResourceType('AwsPrincipal', 'cloudtrail.amazonaws.com')).toBe('Other')
  })

  it('catches what Security Hub would refuse (the checker is not blind)', () => {
    // Prepare
    const [good] = asff([checkFinding()]).lines
    const { Types: _, ...noTypes } = good!
    // Act
    const errors = asffErrors({
      ...noTypes,
      AwsAccountId: '1234',
      AwsAccountName: ' ',
      Severity: { Label: 'SEVERE' },
      Colour: 'red',
    })
    // Assess
    expect(errors).toEqual(
      expect.arrayContaining([
        'Types: required, missing',
        'AwsAccountId: 12 digits',
        'AwsAccountName: 1 to 50 characters, not blank',
        'Severity.Label',
        'Colour: not an ASFF attribute',
      ]),
    )
  })
})
