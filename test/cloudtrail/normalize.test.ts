import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fewOpeners, nestingDepth } from '../../shared/cloudtrail/input.ts'
import { parseJsonDocument } from '../../shared/cloudtrail/json.ts'
import { acceptsRecord, normalizeRecord } from '../../shared/cloudtrail/parse.ts'
import { checkRecord } from '../../shared/cloudtrail/record-check.generated.ts'
import { RECORD_FIELDS } from '../../shared/cloudtrail/schema.ts'
import { MAX_TEXT } from '../../shared/cloudtrail/schema-limits.ts'

/** Values of every type a field may be given, near the schema's bounds. */
const value = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    'x',
    'iam.amazonaws.com',
    'Create_User:2.0-x',
    'Bad Name',
    'UPPER.amazonaws.com',
    'a'.repeat(128),
    'a'.repeat(129),
    'y'.repeat(MAX_TEXT),
    'y'.repeat(MAX_TEXT + 1),
    0,
    -1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    false,
    [],
    ['x'],
    {},
    { a: 1 },
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '-', '_', ':', ' ', 'é', '/'), maxLength: 8 }),
  fc.double(),
)
/** A valid record with up to three fields replaced by any value, or dropped. */
const randomRecord = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...Object.keys(RECORD_FIELDS)), value, { maxKeys: 3 }),
    fc.constantFrom<Record<string, unknown>>(
      { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventID: 'e1' },
      {
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        eventTime: '2026-11-23T10:00:00Z',
        userIdentity: { type: 'Root' },
        readOnly: false,
        errorCode: 'AccessDenied',
        requestParameters: null,
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: '{"MFAUsed":"No"}',
      },
    ),
  )
  .map(([changes, base]) => ({ ...base, ...changes }))

describe('normalizeRecord', () => {
  it('accepts exactly what the compiled schema accepts (property)', () => {
    fc.assert(
      fc.property(randomRecord, (r) => {
        // Act
        const result = normalizeRecord(r)
        // Assess
        expect(acceptsRecord(r)).toBe(checkRecord(r))
        if (!checkRecord(r)) expect(result.ok).toBe(false)
        else expect(result.ok).toBe(r.eventTime != null || r.eventID != null || r.userIdentity != null)
      }),
      { numRuns: 3000 },
    )
  })

  it('reads absent or unreadable documents as empty objects, frozen (documents are read, never written)', () => {
    // Act
    const result = normalizeRecord({
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListUsers',
      eventID: 'x',
      requestParameters: null,
      responseElements: 'not json',
    })
    // Assess
    if (!result.ok) throw new Error(result.rejection.reason)
    const { requestParameters, responseElements, additionalEventData } = result.event
    for (const document of [requestParameters, responseElements, additionalEventData]) {
      expect(document).toEqual({})
      expect(Object.isFrozen(document)).toBe(true)
    }
  })

  it('reads a field that is not enumerable as the schema does', () => {
    // Prepare
    const r = { eventSource: 'iam.amazonaws.com', eventID: 'a' }
    Object.defineProperty(r, 'eventName', { value: 'CreateUser', enumerable: false })
    // Act
    const result = normalizeRecord(r)
    // Assess
    expect(result.ok && result.event.eventName).toBe('CreateUser')
  })

  it('reads CloudTrail times as Date does, data-lake times as UTC, and anything else as absent (property)', () => {
    // Prepare: CloudTrail's form with fields in and out of range, and the other forms
    const two = (max: number) =>
      fc
        .oneof(
          { arbitrary: fc.integer({ min: 0, max: max + 1 }), weight: 9 },
          fc.integer({ min: 0, max: 99 }),
        )
        .map((n) => String(n).padStart(2, '0'))
    const fields = fc.tuple(
      fc.integer({ min: 990, max: 9999 }).map((y) => String(y).padStart(4, '0')),
      two(12),
      two(31),
      two(23),
      two(59),
      two(59),
    )
    /** Now and then one character of a field made something else than a digit. */
    const spoilt = (text: string) =>
      fc.oneof(
        { arbitrary: fc.constant(text), weight: 9 },
        fc
          .tuple(fc.nat(text.length - 1), fc.constantFrom('x', ' ', '-', ':', '.', '+', '٣'))
          .map(([i, c]) => `${text.slice(0, i)}${c}${text.slice(i + 1)}`),
      )
    const iso = fields.map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d}T${h}:${mi}:${s}Z`).chain(spoilt)
    // The data lake's form: a space for the T, no Z, maybe a fraction of any length (or a dot alone)
    const dataLakeTime = fc
      .tuple(fields, fc.option(fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 10 })))
      .map(
        ([[y, mo, d, h, mi, s], fraction]) =>
          `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction === null ? '' : `.${fraction}`}`,
      )
      .chain(spoilt)
    const other = fc.constantFrom(
      '2026-11-23T10:00:00.123Z',
      '2026-11-23T10:00:00+01:00',
      '2026-11-23 10:00:00',
      '2024-06-02 19:41:40.000000000',
      '2024-06-02 19:41:40.5',
      '2024-06-02 19:41:40.',
      '2024-06-02 19:41:40Z',
      '2024-06-02T19:41:40',
      'redacted',
      '2026-1a-23T10:00:00Z',
      '2026-11-23t10:00:00z',
    )
    fc.assert(
      fc.property(fc.oneof(iso, dataLakeTime, other), (time) => {
        // Act
        const result = normalizeRecord({
          eventSource: 'iam.amazonaws.com',
          eventName: 'ListUsers',
          eventTime: time,
        })
        // Assess
        const dataLake = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(time)
        const expected = new Date(
          dataLake ? `${dataLake[1]}T${dataLake[2]}${(dataLake[3] ?? '').slice(0, 4)}Z` : time,
        )
        expect(result.ok && result.event.eventTime?.getTime()).toBe(
          Number.isNaN(expected.getTime()) ? undefined : expected.getTime(),
        )
      }),
      { numRuns: 3000 },
    )
  })

  it('reads userIdentity as before: CloudTrail spellings as they are, others case-insensitively (property)', () => {
    // Prepare: identities with keys spelled as CloudTrail does, lower- or upper-cased, or twice
    const keys = [
      'type',
      'principalId',
      'arn',
      'accountId',
      'userName',
      'invokedBy',
      'accessKeyId',
      'credentialId',
    ]
    const leaf = fc.oneof(
      fc.constantFrom('Root', 'IAMUser', 'true', 'False', 'false', 'TRUE', 42, null, true, false, {
        toString: 1,
      }),
      fc.string(),
    )
    const spelling = fc.constantFrom<(k: string) => string>(
      (k) => k,
      (k) => k,
      (k) => k.toLowerCase(),
      (k) => k.toUpperCase(),
    )
    const level = (names: string[], extra: Record<string, fc.Arbitrary<unknown>> = {}) =>
      fc
        .tuple(
          fc.record({ ...Object.fromEntries(names.map((k) => [k, leaf])), ...extra }, { requiredKeys: [] }),
          fc.array(spelling, { minLength: 1, maxLength: 1 }),
          fc.boolean(),
        )
        .map(([o, [spell], twice]) => {
          const out: Record<string, unknown> = {}
          for (const [k, v] of Object.entries(o)) out[spell!(k)] = v
          if (twice && 'type' in o) out.TYPE = 'Root'
          return out
        })
    const identity = level(keys, {
      sessionContext: level(['webIdFederationData', 'sourceIdentity', 'ec2RoleDelivery'], {
        attributes: level(['mfaAuthenticated', 'creationDate']),
        sessionIssuer: level(['type', 'arn', 'accountId', 'userName', 'principalId']),
      }),
    })
    fc.assert(
      fc.property(identity, (userIdentity) => {
        // Act
        const result = normalizeRecord({
          eventSource: 'iam.amazonaws.com',
          eventName: 'ListUsers',
          eventID: 'x',
          userIdentity,
        })
        // Assess
        expect(result.ok && result.event.identity).toEqual(referenceIdentity(userIdentity))
      }),
      { numRuns: 2000 },
    )
  })
})

/** userIdentity as shared/cloudtrail/parse.ts read it before it was made faster: the reference. */
function referenceIdentity(raw: Record<string, unknown>) {
  const KNOWN = new Set([
    'type',
    'principalId',
    'arn',
    'accountId',
    'accessKeyId',
    'userName',
    'invokedBy',
    'sessionContext',
    'identityProvider',
    'credentialId',
    'onBehalfOf',
    'inScopeOf',
    'attributes',
    'sessionIssuer',
    'webIdFederationData',
    'sourceIdentity',
    'ec2RoleDelivery',
    'mfaAuthenticated',
    'creationDate',
    'assumedRoot',
    'userId',
    'identityStoreArn',
    'federatedProvider',
  ])
  const reader = (o: Record<string, unknown>) => {
    const ks = Object.keys(o)
    if (ks.every((k) => KNOWN.has(k))) return (key: string) => o[key]
    const lower = new Map(ks.map((k) => [k.toLowerCase(), o[k]]))
    return (key: string) => lower.get(key.toLowerCase())
  }
  const asReader = (x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? reader(x as Record<string, unknown>) : undefined
  const get = reader(raw)
  const s = (k: string) => {
    const x = get(k)
    if (typeof x === 'string') return x.length > MAX_TEXT ? x.slice(0, MAX_TEXT) : x
    return typeof x === 'number' ? String(x) : undefined
  }
  const context = asReader(get('sessionContext'))
  const issuer = asReader(context?.('sessionIssuer'))
  const attributes = asReader(context?.('attributes'))
  const issuerStr = (k: string) => {
    const x = issuer?.(k)
    return typeof x === 'string' ? x : undefined
  }
  const mfa = attributes?.('mfaAuthenticated')
  const primitive = (x: unknown) => (typeof x === 'string' || typeof x === 'number' ? x : undefined)
  return {
    type: s('type'),
    principalId: s('principalId'),
    arn: s('arn'),
    accountId: s('accountId'),
    userName: s('userName'),
    invokedBy: s('invokedBy'),
    accessKeyId: s('accessKeyId'),
    ...(issuer
      ? {
          issuer: {
            type: issuerStr('type'),
            arn: issuerStr('arn'),
            accountId: issuerStr('accountId'),
            userName: issuerStr('userName'),
          },
        }
      : {}),
    ...(mfa !== undefined
      ? { mfaAuthenticated: mfa === true || String(primitive(mfa)).toLowerCase() === 'true' }
      : {}),
  }
}

/** Nesting counted one character at a time, as the scan did before it skipped strings natively: the reference. */
function referenceDepth(text: string, limit: number, start: number, end: number): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth
        if (max > limit) break
      }
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return max
}

describe('the nesting pre-scan', () => {
  const jsonish = fc.string({
    unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ', ','),
    maxLength: 60,
  })

  it('counts brackets outside strings as a scan of every character does, in any range (property)', () => {
    fc.assert(
      fc.property(jsonish, fc.nat(8), fc.nat(60), fc.nat(60), (text, limit, a, b) => {
        const [start, end] = [Math.min(a, b, text.length), Math.min(Math.max(a, b), text.length)]
        expect(nestingDepth(text, limit, start, end)).toBe(referenceDepth(text, limit, start, end))
      }),
      { numRuns: 5000 },
    )
  })

  it('lets a text through unscanned only when its brackets cannot nest past the limit (property)', () => {
    fc.assert(
      fc.property(jsonish, fc.nat(10), (text, limit) => {
        const openers = [...text].filter((c) => c === '[' || c === '{').length
        expect(fewOpeners(text, limit)).toBe(openers <= limit)
        if (fewOpeners(text, limit)) expect(nestingDepth(text, limit)).toBeLessThanOrEqual(limit)
      }),
      { numRuns: 3000 },
    )
  })
})

describe('parseJsonDocument', () => {
  it('reads a document as it is, or URL-encoded, and nothing else', () => {
    expect(parseJsonDocument('{"Version":"2012-10-17"}')).toEqual({ Version: '2012-10-17' })
    expect(parseJsonDocument(' %7B%22a%22%3A1%7D')).toEqual({ a: 1 })
    expect(parseJsonDocument('%7B%22a%22%3A1%7D')).toEqual({ a: 1 })
    expect(parseJsonDocument('"%41"')).toBe('%41')
    expect(parseJsonDocument('%E0%A4%A')).toBeUndefined()
    expect(parseJsonDocument('{nope')).toBeUndefined()
  })
})
