import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { parseCloudTrail } from '../../shared/cloudtrail/input.ts'
import { record } from '../support/events.ts'

const one = (fields: Record<string, unknown> = {}) =>
  record({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', ...fields })

describe('parseCloudTrail', () => {
  it('reads a bare record, an EventBridge envelope, a log file, an array, and JSON lines', () => {
    const envelope = {
      version: '0',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      detail: one(),
    }
    expect(parseCloudTrail(one()).events).toHaveLength(1)
    expect(parseCloudTrail(envelope).events[0]?.detailType).toBe('AWS API Call via CloudTrail')
    expect(parseCloudTrail(JSON.stringify({ Records: [one(), one()] })).events).toHaveLength(2)
    expect(parseCloudTrail([one(), envelope]).events).toHaveLength(2)
    expect(parseCloudTrail(`${JSON.stringify(one())}\n${JSON.stringify(one())}\n`).events).toHaveLength(2)
  })

  it('reads gzip', () => {
    expect(parseCloudTrail(gzipSync(JSON.stringify({ Records: [one()] }))).events).toHaveLength(1)
  })

  it('normalizes odd shapes: data-lake times, string booleans, lower-cased identity keys, JSON-string documents', () => {
    const [e] = parseCloudTrail(
      one({
        eventTime: '2024-06-02 19:41:40.000000000',
        readOnly: 'true',
        userIdentity: {
          TYPE: 'IAMUser',
          accountid: 112233445566,
          username: 'bob',
          sessioncontext: { attributes: { mfaauthenticated: 'true' } },
        },
        additionalEventData: '{"MFAUsed":"Yes"}',
      }),
    ).events
    expect(e?.eventTime?.toISOString()).toBe('2024-06-02T19:41:40.000Z')
    expect(e?.readOnly).toBe(true)
    expect(e?.identity).toMatchObject({
      type: 'IAMUser',
      accountId: '112233445566',
      userName: 'bob',
      mfaAuthenticated: true,
    })
    expect(e?.additionalEventData).toEqual({ MFAUsed: 'Yes' })
  })

  it('keeps an unreadable time as absent instead of rejecting the record', () => {
    expect(parseCloudTrail(one({ eventTime: 'redacted' })).events[0]?.eventTime).toBeUndefined()
  })

  it('rejects what it cannot use, with a reason, and keeps the rest of the batch', () => {
    const lines = [
      'not json',
      JSON.stringify(one()),
      JSON.stringify({ eventSource: 'iam.amazonaws.com' }),
      JSON.stringify(one({ eventName: 'Bad Name<script>' })),
    ]
    const parsed = parseCloudTrail(lines.join('\n'))
    expect(parsed.events).toHaveLength(1)
    expect(parsed.rejections.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [1, 'not JSON'],
      [3, 'missing eventName'],
      [4, 'eventName'],
    ])
  })

  it('rejects absurd sizes', () => {
    const parsed = parseCloudTrail(one({ userAgent: 'x'.repeat(9000) }))
    expect(parsed.rejections[0]?.reason).toMatch(/^userAgent/)
    const huge = parseCloudTrail(JSON.stringify(one({ requestParameters: { blob: 'y'.repeat(300_000) } })))
    expect(huge.rejections[0]?.reason).toMatch(/exceeds 262144/)
  })

  it('rejects EventBridge events that are not CloudTrail', () => {
    const parsed = parseCloudTrail({ 'detail-type': 'EC2 Instance State-change Notification', detail: {} })
    expect(parsed.rejections[0]?.reason).toMatch(/not from CloudTrail/)
  })
})
