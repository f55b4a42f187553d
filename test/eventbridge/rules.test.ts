import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseJsonDocument } from '../../shared/cloudtrail/json.ts'
import { apiName } from '../../shared/detections/helpers.ts'
import { MONITOR_EVENTS } from '../../shared/detections/monitor-tampered.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { serviceEvents } from '../../shared/detections/types.ts'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import {
  monitorDirectRule,
  postureTriggerEvents,
  rulePatterns,
  toEventBridge,
} from '../../shared/eventbridge/patterns.ts'
import { anyCorpusPresent, judgedLabels, recordOf } from '../support/corpus.ts'
import { record } from '../support/events.ts'

const rules = rulePatterns()
/** The handler's rules a record matches (the queue's rule is asserted on its own). */
const matched = (raw: Record<string, unknown>) =>
  rules
    .filter((r) => r.target === 'handler' && matchesPattern(r.pattern, toEventBridge(raw)))
    .map((r) => r.name)
const queued = (raw: Record<string, unknown>) =>
  rules
    .filter((r) => r.target === 'queue' && matchesPattern(r.pattern, toEventBridge(raw)))
    .map((r) => r.name)
const declared = DETECTIONS.flatMap(({ events }) => serviceEvents(events))
const isDeclared = (source: string, name: string) =>
  declared.some(
    (s) =>
      s.source === source && (s.names.includes(name) || (s.versioned && s.names.includes(apiName(name)))),
  ) ||
  (postureTriggerEvents().get(source)?.includes(name) ?? false)

describe('the generated EventBridge rules', () => {
  it("subscribe to every detection's declared events", () => {
    for (const d of DETECTIONS) {
      for (const { source, names } of serviceEvents(d.events)) {
        for (const name of names) {
          expect(
            matched(record({ eventSource: source, eventName: name })).length,
            `${d.id}: ${source} ${name}`,
          ).toBeGreaterThan(0)
        }
      }
    }
  })

  it("route every check's re-evaluation trigger by the event's own service", () => {
    // Prepare: every (service, event) a check re-runs on, e.g. cloudtrail StopLogging, access-analyzer CreateAnalyzer
    const triggers = [...postureTriggerEvents()].flatMap(([eventSource, names]) =>
      names.map((eventName) => ({ eventSource, eventName })),
    )
    // Act
    const unrouted = triggers.filter((t) => matched(record(t)).length === 0)
    // Assess
    expect(triggers).toContainEqual({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })
    expect(triggers).toContainEqual({
      eventSource: 'access-analyzer.amazonaws.com',
      eventName: 'CreateAnalyzer',
    })
    expect(unrouted).toEqual([])
  })

  it('route anything root does and every denied call, read-only ones included', () => {
    expect(
      matched(
        record({
          eventSource: 'ec2.amazonaws.com',
          eventName: 'DescribeInstances',
          userIdentity: { type: 'Root' },
        }),
      ),
    ).toEqual(['identity'])
    expect(
      matched(
        record({
          eventSource: 'ec2.amazonaws.com',
          eventName: 'RunInstances',
          errorCode: 'Client.UnauthorizedOperation',
        }),
      ),
    ).toEqual(['denied'])
    expect(rules.filter((r) => r.allManagementEvents).map((r) => r.name)).toEqual([
      'identity',
      'denied',
      'access-keys',
    ])
  })

  it('send every call signed with a long-term key, read-only and denied ones too, to the queue and nothing else there', () => {
    // Prepare
    const withKey = (accessKeyId: string, fields: Record<string, unknown> = {}) =>
      record({
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        readOnly: true,
        userIdentity: { type: 'IAMUser', userName: 'alice', accessKeyId },
        ...fields,
      })
    // Act + Assess
    expect(queued(withKey('AKIAIOSFODNN7EXAMPLE'))).toEqual(['access-keys'])
    expect(queued(withKey('AKIAIOSFODNN7EXAMPLE', { errorCode: 'AccessDenied' }))).toEqual(['access-keys'])
    expect(queued(withKey('ASIAIOSFODNN7EXAMPLE'))).toEqual([])
    expect(matched(withKey('AKIAIOSFODNN7EXAMPLE'))).toEqual([])
    expect(rules.filter((r) => r.target === 'queue').map((r) => r.name)).toEqual(['access-keys'])
  })

  it("match no forged event: a custom source cannot pass for CloudTrail's", () => {
    // Prepare: what anyone with events:PutEvents could send (EventBridge refuses only `aws.` sources)
    const forged = (detail: Record<string, unknown>) => ({
      ...toEventBridge(detail),
      source: 'my.app',
    })
    const events = [
      record({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', userIdentity: { type: 'Root' } }),
      record({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', errorCode: 'AccessDenied' }),
      record({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }),
      record({
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
      }),
    ]
    // Act
    const hits = events.flatMap((e) =>
      rules.filter((r) => matchesPattern(r.pattern, forged(e))).map((r) => r.name),
    )
    // Assess
    expect(hits).toEqual([])
  })

  it('take GetSigninToken, an API call of the sign-in service, as well as console sign-ins', () => {
    expect(
      matched(
        record({
          eventSource: 'signin.amazonaws.com',
          eventName: 'GetSigninToken',
          eventType: 'AwsApiCall',
          userIdentity: { type: 'FederatedUser' },
        }),
      ),
    ).toEqual(['signin'])
  })

  it('leave IAM and Organizations to the home region and forward the regional ones', () => {
    expect(rules.filter((r) => !r.regional).map((r) => r.name)).toEqual(['iam', 'organizations'])
  })

  it("include the IAM events that re-evaluate a user's posture", () => {
    expect(matched(record({ eventSource: 'iam.amazonaws.com', eventName: 'DeleteUser' }))).toEqual(['iam'])
  })

  it('stay within limits EventBridge accepts (pattern size)', () => {
    for (const r of rules) expect(JSON.stringify(r.pattern).length, r.name).toBeLessThanOrEqual(4096)
  })
})

describe.skipIf(!anyCorpusPresent)('the rules against the labelled corpora (B and B2)', () => {
  const records = judgedLabels.flatMap((label) => {
    const raw = parseJsonDocument(recordOf(label).toString()) as Record<string, unknown>
    const detail = (raw.detail as Record<string, unknown> | undefined) ?? raw
    return typeof detail.eventName === 'string' ? [{ label, detail }] : []
  })

  it('route each record to at most one rule, so no event invokes the handler twice', () => {
    const twice = records.filter(({ detail }) => matched(detail).length > 1)
    expect(twice.map((r) => `${r.label.id}: ${matched(r.detail).join(', ')}`)).toEqual([])
  })

  it('route every record that must fire or count', () => {
    const missed = records.filter(
      ({ label, detail }) => label.expect.length + label.counts.length > 0 && matched(detail).length === 0,
    )
    expect(missed.map((r) => r.label.id)).toEqual([])
  })

  it('do not route records nobody reads', () => {
    const unrelated = records.filter(
      ({ label, detail }) =>
        label.expect.length + label.counts.length === 0 &&
        !isDeclared(String(detail.eventSource), String(detail.eventName)) &&
        (detail.userIdentity as { type?: string } | undefined)?.type !== 'Root',
    )
    expect(unrelated.length).toBeGreaterThan(10)
    expect(unrelated.filter(({ detail }) => matched(detail).length > 0).map((r) => r.label.id)).toEqual([])
  })
})

describe('the rules for the monitor-tampered events', () => {
  const versioned = (source: string, name: string) =>
    source === 'lambda.amazonaws.com' && name !== 'PutFunctionConcurrency'
      ? `${name}20150331`
      : source === 'lambda.amazonaws.com'
        ? `${name}20171031`
        : name

  it('route every catalog event to the handler once, by its service rule, regional except IAM', () => {
    // Prepare
    const events = MONITOR_EVENTS.flatMap((s) =>
      s.names.map((n) => ({ eventSource: s.source, eventName: versioned(s.source, n) })),
    )
    // Act
    const routed = events.map((e) => ({ ...e, rules: matched(record(e)) }))
    // Assess
    for (const r of routed) {
      const service = r.eventSource.replace('.amazonaws.com', '')
      expect(r.rules, `${r.eventSource} ${r.eventName}`).toEqual([service])
      expect(rules.find((x) => x.name === service)!.regional).toBe(service !== 'iam')
    }
  })

  it('match Lambda event names by prefix, whatever API version they carry', () => {
    // Prepare
    const lambda = rules.find((r) => r.name === 'lambda')!
    // Act
    const names = (lambda.pattern.detail as { eventName: unknown[] }).eventName
    // Assess
    expect(names).toContainEqual({ prefix: 'DeleteFunction' })
    expect(names).toContainEqual({ prefix: 'UpdateFunctionConfiguration' })
    expect(names.filter((n) => typeof n === 'string')).toEqual([])
    for (const eventName of [
      'PutFunctionConcurrency20171031',
      'UpdateFunctionConfiguration20150331v2',
      'DeleteFunction',
    ])
      expect(matched(record({ eventSource: 'lambda.amazonaws.com', eventName }))).toEqual(['lambda'])
  })

  it('route the root user changing the monitor through the identity rule only', () => {
    expect(
      matched(
        record({
          eventSource: 'lambda.amazonaws.com',
          eventName: 'DeleteFunction20150331',
          userIdentity: { type: 'Root', accountId: '123456789012' },
        }),
      ),
    ).toEqual(['identity'])
  })

  it('route each realistic monitor-tampered record to exactly one rule, failed calls only as denied', () => {
    // Prepare
    const dir = new URL('../detections/fixtures/monitor-tampered/', import.meta.url)
    const fixtures = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ f, ...JSON.parse(readFileSync(new URL(f, dir), 'utf8')) }))
    // Act / Assess
    for (const { f, expect: outcome, record: raw } of fixtures) {
      const routedTo = matched(raw)
      if (outcome === 'fires') expect(routedTo, f).toHaveLength(1)
      else expect(routedTo.length, f).toBeLessThanOrEqual(1)
      if (raw.errorCode && /^AccessDenied/.test(raw.errorCode)) expect(routedTo, f).toEqual(['denied'])
    }
  })
})

describe("the direct rule for the monitor's own resources", () => {
  const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
  const direct = monitorDirectRule({ app: 'iamwatch-prod', keyArn: KEY_ARN })
  const dir = new URL('../detections/fixtures/monitor-tampered/', import.meta.url)
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, ...JSON.parse(readFileSync(new URL(f, dir), 'utf8')) }))
  const hits = (raw: Record<string, unknown>) => matchesPattern(direct.pattern, toEventBridge(raw))

  it("matches every change the detection recognises by the deployment's names or key", () => {
    const byName = fixtures.filter((x) => x.expect === 'fires' && x.f !== '06-events-PutRule-tagged.json')
    expect(byName.length).toBeGreaterThan(30)
    for (const { f, record: raw } of byName) expect(hits(raw), f).toBe(true)
  })

  it('matches nothing else: other resources, failed calls, near-miss APIs', () => {
    for (const { f, record: raw } of fixtures.filter((x) => x.expect === 'silent'))
      expect(hits(raw), f).toBe(false)
    const otherStage = record({
      eventSource: 'lambda.amazonaws.com',
      eventName: 'DeleteFunction20150331',
      requestParameters: { functionName: 'iamwatch-dev-notify' },
    })
    expect(hits(otherStage)).toBe(false)
  })

  it('matches the same change arriving from another region', () => {
    const forwarded = record({
      eventSource: 'events.amazonaws.com',
      eventName: 'DeleteRule',
      awsRegion: 'eu-west-1',
      requestParameters: { name: 'iamwatch-prod-forward-events' },
    })
    expect(hits(forwarded)).toBe(true)
  })

  it('stays within the pattern size EventBridge accepts', () => {
    expect(JSON.stringify(direct.pattern).length).toBeLessThanOrEqual(4096)
  })

  it('turns the event into a readable message: who, what, which resource, when, region, eventID', () => {
    // Prepare
    const f = fixtures.find((x) => x.f === '12-lambda-PutFunctionConcurrency.json')!
    // Act
    const message = renderInputTransformer(direct.inputTransformer, toEventBridge(f.record))
    // Assess
    expect(message).toContain('iamwatch')
    expect(message).toContain('arn:aws:sts::123456789012:assumed-role/Operator/mallory')
    expect(message).toContain('lambda.amazonaws.com PutFunctionConcurrency20171031')
    expect(message).toContain('iamwatch-prod-on-cloudtrail-event')
    expect(message).toContain(String(f.record.eventTime))
    expect(message).toContain('us-east-1')
    expect(message).toContain(String(f.record.eventID))
    expect(message).not.toMatch(/<[a-zA-Z]+>/)
  })

  it('names the resource of every kind of change in the message', () => {
    for (const { f, resource, record: raw } of fixtures.filter(
      (x) => x.expect === 'fires' && x.f !== '06-events-PutRule-tagged.json',
    )) {
      const message = renderInputTransformer(direct.inputTransformer, toEventBridge(raw))
      const shown = f.startsWith('13-') || f.startsWith('14-') ? 'iamwatch-prod-notify' : resource
      expect(message, f).toContain(shown)
    }
  })
})

/**
 * What EventBridge delivers for an input transformer (EventBridge user guide, "Amazon EventBridge input
 * transformation"): each variable takes the value at its JSON path; a path that does not exist leaves its
 * variable uncreated and out of the output; the template is a JSON string.
 */
function renderInputTransformer(
  t: { inputPaths: Record<string, string>; inputTemplate: string },
  e: Record<string, unknown>,
): string {
  const value = (path: string) =>
    path
      .replace(/^\$\./, '')
      .split('.')
      .reduce<unknown>(
        (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
        e,
      )
  const text = t.inputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (_, name: string) => {
    const v = t.inputPaths[name] === undefined ? undefined : value(t.inputPaths[name]!)
    return v === undefined || v === null ? '' : String(v)
  })
  return JSON.parse(text) as string
}
