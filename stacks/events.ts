import {
  ALARM_INPUT_TRANSFORMER,
  alarmStatePattern,
  HOME_REGION,
  monitorDirectRule,
  rulePatterns,
} from '../shared/eventbridge/patterns.ts'
import { forwarderPolicy } from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

export { HOME_REGION }

/** Retries for every target: EventBridge retries for up to an hour, then dead-letters. */
const RETRY = { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 }

export interface EventRoutingArgs {
  app: string
  accountId: $util.Output<string>
  partition: $util.Output<string>
  functionArn: $util.Output<string>
  functionName: $util.Output<string>
  dlq: { arn: $util.Output<string>; url: $util.Output<string> }
  /** The key-activity queue: the rules whose target is `queue` (high-volume events) deliver there, not to the handler. */
  keyActivityQueue: { arn: $util.Output<string>; url: $util.Output<string> }
  /** The ops topic: the direct monitor-tampered alert and the other regions' alarms go there. */
  opsTopicArn: $util.Output<string>
  /** The deployed KMS key, recognised by the direct monitor-tampered rule whatever the request calls it. */
  keyArn: $util.Output<string>
  /** Other regions whose regional events (STS, sign-in, CloudTrail, GuardDuty, Config, ...) are forwarded home. */
  regions: readonly string[]
}

/**
 * EventBridge rules on the home region's default bus, one per generated pattern (so adding a detection
 * updates them), each targeting the handler, or for a high-volume pattern (`target: 'queue'`: the calls made
 * with long-term access keys) the key-activity queue that on-key-activity reads in batches, with retries and
 * the dead-letter queue; a rule that sends changes to the monitor's own resources straight to the ops topic
 * as well, so that alert does not depend on the handler; and in each other region, rules for the regional
 * patterns (access-keys among them) that forward to the home bus, where the home rules take them on, with
 * retries, a dead-letter queue and an alarm there.
 */
export function eventRouting(args: EventRoutingArgs) {
  const rules = rulePatterns()
  const ruleArns: $util.Output<string>[] = []
  const queueRuleArns: $util.Output<string>[] = []
  for (const r of rules) {
    const id = `Rule${pascal(r.name)}`
    const rule = new aws.cloudwatch.EventRule(id, {
      name: `${args.app}-${r.name}`,
      description: `iamwatch: CloudTrail events for ${r.name}`,
      eventPattern: JSON.stringify(r.pattern),
      state: r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
    })
    ruleArns.push(rule.arn)
    if (r.target === 'queue') {
      // The event as it is (no input transformer): on-key-activity parses the EventBridge envelope. No role:
      // the queue's policy admits the rule (a RoleArn on an SQS target can break delivery to an encrypted
      // queue, EventBridge User Guide, eb-use-resource-based.html).
      queueRuleArns.push(rule.arn)
      new aws.cloudwatch.EventTarget(`${id}Target`, {
        rule: rule.name,
        arn: args.keyActivityQueue.arn,
        retryPolicy: RETRY,
        deadLetterConfig: { arn: args.dlq.arn },
      })
      continue
    }
    new aws.cloudwatch.EventTarget(`${id}Target`, {
      rule: rule.name,
      arn: args.functionArn,
      retryPolicy: RETRY,
      deadLetterConfig: { arn: args.dlq.arn },
    })
    new aws.lambda.Permission(`${id}Invoke`, {
      action: 'lambda:InvokeFunction',
      function: args.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    })
  }
  if (queueRuleArns.length > 0) {
    new aws.sqs.QueuePolicy('KeyActivityFromEventBridge', {
      queueUrl: args.keyActivityQueue.url,
      policy: $resolve([args.keyActivityQueue.arn, ...queueRuleArns]).apply(([queueArn, ...sources]) =>
        JSON.stringify(queueTargetPolicy(queueArn!, sources as string[])),
      ),
    })
  }

  // The direct alert: from EventBridge to the ops topic, beside the handler (which also sees these events
  // through its service rules). The topic and key policies let `<app>-*` rules of this account publish.
  const direct = args.keyArn.apply((keyArn) => monitorDirectRule({ app: args.app, keyArn }))
  const directRule = new aws.cloudwatch.EventRule('RuleMonitorTamperedDirect', {
    name: `${args.app}-monitor-tampered-direct`,
    description: "iamwatch: changes to the monitor's own resources, straight to the ops topic",
    eventPattern: direct.apply((d) => JSON.stringify(d.pattern)),
    state: 'ENABLED',
  })
  new aws.cloudwatch.EventTarget('RuleMonitorTamperedDirectTarget', {
    rule: directRule.name,
    arn: args.opsTopicArn,
    inputTransformer: direct.apply((d) => d.inputTransformer),
    retryPolicy: RETRY,
    deadLetterConfig: { arn: args.dlq.arn },
  })
  ruleArns.push(directRule.arn)

  // The other regions' alarms (their dead letters) arrive here forwarded; the home region's alarms notify the
  // ops topic themselves.
  const alarmsRule = new aws.cloudwatch.EventRule('RuleRegionalAlarms', {
    name: `${args.app}-regional-alarms`,
    description: "iamwatch: the monitor's alarms in other regions, to the ops topic",
    eventPattern: JSON.stringify({
      ...alarmStatePattern(args.app),
      region: [{ 'anything-but': HOME_REGION }],
    }),
    state: 'ENABLED',
  })
  new aws.cloudwatch.EventTarget('RuleRegionalAlarmsTarget', {
    rule: alarmsRule.name,
    arn: args.opsTopicArn,
    inputTransformer: ALARM_INPUT_TRANSFORMER,
    retryPolicy: RETRY,
    deadLetterConfig: { arn: args.dlq.arn },
  })
  ruleArns.push(alarmsRule.arn)

  new aws.sqs.QueuePolicy('DeadLettersFromEventBridge', {
    queueUrl: args.dlq.url,
    policy: $resolve([args.dlq.arn, ...ruleArns]).apply(([queueArn, ...sources]) =>
      JSON.stringify(deadLetterPolicy(queueArn!, sources as string[])),
    ),
  })

  const others = args.regions.filter((r) => r !== HOME_REGION)
  if (others.length === 0) return { rules: rules.map((r) => r.name), forwardedRegions: [] as string[] }
  const homeBus = $interpolate`arn:${args.partition}:events:${HOME_REGION}:${args.accountId}:event-bus/default`
  const role = new aws.iam.Role('ForwarderRole', {
    name: `${args.app}-forwarder`,
    assumeRolePolicy: args.accountId.apply((id) => JSON.stringify(serviceTrust('events.amazonaws.com', id))),
  })
  new aws.iam.RolePolicy('ForwarderPolicy', {
    role: role.name,
    policy: homeBus.apply((arn) => JSON.stringify(forwarderPolicy(arn))),
  })
  for (const region of others) {
    const R = pascal(region)
    // Tagged like the home region's resources (SST sets these on its own provider), so the stage tag
    // recognises them too.
    const provider = new aws.Provider(`Aws${R}`, {
      region: region as aws.Region,
      defaultTags: { tags: { 'sst:app': $app.name, 'sst:stage': $app.stage } },
    })
    // EventBridge takes a dead-letter queue only in the rule's own region (user guide, "Event retry policy and
    // using dead-letter queues": "The Amazon SQS queue you use must be in the same Region in which you create
    // the rule"), so each region has its own, encrypted with SQS-managed keys (the monitor's KMS key is in
    // the home region), and an alarm on it whose state change is forwarded home to the ops topic.
    const queue = new aws.sqs.Queue(
      `Forward${R}DeadLetters`,
      {
        name: `${args.app}-forward-dead-letters`,
        messageRetentionSeconds: 14 * 86_400,
        sqsManagedSseEnabled: true,
      },
      { provider },
    )
    const forwarded = [
      ...rules
        .filter((x) => x.regional)
        .map((r) => ({
          key: pascal(r.name),
          name: `${args.app}-forward-${r.name}`,
          description: `iamwatch: forward ${r.name} events from ${region} to ${HOME_REGION}`,
          pattern: r.pattern,
          allManagementEvents: r.allManagementEvents,
        })),
      {
        key: 'Alarms',
        name: `${args.app}-forward-alarms`,
        description: `iamwatch: forward the monitor's alarms from ${region} to ${HOME_REGION}`,
        pattern: alarmStatePattern(args.app),
        allManagementEvents: false,
      },
    ]
    const sources: $util.Output<string>[] = []
    for (const f of forwarded) {
      const id = `Forward${R}${f.key}`
      const rule = new aws.cloudwatch.EventRule(
        id,
        {
          name: f.name,
          description: f.description,
          eventPattern: JSON.stringify(f.pattern),
          state: f.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
        },
        { provider },
      )
      sources.push(rule.arn)
      new aws.cloudwatch.EventTarget(
        `${id}Target`,
        {
          rule: rule.name,
          arn: homeBus,
          roleArn: role.arn,
          retryPolicy: RETRY,
          deadLetterConfig: { arn: queue.arn },
        },
        { provider },
      )
    }
    new aws.sqs.QueuePolicy(
      `Forward${R}DeadLettersPolicy`,
      {
        queueUrl: queue.url,
        policy: $resolve([queue.arn, ...sources]).apply(([queueArn, ...arns]) =>
          JSON.stringify(deadLetterPolicy(queueArn!, arns as string[])),
        ),
      },
      { provider },
    )
    new aws.cloudwatch.MetricAlarm(
      `Forward${R}DeadLettersAlarm`,
      {
        name: `${args.app}-forward-dead-letters`,
        alarmDescription: `iamwatch could not forward events from ${region} to ${HOME_REGION}: inspect ${args.app}-forward-dead-letters in ${region}`,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queue.name },
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
      },
      { provider },
    )
  }
  return { rules: rules.map((r) => r.name), forwardedRegions: others }
}

/**
 * Only the rules whose target is the key-activity queue (one: access-keys) may send to it: EventBridge, for
 * those rules' ARNs ("the value of aws:SourceArn must be the rule ARN", EventBridge User Guide,
 * eb-use-resource-based.html#eb-sqs-permissions). And nobody else, whatever their identity policy says: a
 * message sent by hand would be judged as a real call, so whoever can send one could add a network to a key's
 * baseline before using the key from there, or raise false findings. The Deny names every other sender (a
 * request without aws:SourceArn, an IAM principal's, does not equal the rules' ARNs). Dead letters are
 * replayed with `iamwatch replay --table`, not moved back into this queue (which would need SendMessage).
 */
export function queueTargetPolicy(queueArn: string, ruleArns: string[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyAccessKeyRulesSend',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnNotEquals: { 'aws:SourceArn': ruleArns } },
      },
      {
        Sid: 'AccessKeyRulesSendEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
      },
    ],
  }
}

/** Only these rules may dead-letter into the queue. */
function deadLetterPolicy(queueArn: string, sourceArns: string[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeRulesDeadLetter',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': sourceArns } },
      },
    ],
  }
}

function pascal(s: string): string {
  return s.replace(/(^|[-_.])(\w)/g, (_, __, c: string) => c.toUpperCase())
}
