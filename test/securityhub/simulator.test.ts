import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  GetInsightsCommand,
  paginateGetFindings,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { asffFinding } from '../../shared/export/asff-import.ts'
import { ADMIN_KEY, adminAccount, refusal } from '../simulator/sdk.ts'
import { ACCOUNT, CTX, checkFinding, PRODUCT_ARN, REGION, Story } from './fixtures.ts'

/**
 * The simulator's Security Hub (local/iam-sim/security-hub.ts) through the real SDK client, one request
 * per call: the semantics a finding provider meets (per-finding refusals, the 100-finding and 240 KB
 * limits, the default product, updates by UpdatedAt, what an import may not change, BatchUpdateFindings,
 * GetFindings' filters and pages) and the simulator's request counting and faults.
 */

let sim: IamSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

const OTHER = '222222222222'
const OTHER_KEY = 'AKIAEXAMPLEOTHER0001'

async function start(options: Parameters<typeof startIamSimulator>[1] = {}) {
  sim = await startIamSimulator(adminAccount(ACCOUNT), {
    clock: () => new Date('2026-12-01T00:00:00.000Z'),
    ...options,
  })
  return sim
}

function hubAs(key = ADMIN_KEY, region = REGION): SecurityHubClient {
  return new SecurityHubClient({
    endpoint: sim!.endpoint,
    region,
    maxAttempts: 1,
    credentials: { accessKeyId: key, secretAccessKey: 'not-checked' },
  })
}

/** A valid finding as iamwatch maps it, for user/<name>, at `at`. */
function finding(name = 'alice', at = '2026-11-23T08:00:00.000Z'): AwsSecurityFinding {
  return asffFinding(new Story(checkFinding({ resourceId: `user/${name}` })).step('OPENED', at), CTX)
}

const stored = (id: string) => sim!.securityHub.finding(ACCOUNT, REGION, id)!

describe('BatchImportFindings', () => {
  it('refuses a request of no findings or more than 100 whole, with InvalidInputException', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    // Act
    const tooMany = await refusal(
      hub.send(
        new BatchImportFindingsCommand({ Findings: Array.from({ length: 101 }, (_, i) => finding(`u${i}`)) }),
      ),
    )
    const none = await refusal(hub.send(new BatchImportFindingsCommand({ Findings: [] })))
    const hundred = await hub.send(
      new BatchImportFindingsCommand({ Findings: Array.from({ length: 100 }, (_, i) => finding(`u${i}`)) }),
    )
    // Assess
    expect(tooMany).toMatchObject({ name: 'InvalidInputException', status: 400 })
    expect(none).toMatchObject({ name: 'InvalidInputException', status: 400 })
    expect(hundred).toMatchObject({ SuccessCount: 100, FailedCount: 0, FailedFindings: [] })
  })

  it('refuses each finding that does not adhere to the ASFF on its own, and imports the others', async () => {
    // Prepare
    await start()
    const base = finding()
    const { Severity: _s, FindingProviderFields: _p, ...noSeverity } = base
    const broken: Array<[string, AwsSecurityFinding, RegExp]> = [
      ['no-title', { ...base, Title: undefined }, /required property 'Title'/],
      ['blank-description', { ...base, Description: ' \t ' }, /Description should match pattern/],
      ['long-title', { ...base, Title: 't'.repeat(257) }, /Title should NOT be longer than 256/],
      ['schema', { ...base, SchemaVersion: '2020-01-01' }, /SchemaVersion/],
      ['account', { ...base, AwsAccountId: 'abc' }, /AwsAccountId/],
      ['created', { ...base, CreatedAt: 'yesterday' }, /CreatedAt should match format "date-time"/],
      [
        'types',
        { ...base, Types: ['Bogus/Thing'], FindingProviderFields: undefined },
        /invalid finding type/,
      ],
      ['resources', { ...base, Resources: [] }, /Resources should NOT have fewer than 1/],
      ['severity', noSeverity as AwsSecurityFinding, /required property 'Severity'/],
      ['workflow', { ...base, Workflow: { Status: 'DONE' as 'NEW' } }, /Workflow.Status/],
      ['field', { ...base, ProductFields: { k: 'v'.repeat(2049) } }, /ProductFields\['k'\]/],
    ]
    // Act
    const out = await hubAs().send(
      new BatchImportFindingsCommand({ Findings: [base, ...broken.map(([id, f]) => ({ ...f, Id: id }))] }),
    )
    // Assess
    expect(out.SuccessCount).toBe(1)
    expect(out.FailedCount).toBe(broken.length)
    for (const [id, , message] of broken) {
      const failed = out.FailedFindings!.find((f) => f.Id === id)
      expect(failed, id).toMatchObject({ ErrorCode: 'InvalidInput' })
      expect(failed!.ErrorMessage, id).toMatch(message)
      expect(failed!.ErrorMessage).toMatch(/^Finding does not adhere to Amazon Finding Format\. /)
    }
    expect(sim!.securityHub.all(ACCOUNT).map((f) => f.Id)).toEqual([base.Id])
  })

  it('refuses a finding larger than 240 KB with FindingSizeExceeded', async () => {
    // Prepare
    await start()
    const big = { ...finding(), Resources: [{ Type: 'Other', Id: 'x'.repeat(240 * 1024) }] }
    // Act
    const out = await hubAs().send(new BatchImportFindingsCommand({ Findings: [big] }))
    // Assess
    expect(out.FailedFindings).toEqual([
      { Id: big.Id, ErrorCode: 'FindingSizeExceeded', ErrorMessage: 'Finding size exceeded 240 KB' },
    ])
  })

  it('takes findings only into the caller’s own default product, for the caller’s own account', async () => {
    // Prepare
    await start()
    const base = finding()
    const findings = [
      {
        ...base,
        Id: 'other-product',
        ProductArn: `arn:aws:securityhub:${REGION}:${OTHER}:product/${OTHER}/default`,
      },
      { ...base, Id: 'other-region', ProductArn: PRODUCT_ARN.replace(REGION, 'eu-west-1') },
      { ...base, Id: 'partner', ProductArn: `arn:aws:securityhub:${REGION}::product/acme/scanner` },
      { ...base, Id: 'other-account', AwsAccountId: OTHER },
    ]
    // Act
    const out = await hubAs().send(new BatchImportFindingsCommand({ Findings: findings }))
    // Assess
    expect(out.SuccessCount).toBe(0)
    expect(out.FailedFindings!.map((f) => [f.Id, f.ErrorCode])).toEqual(
      findings.map((f) => [f.Id, 'AccessDeniedException']),
    )
    expect(out.FailedFindings![3]!.ErrorMessage).toContain(`findings for account ${OTHER}`)
  })

  it('ignores an import older than the stored finding, and takes a newer one', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const newer = { ...finding(), UpdatedAt: '2026-11-25T00:00:00.000Z', Title: 'newer' }
    await hub.send(new BatchImportFindingsCommand({ Findings: [newer] }))
    // Act
    const older = await hub.send(
      new BatchImportFindingsCommand({
        Findings: [{ ...newer, UpdatedAt: '2026-11-24T00:00:00.000Z', Title: 'older' }],
      }),
    )
    const titleAfterOlder = stored(newer.Id!).Title
    await hub.send(
      new BatchImportFindingsCommand({
        Findings: [{ ...newer, UpdatedAt: '2026-11-26T00:00:00.000Z', Title: 'newest' }],
      }),
    )
    // Assess
    expect(older).toMatchObject({ SuccessCount: 1, FailedCount: 0 })
    expect(titleAfterOlder).toBe('newer')
    expect(stored(newer.Id!)).toMatchObject({ Title: 'newest', UpdatedAt: '2026-11-26T00:00:00.000Z' })
  })

  it('keeps the workflow, note and top-level severity on a later import, and takes FindingProviderFields’ severity unless a user changed it', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const f = finding()
    await hub.send(new BatchImportFindingsCommand({ Findings: [f] }))
    const later = (at: string, extra: Partial<AwsSecurityFinding>) =>
      hub.send(new BatchImportFindingsCommand({ Findings: [{ ...f, UpdatedAt: at, ...extra }] }))
    // Act
    await later('2026-11-24T00:00:00.000Z', {
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'from the provider', UpdatedBy: 'me', UpdatedAt: '2026-11-24T00:00:00.000Z' },
      Severity: { Label: 'LOW' },
      FindingProviderFields: undefined,
    })
    const afterTopLevel = stored(f.Id!)
    await later('2026-11-25T00:00:00.000Z', {
      FindingProviderFields: { Severity: { Label: 'CRITICAL', Original: 'critical' }, Types: f.Types },
    })
    const afterProvider = stored(f.Id!)
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: f.Id, ProductArn: PRODUCT_ARN }],
        Severity: { Label: 'LOW' },
      }),
    )
    await later('2026-11-26T00:00:00.000Z', {
      FindingProviderFields: { Severity: { Label: 'HIGH', Original: 'high' }, Types: f.Types },
    })
    const afterUser = stored(f.Id!)
    // Assess
    expect(afterTopLevel).toMatchObject({ Workflow: { Status: 'NEW' }, Severity: { Label: 'HIGH' } })
    expect(afterTopLevel.Note).toBeUndefined()
    expect(afterProvider).toMatchObject({ Severity: { Label: 'CRITICAL' } })
    expect(afterUser).toMatchObject({
      Severity: { Label: 'LOW' },
      FindingProviderFields: { Severity: { Label: 'HIGH' } },
      UpdatedAt: '2026-11-26T00:00:00.000Z',
    })
  })

  it('sets a RESOLVED or NOTIFIED workflow back to NEW when the finding is active or failing again, but not a SUPPRESSED one', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const resolved = {
      ...finding('r'),
      RecordState: 'ARCHIVED' as const,
      Compliance: { Status: 'PASSED' as const },
    }
    const suppressed = {
      ...finding('s'),
      RecordState: 'ARCHIVED' as const,
      Compliance: { Status: 'PASSED' as const },
    }
    await hub.send(new BatchImportFindingsCommand({ Findings: [resolved, suppressed] }))
    for (const [f, status] of [
      [resolved, 'RESOLVED'],
      [suppressed, 'SUPPRESSED'],
    ] as const)
      await hub.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [{ Id: f.Id, ProductArn: PRODUCT_ARN }],
          Workflow: { Status: status },
        }),
      )
    // Act
    await hub.send(
      new BatchImportFindingsCommand({
        Findings: [resolved, suppressed].map((f) => ({
          ...f,
          UpdatedAt: '2026-11-24T00:00:00.000Z',
          RecordState: 'ACTIVE' as const,
          Compliance: { Status: 'FAILED' as const },
        })),
      }),
    )
    // Assess
    expect(stored(resolved.Id!).Workflow).toEqual({ Status: 'NEW' })
    expect(stored(suppressed.Id!).Workflow).toEqual({ Status: 'SUPPRESSED' })
  })
})

describe('BatchUpdateFindings', () => {
  it('sets the workflow and a note with its time, leaves UpdatedAt, and reports findings it cannot update', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const f = finding()
    await hub.send(new BatchImportFindingsCommand({ Findings: [f] }))
    const id = { Id: f.Id, ProductArn: PRODUCT_ARN }
    // Act
    const out = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [id, id, { Id: 'iamwatch/unknown', ProductArn: PRODUCT_ARN }],
        Workflow: { Status: 'RESOLVED' },
        Note: { Text: 'fixed', UpdatedBy: 'iamwatch' },
      }),
    )
    // Assess
    expect(out.ProcessedFindings).toEqual([id])
    expect(out.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: id,
        ErrorCode: 'DuplicatedFindingIdentifier',
        ErrorMessage: 'Finding Identifier is duplicated',
      },
      {
        FindingIdentifier: { Id: 'iamwatch/unknown', ProductArn: PRODUCT_ARN },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      },
    ])
    expect(stored(f.Id!)).toMatchObject({
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'fixed', UpdatedBy: 'iamwatch', UpdatedAt: '2026-12-01T00:00:00.000Z' },
      UpdatedAt: f.UpdatedAt,
    })
  })

  it('refuses more than 100 identifiers, nothing to change, and a bad workflow status, with InvalidInputException', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `f${i}`, ProductArn: PRODUCT_ARN }))
    // Act
    const refusals = await Promise.all([
      refusal(
        hub.send(
          new BatchUpdateFindingsCommand({ FindingIdentifiers: ids(101), Workflow: { Status: 'NEW' } }),
        ),
      ),
      refusal(hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: ids(1) }))),
      refusal(
        hub.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: ids(1),
            Workflow: { Status: 'DONE' as 'NEW' },
          }),
        ),
      ),
      refusal(
        hub.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: ids(1),
            Note: { Text: 'n'.repeat(513), UpdatedBy: 'iamwatch' },
          }),
        ),
      ),
    ])
    // Assess
    for (const r of refusals) expect(r).toMatchObject({ name: 'InvalidInputException', status: 400 })
  })
})

describe('GetFindings', () => {
  it('pages the caller’s findings 100 at a time, and filters them by Id, product and workflow status', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    const all = Array.from({ length: 230 }, (_, i) => finding(`u${i}`))
    for (let i = 0; i < all.length; i += 100)
      await hub.send(new BatchImportFindingsCommand({ Findings: all.slice(i, i + 100) }))
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: all.slice(0, 3).map((f) => ({ Id: f.Id, ProductArn: PRODUCT_ARN })),
        Workflow: { Status: 'SUPPRESSED' },
      }),
    )
    // Act
    const pages: number[] = []
    for await (const page of paginateGetFindings({ client: hub }, {})) pages.push(page.Findings!.length)
    const byId = await hub.send(
      new GetFindingsCommand({
        Filters: {
          Id: [all[7]!, all[42]!].map((f) => ({ Value: f.Id, Comparison: 'EQUALS' })),
          ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }],
        },
      }),
    )
    const notSuppressed = await hub.send(
      new GetFindingsCommand({
        Filters: { WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }] },
        MaxResults: 100,
      }),
    )
    // Assess
    expect(pages).toEqual([100, 100, 30])
    expect(byId.Findings!.map((f) => f.Id)).toEqual([all[7]!.Id, all[42]!.Id])
    expect(notSuppressed.Findings).toHaveLength(100)
    expect(notSuppressed.Findings![0]!.Id).toBe(all[3]!.Id)
  })

  it('refuses a filter it does not know, MaxResults above 100 and a forged NextToken', async () => {
    // Prepare
    await start()
    const hub = hubAs()
    // Act
    const refusals = await Promise.all([
      refusal(hub.send(new GetFindingsCommand({ Filters: { ResourceTags: [{ Key: 'a', Value: 'b' }] } }))),
      refusal(hub.send(new GetFindingsCommand({ MaxResults: 101 }))),
      refusal(hub.send(new GetFindingsCommand({ NextToken: 'bm90LWEtdG9rZW4' }))),
    ])
    // Assess
    for (const r of refusals) expect(r).toMatchObject({ name: 'InvalidInputException', status: 400 })
  })

  it('keeps each account’s and each region’s findings apart', async () => {
    // Prepare
    await start()
    sim!.addAccount(
      new AccountBuilder(OTHER).user('admin', (u) => u.accessKey({ ageDays: 1, id: OTHER_KEY })).build(),
    )
    await hubAs().send(new BatchImportFindingsCommand({ Findings: [finding()] }))
    // Act
    const own = await hubAs().send(new GetFindingsCommand({}))
    const other = await hubAs(OTHER_KEY).send(new GetFindingsCommand({}))
    const elsewhere = await hubAs(ADMIN_KEY, 'eu-west-1').send(new GetFindingsCommand({}))
    // Assess
    expect(own.Findings).toHaveLength(1)
    expect(own.Findings![0]).toMatchObject({ Region: REGION, ProductName: 'iamwatch' })
    expect(other.Findings).toEqual([])
    expect(elsewhere.Findings).toEqual([])
  })
})

describe('the service around the findings', () => {
  it('counts each request and throttles with LimitExceededException (HTTP 429), or fails with InternalException', async () => {
    // Prepare
    await start({ random: () => 0 })
    const hub = hubAs()
    sim!.faults.failNext = { BatchImportFindings: { times: 1, code: 'Throttling' } }
    // Act
    const throttled = await refusal(hub.send(new BatchImportFindingsCommand({ Findings: [finding()] })))
    sim!.faults.failNext = { GetFindings: 1 }
    const failed = await refusal(hub.send(new GetFindingsCommand({})))
    sim!.faults.throttleRate = 1
    const byRate = await refusal(hub.send(new GetFindingsCommand({})))
    // Assess
    expect(throttled).toMatchObject({ name: 'LimitExceededException', status: 429 })
    expect(failed).toMatchObject({ name: 'InternalException', status: 500 })
    expect(byRate).toMatchObject({ name: 'LimitExceededException', status: 429 })
    expect(sim!.faults.throttled).toBe(1)
    expect(sim!.requestCount('BatchImportFindings')).toBe(1)
    expect(sim!.requestCount('GetFindings')).toBe(2)
  })

  it('refuses unknown keys when it checks credentials, an operation it does not serve, and an account without Security Hub', async () => {
    // Prepare
    await start({ strictCredentials: true })
    // Act
    const unknownKey = await refusal(hubAs('AKIAUNKNOWNKEY000001').send(new GetFindingsCommand({})))
    const unserved = await refusal(hubAs().send(new GetInsightsCommand({})))
    sim!.securityHub.disable(ACCOUNT)
    const disabled = await refusal(hubAs().send(new GetFindingsCommand({})))
    // Assess
    expect(unknownKey).toMatchObject({ name: 'UnrecognizedClientException', status: 403 })
    expect(unserved).toMatchObject({ name: 'UnknownOperationException', status: 404 })
    expect(disabled).toMatchObject({ name: 'InvalidAccessException', status: 401 })
    expect(disabled.message).toContain(`Account ${ACCOUNT} is not subscribed to AWS Security Hub`)
  })
})
