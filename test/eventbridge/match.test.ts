import { describe, expect, it } from 'vitest'
import { matchesPattern, type Pattern } from '../../shared/eventbridge/match.ts'

/** The EC2 state-change event of the EventBridge user guide's examples, with the fields its patterns use. */
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    sourceIPAddress: '10.0.0.255',
    FileName: 'image.png',
    location: 'eventbridge/lib/handler',
    responseElements: null,
    eventVersion: '',
  },
}
const m = (pattern: Pattern) => matchesPattern(pattern, event)

describe('EventBridge pattern matching (user guide examples)', () => {
  it('matches exact values, any of a list, nested under detail', () => {
    expect(
      m({
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['terminated'] },
      }),
    ).toBe(true)
    expect(m({ detail: { state: ['pending', 'terminated'] } })).toBe(true)
    expect(m({ detail: { state: ['running'] } })).toBe(false)
    expect(m({ source: ['aws.s3'] })).toBe(false)
  })

  it('matches an array-valued event field when any element matches', () => {
    expect(
      m({ resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0', 'other'] }),
    ).toBe(true)
    expect(m({ resources: ['other'] })).toBe(false)
  })

  it('matches null and the empty string literally', () => {
    expect(m({ detail: { responseElements: [null] } })).toBe(true)
    expect(m({ detail: { eventVersion: [''] } })).toBe(true)
    expect(m({ detail: { state: [null] } })).toBe(false)
  })

  it('matches prefix and suffix, with and without equals-ignore-case', () => {
    expect(m({ time: [{ prefix: '2017-12-22' }] })).toBe(true)
    expect(m({ source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] })).toBe(true)
    expect(m({ detail: { FileName: [{ suffix: '.png' }] } })).toBe(true)
    expect(m({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.PNG' } }] } })).toBe(true)
    expect(m({ detail: { FileName: [{ suffix: '.PNG' }] } })).toBe(false)
  })

  it('matches anything-but a value, a list, a prefix, a suffix, ignoring case, and a wildcard', () => {
    expect(m({ detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(true)
    expect(m({ detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } })).toBe(false)
    expect(m({ detail: { state: [{ 'anything-but': { prefix: 'term' } }] } })).toBe(false)
    expect(m({ detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } })).toBe(true)
    expect(
      m({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'TERMINATED'] } }] } }),
    ).toBe(false)
    expect(m({ detail: { location: [{ 'anything-but': { wildcard: '*/lib/*' } }] } })).toBe(false)
  })

  it('matches numeric ranges', () => {
    expect(
      m({
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      }),
    ).toBe(true)
    expect(m({ detail: { 'c-count': [{ numeric: ['>', 5] }] } })).toBe(false)
  })

  it('matches IP addresses in a CIDR block', () => {
    expect(m({ detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } })).toBe(true)
    expect(m({ detail: { sourceIPAddress: [{ cidr: '10.0.1.0/24' }] } })).toBe(false)
  })

  it('matches exists on leaf fields only', () => {
    expect(m({ detail: { state: [{ exists: true }] } })).toBe(true)
    expect(m({ detail: { missing: [{ exists: false }] } })).toBe(true)
    expect(m({ detail: { state: [{ exists: false }] } })).toBe(false)
    expect(m({ detail: [{ exists: true }] } as unknown as Pattern)).toBe(false)
  })

  it('matches equals-ignore-case and wildcards', () => {
    expect(m({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] })).toBe(
      true,
    )
    expect(m({ resources: [{ wildcard: 'arn:aws:ec2:*:123456789012:instance/*' }] })).toBe(true)
    expect(m({ resources: [{ wildcard: 'arn:aws:s3:::*' }] })).toBe(false)
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true)
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axxb' })).toBe(false)
  })

  it('matches $or across fields', () => {
    const or = {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] },
    } as unknown as Pattern
    expect(m(or)).toBe(true)
    const none = {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { state: ['running'] }] },
    } as unknown as Pattern
    expect(m(none)).toBe(false)
  })
})
