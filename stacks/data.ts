import { tableDefinition } from '../shared/aws/findings-table.ts'
import { FUNCTIONS, type FunctionName } from './functions.ts'
import { functionResourceName } from './lambda.ts'
import { keyPolicy, stackAlarmArns, stackRuleArns, stackTargetNames } from './trust-policies.ts'

export interface Account {
  accountId: $util.Input<string>
  region: $util.Input<string>
  partition: $util.Input<string>
}

/**
 * The monitor's data: one customer-managed key for everything, the findings table, the topics, the dead-letter
 * queue, and the key-activity queue with its own dead-letter queue. `alertPublishers`: the functions whose
 * roles the alerts topic's policy admits (ALERT_PUBLISHERS unless the configuration turns one off).
 */
export function dataResources(
  name: string,
  account: Account,
  alertPublishers: readonly FunctionName[] = ALERT_PUBLISHERS,
) {
  const names = stackTargetNames(name)
  const key = new aws.kms.Key(`${name}Key`, {
    description: 'iamwatch: findings, alerts, dead letters and logs',
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: $resolve([account.accountId, account.region, account.partition]).apply(
      ([accountId, region, partition]) =>
        JSON.stringify(
          keyPolicy({ app: name, accountId: accountId!, region: region!, partition: partition! }),
        ),
    ),
  })
  new aws.kms.Alias(`${name}KeyAlias`, { name: `alias/${name}`, targetKeyId: key.keyId })

  const def = tableDefinition(`${name}-findings`)
  const table = new aws.dynamodb.Table(`${name}Findings`, {
    name: `${name}-findings`,
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'pk',
    rangeKey: 'sk',
    attributes: def.AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
    globalSecondaryIndexes: def.GlobalSecondaryIndexes.map((g) => ({
      name: g.IndexName,
      hashKey: g.KeySchema[0]!.AttributeName,
      rangeKey: g.KeySchema[1]!.AttributeName,
      projectionType: g.Projection.ProjectionType,
    })),
    streamEnabled: true,
    streamViewType: def.StreamSpecification.StreamViewType,
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
    ttl: { attributeName: 'expiresAt', enabled: true },
  })

  const alerts = new aws.sns.Topic(`${name}Alerts`, { name: `${name}-alerts`, kmsMasterKeyId: key.id })
  const ops = new aws.sns.Topic(`${name}Ops`, { name: names.opsTopic, kmsMasterKeyId: key.id })
  const policyOf = (topic: aws.sns.Topic, build: (a: TopicPolicyArgs) => object) =>
    $resolve([topic.arn, account.accountId, account.partition]).apply(([topicArn, accountId, partition]) =>
      JSON.stringify(build({ app: name, topicArn: topicArn!, accountId: accountId!, partition: partition! })),
    )
  new aws.sns.TopicPolicy(`${name}AlertsPolicy`, {
    arn: alerts.arn,
    policy: policyOf(alerts, (a) => alertsTopicPolicy({ ...a, publishers: alertPublishers })),
  })
  new aws.sns.TopicPolicy(`${name}OpsPolicy`, { arn: ops.arn, policy: policyOf(ops, opsTopicPolicy) })

  const dlq = new aws.sqs.Queue(`${name}DeadLetters`, {
    name: names.deadLetters,
    messageRetentionSeconds: 14 * 86_400,
    kmsMasterKeyId: key.id,
    kmsDataKeyReusePeriodSeconds: 300,
  })
  new aws.cloudwatch.MetricAlarm(`${name}DeadLettersAlarm`, {
    name: `${name}-dead-letters`,
    alarmDescription: 'iamwatch could not process an event or a scan: inspect the dead-letter queue',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: dlq.name },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [ops.arn],
    okActions: [ops.arn],
  })
  const keyActivity = keyActivityQueue(name, account, key, ops)
  return { key, table, alerts, ops, dlq, keyActivity }
}

/** How many times a key-activity message is received (and its batch item reported failed) before it is dead-lettered. */
export const KEY_ACTIVITY_MAX_RECEIVES = 5

/** How long the oldest key-activity message may wait before ops hear of it (a consumer that stopped). */
export const KEY_ACTIVITY_BACKLOG_SECONDS = 900

/**
 * The key-activity queue: EventBridge's access-keys rule puts every call made with a long-term access key in
 * it (stacks/events.ts), on-key-activity reads it in batches (stacks/iamwatch.ts). Encrypted with the stack's
 * key. Visibility timeout: six times the function's timeout, as Lambda asks of an SQS event source (room for
 * a batch to be retried after a throttle or a timeout before its messages reappear). A message whose batch
 * item keeps failing is moved after KEY_ACTIVITY_MAX_RECEIVES receives (5 x 6 minutes) to its own dead-letter
 * queue, which only this queue may redrive into. Retention: 4 days here, 14 in the dead-letter queue, which
 * must outlast it since a moved message keeps its original enqueue time. Two alarms to the ops topic: a
 * dead letter, and a backlog (the oldest message waiting longer than KEY_ACTIVITY_BACKLOG_SECONDS), which is
 * what a consumer that cannot read the queue at all (its role, the key, a disabled mapping) looks like: its
 * messages are never received, so they never reach the dead-letter queue and would expire unseen.
 */
function keyActivityQueue(name: string, account: Account, key: aws.kms.Key, ops: aws.sns.Topic) {
  const names = stackTargetNames(name)
  const sourceArn = $resolve([account.accountId, account.region, account.partition]).apply(
    ([accountId, region, partition]) => `arn:${partition}:sqs:${region}:${accountId}:${names.keyActivity}`,
  )
  const deadLetters = new aws.sqs.Queue(`${name}KeyActivityDeadLetters`, {
    name: names.keyActivityDeadLetters,
    messageRetentionSeconds: 14 * 86_400,
    kmsMasterKeyId: key.id,
    kmsDataKeyReusePeriodSeconds: 300,
    redriveAllowPolicy: sourceArn.apply((arn) =>
      JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arn] }),
    ),
  })
  const queue = new aws.sqs.Queue(`${name}KeyActivity`, {
    name: names.keyActivity,
    visibilityTimeoutSeconds: 6 * FUNCTIONS['on-key-activity'].timeoutSeconds,
    messageRetentionSeconds: 4 * 86_400,
    kmsMasterKeyId: key.id,
    kmsDataKeyReusePeriodSeconds: 300,
    redrivePolicy: deadLetters.arn.apply((deadLetterTargetArn) =>
      JSON.stringify({ deadLetterTargetArn, maxReceiveCount: KEY_ACTIVITY_MAX_RECEIVES }),
    ),
  })
  const alarm = { namespace: 'AWS/SQS', statistic: 'Maximum', period: 300, evaluationPeriods: 1 }
  new aws.cloudwatch.MetricAlarm(`${name}KeyActivityDeadLettersAlarm`, {
    name: names.keyActivityDeadLetters,
    alarmDescription: `iamwatch could not judge calls made with access keys: inspect ${names.keyActivityDeadLetters}`,
    ...alarm,
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: deadLetters.name },
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [ops.arn],
    okActions: [ops.arn],
  })
  new aws.cloudwatch.MetricAlarm(`${name}KeyActivityBacklogAlarm`, {
    name: `${names.keyActivity}-backlog`,
    alarmDescription: `calls made with access keys wait unjudged in ${names.keyActivity}: check ${functionResourceName(name, 'on-key-activity')} and its event source mapping`,
    ...alarm,
    metricName: 'ApproximateAgeOfOldestMessage',
    dimensions: { QueueName: queue.name },
    threshold: KEY_ACTIVITY_BACKLOG_SECONDS,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [ops.arn],
    okActions: [ops.arn],
  })
  return { queue, deadLetters }
}

export interface TopicPolicyArgs {
  /** `iamwatch-<stage>`: every function, role, alarm and rule of the stack is named `<app>-...`. */
  app: string
  topicArn: string
  accountId: string
  partition: string
}

/**
 * The topic actions the TLS-only statement covers. Not `sns:Receive`, which SNS's default topic policy
 * lists but the Service Authorization Reference has no such action (service-reference.test.ts).
 */
export const TOPIC_ACTIONS = [
  'sns:Publish',
  'sns:Subscribe',
  'sns:GetTopicAttributes',
  'sns:SetTopicAttributes',
] as const

/**
 * Only TLS: deny every topic action over plain HTTP, to everyone ("Enforce encryption of data in
 * transit", Amazon SNS security best practices: sns-security-best-practices.html). Kept first in both
 * topic policies: an explicit Deny wins over every Allow below it.
 */
export function denyInsecureTransport(topicArn: string) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: [...TOPIC_ACTIONS],
    Resource: topicArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  }
}

/**
 * The functions that publish to the alerts topic: the notifier (each transition), the alerts' tick (the
 * grouped follow-ups of repeated occurrences) and the daily digest (stacks/alerts.ts).
 */
export const ALERT_PUBLISHERS: readonly FunctionName[] = ['notify', 'alerts-tick', 'daily-digest']

/**
 * The alerts topic: only the publishers named (ALERT_PUBLISHERS: the notifier, the alerts' tick and, when
 * it is on, the daily digest) publish. The principal is the account, narrowed to those functions'
 * roles by aws:PrincipalArn, which for a role session is the role's ARN (IAM global condition
 * keys, reference_policies_condition-keys.html#condition-keys-principalarn). Naming the role ARN as
 * the principal would do the same, but such a principal must exist when the policy is saved and is
 * bound to that role's unique id (IAM Principal element reference), so the topic policy would have to
 * wait for the role and a re-created role would be locked out; the condition only compares ARNs.
 * Other roles of the account are not admitted by this policy (an identity policy of theirs still could:
 * this is the account's own IAM to govern), and other accounts and anonymous callers are not at all.
 */
export function alertsTopicPolicy(a: TopicPolicyArgs & { publishers?: readonly FunctionName[] }) {
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(a.topicArn),
      {
        Sid: 'StackFunctionsPublishAlerts',
        Effect: 'Allow',
        Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` },
        Action: 'sns:Publish',
        Resource: a.topicArn,
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': (a.publishers ?? ALERT_PUBLISHERS).map((fn) => functionRole(a, fn)),
          },
        },
      },
    ],
  }
}

/** The ARN of a function's role (named like the function: stacks/lambda.ts), which a policy can name before it exists. */
export const functionRole = (a: Pick<TopicPolicyArgs, 'app' | 'partition' | 'accountId'>, fn: FunctionName) =>
  `arn:${a.partition}:iam::${a.accountId}:role/${functionResourceName(a.app, fn)}`

/**
 * The ops topic: the monitor's own alarms (dead letters, function errors, heartbeats) and its own
 * EventBridge rules (self-tampering events), all named `<app>-...`, of this account only.
 * - CloudWatch: Allow cloudwatch.amazonaws.com sns:Publish with ArnLike aws:SourceArn on the alarm ARNs
 *   (AWS re:Post knowledge center, "cloudwatch-receive-sns-for-alarm-trigger"), plus aws:SourceAccount.
 * - EventBridge: for rule targets "the value of aws:SourceArn must be the rule ARN", with
 *   aws:SourceAccount (EventBridge User Guide, cross-service-confused-deputy-prevention.html). An older
 *   note of the same guide (eb-use-resource-based.html#eb-sns-permissions) says Condition blocks cannot
 *   be used in SNS topic policies for EventBridge: if the rule's FailedInvocations rise after a deploy,
 *   that is the first thing to check. Targets of this topic must have no RoleArn (same page).
 */
export function opsTopicPolicy(a: TopicPolicyArgs) {
  const fromThisAccount = { 'aws:SourceAccount': a.accountId }
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(a.topicArn),
      {
        Sid: 'StackAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: a.topicArn,
        Condition: { ArnLike: { 'aws:SourceArn': stackAlarmArns(a) }, StringEquals: fromThisAccount },
      },
      {
        Sid: 'StackRulesPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: a.topicArn,
        Condition: { ArnLike: { 'aws:SourceArn': stackRuleArns(a) }, StringEquals: fromThisAccount },
      },
    ],
  }
}
