import { describe, expect, it } from 'vitest'
import { countsToward, fires, record } from '../support/events.ts'

const trail = (eventName: string, fields: Record<string, unknown> = {}) =>
  record({ eventSource: 'cloudtrail.amazonaws.com', eventName, ...fields })

describe('cloudtrail-tampering', () => {
  it('fires on StopLogging, DeleteTrail and any UpdateTrail', () => {
    for (const name of ['StopLogging', 'DeleteTrail', 'UpdateTrail'])
      expect(fires(trail(name, { requestParameters: { name: 't' } }))).toEqual(['cloudtrail-tampering'])
  })

  it('fires on event selectors that drop management events, basic or advanced', () => {
    expect(
      fires(
        trail('PutEventSelectors', {
          requestParameters: { eventSelectors: [{ includeManagementEvents: false }] },
        }),
      ),
    ).toEqual(['cloudtrail-tampering'])
    const dataOnly = {
      advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] }],
    }
    expect(fires(trail('PutEventSelectors', { requestParameters: dataOnly }))).toEqual([
      'cloudtrail-tampering',
    ])
  })

  it('does not fire on selectors that keep management events, failures, or VPC-endpoint copies', () => {
    expect(
      fires(
        trail('PutEventSelectors', {
          requestParameters: { eventSelectors: [{ includeManagementEvents: true }] },
        }),
      ),
    ).toEqual([])
    expect(fires(trail('StopLogging', { errorCode: 'TrailNotFoundException' }))).toEqual([])
    expect(fires(trail('UpdateTrail', { eventCategory: 'NetworkActivity' }))).toEqual([])
  })
})

describe('security-service-disabled', () => {
  it('fires when GuardDuty, Config or Access Analyzer is turned off', () => {
    expect(fires(record({ eventSource: 'guardduty.amazonaws.com', eventName: 'DeleteDetector' }))).toEqual([
      'security-service-disabled',
    ])
    expect(
      fires(
        record({
          eventSource: 'guardduty.amazonaws.com',
          eventName: 'UpdateDetector',
          requestParameters: { enable: false },
        }),
      ),
    ).toEqual(['security-service-disabled'])
    expect(
      fires(record({ eventSource: 'config.amazonaws.com', eventName: 'StopConfigurationRecorder' })),
    ).toEqual(['config-change', 'security-service-disabled'])
    expect(
      fires(record({ eventSource: 'access-analyzer.amazonaws.com', eventName: 'DeleteAnalyzer' })),
    ).toEqual(['security-service-disabled'])
  })

  it('does not fire when GuardDuty is updated but stays enabled', () => {
    expect(
      fires(
        record({
          eventSource: 'guardduty.amazonaws.com',
          eventName: 'UpdateDetector',
          requestParameters: { enable: true },
        }),
      ),
    ).toEqual([])
  })
})

describe('organizations-change', () => {
  it('fires on leaving the organization and on SCP changes', () => {
    expect(
      fires(record({ eventSource: 'organizations.amazonaws.com', eventName: 'LeaveOrganization' })),
    ).toEqual(['organizations-change'])
    expect(fires(record({ eventSource: 'organizations.amazonaws.com', eventName: 'UpdatePolicy' }))).toEqual([
      'organizations-change',
    ])
  })

  it('does not fire on a denied attempt, which only counts as unauthorized', () => {
    const denied = record({
      eventSource: 'organizations.amazonaws.com',
      eventName: 'LeaveOrganization',
      errorCode: 'AccessDenied',
    })
    expect(fires(denied)).toEqual([])
    expect(countsToward(denied)).toEqual(['unauthorized-api-calls'])
  })
})

describe('unauthorized-api-calls', () => {
  it('counts AccessDenied* and *UnauthorizedOperation errors', () => {
    expect(
      countsToward(
        record({
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          errorCode: 'AccessDeniedException',
        }),
      ),
    ).toEqual(['unauthorized-api-calls'])
    expect(
      countsToward(
        record({
          eventSource: 'ec2.amazonaws.com',
          eventName: 'RunInstances',
          errorCode: 'Client.UnauthorizedOperation',
        }),
      ),
    ).toEqual(['unauthorized-api-calls'])
  })

  it('does not count other errors', () => {
    expect(
      countsToward(
        record({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', errorCode: 'NoSuchKey' }),
      ),
    ).toEqual([])
  })
})
