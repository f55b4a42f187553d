import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonLineEntries, nestingDepth, parseCloudTrail } from '../../shared/cloudtrail/input.ts'
import { RECORD_FIELDS } from '../../shared/cloudtrail/schema.ts'
import { record } from '../support/events.ts'

const one = (fields: Record<string, unknown> = {}) =>
  record({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', ...fields })

const nestedRecords = (levels: number, inner: unknown = one()) => {
  let doc: unknown = inner
  for (let i = 0; i < levels; i++) doc = { Records: [doc] }
  return doc
}

/** Values that break naive code: objects that cannot become strings, prototype keys, huge and odd strings. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constant({ toString: 1 }),
  fc.constant({ toString: 1, valueOf: 1 }),
  fc.constant({ __proto__: null, toString: 'x' }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
  fc.constant('x'.repeat(300_000)),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(-0, 1e308, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY),
  fc.bigInt(),
)

/** A record whose every field may be missing, well-formed, or of a random type. */
const randomRecord = fc
  .record(
    Object.fromEntries(
      [...Object.keys(RECORD_FIELDS), 'Records', 'detail-type', 'detail', '__proto__', 'constructor'].map(
        (k) => [k, hostile],
      ),
    ),
    { requiredKeys: [] },
  )
  .map((r) => ({ ...one(), ...r }))

describe('parseCloudTrail on hostile input', () => {
  it('rejects 400 KB of nested arrays with a reason instead of overflowing the stack', () => {
    // Prepare
    const text = '['.repeat(200_000) + ']'.repeat(200_000)
    // Act
    const parsed = parseCloudTrail(text)
    // Assess
    expect(parsed.events).toEqual([])
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['nested deeper than 64 levels'])
  })

  it('rejects 20,000 nested Records envelopes, as text or parsed, instead of overflowing the stack', () => {
    // Prepare
    const doc = nestedRecords(20_000)
    const text = '{"Records":['.repeat(20_000) + JSON.stringify(one()) + ']}'.repeat(20_000)
    // Act
    const fromText = parseCloudTrail(text)
    const fromObject = parseCloudTrail(doc)
    // Assess
    for (const parsed of [fromText, fromObject]) {
      expect(parsed.events).toEqual([])
      expect(parsed.rejections.map((r) => r.reason)).toEqual(['nested deeper than 64 levels'])
    }
  })

  it('still reads envelopes nested a few levels deep', () => {
    // Act
    const parsed = parseCloudTrail(JSON.stringify(nestedRecords(10)))
    // Assess
    expect(parsed.events).toHaveLength(1)
  })

  it('rejects an EventBridge envelope whose detail-type is an object with a toString key', () => {
    // Prepare
    const text = JSON.stringify({ 'detail-type': { toString: 1 }, detail: one() })
    // Act
    const parsed = parseCloudTrail(`${text}\n${JSON.stringify(one())}`)
    // Assess
    expect(parsed.events).toHaveLength(1)
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [1, 'EventBridge event is not from CloudTrail: detail-type is not a string'],
    ])
  })

  it('rejects records whose fields cannot become strings, and keeps the records after them', () => {
    // Prepare
    const lines = [
      { eventSource: { toString: 1 }, eventName: 'ListUsers', eventID: 'a' },
      { eventSource: 'iam.amazonaws.com', eventName: { toString: 1 }, eventID: { toString: 1 } },
      one({
        userIdentity: {
          type: 'IAMUser',
          sessionContext: { attributes: { mfaAuthenticated: { toString: 1 } } },
        },
      }),
      one({ eventTime: { toString: 1 } }),
      one({ eventID: 42, recipientAccountId: 123456789012 }),
    ].map((r) => JSON.stringify(r))
    // Act
    const parsed = parseCloudTrail(lines.join('\n'))
    // Assess
    expect(parsed.rejections.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [1, 'eventSource'],
      [2, 'eventName'],
      [4, 'eventTime'],
    ])
    expect(parsed.events.map((e) => e.eventId)).toEqual([expect.any(String), '42'])
    expect(parsed.events[0]?.identity.mfaAuthenticated).toBe(false)
  })

  it('treats __proto__ and constructor keys as data, never as prototypes', () => {
    // Prepare
    const text = [
      '{"__proto__":{"Records":[1]},"eventSource":"iam.amazonaws.com","eventName":"constructor","eventID":"__proto__"}',
      '{"__proto__":{"eventName":"ListUsers","eventSource":"iam.amazonaws.com"}}',
      '{"constructor":{"prototype":{"polluted":true}},"eventSource":"iam.amazonaws.com","eventName":"__proto__","eventID":"x"}',
    ].join('\n')
    // Act
    const parsed = parseCloudTrail(text)
    // Assess
    expect(parsed.events.map((e) => [e.eventName, e.eventId])).toEqual([
      ['constructor', '__proto__'],
      ['__proto__', 'x'],
    ])
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([[2, 'missing eventName']])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('Records')
  })

  it('rejects a line nested too deep, or too large, and keeps the other lines', () => {
    // Prepare
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    const text = [JSON.stringify(one()), deep, 'x'.repeat(300_000), JSON.stringify(one())].join('\n')
    // Act
    const parsed = parseCloudTrail(text)
    // Assess
    expect(parsed.events).toHaveLength(2)
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'nested deeper than 64 levels'],
      [3, 'record too large: 300000 bytes exceeds 262144'],
    ])
  })

  it('numbers each record by its position in the input, and by its line in JSON lines', () => {
    // Prepare
    const logFile = JSON.stringify({ Records: [one({ eventID: 'a' }), 7, one({ eventID: 'b' })] })
    const jsonLines = [JSON.stringify(one({ eventID: 'c' })), '', 'nope', logFile].join('\n')
    // Act
    const fromDocument = parseCloudTrail(logFile).entries
    const fromLines = parseCloudTrail(jsonLines).entries
    // Assess
    expect(fromDocument.map((e) => [e.index, e.line, e.event?.eventId ?? e.rejection?.reason])).toEqual([
      [0, undefined, 'a'],
      [1, undefined, 'not a JSON object'],
      [2, undefined, 'b'],
    ])
    expect(fromLines.map((e) => [e.index, e.line, e.event?.eventId ?? e.rejection?.reason])).toEqual([
      [0, 1, 'c'],
      [1, 3, expect.stringMatching(/^not JSON: /)],
      [2, 4, 'a'],
      [3, 4, 'not a JSON object'],
      [4, 4, 'b'],
    ])
  })

  it('reads one line of a streamed JSON-lines file with its line number and first index', () => {
    // Act
    const entries = [...jsonLineEntries(JSON.stringify([one(), one()]), 12, 40)]
    // Assess
    expect(entries.map((e) => [e.line, e.index, Boolean(e.event)])).toEqual([
      [12, 40, true],
      [12, 41, true],
    ])
  })

  it('counts nesting outside strings only, and stops counting past its limit', () => {
    // Assess
    expect(nestingDepth('["[[[[", {"a": "}}\\"{{"}, [1, [2]]]', 64)).toBe(3)
    expect(nestingDepth('42', 64)).toBe(0)
    expect(nestingDepth('['.repeat(1000), 64)).toBe(65)
  })

  it('never throws on any JSON value, given as text or parsed, and numbers every entry (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const input of [value, JSON.stringify(value)]) {
          const parsed = parseCloudTrail(input)
          expect(parsed.entries.map((e) => e.index)).toEqual(parsed.entries.map((_, i) => i))
          expect(parsed.entries).toHaveLength(parsed.events.length + parsed.rejections.length)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on records whose fields have random types, alone, in envelopes or in log files (property)', () => {
    fc.assert(
      fc.property(randomRecord, hostile, (r, detailType) => {
        const inputs: unknown[] = [
          r,
          { 'detail-type': detailType, detail: r },
          { 'detail-type': 'AWS API Call via CloudTrail', detail: r },
          { Records: [r, r] },
        ]
        for (const input of inputs) {
          let text: string | undefined
          try {
            text = JSON.stringify(input)
          } catch {
            // BigInt: not JSON, but a parsed object may still carry one
          }
          for (const parsed of [
            parseCloudTrail(input),
            ...(text === undefined ? [] : [parseCloudTrail(text)]),
          ])
            expect(parsed.entries.map((e) => e.index)).toEqual(parsed.entries.map((_, i) => i))
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('parseCloudTrail on large documents', () => {
  const pad = ' '.repeat(300_000)
  const shapes = fc.oneof(
    fc.jsonValue(),
    fc.array(fc.oneof(fc.constant(one()), fc.jsonValue()), { maxLength: 8 }),
    fc
      .array(fc.oneof(fc.constant(one()), fc.constant({ Records: [one(), 3] }), fc.jsonValue()), {
        maxLength: 8,
      })
      .map((records) => ({ before: [1, { Records: 'no' }], Records: records, after: '"]}' })),
  )
  const summary = (p: ReturnType<typeof parseCloudTrail>) =>
    p.entries.map((e) => [e.index, e.line, e.event?.eventId ?? e.rejection?.reason])

  it('walks a large document record by record, with the entries parsing it whole gives (property)', () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), (doc, pretty) => {
        // Prepare
        const text = JSON.stringify(doc, null, pretty ? 2 : undefined) + pad
        // Act
        const walked = parseCloudTrail(text)
        // Assess
        expect(summary(walked)).toEqual(summary(parseCloudTrail(JSON.stringify(doc))))
      }),
      { numRuns: 200 },
    )
  })

  it('reads a large log file without parsing it whole, and rejects one oversized record in it', () => {
    // Prepare
    const records = Array.from({ length: 2000 }, (_, i) => one({ eventID: `e${i}` }))
    records.splice(5, 0, one({ eventID: 'huge', requestParameters: { blob: 'z'.repeat(2_000_000) } }))
    const text = JSON.stringify({ Records: records })
    // Act
    const parsed = parseCloudTrail(text)
    // Assess
    expect(parsed.events).toHaveLength(2000)
    expect(parsed.rejections.map((r) => r.reason)).toEqual([expect.stringMatching(/^record too large: /)])
    expect(parsed.entries[5]?.rejection).toBeDefined()
  })
})

describe('detections on hostile values', () => {
  it('judge a record whose policyArn, policyName, MFAUsed or accessKey are objects without throwing', async () => {
    const { normalizeRecord } = await import('../../shared/cloudtrail/parse.ts')
    const { detect } = await import('../../shared/detections/engine.ts')
    const { detectionSettings, parseConfig } = await import('../../shared/config/config.ts')
    const hostile = { toString: 1 }
    const settings = detectionSettings(parseConfig({}))
    for (const eventName of ['AttachUserPolicy', 'PutUserPolicy', 'CreateAccessKey', 'ConsoleLogin']) {
      const r = normalizeRecord({
        eventVersion: '1.09',
        eventID: `h-${eventName}`,
        eventTime: '2026-11-23T10:00:00Z',
        eventSource: eventName === 'ConsoleLogin' ? 'signin.amazonaws.com' : 'iam.amazonaws.com',
        eventName,
        awsRegion: 'us-east-1',
        userIdentity: { type: 'Root', arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' },
        requestParameters: { policyArn: hostile, policyName: hostile, userName: 'x' },
        responseElements: { accessKey: { accessKeyId: hostile }, ConsoleLogin: 'Success' },
        additionalEventData: { MFAUsed: hostile, LoginTo: hostile },
      })
      if (!r.ok) continue
      expect(() => detect(r.event, settings), eventName).not.toThrow()
    }
  })
})
