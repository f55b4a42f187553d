import { describe, expect, it } from 'vitest'
import { asffProblem } from '../../local/iam-sim/security-hub.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import {
  ASFF_IMPORT_LIMITS,
  asffFinding,
  asffNote,
  asffText,
  asffWorkflowStatus,
  defaultProductArn,
  workflowUpdateDue,
} from '../../shared/export/asff-import.ts'
import type { TransitionKind } from '../../shared/model/finding.ts'
import { SEVERITIES } from '../../shared/model/severity.ts'
import {
  ACCOUNT,
  CTX,
  checkFinding,
  detectionFinding,
  INVISIBLE,
  PRODUCT_ARN,
  Story,
  strings,
} from './fixtures.ts'

/**
 * The ASFF of a history item (shared/export/asff.ts asffFinding), as BatchImportFindings takes it. The
 * limits are the AwsSecurityFinding API reference's (the SDK model's documentation): Id and GeneratorId
 * 512, Title 256, Description 1,024, Recommendation.Text 512, ProductFields 50 pairs (keys 128, values
 * 2,048), AwsAccountName 50, Severity.Original 64, Resources 1 to 32, Resource.Region 16, Note.Text 512.
 */

const CIS =
  'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'
const BEST_PRACTICE = 'Software and Configuration Checks/AWS Security Best Practices'

describe('the ASFF of a check finding', () => {
  it('names the finding, the monitor account’s default product, the finding’s account and the check', () => {
    // Prepare
    const member = '222222222222'
    const entry = new Story(checkFinding({ accountId: member, accountName: 'prod' })).step(
      'OPENED',
      '2026-11-23T08:00:00.000Z',
    )
    // Act
    const f = asffFinding(entry, { ...CTX, firstOpenedAt: '2026-11-01T00:00:00.000Z' })
    // Assess
    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: `iamwatch/${entry.findingId}`,
      ProductArn: PRODUCT_ARN,
      GeneratorId: 'console-user-no-mfa',
      AwsAccountId: member,
      AwsAccountName: 'prod',
      CreatedAt: '2026-11-01T00:00:00.000Z',
      FirstObservedAt: '2026-11-01T00:00:00.000Z',
      UpdatedAt: '2026-11-23T08:00:00.000Z',
      Severity: { Label: 'HIGH', Original: 'high' },
      Title: 'A console user has no MFA',
      Resources: [
        {
          Type: 'AwsIamUser',
          Id: `arn:aws:iam::${member}:user/alice`,
          Partition: 'aws',
          Region: 'us-east-1',
        },
      ],
    })
    expect(f.Description).toContain('user/alice')
    expect(f.Remediation?.Recommendation.Text).toBe(
      CHECKS.find((c) => c.id === 'console-user-no-mfa')!.remediation,
    )
    expect(f.ProductFields).toMatchObject({
      'iamwatch/findingId': entry.findingId,
      'iamwatch/transition': 'OPENED',
      'iamwatch/transitionId': entry.transitionId,
      'iamwatch/seq': '1',
    })
    expect(Object.values(f.ProductFields).every((v) => typeof v === 'string')).toBe(true)
  })

  it('is typed CIS AWS Foundations Benchmark where the check maps to CIS, else AWS Security Best Practices', () => {
    // Prepare
    const cis = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    const other = new Story(checkFinding({ checkId: 'password-policy-complexity' })).step(
      'OPENED',
      '2026-11-23T08:00:00.000Z',
    )
    // Act
    const a = asffFinding(cis, CTX)
    const b = asffFinding(other, CTX)
    // Assess
    expect(a.Types).toEqual([CIS])
    expect(a.Compliance?.RelatedRequirements).toContain('CIS AWS Foundations Benchmark v5.0.0/1.9')
    expect(b.Types).toEqual([BEST_PRACTICE])
    expect(a.FindingProviderFields).toEqual({ Severity: a.Severity, Types: a.Types })
  })

  it('labels each severity as Security Hub does and keeps iamwatch’s as the original', () => {
    // Prepare
    const labels = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFORMATIONAL' }
    // Act
    const mapped = SEVERITIES.map(
      (severity) =>
        asffFinding(new Story(checkFinding({ severity })).step('OPENED', '2026-11-23T08:00:00.000Z'), CTX)
          .Severity,
    )
    // Assess
    expect(mapped).toEqual(SEVERITIES.map((s) => ({ Label: labels[s], Original: s })))
  })

  it('maps every transition of a check to its compliance, record and workflow status, with UpdatedAt increasing', () => {
    // Prepare
    const story = new Story(checkFinding())
    const steps: Array<[TransitionKind, string]> = [
      ['OPENED', '2026-11-23T08:00:00.000Z'],
      ['RESOLVED', '2026-11-24T08:00:00.000Z'],
      ['REOPENED', '2026-11-25T08:00:00.000Z'],
      ['SUPPRESSED', '2026-11-25T09:00:00.000Z'],
      ['UNSUPPRESSED', '2026-11-26T09:00:00.000Z'],
      ['RESOLVED', '2026-11-27T08:00:00.000Z'],
    ]
    // Act
    const mapped = steps.map(([t, at]) => {
      const entry = story.step(t, at)
      const f = asffFinding(entry, CTX)
      return {
        transition: t,
        compliance: f.Compliance?.Status,
        record: f.RecordState,
        workflow: f.Workflow.Status,
        updateDue: workflowUpdateDue(entry),
        updatedAt: f.UpdatedAt,
      }
    })
    // Assess
    expect(mapped.map(({ updatedAt: _, ...m }) => m)).toEqual([
      { transition: 'OPENED', compliance: 'FAILED', record: 'ACTIVE', workflow: 'NEW', updateDue: false },
      {
        transition: 'RESOLVED',
        compliance: 'PASSED',
        record: 'ARCHIVED',
        workflow: 'RESOLVED',
        updateDue: true,
      },
      { transition: 'REOPENED', compliance: 'FAILED', record: 'ACTIVE', workflow: 'NEW', updateDue: false },
      {
        transition: 'SUPPRESSED',
        compliance: 'FAILED',
        record: 'ACTIVE',
        workflow: 'SUPPRESSED',
        updateDue: true,
      },
      {
        transition: 'UNSUPPRESSED',
        compliance: 'FAILED',
        record: 'ACTIVE',
        workflow: 'NEW',
        updateDue: true,
      },
      {
        transition: 'RESOLVED',
        compliance: 'PASSED',
        record: 'ARCHIVED',
        workflow: 'RESOLVED',
        updateDue: true,
      },
    ])
    const times = mapped.map((m) => Date.parse(m.updatedAt))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(new Set(times).size).toBe(times.length)
  })

  it('keeps a finding reopened under a suppression SUPPRESSED, with a workflow update due', () => {
    // Prepare
    const story = new Story(checkFinding())
    story.step('OPENED', '2026-11-23T08:00:00.000Z')
    story.step('SUPPRESSED', '2026-11-23T09:00:00.000Z')
    story.step('RESOLVED', '2026-11-24T08:00:00.000Z')
    // Act
    const reopened = story.step('REOPENED', '2026-11-25T08:00:00.000Z')
    // Assess
    expect(asffWorkflowStatus(reopened)).toBe('SUPPRESSED')
    expect(workflowUpdateDue(reopened)).toBe(true)
    expect(asffNote(reopened)).toContain('suppressed until 2027-01-31')
  })
})

describe('the ASFF of a detection finding', () => {
  it('is typed by what the event is a sign of, has no compliance, and recommends the runbook, numbered', () => {
    // Prepare
    const entry = new Story(detectionFinding()).step('OPENED', '2026-11-23T09:58:01.000Z')
    const runbook = DETECTIONS.find((d) => d.id === 'access-key-created-for-other-user')!.runbook
    // Act
    const f = asffFinding(entry, CTX)
    // Assess
    expect(f.Types).toEqual(['TTPs/Persistence'])
    expect(f.Compliance).toBeUndefined()
    expect(f.Remediation?.Recommendation.Text).toBe(
      runbook
        .map((s, i) => `${i + 1}. ${s}`)
        .join(' ')
        .slice(0, 512),
    )
    expect(f.LastObservedAt).toBe('2026-11-23T09:58:01.000Z')
    expect(f.Description).toContain('CreateAccessKey')
    expect(f.ProductFields['iamwatch/eventId']).toBe('3f5d2c1a-0b9e-4c8d-8a7b-6e5f4d3c2b1a')
  })

  it('is unusual user behaviour, and CIS evidence, for a root sign-in', () => {
    // Prepare
    const entry = new Story(detectionFinding({ checkId: 'root-console-login', severity: 'critical' })).step(
      'OPENED',
      '2026-11-23T09:58:01.000Z',
    )
    // Act
    const f = asffFinding(entry, CTX)
    // Assess
    expect(f.Types).toEqual(['Unusual Behaviors/User', CIS])
    expect(f.Severity.Label).toBe('CRITICAL')
  })

  it('stays NEW on a new occurrence and is RESOLVED and ARCHIVED once acknowledged', () => {
    // Prepare
    const story = new Story(detectionFinding())
    story.step('OPENED', '2026-11-23T09:58:01.000Z')
    // Act
    const occurred = story.step('OCCURRED', '2026-11-23T10:30:00.000Z')
    const acknowledged = story.step('ACKNOWLEDGED', '2026-11-23T11:00:00.000Z')
    // Assess
    expect(asffFinding(occurred, CTX)).toMatchObject({ RecordState: 'ACTIVE', Workflow: { Status: 'NEW' } })
    expect(workflowUpdateDue(occurred)).toBe(false)
    expect(asffFinding(occurred, CTX).LastObservedAt).toBe('2026-11-23T10:30:00.000Z')
    expect(asffFinding(acknowledged, CTX)).toMatchObject({
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
      ProductFields: { 'iamwatch/resolution': 'acknowledged', 'iamwatch/transition': 'ACKNOWLEDGED' },
    })
    expect(workflowUpdateDue(acknowledged)).toBe(true)
    expect(asffNote(acknowledged)).toBe(
      'Acknowledged in iamwatch by arn:aws:iam::123456789012:user/carol at 2026-11-23T11:00:00.000Z: expected: onboarding bob.',
    )
  })
})

describe('hostile strings and limits', () => {
  const hostile = 'evil\u0000\u0007\u001b[31m\r\nINJECTED\u202eolleh\u200b\u2028\u0085\ud800name'

  it('removes control and invisible characters from every string, and leaves none blank', () => {
    // Prepare
    const entry = new Story(
      checkFinding({
        resourceId: `user/${hostile}`,
        title: `${hostile} title`,
        accountName: hostile,
        evidence: { [hostile]: hostile, list: [hostile, 'b'] },
      }),
    ).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    const f = asffFinding(entry, CTX)
    // Assess
    const bad = strings(f).filter(([, v]) => INVISIBLE.test(v) || v.includes('\ud800') === true)
    expect(bad).toEqual([])
    expect(strings(f).filter(([, v]) => !/\S/.test(v))).toEqual([])
    expect(f.Title).toBe('evil [31m INJECTEDolleh \uFFFDname title')
    expect(asffProblem(f)).toBeUndefined()
  })

  it('stands in the check id for a title that is nothing but control characters', () => {
    // Prepare
    const entry = new Story(checkFinding({ title: '\u0000\u0001\u200b\r\n' })).step(
      'OPENED',
      '2026-11-23T08:00:00.000Z',
    )
    // Act
    const f = asffFinding(entry, CTX)
    // Assess
    expect(f.Title).toBe('console-user-no-mfa')
  })

  it('cuts long values to ASFF’s limits, marked with an ellipsis, never inside a surrogate pair', () => {
    // Prepare
    const emoji = '\u{1F600}'
    const entry = new Story(
      checkFinding({
        title: emoji.repeat(400),
        accountName: 'a'.repeat(200),
        resourceId: `user/${'x'.repeat(5000)}`,
        evidence: Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, 'v'.repeat(3000)])),
      }),
    ).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    const f = asffFinding(entry, CTX)
    // Assess
    expect(f.Title.length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.title)
    expect(f.Title.endsWith(`${emoji}…`)).toBe(true)
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(f.Title)).toBe(false)
    expect(f.Description.length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.description)
    expect(f.Description.endsWith('…')).toBe(true)
    expect(f.AwsAccountName?.length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.accountName)
    expect(Object.keys(f.ProductFields).length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.productFields)
    for (const v of Object.values(f.ProductFields))
      expect(v.length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.productFieldValue)
    expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThan(ASFF_IMPORT_LIMITS.findingBytes)
    expect(asffProblem(f)).toBeUndefined()
  })

  it('cuts a hostile note to 512 characters of visible text', () => {
    // Prepare
    const story = new Story(checkFinding())
    story.step('OPENED', '2026-11-23T08:00:00.000Z')
    const entry = story.step('SUPPRESSED', '2026-11-23T09:00:00.000Z')
    // Act
    const note = asffNote({ ...entry, reason: `${hostile} ${'r'.repeat(1000)}` })
    // Assess
    expect(note.length).toBeLessThanOrEqual(ASFF_IMPORT_LIMITS.noteText)
    expect(INVISIBLE.test(note)).toBe(false)
    expect(note.startsWith('Suppressed in iamwatch by arn:aws:iam::123456789012:user/carol')).toBe(true)
  })

  it('makes text visible and bounded with asffText', () => {
    // Act
    const cases = [asffText('  a\tb\n\nc  ', 10), asffText('abcdefghijkl', 5), asffText('', 5, 'x')]
    // Assess
    expect(cases).toEqual(['a b c', 'abcd…', 'x'])
  })
})

describe('resources and the product', () => {
  it('names an access key beside its user, the account for root, and Other for what ASFF has no type for', () => {
    // Prepare
    const key = new Story(
      checkFinding({ checkId: 'access-key-rotation', credentialId: 'AKIAEXAMPLEKEY000001' }),
    ).step('OPENED', '2026-11-23T08:00:00.000Z')
    const root = new Story(
      checkFinding({
        checkId: 'root-mfa',
        resourceType: 'AwsAccount',
        resourceId: 'root',
        resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
      }),
    ).step('OPENED', '2026-11-23T08:00:00.000Z')
    const other = new Story(
      checkFinding({
        checkId: 'unused-service-access',
        resourceType: 'AwsIamPrincipal',
        resourceId: 'something',
        resourceArn: '',
      }),
    ).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    const [a, b, c] = [key, root, other].map((e) => asffFinding(e, CTX).Resources)
    // Assess
    expect(a!.map((r) => [r.Type, r.Id])).toEqual([
      ['AwsIamUser', `arn:aws:iam::${ACCOUNT}:user/alice`],
      ['AwsIamAccessKey', 'AKIAEXAMPLEKEY000001'],
    ])
    expect(b!.map((r) => [r.Type, r.Id])).toEqual([['AwsAccount', `arn:aws:iam::${ACCOUNT}:root`]])
    expect(c!.map((r) => [r.Type, r.Id])).toEqual([['Other', 'something']])
  })

  it('takes the partition and region of the monitor for its product, and refuses ones that are not AWS’s', () => {
    // Act
    const china = defaultProductArn({ partition: 'aws-cn', region: 'cn-north-1', accountId: ACCOUNT })
    const refusals = [
      { partition: 'azure', region: 'us-east-1', accountId: ACCOUNT },
      { partition: 'aws', region: 'the-moon', accountId: ACCOUNT },
      { partition: 'aws', region: 'us-east-1', accountId: '1234' },
    ].map((ctx) => () => defaultProductArn(ctx))
    // Assess
    expect(china).toBe(`arn:aws-cn:securityhub:cn-north-1:${ACCOUNT}:product/${ACCOUNT}/default`)
    for (const refuse of refusals) expect(refuse).toThrow(/not an AWS|not a 12-digit/)
  })

  it('maps one transition to the same finding every time (a redelivery imports nothing new)', () => {
    // Prepare
    const entry = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    const [a, b] = [asffFinding(entry, CTX), asffFinding(structuredClone(entry), CTX)]
    // Assess
    expect(b).toEqual(a)
  })

  it('gives a finding Security Hub accepts for every check and detection iamwatch ships', () => {
    // Prepare
    const ids = [...CHECKS.map((c) => c.id), ...DETECTIONS.map((d) => d.id)]
    // Act
    const problems = ids.flatMap((checkId) => {
      const entry = new Story(checkFinding({ checkId })).step('OPENED', '2026-11-23T08:00:00.000Z')
      const problem = asffProblem(asffFinding(entry, CTX))
      return problem ? [`${checkId}: ${problem}`] : []
    })
    // Assess
    expect(problems).toEqual([])
  })
})
