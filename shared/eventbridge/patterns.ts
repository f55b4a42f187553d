import { CHECKS } from '../checks/registry.ts'
import { triggerEvents } from '../checks/types.ts'
import { DETECTIONS } from '../detections/registry.ts'
import type { AnyDetection } from '../detections/types.ts'
import type { Pattern } from './match.ts'

export const API_CALL = 'AWS API Call via CloudTrail'
export const CONSOLE_SIGN_IN = 'AWS Console Sign In via CloudTrail'

/** CloudTrail events appear on EventBridge with source "aws.<service>". */
export const eventBridgeSource = (eventSource: string) =>
  `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`

/** Services whose events reach EventBridge only in us-east-1 (IAM, Organizations; root sign-ins too). */
export const GLOBAL_SOURCES = new Set(['iam.amazonaws.com', 'organizations.amazonaws.com'])

export interface RulePattern {
  /** A short name for the rule. */
  name: string
  pattern: Pattern
  /** Read-only management events reach EventBridge only on rules in this state. */
  allManagementEvents: boolean
  /** False for events that only ever arrive in the home region. */
  regional: boolean
}

/**
 * The events after which checks re-run, by CloudTrail event source (iam.amazonaws.com, ...): the checks'
 * declared triggers, so that a trail or analyzer event is routed by its own service's rule.
 */
export function postureTriggerEvents(): Map<string, string[]> {
  const bySource = new Map<string, Set<string>>()
  for (const [service, name] of CHECKS.flatMap(triggerEvents).map((t) => t.split(':') as [string, string])) {
    const source = `${service}.amazonaws.com`
    bySource.set(source, (bySource.get(source) ?? new Set<string>()).add(name))
  }
  return new Map([...bySource].map(([source, names]) => [source, [...names].sort()]))
}

/**
 * The EventBridge rules, generated from what the detections (and the checks' re-evaluation triggers)
 * declare: one rule per event source with its event names, one for anything the root user does, one for
 * denied calls. Adding a detection changes these.
 */
export function rulePatterns(detections: readonly AnyDetection[] = DETECTIONS): RulePattern[] {
  const bySource = new Map<string, Set<string>>()
  const add = (source: string, names: readonly string[]) => {
    const set = bySource.get(source) ?? new Set<string>()
    for (const n of names) set.add(n)
    bySource.set(source, set)
  }
  const rules: RulePattern[] = []
  for (const d of detections) {
    if (d.events.kind === 'names') for (const s of d.events.sources) add(s, d.events.names)
  }
  for (const [source, names] of postureTriggerEvents()) add(source, names)
  const identityTypes = [
    ...new Set(detections.flatMap((d) => (d.events.kind === 'identity' ? d.events.identityTypes : []))),
  ]
  // Rules are disjoint, so each event invokes the handler once: the identity rule takes everything those
  // principals do; the denied rule takes everyone else's denied calls; the service rules take the rest
  // (no errorCode: every change detection is success-only, and failed sign-ins carry none).
  const notIdentity: Pattern =
    identityTypes.length > 0 ? { userIdentity: { type: [{ 'anything-but': identityTypes }] } } : {}
  for (const [source, names] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const signin = source === 'signin.amazonaws.com'
    rules.push({
      name: source.replace(/\.amazonaws\.com$/, ''),
      pattern: {
        source: [eventBridgeSource(source)],
        'detail-type': [signin ? CONSOLE_SIGN_IN : API_CALL],
        detail: {
          eventSource: [source],
          eventName: [...names].sort(),
          errorCode: [{ exists: false }],
          ...notIdentity,
        },
      },
      allManagementEvents: false,
      regional: !GLOBAL_SOURCES.has(source),
    })
  }
  if (identityTypes.length > 0) {
    rules.push({
      name: 'identity',
      pattern: {
        'detail-type': [API_CALL, CONSOLE_SIGN_IN],
        detail: { userIdentity: { type: identityTypes } },
      },
      allManagementEvents: true,
      regional: true,
    })
  }
  const codes = detections.flatMap((d) => (d.events.kind === 'errorCodes' ? [d.events] : []))
  if (codes.length > 0) {
    rules.push({
      name: 'denied',
      pattern: {
        'detail-type': [API_CALL],
        detail: {
          errorCode: [
            ...[...new Set(codes.flatMap((c) => c.prefixes))].map((prefix) => ({ prefix })),
            ...[...new Set(codes.flatMap((c) => c.suffixes))].map((suffix) => ({ suffix })),
          ],
          ...notIdentity,
        },
      },
      allManagementEvents: true,
      regional: true,
    })
  }
  return rules
}

/** How a CloudTrail record looks on EventBridge (for tests and local replay through the rules). */
export function toEventBridge(
  record: Record<string, unknown>,
  account = '123456789012',
): Record<string, unknown> {
  const eventSource = String(record.eventSource ?? '')
  return {
    version: '0',
    id: String(record.eventID ?? 'local'),
    'detail-type': eventSource === 'signin.amazonaws.com' ? CONSOLE_SIGN_IN : API_CALL,
    source: eventBridgeSource(eventSource),
    account,
    time: String(record.eventTime ?? new Date().toISOString()),
    region: String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  }
}
