import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cloudTrailEntries, jsonLineEntries, parseCloudTrail } from '../../shared/cloudtrail/input.ts'
import { parseJsonDocument } from '../../shared/cloudtrail/json.ts'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { DetectionIndex, type DetectionSettings, detect } from '../../shared/detections/engine.ts'
import { recordPrefilter } from '../../shared/detections/prefilter.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { serviceEvents } from '../../shared/detections/types.ts'
import { judgedLabels, recordOf } from '../support/corpus.ts'
import { ACCOUNT, alice, record, roleSession, root } from '../support/events.ts'

const index = new DetectionIndex(DETECTIONS)
const keep = recordPrefilter(index)
const SETTINGS: DetectionSettings[] = [
  detectionSettings(parseConfig({})),
  detectionSettings(
    parseConfig({
      trustedAccounts: ['111122223333'],
      monitor: {
        stage: 'prod',
        keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      },
      deployers: [`arn:aws:iam::${ACCOUNT}:role/deploy*`],
    }),
  ),
]

/** What detect makes of an input (any shape parseCloudTrail reads) under every settings: ids fired, counted, sighted. */
function judged(input: unknown): string[] {
  const out: string[] = []
  for (const e of parseCloudTrail(input).events)
    for (const settings of SETTINGS) {
      const r = detect(e, settings, index)
      out.push(
        ...r.fired.map((f) => `fired ${f.detection.id}`),
        ...r.counts.map((c) => `counted ${c.detection.id}`),
        ...r.sightings.map((s) => `sighted ${s.detection.id}`),
      )
    }
  return out
}

const s3GetObject = (identity: Record<string, unknown>) =>
  record({
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    eventCategory: 'Data',
    readOnly: true,
    userIdentity: identity,
    requestParameters: { bucketName: 'reports', key: 'q3.csv' },
  })
const envelope = (detail: unknown) => ({
  version: '0',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.s3',
  detail,
})

describe('the record pre-filter', () => {
  it('drops a read-only S3 GetObject by an assumed-role session, bare or in its EventBridge envelope', () => {
    // Prepare
    const raw = s3GetObject(roleSession)
    // Assess
    expect(keep(raw)).toBe(false)
    expect(keep(envelope(raw))).toBe(false)
    expect(judged(raw)).toEqual([])
  })

  it('keeps what some detection reads: its events, root, denied calls, long-term keys, versioned names', () => {
    // Prepare
    const akia = { ...alice, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }
    const asia = { ...roleSession, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' }
    // Assess
    expect(
      keep(record({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', userIdentity: asia })),
    ).toBe(true)
    expect(keep(record({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }))).toBe(true)
    expect(keep(s3GetObject(root))).toBe(true)
    expect(keep(s3GetObject(akia))).toBe(true)
    expect(keep(s3GetObject(asia))).toBe(false)
    expect(keep({ ...s3GetObject(asia), errorCode: 'AccessDenied' })).toBe(true)
    expect(keep({ ...s3GetObject(asia), errorCode: 'Client.UnauthorizedOperation' })).toBe(true)
    expect(keep({ ...s3GetObject(asia), errorCode: 'NoSuchKey' })).toBe(false)
    expect(keep(record({ eventSource: 'lambda.amazonaws.com', eventName: 'DeleteFunction20150331' }))).toBe(
      true,
    )
    expect(keep(record({ eventSource: 'lambda.amazonaws.com', eventName: 'GetFunction20150331v2' }))).toBe(
      false,
    )
    // a name read for one service only: CreateUser of IAM Identity Center's identity store is not IAM's
    expect(
      keep(record({ eventSource: 'ec2.amazonaws.com', eventName: 'CreateUser', userIdentity: asia })),
    ).toBe(false)
  })

  it('reads userIdentity as the normalizer does: lower-cased keys, numbers, a key spelled twice', () => {
    // Assess
    expect(keep(s3GetObject({ TYPE: 'Root', accountid: ACCOUNT }))).toBe(true)
    expect(keep(s3GetObject({ type: 'AssumedRole', Type: 'Root', principalId: 'x' }))).toBe(true)
    expect(keep(s3GetObject({ type: 'AssumedRole', accesskeyid: 'AKIAIOSFODNN7EXAMPLE' }))).toBe(true)
    expect(keep(s3GetObject({ type: 'AssumedRole', accessKeyId: 123 }))).toBe(false)
    for (const id of [{ TYPE: 'Root' }, { type: 'AssumedRole', Type: 'Root' }, { accesskeyid: 'AKIAX' }])
      expect(judged(s3GetObject(id)).length, JSON.stringify(id)).toBeGreaterThan(0)
  })

  it('keeps what is not a CloudTrail record as far as it can tell, so that it is still rejected', () => {
    // Prepare
    const odd: unknown[] = [
      null,
      7,
      'text',
      [s3GetObject(roleSession)],
      { eventSource: 's3.amazonaws.com' },
      { ...s3GetObject(roleSession), eventName: { toString: 1 } },
      { ...s3GetObject(roleSession), errorCode: { code: 'AccessDenied' } },
      { ...s3GetObject(roleSession), userIdentity: [root] },
      { 'detail-type': 'EC2 Instance State-change Notification', detail: s3GetObject(roleSession) },
      { 'detail-type': 'AWS API Call via CloudTrail', detail: 'not an object' },
      Object.assign(Object.create({ inherited: true }), s3GetObject(roleSession)),
    ]
    // Assess
    for (const x of odd) expect(keep(x), JSON.stringify(x)).toBe(true)
  })

  it('keeps the extra selectors it is given (the events that re-run posture checks), VPC-endpoint copies too', () => {
    // Prepare
    const also = recordPrefilter(index, {
      also: [{ kind: 'names', sources: ['s3.amazonaws.com'], names: ['GetObject'] }],
    })
    const copy = { ...s3GetObject(roleSession), eventCategory: 'NetworkActivity' }
    // Assess
    expect(also(s3GetObject(roleSession))).toBe(true)
    expect(also(copy)).toBe(true)
    expect(keep(copy)).toBe(false)
  })

  it('takes a list of detections as well as an index', () => {
    // Prepare
    const rootOnly = recordPrefilter(DETECTIONS.filter((d) => d.id === 'root-activity'))
    // Assess
    expect(rootOnly(s3GetObject(root))).toBe(true)
    expect(rootOnly(record({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }))).toBe(false)
  })

  it.skipIf(judgedLabels.length === 0)(
    'drops no corpus record that fires, counts or extends a baseline, bare or in an envelope',
    () => {
      // Prepare
      const records = judgedLabels.map((l) => ({ id: l.id, raw: parseJsonDocument(recordOf(l).toString()) }))
      // Act
      const unsafe = records.flatMap(({ id, raw }) =>
        [raw, envelope(raw)].flatMap((input) => (!keep(input) && judged(input).length > 0 ? [id] : [])),
      )
      const dropped = records.filter(({ raw }) => !keep(raw))
      // Assess
      expect(unsafe).toEqual([])
      expect(dropped.length).toBeGreaterThan(5)
      for (const { raw } of dropped) expect(judged(raw)).toEqual([])
    },
  )

  it('drops no generated record that fires, counts or extends a baseline (property)', () => {
    // Prepare: records mixing every selector's names and sources, identities, keys, error codes and the
    // documents of corpus records, so that detections fire on some of them.
    const declared = DETECTIONS.flatMap((d) => serviceEvents(d.events))
    const sources = [
      ...new Set([
        ...declared.map((s) => s.source),
        's3.amazonaws.com',
        'ec2.amazonaws.com',
        'x.amazonaws.com',
      ]),
    ]
    const names = [
      ...new Set([
        ...declared.flatMap((s) => s.names),
        ...declared.filter((s) => s.versioned).flatMap((s) => s.names.map((n) => `${n}20150331v2`)),
        'GetObject',
        'ListUsers',
        'DescribeInstances',
        'ConsoleLogin',
      ]),
    ]
    const corpusRaw = judgedLabels.map(
      (l) => parseJsonDocument(recordOf(l).toString()) as Record<string, unknown>,
    )
    // A request naming the monitor's own resources in every service's field, for monitor-tampered.
    const monitorResources = {
      functionName: 'iamwatch-prod-handler',
      name: 'iamwatch-prod-rule',
      rule: 'iamwatch-prod-rule',
      keyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      roleName: 'iamwatch-prod-scan',
      topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-prod-alerts`,
      tableName: 'iamwatch-prod-findings',
      logGroupName: '/aws/lambda/iamwatch-prod-handler',
    }
    const documents = (field: string) =>
      fc.oneof(
        {
          arbitrary: fc.constantFrom<unknown>(
            undefined,
            null,
            ...(field === 'requestParameters' ? [monitorResources, monitorResources] : []),
          ),
          weight: 1,
        },
        {
          arbitrary: fc.constantFrom<unknown>(
            ...corpusRaw.map((r) => (r.detail as Record<string, unknown> | undefined)?.[field] ?? r[field]),
          ),
          weight: 2,
        },
      )
    const spelled = (o: Record<string, unknown>, how: 'as is' | 'lower' | 'upper type') =>
      how === 'as is'
        ? o
        : Object.fromEntries(
            Object.entries(o).map(([k, v]) => [
              how === 'lower' ? k.toLowerCase() : k === 'type' ? 'Type' : k,
              v,
            ]),
          )
    const identity = fc
      .tuple(
        fc.oneof(
          fc.constantFrom<Record<string, unknown>>(alice, root, roleSession),
          fc.record({
            type: fc.constantFrom(
              'Root',
              'IAMUser',
              'AssumedRole',
              'AWSService',
              'FederatedUser',
              'AWSAccount',
            ),
            accessKeyId: fc.constantFrom('AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE', '', 'AKIA'),
            accountId: fc.constantFrom(ACCOUNT, '111122223333'),
            userName: fc.constantFrom('alice', 'bob'),
            arn: fc.constantFrom(`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:root`),
            invokedBy: fc.constantFrom(undefined, 'cloudformation.amazonaws.com', 'signin.amazonaws.com'),
          }),
          documents('userIdentity'),
        ),
        fc.constantFrom('as is', 'lower', 'upper type' as const),
      )
      .map(([id, how]) => (id && typeof id === 'object' ? spelled(id as Record<string, unknown>, how) : id))
    // Mostly the (service, event) pairs some selector declares, versioned names included; else any pair.
    const pairs = declared.flatMap((s) =>
      s.names.flatMap((n) => [
        { eventSource: s.source, eventName: n },
        ...(s.versioned ? [{ eventSource: s.source, eventName: `${n}20150331` }] : []),
      ]),
    )
    const event = fc.oneof(
      { arbitrary: fc.constantFrom(...pairs), weight: 2 },
      {
        arbitrary: fc.record({
          eventSource: fc.constantFrom(...sources),
          eventName: fc.constantFrom(...names),
        }),
        weight: 1,
      },
    )
    const generated = fc.record({
      event,
      eventCategory: fc.constantFrom(undefined, 'Management', 'NetworkActivity', 'Data'),
      errorCode: fc.constantFrom(
        undefined,
        null,
        '',
        'AccessDenied',
        'AccessDeniedException',
        'Client.UnauthorizedOperation',
        'NoSuchEntity',
        200,
      ),
      userIdentity: identity,
      sourceIPAddress: fc.constantFrom(
        '203.0.113.7',
        '2001:db8::1',
        'cloudformation.amazonaws.com',
        '',
        undefined,
      ),
      requestParameters: documents('requestParameters'),
      responseElements: fc.oneof(
        documents('responseElements'),
        fc.constantFrom({ ConsoleLogin: 'Success' }, { ConsoleLogin: 'Failure' }),
      ),
      additionalEventData: fc.oneof(documents('additionalEventData'), fc.constant({ MFAUsed: 'No' })),
      inEnvelope: fc.boolean(),
    })
    let dropped = 0
    // Act / Assess
    fc.assert(
      fc.property(generated, ({ inEnvelope, event, ...fields }) => {
        const raw = record({ ...event, ...fields })
        const input = inEnvelope ? envelope(raw) : raw
        if (keep(input)) return
        dropped++
        expect(judged(input)).toEqual([])
      }),
      { numRuns: 5000 },
    )
    expect(dropped).toBeGreaterThan(100)
  })
})

describe('parseCloudTrail with a keep filter', () => {
  const ignored = s3GetObject(roleSession)
  const read = record({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventID: 'read' })

  it('skips what the filter passes over: neither events nor rejections, numbered with the others', () => {
    // Prepare
    const log = JSON.stringify({ Records: [ignored, read, { eventSource: 'iam.amazonaws.com' }, ignored] })
    // Act
    const parsed = parseCloudTrail(log, { keep })
    const entries = [...cloudTrailEntries(log, { keep })]
    // Assess
    expect(parsed.events.map((e) => e.eventId)).toEqual(['read'])
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['missing eventName'])
    expect(parsed.skipped).toBe(2)
    expect(parsed.entries.map((e) => e.index)).toEqual([1, 2])
    expect(entries.map((e) => [e.index, e.skipped ?? false])).toEqual([
      [0, true],
      [1, false],
      [2, false],
      [3, true],
    ])
    expect(parseCloudTrail(log).skipped).toBe(0)
  })

  it('skips in every shape it reads: a record, an envelope, JSON lines, parsed objects, one streamed line', () => {
    // Prepare
    const lines = [ignored, read, envelope(ignored)].map((r) => JSON.stringify(r)).join('\n')
    // Act / Assess
    expect(parseCloudTrail(JSON.stringify(ignored), { keep }).skipped).toBe(1)
    expect(parseCloudTrail(envelope(ignored), { keep }).skipped).toBe(1)
    expect(parseCloudTrail([ignored, read], { keep })).toMatchObject({
      skipped: 1,
      events: [{ eventId: 'read' }],
    })
    const fromLines = parseCloudTrail(lines, { keep })
    expect([fromLines.skipped, fromLines.entries.map((e) => [e.line, e.index])]).toEqual([2, [[2, 1]]])
    expect([...jsonLineEntries(JSON.stringify([ignored, read]), 7, 40, { keep })]).toEqual([
      { index: 40, line: 7, skipped: true },
      { index: 41, line: 7, event: expect.objectContaining({ eventId: 'read' }) },
    ])
  })

  it('still rejects what is too large or too deep, whatever the filter says', () => {
    // Prepare
    const never = () => false
    const deep = { ...ignored, requestParameters: JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) }
    const large = { ...ignored, requestParameters: { blob: 'x'.repeat(300_000) } }
    // Act
    const parsed = parseCloudTrail([deep, large, ignored], { keep: never })
    // Assess
    expect(parsed.rejections.map((r) => r.reason)).toEqual([
      'nested deeper than 64 levels',
      expect.stringMatching(/^record too large/),
    ])
    expect(parsed.skipped).toBe(1)
    expect(parseCloudTrail(JSON.stringify(deep), { keep: never }).rejections).toHaveLength(1)
  })

  it('rejects a record whose filter throws, and reads the others', () => {
    // Act
    const parsed = parseCloudTrail([ignored, read], {
      keep: (r) => {
        if (r === ignored) throw new Error('boom')
        return true
      },
    })
    // Assess
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['could not be read: boom'])
    expect(parsed.events).toHaveLength(1)
  })
})
