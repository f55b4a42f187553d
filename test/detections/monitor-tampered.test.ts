import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { detect } from '../../shared/detections/engine.ts'
import { MONITOR_EVENTS, monitorTampered } from '../../shared/detections/monitor-tampered.ts'
import { event, record } from '../support/events.ts'

/**
 * One realistic CloudTrail record per catalog event (and negatives), each file noting where its shape comes
 * from: `{ note, source, expect: 'fires' | 'silent', resource?, record }`.
 */
interface Fixture {
  file: string
  note: string
  source: string
  expect: 'fires' | 'silent'
  resource?: string
  record: Record<string, unknown>
}
const DIR = new URL('./fixtures/monitor-tampered/', import.meta.url)
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) }))

/** The deployed key of the fixtures: the key of the KMS developer guide's CloudTrail examples. */
const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const DEPLOYED = { monitor: { keyArn: KEY_ARN, stage: 'prod' } }

const fired = (raw: Record<string, unknown>, config: unknown = DEPLOYED) =>
  detect(event(raw), detectionSettings(parseConfig(config))).fired.find(
    (f) => f.detection.id === 'monitor-tampered',
  )
const lambda = (eventName: string, functionName: string) =>
  record({ eventSource: 'lambda.amazonaws.com', eventName, requestParameters: { functionName } })

describe('monitor-tampered', () => {
  it('has a realistic record of every catalog event, each noting where its shape comes from', () => {
    // Prepare
    const covered = new Set(
      fixtures
        .filter((f) => f.expect === 'fires')
        .map((f) => `${f.record.eventSource} ${String(f.record.eventName).replace(/\d{8}(v\d+)?$/, '')}`),
    )
    // Act
    const missing = MONITOR_EVENTS.flatMap((s) =>
      s.names.map((n) => `${s.source} ${n}`).filter((k) => !covered.has(k)),
    )
    // Assess
    expect(MONITOR_EVENTS.flatMap((s) => s.names)).toHaveLength(34)
    expect(missing).toEqual([])
    for (const f of fixtures) {
      expect(f.note.length, f.file).toBeGreaterThan(40)
      expect(f.source, f.file).toMatch(/^https:\/\//)
    }
  })

  it.each(fixtures.filter((f) => f.expect === 'fires').map((f) => [f.file, f] as const))(
    '%s: fires, critical, naming the resource it recognised',
    (_file, f) => {
      // Act
      const hit = fired(f.record)
      // Assess
      expect(hit, f.note).toBeDefined()
      expect(hit!.severity).toBe('critical')
      expect(hit!.details.resource).toBe(f.resource)
    },
  )

  it.each(fixtures.filter((f) => f.expect === 'silent').map((f) => [f.file, f] as const))(
    '%s: does not fire',
    (_file, f) => {
      expect(fired(f.record), f.note).toBeUndefined()
    },
  )

  it('matches Lambda event names with or without their API-version suffix, and no other API sharing the prefix', () => {
    // Prepare
    const fn = 'iamwatch-prod-notify'
    // Act / Assess
    for (const name of [
      'DeleteFunction',
      'DeleteFunction20150331',
      'UpdateFunctionCode20150331v2',
      'UpdateFunctionConfiguration20150331v2',
      'PutFunctionConcurrency20171031',
      'RemovePermission20150331',
      'RemovePermission20150331v2',
    ])
      expect(fired(lambda(name, fn)), name).toBeDefined()
    for (const name of [
      'DeleteFunctionConcurrency20171031',
      'DeleteFunctionUrlConfig',
      'DeleteFunctionEventInvokeConfig',
      'UpdateFunctionCodeSigningConfig',
      'GetFunction20150331v2',
      'DeleteFunctionX20150331',
    ])
      expect(fired(lambda(name, fn)), name).toBeUndefined()
  })

  it("recognises the deployed key by its id, its ARN, and the monitor's aliases, and no other key", () => {
    // Prepare
    const kms = (keyId: string) =>
      record({
        eventSource: 'kms.amazonaws.com',
        eventName: 'ScheduleKeyDeletion',
        requestParameters: { keyId },
      })
    // Act / Assess
    expect(fired(kms('1234abcd-12ab-34cd-56ef-1234567890ab'))?.details).toMatchObject({ recognisedBy: 'key' })
    expect(fired(kms(KEY_ARN))).toBeDefined()
    expect(fired(kms('alias/iamwatch-prod'))?.details).toMatchObject({ recognisedBy: 'name' })
    expect(fired(kms('arn:aws:kms:us-east-1:123456789012:alias/iamwatch-prod'))).toBeDefined()
    expect(fired(kms('alias/payments'))).toBeUndefined()
    expect(fired(kms('0987dcba-09fe-87dc-65ba-ab0987654321'))).toBeUndefined()
  })

  it('does not know the key by its id when no key ARN is configured', () => {
    // Prepare
    const documented = fixtures.find((f) => f.file === '16-kms-DisableKey.json')!
    // Act / Assess
    expect(fired(documented.record, {})).toBeUndefined()
  })

  it('recognises a resource by its stage tag only for the configured stage', () => {
    // Prepare
    const tagged = fixtures.find((f) => f.file === '06-events-PutRule-tagged.json')!
    // Act / Assess
    expect(fired(tagged.record)?.details).toMatchObject({ recognisedBy: 'tag' })
    expect(fired(tagged.record, { monitor: { stage: 'dev' } })).toBeUndefined()
    expect(fired(tagged.record, {})).toBeUndefined()
  })

  it('uses the configured name prefix instead of the default', () => {
    // Prepare
    const config = { detections: { 'monitor-tampered': { params: { resourcePrefix: 'secmon-' } } } }
    // Act / Assess
    expect(fired(lambda('DeleteFunction20150331', 'secmon-prod-notify'), config)).toBeDefined()
    expect(fired(lambda('DeleteFunction20150331', 'iamwatch-prod-notify'), config)).toBeUndefined()
  })

  it('can be switched off like any detection', () => {
    const config = { detections: { 'monitor-tampered': { enabled: false } } }
    expect(fired(lambda('DeleteFunction20150331', 'iamwatch-prod-notify'), config)).toBeUndefined()
  })

  it('tells who changed which resource of the monitor, and how', () => {
    // Prepare
    const f = fixtures.find((x) => x.file === '12-lambda-PutFunctionConcurrency.json')!
    // Act
    const context = monitorTampered.context!(event(f.record))
    // Assess
    expect(context).toEqual({
      service: 'lambda',
      change: 'PutFunctionConcurrency20171031',
      resource: 'iamwatch-prod-on-cloudtrail-event',
    })
    expect(monitorTampered.principal(event(f.record))).toBe(
      'arn:aws:sts::123456789012:assumed-role/Operator/mallory',
    )
  })
})
