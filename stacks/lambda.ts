import { FUNCTIONS, type FunctionName } from './functions.ts'
import type { PolicyDocument } from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

export interface LambdaArgs {
  name: FunctionName
  app: string
  accountId: $util.Input<string>
  keyArn: $util.Input<string>
  dlqArn: $util.Input<string>
  codeDir: string
  environment: Record<string, $util.Input<string>>
  /** Builds the role's only policy from the log group's ARN. */
  policy: (logGroupArn: string) => $util.Input<PolicyDocument>
  /** Invoked asynchronously (schedule, EventBridge): retried twice, then sent to the dead-letter queue. */
  async?: boolean
  /** Reserve RESERVED_CONCURRENCY for it (default); off for an account whose quota is too small. */
  reserveConcurrency?: boolean
  /** What to reserve instead of RESERVED_CONCURRENCY[name] (scan-account: the organization's concurrency). */
  reservedConcurrency?: number
}

/** The name of a function, and of its role: `<app>-<function>`. */
export const functionResourceName = (app: string, name: FunctionName) => `${app}-${name}`

/**
 * Reserved concurrency: a cap, and a reservation no other function of the account can take.
 * The event handler is capped at 20 so that a flood of CloudTrail events (an attacker's burst of denied
 * calls, a mass policy change) cannot use up the region's concurrency (1,000 by default, shared by
 * every function of the account) and starve the account's own workloads or this stack's notifier.
 * 20 concurrent invocations of a ~50 ms handler take several hundred events a second; beyond that,
 * EventBridge's asynchronous invocations wait throttled in the function's queue (retried up to the
 * event age of its invoke config, one hour) and then go to the dead-letter queue, which alarms.
 * The notifier gets 10 so that alerts still go out during such a flood: the findings stream has a few
 * shards and the event source mapping runs one invocation per shard, so 10 is headroom, not a limit
 * it should meet. Each scheduled scan gets 1: a part runs once per period, a second concurrent run of
 * the same part (a retry overlapping a slow run) would only contend on the same findings, and a
 * throttled scheduled invocation is retried from the asynchronous queue. For the Access Advisor scan
 * the 1 is also what keeps its runs from overlapping: each carries on the day's cycle from one
 * checkpoint item, and may take Lambda's whole 15 minutes. The hourly digest gets 1 too: a window is
 * digested once, and two runs would only race for the same object.
 * The key-activity consumer gets 5, the same number as its queue's event source mapping may run at
 * once (KEY_ACTIVITY_MAX_CONCURRENCY): a batch of 100 takes a second or two, so 5 drain several hundred
 * calls a second, and what they cannot take waits in the queue rather than costing invocations. The
 * mapping's own cap keeps its pollers from receiving batches the function could not run (a throttled
 * batch would count as a receive towards the dead-letter queue); the reservation keeps those 5 for it.
 * The alerts' tick (every 5 minutes) and the daily digest (stacks/alerts.ts) get 1 each: a second run at once
 * would only work on the same groups and findings as the first (a retry overlapping a slow run), and a
 * throttled run is retried from the asynchronous queue.
 * 42 in all (41 with the daily digest off); Lambda keeps at least 100 of a region's concurrency
 * unreserved, so an account whose quota is still that of a new account (below 142) must raise it before
 * deploying, or deploy with IAMWATCH_RESERVED_CONCURRENCY=off (no reservation, no cap but the mapping's).
 * With an organization (stacks/organization.ts) two more functions exist. The dispatcher gets 1: its two
 * schedules (every 4 hours, and daily) fire together once a day, and the second run then waits throttled
 * in its asynchronous queue (up to its event age, an hour) until the first, which takes minutes, is done,
 * so two dispatches never send the same accounts twice at once. scan-account gets the organization's
 * concurrency (IAMWATCH_ORG_CONCURRENCY, default 20; its value here is only that default), the same
 * number as its queue's event source mapping may run at once, for the reason given for the key-activity
 * consumer; an SQS mapping runs at least 2, so a concurrency of 1 reserves and maps 2. That makes
 * 43 + concurrency in all (63 by default), and a quota of at least 143 + concurrency (163 by default).
 */
export const RESERVED_CONCURRENCY: Readonly<Record<FunctionName, number>> = {
  'on-cloudtrail-event': 20,
  notify: 10,
  'scan-credentials': 1,
  'scan-authorization': 1,
  'scan-trails': 1,
  'scan-access-advisor': 1,
  digest: 1,
  'on-key-activity': 5,
  'org-dispatch': 1,
  'scan-account': 20,
  'alerts-tick': 1,
  'daily-digest': 1,
}

/** How many batches of the key-activity queue run at once (its event source mapping's maximum concurrency). */
export const KEY_ACTIVITY_MAX_CONCURRENCY = RESERVED_CONCURRENCY['on-key-activity']

/** A function with its own role (one inline policy, exact statements), its own encrypted log group, and an errors alarm. */
export function lambdaFunction(args: LambdaArgs, opsTopicArn: $util.Input<string>) {
  const id = args.name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())
  const spec = FUNCTIONS[args.name]
  const functionName = functionResourceName(args.app, args.name)
  const logGroup = new aws.cloudwatch.LogGroup(`${id}Logs`, {
    name: `/iamwatch/${functionName}`,
    retentionInDays: 365,
    kmsKeyId: args.keyArn,
  })
  const role = new aws.iam.Role(`${id}Role`, {
    name: `${functionName}`,
    assumeRolePolicy: $resolve([args.accountId]).apply(([accountId]) =>
      JSON.stringify(serviceTrust('lambda.amazonaws.com', accountId!)),
    ),
  })
  const policy = new aws.iam.RolePolicy(`${id}Policy`, {
    role: role.name,
    policy: logGroup.arn.apply((arn) => $resolve([args.policy(arn)]).apply(([doc]) => JSON.stringify(doc))),
  })
  const fn = new aws.lambda.Function(
    `${id}Function`,
    {
      name: functionName,
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      code: new $util.asset.FileArchive(args.codeDir),
      role: role.arn,
      memorySize: spec.memoryMb,
      timeout: spec.timeoutSeconds,
      ...(args.reserveConcurrency === false
        ? {}
        : { reservedConcurrentExecutions: args.reservedConcurrency ?? RESERVED_CONCURRENCY[args.name] }),
      environment: { variables: { ...args.environment, NODE_OPTIONS: '--enable-source-maps' } },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: logGroup.name,
        applicationLogLevel: 'INFO',
        systemLogLevel: 'WARN',
      },
      kmsKeyArn: args.keyArn,
      tracingConfig: { mode: 'PassThrough' },
    },
    { dependsOn: [policy] },
  )
  if (args.async) {
    new aws.lambda.FunctionEventInvokeConfig(`${id}InvokeConfig`, {
      functionName: fn.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: args.dlqArn } },
    })
  }
  new aws.cloudwatch.MetricAlarm(`${id}ErrorsAlarm`, {
    name: `${functionName}-errors`,
    alarmDescription: `${functionName} failed; it will be retried, then dead-lettered`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: fn.name },
    statistic: 'Sum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [opsTopicArn],
  })
  return { fn, role, logGroup }
}
