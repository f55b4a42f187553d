import { describe, expect, it } from 'vitest'
import { accessAnalyzerDisabled } from '../../shared/checks/authorization/access-analyzer-disabled.ts'
import type { TrailState, TrailsSource } from '../../shared/checks/sources.ts'
import { cloudtrailLogValidation } from '../../shared/checks/trails/cloudtrail-log-validation.ts'
import { cloudtrailMultiRegionMissing } from '../../shared/checks/trails/cloudtrail-multi-region-missing.ts'
import { cloudtrailNotLogging } from '../../shared/checks/trails/cloudtrail-not-logging.ts'
import type { UnreadableTrail } from '../../shared/checks/trails/common.ts'
import { eventStreamSilent } from '../../shared/checks/trails/event-stream-silent.ts'
import { failingIds, failures, NOW, run, unknownIds } from '../support/fixtures.ts'

const trail = (name: string, spec: Partial<TrailState> = {}): TrailState => ({
  name,
  arn: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${name}`,
  homeRegion: 'us-east-1',
  isMultiRegion: true,
  logFileValidation: true,
  isLogging: true,
  managementEvents: 'all',
  ...spec,
})
const trails = (
  list: TrailState[],
  lastEventAt?: Date,
  unreadable: UnreadableTrail[] = [],
): TrailsSource => ({
  trails: list,
  ...(lastEventAt ? { lastEventAt } : {}),
  ...(unreadable.length ? { unreadable } : {}),
})
/** An organization trail seen from a member account: its ARN carries the management account's id. */
const ORG_ARN = 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org'
const DENIED = 'GetTrailStatus: AccessDeniedException: not authorized'
const unreadableOrg: UnreadableTrail = { name: 'org', arn: ORG_ARN, homeRegion: 'us-east-1', reason: DENIED }
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000)

describe('cloudtrail-multi-region-missing', () => {
  it('fails without a logging multi-region trail recording all management events', () => {
    expect(failures(run(cloudtrailMultiRegionMissing, trails([])))).toHaveLength(1)
    expect(
      failures(run(cloudtrailMultiRegionMissing, trails([trail('one', { isMultiRegion: false })]))),
    ).toHaveLength(1)
    expect(
      failures(run(cloudtrailMultiRegionMissing, trails([trail('stopped', { isLogging: false })]))),
    ).toHaveLength(1)
    expect(
      failures(run(cloudtrailMultiRegionMissing, trails([trail('writes', { managementEvents: 'write' })]))),
    ).toHaveLength(1)
  })

  it('passes when a readable trail qualifies though another could not be read', () => {
    // Prepare
    const input = trails([trail('local')], undefined, [unreadableOrg])
    // Act
    const outcomes = run(cloudtrailMultiRegionMissing, input)
    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['pass'])
  })

  it('says unknown, not failing, when no readable trail qualifies and one could not be read', () => {
    // Prepare
    const input = trails([trail('local', { isMultiRegion: false })], undefined, [unreadableOrg])
    // Act
    const outcomes = run(cloudtrailMultiRegionMissing, input)
    // Assess
    expect(failures(outcomes)).toEqual([])
    expect(unknownIds(outcomes)).toEqual([`cloudtrail: could not read ${ORG_ARN} (${DENIED})`])
  })

  it('passes on an organization trail read from a member account', () => {
    expect(run(cloudtrailMultiRegionMissing, trails([trail('org', { arn: ORG_ARN })]))[0]?.status).toBe(
      'pass',
    )
  })

  it('passes with one good trail among others', () => {
    expect(
      failures(
        run(cloudtrailMultiRegionMissing, trails([trail('local', { isMultiRegion: false }), trail('org')])),
      ),
    ).toEqual([])
  })
})

describe('cloudtrail-not-logging', () => {
  it('fails each trail that is not logging', () => {
    const input = trails([trail('a'), trail('b', { isLogging: false })])
    expect(failingIds(run(cloudtrailNotLogging, input))).toEqual([
      'arn:aws:cloudtrail:us-east-1:123456789012:trail/b',
    ])
  })
})

describe('cloudtrail-not-logging and cloudtrail-log-validation on a trail that could not be read', () => {
  it.each([
    [cloudtrailNotLogging.id, cloudtrailNotLogging, { isLogging: false }],
    [cloudtrailLogValidation.id, cloudtrailLogValidation, { logFileValidation: false }],
  ] as const)('%s says unknown for the unreadable trail and judges the readable ones', (_, check, broken) => {
    // Prepare
    const input = trails([trail('good'), trail('bad', broken)], undefined, [unreadableOrg])
    // Act
    const outcomes = run(check, input)
    // Assess
    expect(failingIds(outcomes)).toEqual(['arn:aws:cloudtrail:us-east-1:123456789012:trail/bad'])
    expect(outcomes.filter((o) => o.status === 'pass').map((o) => o.resource.id)).toEqual([
      'arn:aws:cloudtrail:us-east-1:123456789012:trail/good',
    ])
    expect(unknownIds(outcomes)).toEqual([`${ORG_ARN}: ${DENIED}`])
  })
})

describe('cloudtrail-log-validation', () => {
  it('fails each trail without log file validation', () => {
    const input = trails([trail('a', { logFileValidation: false }), trail('b')])
    expect(failingIds(run(cloudtrailLogValidation, input))).toEqual([
      'arn:aws:cloudtrail:us-east-1:123456789012:trail/a',
    ])
  })
})

describe('event-stream-silent', () => {
  it('fails when no event arrived within the window while a trail logs', () => {
    expect(failures(run(eventStreamSilent, trails([trail('a')], hoursAgo(30))))[0]?.evidence).toMatchObject({
      silentHours: 30,
      windowHours: 24,
    })
  })

  it('passes a recent event, and says nothing when no trail logs or the stream is unknown', () => {
    expect(failures(run(eventStreamSilent, trails([trail('a')], hoursAgo(2))))).toEqual([])
    expect(run(eventStreamSilent, trails([trail('a', { isLogging: false })], hoursAgo(30)))).toEqual([])
    expect(run(eventStreamSilent, trails([trail('a')]))).toEqual([])
  })

  it('judges the stream when the logging trail is an organization trail', () => {
    // Prepare
    const input = trails([trail('org', { arn: ORG_ARN })], hoursAgo(30))
    // Act
    const outcomes = run(eventStreamSilent, input)
    // Assess
    expect(failures(outcomes)).toHaveLength(1)
  })

  it('judges the stream on the readable trails that log, whatever could not be read', () => {
    // Prepare
    const input = trails([trail('local')], hoursAgo(2), [unreadableOrg])
    // Act
    const outcomes = run(eventStreamSilent, input)
    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['pass'])
  })

  it('says unknown when no readable trail logs and one could not be read', () => {
    // Prepare
    const input = trails([trail('local', { isLogging: false })], hoursAgo(30), [unreadableOrg])
    // Act
    const outcomes = run(eventStreamSilent, input)
    // Assess
    expect(unknownIds(outcomes)).toEqual([`event-stream: could not read ${ORG_ARN} (${DENIED})`])
  })

  it('honours a configured window', () => {
    expect(failures(run(eventStreamSilent, trails([trail('a')], hoursAgo(30)), { windowHours: 48 }))).toEqual(
      [],
    )
  })
})

describe('access-analyzer-disabled', () => {
  it('fails each monitored region without an ACTIVE external-access analyzer', () => {
    const analyzers = new Map([
      ['us-east-1', [{ name: 'acct', arn: 'a', type: 'ACCOUNT', status: 'ACTIVE' }]],
      ['eu-west-1', [{ name: 'unused', arn: 'b', type: 'ACCOUNT_UNUSED_ACCESS', status: 'ACTIVE' }]],
      ['ap-south-1', [{ name: 'off', arn: 'c', type: 'ACCOUNT', status: 'DISABLED' }]],
    ])
    expect(failingIds(run(accessAnalyzerDisabled, { byRegion: analyzers }))).toEqual([
      'access-analyzer/eu-west-1',
      'access-analyzer/ap-south-1',
    ])
  })

  it('says nothing of a region whose analyzers were not read', () => {
    expect(run(accessAnalyzerDisabled, { byRegion: new Map() })).toEqual([])
  })
})
