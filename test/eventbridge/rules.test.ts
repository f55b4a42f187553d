import { describe, expect, it } from 'vitest'
import { parseJsonDocument } from '../../shared/cloudtrail/json.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import { postureTriggerEvents, rulePatterns, toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { corpusFile, corpusPresent, labels } from '../support/corpus.ts'
import { record } from '../support/events.ts'

const rules = rulePatterns()
const matched = (raw: Record<string, unknown>) =>
  rules.filter((r) => matchesPattern(r.pattern, toEventBridge(raw))).map((r) => r.name)
const declared = new Set(
  DETECTIONS.flatMap(({ events }) =>
    events.kind === 'names' ? events.names.map((n) => `${events.sources.join('|')}#${n}`) : [],
  ),
)
const isDeclared = (source: string, name: string) =>
  [...declared].some((k) => k.split('#')[0]!.split('|').includes(source) && k.endsWith(`#${name}`)) ||
  (postureTriggerEvents().get(source)?.includes(name) ?? false)

describe('the generated EventBridge rules', () => {
  it("subscribe to every detection's declared events", () => {
    for (const d of DETECTIONS) {
      if (d.events.kind !== 'names') continue
      for (const source of d.events.sources) {
        for (const name of d.events.names) {
          const eventSource = source
          expect(
            matched(record({ eventSource, eventName: name })).length,
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
    expect(rules.filter((r) => r.allManagementEvents).map((r) => r.name)).toEqual(['identity', 'denied'])
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

describe.skipIf(!corpusPresent)('the rules against the labelled corpus', () => {
  const records = labels.flatMap((label) => {
    const raw = parseJsonDocument(corpusFile(label.file).toString()) as Record<string, unknown>
    const detail = (raw.detail as Record<string, unknown> | undefined) ?? raw
    return typeof detail.eventName === 'string' ? [{ label, detail }] : []
  })

  it('route each record to at most one rule, so no event invokes the handler twice', () => {
    const twice = records.filter(({ detail }) => matched(detail).length > 1)
    expect(twice.map((r) => `${r.label.file}: ${matched(r.detail).join(', ')}`)).toEqual([])
  })

  it('route every record that must fire or count', () => {
    const missed = records.filter(
      ({ label, detail }) => label.expect.length + label.counts.length > 0 && matched(detail).length === 0,
    )
    expect(missed.map((r) => r.label.file)).toEqual([])
  })

  it('do not route records nobody reads', () => {
    const unrelated = records.filter(
      ({ label, detail }) =>
        label.expect.length + label.counts.length === 0 &&
        !isDeclared(String(detail.eventSource), String(detail.eventName)) &&
        (detail.userIdentity as { type?: string } | undefined)?.type !== 'Root',
    )
    expect(unrelated.length).toBeGreaterThan(10)
    expect(unrelated.filter(({ detail }) => matched(detail).length > 0).map((r) => r.label.file)).toEqual([])
  })
})
