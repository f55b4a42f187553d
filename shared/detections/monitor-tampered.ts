import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { apiName, principalOf, str, succeeded } from './helpers.ts'
import { defineDetection, type MonitorIdentity, type ServiceEvents } from './types.ts'

/**
 * The changes that can blind or silence iamwatch, by service (catalog B2, monitor-tampered). All regional but
 * IAM. Lambda records its eventNames with an API-version suffix (DeleteFunction20150331, catalog section C).
 */
export const MONITOR_EVENTS = [
  {
    source: 'events.amazonaws.com',
    names: ['DeleteRule', 'DisableRule', 'PutRule', 'RemoveTargets', 'PutTargets'],
  },
  { source: 'scheduler.amazonaws.com', names: ['DeleteSchedule', 'UpdateSchedule'] },
  {
    source: 'lambda.amazonaws.com',
    versioned: true,
    names: [
      'DeleteFunction',
      'UpdateFunctionCode',
      'UpdateFunctionConfiguration',
      'PutFunctionConcurrency',
      'DeleteEventSourceMapping',
      'UpdateEventSourceMapping',
      'RemovePermission',
    ],
  },
  { source: 'kms.amazonaws.com', names: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'] },
  { source: 'sns.amazonaws.com', names: ['DeleteTopic', 'SetTopicAttributes', 'Unsubscribe', 'Subscribe'] },
  { source: 'dynamodb.amazonaws.com', names: ['DeleteTable', 'UpdateTable'] },
  { source: 'logs.amazonaws.com', names: ['DeleteLogGroup', 'PutRetentionPolicy'] },
  // The key-activity queue and its dead letters: a changed policy, redrive or key, a purge or a deletion.
  { source: 'sqs.amazonaws.com', names: ['SetQueueAttributes', 'DeleteQueue', 'PurgeQueue'] },
  {
    source: 'iam.amazonaws.com',
    names: [
      'PutRolePolicy',
      'DeleteRolePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'UpdateAssumeRolePolicy',
      'DeleteRole',
    ],
  },
] as const satisfies readonly ServiceEvents[]

const BY_SOURCE = new Map<string, ServiceEvents>(MONITOR_EVENTS.map((s) => [s.source, s]))

/** How an identifier names its resource: a plain name, or a form to read the name out of. */
type Form = 'name' | 'function' | 'arn' | 'table' | 'logGroup' | 'key' | 'queue'
interface Named {
  form: Form
  id: string
}

/**
 * The resources a record names, where each service puts them: the rule (`name`, or `rule` for targets), the
 * schedule and its group, the function (`functionName`: a name, ARN or partial ARN; an event source mapping's
 * function and stream only in responseElements), the key (`keyId`: id, ARN, alias or alias ARN; the key ARN
 * also in responseElements.keyId since December 2022), the topic or subscription ARN, the table (also in
 * responseElements.tableDescription), the log group, the role.
 */
function named(e: CloudTrailEvent): Named[] {
  const p = e.requestParameters
  const r = e.responseElements
  const out: Named[] = []
  const add = (form: Form, x: unknown) => {
    const id = str(x)
    if (id) out.push({ form, id })
  }
  switch (e.eventSource) {
    case 'events.amazonaws.com':
      add('name', p.name)
      add('name', p.rule)
      break
    case 'scheduler.amazonaws.com':
      add('name', p.name)
      add('name', p.groupName)
      break
    case 'lambda.amazonaws.com':
      add('function', p.functionName)
      add('function', r.functionArn)
      add('table', r.eventSourceArn)
      break
    case 'kms.amazonaws.com':
      add('key', p.keyId)
      add('key', r.keyId)
      break
    case 'sns.amazonaws.com':
      add('arn', p.topicArn)
      add('arn', p.subscriptionArn)
      break
    case 'dynamodb.amazonaws.com': {
      add('table', p.tableName)
      const d = r.tableDescription as { tableName?: unknown; tableArn?: unknown } | undefined
      add('table', d?.tableName)
      add('table', d?.tableArn)
      break
    }
    case 'logs.amazonaws.com':
      add('logGroup', p.logGroupName)
      add('logGroup', p.logGroupIdentifier)
      break
    case 'sqs.amazonaws.com':
      add('queue', p.queueUrl)
      break
    case 'iam.amazonaws.com':
      add('name', p.roleName)
      break
  }
  return out
}

const ALIAS = /(?:^|:)alias\/(.+)$/

/** The name a prefix is compared with, read out of the identifier's form. */
function nameOf({ form, id }: Named): string {
  switch (form) {
    case 'function': {
      // name, name:qualifier, account:function:name[:qualifier], arn:...:function:name[:qualifier]
      const parts = id.split(':')
      const at = parts.indexOf('function')
      return at >= 0 ? (parts[at + 1] ?? '') : (parts[0] ?? '')
    }
    case 'arn':
      // arn:aws:sns:region:account:topic[:subscription-id]
      return id.split(':')[5] ?? id
    case 'table':
      // a name, or arn:aws:dynamodb:region:account:table/name[/stream/...]
      return id.startsWith('arn:') ? (id.split(':').slice(5).join(':').split('/')[1] ?? '') : id
    case 'logGroup': {
      // a name such as /iamwatch/iamwatch-prod-notify, or arn:aws:logs:region:account:log-group:name[:*]
      const name = id.startsWith('arn:') ? (id.split(':')[6] ?? '') : id
      return name.split('/').filter(Boolean).pop() ?? ''
    }
    case 'queue':
      // https://sqs.<region>.amazonaws.com/<account>/<name>
      return id.split('/').filter(Boolean).pop() ?? ''
    case 'key': {
      // alias/name or arn:...:alias/name; a key id or key ARN has no name
      const alias = id.includes('alias/') ? ALIAS.exec(id) : null
      return alias?.[1] ?? ''
    }
    default:
      return id
  }
}

/** The deployed key, named by its key ARN or its key id. */
function isDeployedKey(id: string, keyArn: string | undefined): boolean {
  if (!keyArn) return false
  const keyId = keyArn.slice(keyArn.indexOf(':key/') + ':key/'.length)
  return id === keyArn || (keyArn.includes(':key/') && id === keyId)
}

/** The SST app of this repository (sst.config.ts); SST tags every resource with sst:app and sst:stage. */
const SST_APP = 'iamwatch'

/**
 * Tags set by the call itself (CloudTrail has no tags for the other calls): a `tags` list of {key, value} as
 * EventBridge's PutRule records them, either case, or a map.
 */
function taggedForStage(p: Record<string, unknown>, stage: string | undefined): boolean {
  if (!stage) return false
  const raw = p.tags ?? p.Tags
  const tags = new Map<string, unknown>()
  if (Array.isArray(raw)) {
    for (const t of raw) {
      const o = (t ?? {}) as Record<string, unknown>
      const key = o.key ?? o.Key
      if (typeof key === 'string') tags.set(key, o.value ?? o.Value)
    }
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) tags.set(k, v)
  }
  return tags.get('sst:app') === SST_APP && tags.get('sst:stage') === stage
}

export type Recognition = { resource: string | null; recognisedBy: 'name' | 'key' | 'tag' }

/** Whether the record changes one of the monitor's own resources, and which, and how it was recognised. */
export function monitorResource(
  e: CloudTrailEvent,
  prefix: string,
  monitor: MonitorIdentity,
): Recognition | null {
  const ids = named(e)
  for (const n of ids) {
    if (n.form === 'key' && isDeployedKey(n.id, monitor.keyArn))
      return { resource: n.id, recognisedBy: 'key' }
    if (nameOf(n).startsWith(prefix)) return { resource: n.id, recognisedBy: 'name' }
  }
  if (taggedForStage(e.requestParameters, monitor.stage))
    return { resource: ids[0]?.id ?? null, recognisedBy: 'tag' }
  return null
}

/** A successful call of one of the catalog's APIs, the version suffix set aside where the service adds one. */
function isMonitorEvent(e: CloudTrailEvent): boolean {
  const service = BY_SOURCE.get(e.eventSource)
  if (!service) return false
  return service.names.includes(service.versioned ? apiName(e.eventName) : e.eventName)
}

export const monitorTampered = defineDetection<never, 'resourcePrefix'>({
  id: 'monitor-tampered',
  title: "iamwatch's own resources were changed",
  description:
    "A rule, schedule, function, key, topic, table, log group or role of the monitor was deleted, disabled or reconfigured: recognised by its name prefix, the stage's tag, or the deployed key.",
  severity: 'critical',
  events: { kind: 'services', services: MONITOR_EVENTS },
  params: {},
  stringParams: {
    resourcePrefix: {
      default: 'iamwatch-',
      description: "Name prefix of the monitor's resources (the stack names them iamwatch-<stage>-...)",
      pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/,
      patternMessage: 'must be a non-empty resource name prefix',
    },
  },
  match: (e, ctx) => {
    if (!isMonitorEvent(e) || !succeeded(e)) return null
    const found = monitorResource(e, ctx.strings.resourcePrefix, ctx.monitor)
    return found ? { details: { resource: found.resource, recognisedBy: found.recognisedBy } } : null
  },
  principal: principalOf,
  context: (e) => ({
    service: e.eventSource.split('.')[0] ?? null,
    change: e.eventName,
    resource: named(e)[0]?.id ?? null,
  }),
  runbook: [
    'Check that iamwatch still runs as deployed: the rule, schedule, function, key, topic, table, log group or role named here (`sst deploy` restores drift).',
    'If nobody on your team made this change, treat it as an attacker blinding the monitor: suspend the caller and review its other actions.',
    'Events may have been missed while the monitor was impaired: run a full scan and review CloudTrail for the gap.',
  ],
})
