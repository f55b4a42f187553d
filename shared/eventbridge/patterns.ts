import { CHECKS } from '../checks/registry.ts'
import { triggerEvents } from '../checks/types.ts'
import { MONITOR_EVENTS } from '../detections/monitor-tampered.ts'
import { DETECTIONS } from '../detections/registry.ts'
import { type AnyDetection, serviceEvents } from '../detections/types.ts'
import type { Pattern } from './match.ts'

/** Where IAM, Organizations and global STS events reach EventBridge (catalog C): the home region of every deployment. */
export const HOME_REGION = 'us-east-1'

export const API_CALL = 'AWS API Call via CloudTrail'
export const CONSOLE_SIGN_IN = 'AWS Console Sign In via CloudTrail'

/** Any AWS service's events (custom events cannot carry an `aws.` source). */
export const AWS_SOURCES = [{ prefix: 'aws.' }]

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
  /**
   * Where it delivers: `handler`, on-cloudtrail-event, one event per invocation; `queue`, the key-activity
   * queue that on-key-activity reads in batches (high-volume events).
   */
  target: 'handler' | 'queue'
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
  /** Names matched by prefix: services that append an API version to their eventNames (Lambda). */
  const prefixes = new Map<string, Set<string>>()
  const add = (source: string, names: readonly string[], map = bySource) => {
    const set = map.get(source) ?? new Set<string>()
    for (const n of names) set.add(n)
    map.set(source, set)
    if (!bySource.has(source)) bySource.set(source, new Set())
  }
  const rules: RulePattern[] = []
  const direct = detections.filter((d) => (d.route ?? 'direct') === 'direct')
  const queued = detections.filter((d) => d.route === 'queue')
  for (const d of direct) {
    for (const s of serviceEvents(d.events)) add(s.source, s.names, s.versioned ? prefixes : bySource)
  }
  for (const [source, names] of postureTriggerEvents()) add(source, names)
  const identityTypes = [
    ...new Set(direct.flatMap((d) => (d.events.kind === 'identity' ? d.events.identityTypes : []))),
  ]
  // Rules are disjoint, so each event invokes the handler once: the identity rule takes everything those
  // principals do; the denied rule takes everyone else's denied calls; the service rules take the rest
  // (no errorCode: every change detection is success-only, and failed sign-ins carry none).
  const notIdentity: Pattern =
    identityTypes.length > 0 ? { userIdentity: { type: [{ 'anything-but': identityTypes }] } } : {}
  for (const [source, exact] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const signin = source === 'signin.amazonaws.com'
    const byPrefix = [...(prefixes.get(source) ?? [])].sort()
    const names = [...exact].filter((n) => !byPrefix.some((p) => n.startsWith(p))).sort()
    rules.push({
      name: source.replace(/\.amazonaws\.com$/, ''),
      pattern: {
        source: [eventBridgeSource(source)],
        // Sign-ins (ConsoleLogin, ...) come as console sign-in events; GetSigninToken is an API call of signin.
        'detail-type': signin ? [CONSOLE_SIGN_IN, API_CALL] : [API_CALL],
        detail: {
          eventSource: [source],
          eventName: [...names, ...byPrefix.map((prefix) => ({ prefix }))],
          errorCode: [{ exists: false }],
          ...notIdentity,
        },
      },
      allManagementEvents: false,
      regional: !GLOBAL_SOURCES.has(source),
      target: 'handler',
    })
  }
  if (identityTypes.length > 0) {
    rules.push({
      name: 'identity',
      pattern: {
        // Only AWS's own events: EventBridge refuses PutEvents with an `aws.` source, so no one can forge one.
        source: AWS_SOURCES,
        'detail-type': [API_CALL, CONSOLE_SIGN_IN],
        detail: { userIdentity: { type: identityTypes } },
      },
      allManagementEvents: true,
      regional: true,
      target: 'handler',
    })
  }
  const codes = direct.flatMap((d) => (d.events.kind === 'errorCodes' ? [d.events] : []))
  if (codes.length > 0) {
    rules.push({
      name: 'denied',
      pattern: {
        // Only AWS's own events: EventBridge refuses PutEvents with an `aws.` source, so no one can forge one.
        source: AWS_SOURCES,
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
      target: 'handler',
    })
  }
  // The queue's rule: every call signed with a long-term key, read-only ones and failures included (a
  // stolen key's first calls are often denied), to the queue.
  const keyPrefixes = [
    ...new Set(
      queued.flatMap((d) => {
        if (d.events.kind !== 'accessKeys')
          throw new Error(`${d.id}: only access-key selectors are routed through the queue`)
        return d.events.prefixes
      }),
    ),
  ]
  if (keyPrefixes.length > 0) {
    rules.push({
      name: 'access-keys',
      pattern: {
        // Only AWS's own events: EventBridge refuses PutEvents with an `aws.` source, so no one can forge one.
        source: AWS_SOURCES,
        'detail-type': [API_CALL],
        detail: { userIdentity: { accessKeyId: keyPrefixes.map((prefix) => ({ prefix })) } },
      },
      allManagementEvents: true,
      regional: true,
      target: 'queue',
    })
  }
  return rules
}

export interface InputTransformer {
  inputPaths: Record<string, string>
  inputTemplate: string
}

/**
 * The rule that sends a change to the monitor's own resources straight to the ops topic, besides the
 * handler: when the handler, its rule or its key is what was changed, the alert still arrives. It knows the
 * deployment's resources by their names (`<app>-...`; log groups `/iamwatch/<app>-...`, the key alias
 * `alias/<app>`) and by the deployed key's ARN, and takes the same events as monitor-tampered (success only,
 * Lambda names by prefix), from this region or forwarded from another.
 */
export function monitorDirectRule(args: { app: string; keyArn?: string }): {
  pattern: Pattern
  inputTransformer: InputTransformer
} {
  const p = `${args.app}-`
  const names = (source: string, only?: readonly string[]) => {
    const s = MONITOR_EVENTS.find((x) => x.source === source)!
    const list = (only ?? s.names) as readonly string[]
    // The name as is, or followed by its API version (20150331, 20171031v2, ...): unlike the handler's rules,
    // this one alerts people, so DeleteFunctionConcurrency must not pass for DeleteFunction.
    return 'versioned' in s && s.versioned ? list.flatMap((n) => [n, { prefix: `${n}20` }]) : [...list]
  }
  const on = (source: string, fields: Pattern, only?: readonly string[]): Pattern => ({
    eventSource: [source],
    eventName: names(source, only),
    ...fields,
  })
  const keyId = args.keyArn?.includes(':key/')
    ? args.keyArn.slice(args.keyArn.indexOf(':key/') + 5)
    : undefined
  const keys: unknown[] = [
    ...(args.keyArn ? [args.keyArn] : []),
    ...(keyId ? [keyId] : []),
    `alias/${args.app}`,
    { prefix: `alias/${p}` },
    { wildcard: `*:alias/${args.app}` },
    { wildcard: `*:alias/${p}*` },
  ]
  const fn = [{ prefix: p }, { wildcard: `*function:${p}*` }]
  const branches: Pattern[] = [
    on('events.amazonaws.com', { requestParameters: { name: [{ prefix: p }] } }, [
      'DeleteRule',
      'DisableRule',
      'PutRule',
    ]),
    on('events.amazonaws.com', { requestParameters: { rule: [{ prefix: p }] } }, [
      'RemoveTargets',
      'PutTargets',
    ]),
    on('scheduler.amazonaws.com', { requestParameters: { name: [{ prefix: p }] } }),
    on('lambda.amazonaws.com', { requestParameters: { functionName: fn } }),
    on('lambda.amazonaws.com', { responseElements: { functionArn: fn } }, [
      'DeleteEventSourceMapping',
      'UpdateEventSourceMapping',
    ]),
    on('kms.amazonaws.com', { requestParameters: { keyId: keys } }),
    on('sns.amazonaws.com', { requestParameters: { topicArn: [{ wildcard: `*:${p}*` }] } }, [
      'DeleteTopic',
      'SetTopicAttributes',
      'Subscribe',
    ]),
    on('sns.amazonaws.com', { requestParameters: { subscriptionArn: [{ wildcard: `*:${p}*` }] } }, [
      'Unsubscribe',
    ]),
    on('dynamodb.amazonaws.com', {
      requestParameters: { tableName: [{ prefix: p }, { wildcard: `*:table/${p}*` }] },
    }),
    on('logs.amazonaws.com', {
      requestParameters: { logGroupName: [{ prefix: `/iamwatch/${p}` }, { prefix: p }] },
    }),
    on('sqs.amazonaws.com', { requestParameters: { queueUrl: [{ wildcard: `*/${p}*` }] } }),
    on('iam.amazonaws.com', { requestParameters: { roleName: [{ prefix: p }] } }),
  ]
  const field = (path: string) => `$.detail.${path}`
  const resourcePaths = {
    rule: 'requestParameters.name',
    ruleOfTargets: 'requestParameters.rule',
    function: 'requestParameters.functionName',
    mappedFunction: 'responseElements.functionArn',
    key: 'requestParameters.keyId',
    topic: 'requestParameters.topicArn',
    subscription: 'requestParameters.subscriptionArn',
    table: 'requestParameters.tableName',
    logGroup: 'requestParameters.logGroupName',
    queue: 'requestParameters.queueUrl',
    role: 'requestParameters.roleName',
  }
  return {
    pattern: {
      // Only AWS's own events: EventBridge refuses PutEvents with an `aws.` source, so no one can forge one.
      source: AWS_SOURCES,
      'detail-type': [API_CALL],
      detail: { errorCode: [{ exists: false }], $or: branches as unknown as readonly unknown[] },
    },
    inputTransformer: {
      inputPaths: {
        who: field('userIdentity.arn'),
        whoType: field('userIdentity.type'),
        service: field('eventSource'),
        action: field('eventName'),
        when: field('eventTime'),
        region: field('awsRegion'),
        account: '$.account',
        eventId: field('eventID'),
        sourceIp: field('sourceIPAddress'),
        ...Object.fromEntries(Object.entries(resourcePaths).map(([k, v]) => [k, field(v)])),
      },
      // A JSON string: EventBridge leaves out the variables whose path the event lacks (user guide, "Amazon
      // EventBridge input transformation"), so only the resource this change names appears.
      inputTemplate: JSON.stringify(
        `[iamwatch] CRITICAL monitor-tampered: the monitor's own resources were changed. ` +
          `Who: <who> (<whoType>). ` +
          `What: <service> <action>. ` +
          `Resource: ${Object.keys(resourcePaths)
            .map((k) => `<${k}>`)
            .join(' ')}. ` +
          `When: <when>. Region: <region>. Account: <account>. ` +
          `CloudTrail eventID: <eventId> (source IP <sourceIp>). ` +
          `Sent by EventBridge directly, so it arrives even if the iamwatch handler is what was changed: ` +
          `check the resource, and redeploy if it was not your change.`,
      ),
    },
  }
}

/** State changes of the monitor's own CloudWatch alarms (`<app>-...`), as CloudWatch sends them to EventBridge. */
export function alarmStatePattern(app: string): Pattern {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: [{ prefix: `${app}-` }] },
  }
}

/** The ops message for an alarm of another region, forwarded home (the home region's alarms notify directly). */
export const ALARM_INPUT_TRANSFORMER: InputTransformer = {
  inputPaths: {
    alarm: '$.detail.alarmName',
    state: '$.detail.state.value',
    previous: '$.detail.previousState.value',
    region: '$.region',
    account: '$.account',
    when: '$.time',
  },
  // No state reason: EventBridge does not escape the values it puts in a template (user guide, "Common
  // issues with transforming input"), and the reason is free text.
  inputTemplate: JSON.stringify(
    '[iamwatch] alarm <alarm> in <region> (account <account>) is <state> (was <previous>) at <when>. Look at it in that region.',
  ),
}

/**
 * The detail-type EventBridge gives a CloudTrail record, from its eventType: sign-ins (AwsConsoleSignIn) are
 * "AWS Console Sign In via CloudTrail", service events "AWS Service Event via CloudTrail", the rest API calls
 * (GetSigninToken too, though its source is signin). A record without eventType (old ones): by its source.
 */
function detailType(eventType: unknown, eventSource: string): string {
  if (eventType === 'AwsConsoleSignIn') return CONSOLE_SIGN_IN
  if (eventType === 'AwsServiceEvent') return 'AWS Service Event via CloudTrail'
  if (typeof eventType === 'string') return API_CALL
  return eventSource === 'signin.amazonaws.com' ? CONSOLE_SIGN_IN : API_CALL
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
    'detail-type': detailType(record.eventType, eventSource),
    source: eventBridgeSource(eventSource),
    account,
    time: String(record.eventTime ?? new Date().toISOString()),
    region: String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  }
}
