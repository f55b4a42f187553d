import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { COMPLIANCE_FRAMEWORKS } from '../../shared/compliance/frameworks.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { exportRecords } from '../../shared/export/evidence.ts'
import { OCSF_VERSION, toOcsfLines } from '../../shared/export/ocsf.ts'
import type { Finding } from '../../shared/model/finding.ts'
import { SEVERITIES } from '../../shared/model/severity.ts'
import { checkFinding, detectionFinding } from './fixtures.ts'
import { OCSF_DIR, OcsfSchema, ocsfSchemaPresent } from './ocsf-schema.ts'

const options = { productVersion: '0.1.0' }
/** The events as a consumer reads them: parsed back from the JSON lines. */
const events = (findings: Finding[], framework?: keyof typeof COMPLIANCE_FRAMEWORKS) =>
  toOcsfLines(
    exportRecords(findings, framework ? { framework: COMPLIANCE_FRAMEWORKS[framework] } : {}),
    options,
  )
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Every check and detection, open and resolved, at every severity: the shapes the exporter makes. */
const everyShape: Finding[] = [
  ...CHECKS.flatMap((c, i) => [
    checkFinding({ id: `c${i}`, checkId: c.id, severity: SEVERITIES[i % 5]!, resourceType: c.resourceType }),
    checkFinding({
      id: `c${i}r`,
      checkId: c.id,
      status: 'RESOLVED',
      resolvedAt: '2026-11-22T00:00:00.000Z',
      resolution: 'resource-gone',
    }),
  ]),
  ...DETECTIONS.flatMap((d, i) => [
    detectionFinding({ id: `d${i}`, checkId: d.id, severity: SEVERITIES[i % 5]! }),
    detectionFinding({
      id: `d${i}r`,
      checkId: d.id,
      status: 'RESOLVED',
      resolvedAt: '2026-11-22T00:00:00.000Z',
      resolution: 'acknowledged',
    }),
  ]),
  checkFinding({ id: 'named', accountId: '222222222222', accountName: 'Prod A' }),
  detectionFinding({ id: 'named-d', accountId: '222222222222', accountName: 'Prod A' }),
  checkFinding({
    id: 'gov',
    resourceArn: 'arn:aws-us-gov:iam::123456789012:user/dev',
    region: 'us-gov-west-1',
  }),
]

describe('the OCSF export', () => {
  it('makes a check a Compliance Finding (2003) and a detection a Detection Finding (2004)', () => {
    // Act
    const [check, detection] = events([checkFinding(), detectionFinding()])
    // Assess
    expect(check).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200301, activity_id: 1 })
    expect(detection).toMatchObject({ class_uid: 2004, category_uid: 2, type_uid: 200401, is_alert: true })
    expect(detection).not.toHaveProperty('compliance')
  })

  it("carries the frameworks' requirements in compliance, failed while open and passed once resolved", () => {
    // Act
    const [open] = events([checkFinding()])
    const [resolved] = events([checkFinding({ status: 'RESOLVED', resolvedAt: '2026-11-22T00:00:00.000Z' })])
    // Assess
    expect(open!.compliance).toMatchObject({
      status_id: 3,
      status: 'Fail',
      standards: [
        'CIS AWS Foundations Benchmark v5.0.0',
        'CIS AWS Foundations Benchmark v3.0.0',
        'AWS Foundational Security Best Practices v1.0.0',
      ],
      requirements: ['cis-aws-5.0 1.13', 'cis-aws-3.0 1.14', 'fsbp IAM.3'],
    })
    expect(resolved).toMatchObject({ status_id: 4, activity_id: 3, type_uid: 200303 })
    expect(resolved!.compliance).toMatchObject({ status_id: 1, status: 'Pass' })
  })

  it("with one framework, names the framework's control", () => {
    // Act
    const [event] = events([checkFinding()], 'cis-aws-5.0')
    // Assess
    expect(event!.compliance).toMatchObject({
      control: '1.13',
      standards: ['CIS AWS Foundations Benchmark v5.0.0'],
      requirements: ['cis-aws-5.0 1.13'],
      checks: [{ uid: '1.13', name: 'Ensure access keys are rotated every 90 days or less', status_id: 3 }],
    })
  })

  it('gives the time, severity, finding info, resource and cloud account of the finding', () => {
    // Act
    const [event] = events([checkFinding()])
    // Assess
    expect(event).toMatchObject({
      time: Date.parse('2026-11-20T17:03:00.000Z'),
      severity_id: 3,
      status_id: 1,
      metadata: { version: '1.8.0', product: { name: 'iamwatch', version: '0.1.0' }, profiles: ['cloud'] },
      finding_info: {
        uid: 'f0000000000000000000000000000001',
        title: 'Access key not rotated in 90 days',
        first_seen_time: Date.parse('2026-11-01T09:15:42.123Z'),
        last_seen_time: Date.parse('2026-11-20T17:03:00.000Z'),
        analytic: { uid: 'access-key-rotation', type_id: 1 },
      },
      resources: [{ uid: 'arn:aws:iam::123456789012:user/dev', type: 'AwsIamUser', region: 'us-east-1' }],
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '123456789012' } },
      unmapped: { credential_id: 'AKIADEVOLDKEY0000001' },
    })
  })

  it("names the finding's account in cloud.account.name when it carries one, and only then", () => {
    // Act
    const [named, unnamed] = events([
      checkFinding({ accountId: '222222222222', accountName: 'Prod A' }),
      detectionFinding(),
    ])
    // Assess
    expect(named!.cloud).toEqual({
      provider: 'AWS',
      region: 'us-east-1',
      account: { uid: '222222222222', name: 'Prod A', type_id: 10, type: 'AWS Account' },
    })
    expect(unnamed!.cloud).toMatchObject({ account: { uid: '123456789012' } })
    expect((unnamed!.cloud as { account: object }).account).not.toHaveProperty('name')
  })

  it('makes unused access an IAM Analysis Finding (2008) naming the principal and counting what is unused', () => {
    const [e] = events([
      checkFinding({
        checkId: 'unused-service-access',
        resourceType: 'AwsIamRole',
        resourceId: 'role/app',
        resourceArn: 'arn:aws:iam::123456789012:role/app',
        evidence: { unusedServices: ['sqs: never', 'sns: never', '... and 3 more'] },
      }),
    ])
    expect(e).toMatchObject({
      class_uid: 2008,
      type_uid: 200801,
      user: { name: 'app', uid: 'arn:aws:iam::123456789012:role/app' },
      permission_analysis_results: [{ unused_services_count: 2 }],
    })
    expect(e!.compliance).toBeUndefined()
  })

  it('marks a suppressed open finding Suppressed (status_id 3)', () => {
    // Act
    const [event] = events([
      checkFinding({
        suppression: {
          reason: 'break-glass key',
          owner: 'secops',
          until: '2027-01-01T00:00:00Z',
          by: 'x',
          at: 'y',
        },
      }),
    ])
    // Assess
    expect(event).toMatchObject({ status_id: 3, status: 'Suppressed', compliance: { status_id: 3 } })
  })

  it('carries the requirements of a detection, which has no compliance object, in unmapped', () => {
    const [event] = events([detectionFinding()], 'cis-aws-5.0')
    expect(event!.unmapped).toMatchObject({ requirements: ['cis-aws-5.0 4.3'] })
  })
})

if (!ocsfSchemaPresent)
  console.warn(`OCSF schema tests skipped: ${OCSF_DIR.pathname} (../shared/reference/ocsf-1.8.0) is absent`)

describe.skipIf(!ocsfSchemaPresent)(
  'the OCSF export against the OCSF 1.8.0 schema (../shared/reference)',
  () => {
    const schema = ocsfSchemaPresent ? new OcsfSchema() : undefined

    it('is the schema version the events say', () => {
      expect(schema!.version).toBe(OCSF_VERSION)
    })

    it('has every required attribute, only defined attributes, valid enums and types, for every shape', () => {
      // Act
      const all = [...events(everyShape), ...events(everyShape, 'fsbp'), ...events(everyShape, 'cis-aws-3.0')]
      // Assess
      expect(all.length).toBeGreaterThan(everyShape.length)
      for (const e of all) {
        const className =
          e.class_uid === 2003
            ? 'compliance_finding'
            : e.class_uid === 2008
              ? 'iam_analysis_finding'
              : 'detection_finding'
        expect(schema!.validate(e, className), JSON.stringify(e)).toEqual([])
      }
    })

    it('catches what a consumer would reject (the validator is not blind)', () => {
      // Prepare
      const [good] = events([checkFinding()])
      const { finding_info: _, ...noInfo } = good!
      const bad = {
        ...noInfo,
        severity_id: 9,
        time: '2026-11-20T17:03:00Z',
        cloud: { region: 'us-east-1' },
        metadata: { version: '1.8.0', product: {}, profiles: ['cloud'] },
        compliance: { status_id: 7 },
        colour: 'red',
      }
      // Act
      const errors = schema!.validate(bad, 'compliance_finding')
      // Assess
      expect(errors).toEqual(
        expect.arrayContaining([
          'finding_info: required, missing',
          'severity_id: 9 is not one of 0, 1, 2, 3, 4, 5, 6, 99',
          'time: "2026-11-20T17:03:00Z" is not a timestamp_t',
          'cloud.provider: required, missing',
          'metadata.product: needs at least one of name, uid',
          'compliance.status_id: 7 is not one of 0, 1, 2, 3, 99',
          'colour: not an attribute of this class or object',
        ]),
      )
      expect(schema!.validate({ ...good!, class_uid: 2004 }, 'compliance_finding')).toContain(
        'class_uid: 2004, not 2003',
      )
    })
  },
)
