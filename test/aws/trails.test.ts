import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { accessAnalyzerClient, listAnalyzers } from '../../shared/aws/access-analyzer.ts'
import { describeTrails } from '../../shared/aws/cloudtrail.ts'

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
    const trails = await describeTrails(new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1' }))
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
