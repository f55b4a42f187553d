import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { accessAnalyzerClient, listAnalyzers } from '../../shared/aws/access-analyzer.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { describeTrails } from '../../shared/aws/cloudtrail.ts'
import { ACCOUNT_SCOPE } from '../../shared/engine/scope.ts'
import { trailsSource } from '../../shared/sources/trails.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())

describe('CloudTrail (JSON 1.1) and Access Analyzer (REST-JSON) on the wire', () => {
  it('reads trails with status and which management events their selectors record', async () => {
    const account = new AccountBuilder().build()
    account.trails.push(
      {
        name: 'org',
        homeRegion: 'us-east-1',
        isMultiRegionTrail: true,
        logFileValidationEnabled: true,
        isLogging: true,
      },
      {
        name: 'data',
        homeRegion: 'us-east-1',
        isMultiRegionTrail: false,
        logFileValidationEnabled: false,
        isLogging: false,
        eventSelectors: [{ IncludeManagementEvents: false, ReadWriteType: 'All' }],
      },
      {
        name: 'adv',
        homeRegion: 'eu-west-1',
        isMultiRegionTrail: true,
        logFileValidationEnabled: true,
        isLogging: true,
        advancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['false'] },
            ],
          },
        ],
      },
    )
    sim = await startIamSimulator(account)
    const { trails, unreadable } = await describeTrails(
      new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
    )
    expect(unreadable).toEqual([])
    expect(
      trails.map((t) => [t.name, t.isMultiRegion, t.isLogging, t.logFileValidation, t.managementEvents]),
    ).toEqual([
      ['org', true, true, true, 'all'],
      ['data', false, false, false, 'none'],
      ['adv', true, true, true, 'write'],
    ])
    expect(sim.requestCount('GetTrailStatus')).toBe(3)
  })

  it('answers TrailNotFoundException as CloudTrail does', async () => {
    sim = await startIamSimulator(new AccountBuilder().build())
    const res = await fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.GetTrailStatus',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ Name: 'nope' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ __type: 'TrailNotFoundException' })
  })

  it('lists the analyzers of the region a request was signed for', async () => {
    const account = new AccountBuilder().build()
    account.analyzers.set('eu-west-1', [{ name: 'acct', type: 'ACCOUNT', status: 'ACTIVE' }])
    sim = await startIamSimulator(account)
    expect(await listAnalyzers(accessAnalyzerClient('eu-west-1', { endpoint: sim.endpoint }))).toEqual([
      {
        name: 'acct',
        arn: 'arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/acct',
        type: 'ACCOUNT',
        status: 'ACTIVE',
      },
    ])
    expect(await listAnalyzers(accessAnalyzerClient('us-east-1', { endpoint: sim.endpoint }))).toEqual([])
  })
})

const MEMBER = '111122223333'
const MANAGEMENT = '999988887777'
const ORG_ARN = `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-trail`
const LOCAL_ARN = `arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/local`
/** The resource pattern the scan roles grant GetTrailStatus/GetEventSelectors on (stacks/permissions.ts). */
const OWN_TRAILS_ONLY = `arn:aws:cloudtrail:*:${MEMBER}:trail/*`

/** A member account of an organization: its own single-region trail, and the organization's trail. */
const memberAccount = () =>
  new AccountBuilder(MEMBER)
    .trail('local', { isMultiRegionTrail: false, logFileValidationEnabled: false })
    .organizationTrail('org-trail', MANAGEMENT)

const client = (region = 'us-east-1') => new CloudTrailClient({ endpoint: sim.endpoint, region })
const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (err: Error) => ({ name: err.name, message: err.message }),
  )

describe('organization trails in a member account, on the wire', () => {
  it('lists the organization trail with its management-account ARN among the shadow trails, and not without them', async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().build())
    // Act
    const withShadows = await client().send(new DescribeTrailsCommand({ includeShadowTrails: true }))
    const withoutShadows = await client().send(new DescribeTrailsCommand({ includeShadowTrails: false }))
    // Assess
    expect(
      withShadows.trailList?.map((t) => [t.Name, t.TrailARN, t.IsOrganizationTrail, t.HomeRegion]),
    ).toEqual([
      ['local', LOCAL_ARN, false, 'us-east-1'],
      ['org-trail', ORG_ARN, true, 'us-east-1'],
    ])
    expect(withoutShadows.trailList?.map((t) => t.Name)).toEqual(['local'])
  })

  it("answers the organization trail's status and event selectors by ARN, and TrailNotFoundException by name", async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().build())
    // Act
    const status = await client().send(new GetTrailStatusCommand({ Name: ORG_ARN }))
    const selectors = await client().send(new GetEventSelectorsCommand({ TrailName: ORG_ARN }))
    const byName = await failure(client().send(new GetTrailStatusCommand({ Name: 'org-trail' })))
    // Assess
    expect(status.IsLogging).toBe(true)
    expect(selectors.TrailARN).toBe(ORG_ARN)
    expect(byName).toEqual({
      name: 'TrailNotFoundException',
      message: `Unknown trail: arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/org-trail for the user: ${MEMBER}`,
    })
  })

  it('finds a shadow trail of another region by its ARN only', async () => {
    // Prepare
    sim = await startIamSimulator(
      new AccountBuilder(MEMBER).trail('main', { homeRegion: 'eu-west-1' }).build(),
    )
    const arn = `arn:aws:cloudtrail:eu-west-1:${MEMBER}:trail/main`
    // Act
    const byArn = await client('us-east-1').send(new GetTrailStatusCommand({ Name: arn }))
    const byName = await failure(client('us-east-1').send(new GetTrailStatusCommand({ Name: 'main' })))
    const inHomeRegion = await client('eu-west-1').send(new GetTrailStatusCommand({ Name: 'main' }))
    // Assess
    expect(byArn.IsLogging).toBe(true)
    expect(byName?.name).toBe('TrailNotFoundException')
    expect(inHomeRegion.IsLogging).toBe(true)
  })

  it("denies the organization trail when the caller's policy grants only the account's own trail ARNs", async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().trailReadGrant(OWN_TRAILS_ONLY).build())
    // Act
    const org = await failure(client().send(new GetTrailStatusCommand({ Name: ORG_ARN })))
    const own = await client().send(new GetTrailStatusCommand({ Name: LOCAL_ARN }))
    // Assess
    expect(org?.name).toBe('AccessDeniedException')
    expect(org?.message).toContain(`cloudtrail:GetTrailStatus on resource: ${ORG_ARN}`)
    expect(own.IsLogging).toBe(true)
  })
})

describe('the CloudTrail adapter', () => {
  it("reads a member account's organization trail by its ARN", async () => {
    // Prepare
    sim = await startIamSimulator(
      new AccountBuilder(MEMBER).organizationTrail('org-trail', MANAGEMENT).build(),
    )
    // Act
    const { trails, unreadable } = await describeTrails(client())
    // Assess
    expect(unreadable).toEqual([])
    expect(trails).toEqual([
      {
        name: 'org-trail',
        arn: ORG_ARN,
        homeRegion: 'us-east-1',
        isMultiRegion: true,
        logFileValidation: true,
        isLogging: true,
        managementEvents: 'all',
      },
    ])
  })

  it('reports a trail it could not read, with the reason, and reads the others', async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().trailReadGrant(OWN_TRAILS_ONLY).build())
    // Act
    const { trails, unreadable } = await describeTrails(client())
    // Assess
    expect(trails.map((t) => t.arn)).toEqual([LOCAL_ARN])
    expect(unreadable).toEqual([
      {
        name: 'org-trail',
        arn: ORG_ARN,
        homeRegion: 'us-east-1',
        reason: expect.stringMatching(/^GetTrailStatus: AccessDeniedException: .*not authorized/),
      },
    ])
  })

  it('still fails as a whole when the trails cannot be listed', async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().build())
    sim.faults.failActions = { DescribeTrails: 'AccessDeniedException' }
    // Act
    const result = await failure(describeTrails(client()))
    // Assess
    expect(result?.name).toBe('AccessDeniedException')
  })
})

describe('the trails source', () => {
  const collect = () =>
    trailsSource.collect(
      {
        accountId: MEMBER,
        iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
        cloudTrail: () => client(),
        regions: ['us-east-1'],
        trustedAccounts: new Set(),
        now: new Date(),
      },
      ACCOUNT_SCOPE,
    )

  it('marks exactly the trail it could not read as partial, and keeps the others', async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().trailReadGrant(OWN_TRAILS_ONLY).build())
    // Act
    const reading = await collect()
    // Assess
    expect(reading.complete).toBe(true)
    expect(reading.problems).toEqual([])
    expect(reading.data?.trails.map((t) => t.arn)).toEqual([LOCAL_ARN])
    expect(reading.data?.unreadable?.map((t) => t.arn)).toEqual([ORG_ARN])
    expect([...reading.partial.keys()]).toEqual([ORG_ARN])
    expect(reading.partial.get(ORG_ARN)).toMatch(/^GetTrailStatus: AccessDeniedException/)
  })

  it('marks nothing partial when every trail was read', async () => {
    // Prepare
    sim = await startIamSimulator(memberAccount().build())
    // Act
    const reading = await collect()
    // Assess
    expect(reading.data?.trails.map((t) => t.arn)).toEqual([LOCAL_ARN, ORG_ARN])
    expect(reading.partial.size).toBe(0)
  })
})
