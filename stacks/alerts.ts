import { createHash } from 'node:crypto'
import type { IamwatchConfig } from '../shared/config/config.ts'
import { dailyDigestSchedule } from '../shared/notify/daily-digest.ts'
import { routeFilterPolicy } from '../shared/notify/routes.ts'
import { denyInsecureTransport, functionRole, type TopicPolicyArgs } from './data.ts'
import type { FunctionName } from './functions.ts'
import { lambdaFunction } from './lambda.ts'
import { type AlertsTickArns, type Arns, alertsTickPolicy, dailyDigestPolicy } from './permissions.ts'

/**
 * Where alerts go, from the configuration's `alerts` section (shared/config/alerts.ts): each route's email
 * addresses subscribed to the alerts topic with the route's filter policy, the chat channels of AWS
 * Chatbot (Amazon Q Developer in chat applications), the escalation topic, and the two scheduled
 * functions: the alerts' tick (grouped follow-ups, escalations) and the daily digest.
 *
 * The topics and the stack's customer managed key, for the chat channels: an AWS service that *publishes*
 * to an encrypted topic (a CloudWatch alarm, an EventBridge rule) needs the key policy's leave to use the
 * key (stacks/trust-policies.ts), but a *subscriber* needs nothing: SNS decrypts each message itself just
 * before it delivers it (Amazon SNS Developer Guide, sns-server-side-encryption.html: messages are "stored
 * in encrypted form, and only decrypted when they are sent"). Chatbot is such a subscriber, an HTTPS
 * endpoint of its own that its service-linked role subscribes to the topics (AWSChatbotServiceLinkedRolePolicy:
 * sns:Subscribe), over TLS, which the topic policies allow (they deny plain HTTP only and admit publishers);
 * it never calls KMS, so the key policy has no statement for it. Whoever publishes here is one of the
 * stack's own functions, whose role holds kms:GenerateDataKey and kms:Decrypt on the key through SNS
 * (stacks/permissions.ts), which the key policy delegates to IAM. (The cases reported as "encryption breaks
 * Chatbot" are the other kind: an alarm publishing to a topic whose key does not let CloudWatch use it.)
 */

/** The alerts' tick: grouped follow-ups are flushed and escalations sent within 5 minutes of falling due. */
export const ALERTS_TICK_SCHEDULE = 'rate(5 minutes)'

/**
 * Where the Chatbot configurations are managed. AWS Chatbot's API has endpoints in us-east-2, us-west-2,
 * eu-west-1 and ap-southeast-1 only, not in the stack's home region us-east-1 (AWS General Reference,
 * "Amazon Q Developer in chat applications endpoints and quotas"; its console works in us-east-2 only);
 * a configuration is global (its ARN names no region) and takes topics of any region. Set on each
 * resource (`region`), not through a provider of its own: SST's default provider and its tags stay, and
 * no second us-east-2 provider competes with the event forwarding's (stacks/events.ts).
 */
export const CHATBOT_API_REGION = 'us-east-2'

/** Chatbot's configuration names: letters, digits, - and _, at most 128 (CreateSlackChannelConfiguration). */
const CHATBOT_NAME = /^[A-Za-z0-9_-]{1,128}$/

/**
 * The guardrail of every chat channel: whatever a member's user role allows, nothing beyond read-only
 * can be done from the channel (a guardrail is intersected with the role: "What your users can do is
 * the intersection of your guardrail policies and what is allowed by their roles"). Without one Chatbot
 * applies AdministratorAccess.
 */
export const chatGuardrail = (partition: string) => `arn:${partition}:iam::aws:policy/ReadOnlyAccess`

/** The functions that publish to the alerts topic with this configuration (its policy admits their roles). */
export function alertPublishers(config: IamwatchConfig): FunctionName[] {
  return ['notify', 'alerts-tick', ...(config.alerts.digest.enabled ? (['daily-digest'] as const) : [])]
}

/**
 * The escalation topic: TLS only, and only the alerts' tick publishes (by aws:PrincipalArn, for the
 * reasons given at alertsTopicPolicy in stacks/data.ts).
 */
export function escalationTopicPolicy(a: TopicPolicyArgs) {
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(a.topicArn),
      {
        Sid: 'AlertsTickPublishesEscalations',
        Effect: 'Allow',
        Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` },
        Action: 'sns:Publish',
        Resource: a.topicArn,
        Condition: { ArnEquals: { 'aws:PrincipalArn': functionRole(a, 'alerts-tick') } },
      },
    ],
  }
}

/**
 * Trust of the chat channels' role: AWS Chatbot only. No AWS documentation we found says whether Chatbot
 * sends aws:SourceAccount (or aws:SourceArn) when it assumes a channel role: its administrator guide has
 * no confused-deputy page, and the channel roles shown have no Condition. A plain StringEquals on a key
 * the service does not send would deny it the role, so aws:SourceAccount is checked only when present
 * (StringEqualsIfExists): a request naming another account is refused, one naming none is not. The role
 * holds no permission at all (see chatChannels), so assuming it gives nothing anyway. Once AWS documents
 * the key, make it StringEquals (like serviceTrust in stacks/trust-policies.ts).
 */
export function chatbotTrust(accountId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'chatbot.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEqualsIfExists: { 'aws:SourceAccount': accountId } },
      },
    ],
  }
}

export interface AlertsArgs {
  app: string
  /** The validated configuration (parseConfig). */
  config: IamwatchConfig
  /** IAMWATCH_CONFIG as given, for the functions' environment. */
  rawConfig: string
  account: { accountId: $util.Output<string>; region: $util.Output<string>; partition: $util.Output<string> }
  buildDir: string
  /** The stack's customer managed key: the escalation topic is encrypted with it like the others. */
  key: { id: $util.Output<string>; arn: $util.Output<string> }
  table: { arn: $util.Output<string>; name: $util.Output<string> }
  alerts: { arn: $util.Output<string> }
  ops: { arn: $util.Output<string> }
  dlq: { arn: $util.Output<string> }
  /** The stack's scheduler role (its policy must list the functions returned in `scheduledArns`). */
  schedulerRoleArn: $util.Output<string>
  /** The ARNs the statements name, from the function's log group's (stacks/iamwatch.ts). */
  arns: (logGroupArn: string) => $util.Output<Arns>
  reserveConcurrency: boolean
}

/** The alert channels: subscriptions, chat channels, the escalation topic, the tick and the daily digest. */
export function alertsResources(args: AlertsArgs) {
  const { app, config, account } = args
  const { routes, escalation: esc, digest: digestSettings } = config.alerts

  // Email per route: one subscription per address, filtered by the route (shared/notify/routes.ts). SNS keeps
  // one subscription per topic, protocol and address, so an address belongs to one route (parseConfig
  // refuses it in two). Named by route and address (a hash of it): adding, removing or reordering addresses
  // leaves the others' subscriptions as they are; only a new or renamed route's must be confirmed again. An
  // email subscription stays pending until its recipient confirms it, and SNS cannot delete a pending one:
  // it is left behind on removal (the Pulumi AWS provider's TopicSubscription notes).
  const subscriptions = routes.flatMap((route) => {
    const filterPolicy = JSON.stringify(routeFilterPolicy(route))
    return route.email.map(
      (address) =>
        new aws.sns.TopicSubscription(`AlertsRoute-${route.name}-${addressKey(address)}`, {
          topic: args.alerts.arn,
          protocol: 'email',
          endpoint: address,
          filterPolicy,
          filterPolicyScope: 'MessageAttributes',
        }),
    )
  })

  // The escalation topic (escalation is on by default): encrypted with the stack's key, TLS only, and only
  // the tick publishes; its email addresses receive every escalation (no filter).
  const escalation = esc.enabled ? escalationTopic(args) : undefined
  const external = esc.enabled ? esc.topicArn : undefined

  // The tick: every 5 minutes, whatever the configuration (grouping is always on).
  const tick = lambdaFunction(
    {
      app,
      name: 'alerts-tick',
      accountId: account.accountId,
      keyArn: args.key.arn,
      dlqArn: args.dlq.arn,
      reserveConcurrency: args.reserveConcurrency,
      async: true,
      codeDir: `${args.buildDir}/alerts-tick`,
      environment: {
        FINDINGS_TABLE: args.table.name,
        ALERT_TOPIC_ARN: args.alerts.arn,
        ...(escalation ? { ESCALATION_TOPIC_ARN: escalation.topic.arn } : {}),
        ...(external ? { EXTERNAL_ESCALATION_TOPIC_ARN: external } : {}),
        IAMWATCH_CONFIG: args.rawConfig,
      },
      policy: (logGroupArn) =>
        args.arns(logGroupArn).apply((a) =>
          $output(escalation?.topic.arn).apply((escalationTopicArn) => {
            const tickArns: AlertsTickArns = {
              ...a,
              ...(escalationTopicArn ? { escalationTopicArn } : {}),
              ...(external ? { externalEscalationTopicArn: external } : {}),
            }
            return alertsTickPolicy(tickArns)
          }),
        ),
    },
    args.ops.arn,
  )
  schedule(args, 'AlertsTickSchedule', 'alerts-tick', tick.fn.arn, {
    scheduleExpression: ALERTS_TICK_SCHEDULE,
  })

  // The daily digest, when it is on (default: 08:00 UTC).
  const digest = digestSettings.enabled
    ? lambdaFunction(
        {
          app,
          name: 'daily-digest',
          accountId: account.accountId,
          keyArn: args.key.arn,
          dlqArn: args.dlq.arn,
          reserveConcurrency: args.reserveConcurrency,
          async: true,
          codeDir: `${args.buildDir}/daily-digest`,
          environment: {
            FINDINGS_TABLE: args.table.name,
            ALERT_TOPIC_ARN: args.alerts.arn,
            IAMWATCH_CONFIG: args.rawConfig,
          },
          policy: (logGroupArn) => args.arns(logGroupArn).apply(dailyDigestPolicy),
        },
        args.ops.arn,
      )
    : undefined
  if (digest) {
    // At alerts.digest.time in alerts.digest.timeZone: the schedule's own zone, so daylight saving time
    // moves it with the clock (the digest's module computes it, so the function and its schedule agree).
    const when = dailyDigestSchedule(config)
    schedule(args, 'DailyDigestSchedule', 'daily-digest', digest.fn.arn, {
      scheduleExpression: when.expression,
      scheduleExpressionTimezone: when.timeZone,
    })
  }

  const chat = chatChannels(args, [args.alerts.arn, ...(escalation ? [escalation.topic.arn] : [])])

  return {
    subscriptions,
    escalation,
    tick,
    digest,
    chat,
    /** The functions the stack's scheduler role invokes for these schedules. */
    scheduledArns: [tick.fn.arn, ...(digest ? [digest.fn.arn] : [])],
  }
}

function escalationTopic(args: AlertsArgs) {
  const { app, account } = args
  const topic = new aws.sns.Topic(`${app}Escalation`, {
    name: `${app}-escalation`,
    kmsMasterKeyId: args.key.id,
  })
  const policy = new aws.sns.TopicPolicy(`${app}EscalationPolicy`, {
    arn: topic.arn,
    policy: $resolve([topic.arn, account.accountId, account.partition]).apply(
      ([topicArn, accountId, partition]) =>
        JSON.stringify(
          escalationTopicPolicy({ app, topicArn: topicArn!, accountId: accountId!, partition: partition! }),
        ),
    ),
  })
  const subscriptions = args.config.alerts.escalation.email.map(
    (address) =>
      new aws.sns.TopicSubscription(`EscalationEmail-${addressKey(address)}`, {
        topic: topic.arn,
        protocol: 'email',
        endpoint: address,
      }),
  )
  return { topic, policy, subscriptions }
}

/** A schedule of the stack's scheduler role, with retries and the dead-letter queue, like the scans'. */
function schedule(
  args: AlertsArgs,
  id: string,
  name: FunctionName,
  functionArn: $util.Output<string>,
  when: { scheduleExpression: string; scheduleExpressionTimezone?: string },
) {
  return new aws.scheduler.Schedule(id, {
    name: `${args.app}-${name}`,
    ...when,
    flexibleTimeWindow: { mode: 'OFF' },
    target: {
      arn: functionArn,
      roleArn: args.schedulerRoleArn,
      // The time the run was scheduled for (a Scheduler context attribute): a retry late past midnight is
      // still the scheduled day's digest.
      input: JSON.stringify({
        source: 'iamwatch.schedule',
        scan: name,
        scheduledTime: '<aws.scheduler.scheduled-time>',
      }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: args.dlq.arn },
    },
  })
}

/**
 * The chat channels (AWS Chatbot), each subscribed to the alerts and escalation topics: one role for all of
 * them, which Chatbot alone may assume and which holds no permission (notifications need none: SNS
 * delivers them). Its inline policies and managed policy attachments are both held exclusively empty, so
 * one added by hand is removed by the next deploy. Every channel has the read-only guardrail and requires
 * user authorization: a member runs a command with a user role of their own, never the channel's, and even
 * then with no more than read access. Logging: errors only. Nothing of it exists without a channel.
 */
function chatChannels(args: AlertsArgs, topicArns: $util.Output<string>[]) {
  const { app, account } = args
  const { slack, teams } = args.config.alerts
  if (slack.length + teams.length === 0) return undefined
  const names = new Set<string>()
  for (const { name } of [...slack, ...teams]) {
    if (names.has(name))
      throw new Error(`alerts: two chat channels named ${name}; each needs a name of its own`)
    names.add(name)
    if (!CHATBOT_NAME.test(`${app}-${name}`))
      throw new Error(
        `alerts: the chat channel ${name} makes a Chatbot configuration name longer than 128 (${app}-${name})`,
      )
  }
  const role = new aws.iam.Role('ChatbotChannelRole', {
    name: `${app}-chatbot`,
    description: 'iamwatch: the chat channels of AWS Chatbot; no permissions (notifications only)',
    assumeRolePolicy: account.accountId.apply((id) => JSON.stringify(chatbotTrust(id))),
  })
  new aws.iam.RolePoliciesExclusive('ChatbotChannelRoleInlinePolicies', {
    roleName: role.name,
    policyNames: [],
  })
  new aws.iam.RolePolicyAttachmentsExclusive('ChatbotChannelRoleManagedPolicies', {
    roleName: role.name,
    policyArns: [],
  })
  const common = {
    iamRoleArn: role.arn,
    snsTopicArns: topicArns,
    guardrailPolicyArns: [account.partition.apply(chatGuardrail)],
    userAuthorizationRequired: true,
    loggingLevel: 'ERROR',
    region: CHATBOT_API_REGION,
  }
  const slackChannels = slack.map(
    (channel) =>
      new aws.chatbot.SlackChannelConfiguration(`ChatbotSlack-${channel.name}`, {
        ...common,
        configurationName: `${app}-${channel.name}`,
        slackTeamId: channel.workspaceId,
        slackChannelId: channel.channelId,
      }),
  )
  const teamsChannels = teams.map(
    (channel) =>
      new aws.chatbot.TeamsChannelConfiguration(`ChatbotTeams-${channel.name}`, {
        ...common,
        configurationName: `${app}-${channel.name}`,
        tenantId: channel.tenantId,
        teamId: channel.teamId,
        channelId: channel.channelId,
      }),
  )
  return { role, slack: slackChannels, teams: teamsChannels }
}

/** A resource name part for an email address: stable whatever else the list holds (SHA-256, 12 hex digits). */
export function addressKey(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 12)
}
