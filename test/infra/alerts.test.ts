import { beforeAll, describe, expect, it } from 'vitest'
import { TABLE } from '../../shared/aws/findings-table.ts'
import type { Route } from '../../shared/config/alerts.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { routeFilterPolicy } from '../../shared/notify/routes.ts'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateResourcePolicy, type ResourceRequest } from '../../shared/policy/resource.ts'
import { addressKey } from '../../stacks/alerts.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { ALERTS_CONFIG, EXTERNAL_TOPIC } from './alerts-config.ts'
import { ACCOUNT, type MockResource, REGION, runStack } from './pulumi-mocks.ts'

/**
 * The alert channels (stacks/alerts.ts) under the Pulumi mocks: with every channel configured
 * (alerts-config.ts), with the defaults, and with the digest and escalation turned off.
 */
let configured: MockResource[]
let configuredOutputs: Record<string, unknown>
let defaults: MockResource[]
let defaultOutputs: Record<string, unknown>
let off: MockResource[]

const APP = 'iamwatch-ci'
const ALERTS = `arn:aws:sns:${REGION}:${ACCOUNT}:${APP}-alerts`
const ESCALATION = `arn:aws:sns:${REGION}:${ACCOUNT}:${APP}-escalation`
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:${APP}Findings`
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:${APP}Key`
const KEY_ID = `${APP}Key-id`
const MAC_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:ItemMacKey`
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${APP}DeadLetters`
const SCHEDULER_ROLE = `arn:aws:iam:${REGION}:${ACCOUNT}:SchedulerRole`
const CHATBOT_ROLE = `arn:aws:iam:${REGION}:${ACCOUNT}:ChatbotChannelRole`
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${APP}-${name}`
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${APP}-${name}`
const logsOf = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/iamwatch/${APP}-${name}:*`
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` },
})

/** What every alerts function ends with: publishing under the key, its dead letters, its own logs. */
const publishedAndLogged = (name: string): Statement[] => [
  {
    Sid: 'EncryptAlerts',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: [KEY_ARN],
    Condition: viaService('sns'),
  },
  { Sid: 'SendFailuresToDeadLetterQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] },
  {
    Sid: 'EncryptDeadLetters',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: [KEY_ARN],
    Condition: viaService('sqs'),
  },
  {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [logsOf(name)],
  },
]
const CHATBOT_TYPES = [
  'aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration',
  'aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration',
]

// biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
type Inputs = Record<string, any>
const ofType = (type: string, rs: MockResource[]) => rs.filter((r) => r.type === type)
const named = (name: string, rs: MockResource[]): Inputs => {
  const found = rs.filter((r) => r.name === name)
  expect(found, name).toHaveLength(1)
  return found[0]!.inputs as Inputs
}
const statementsOf = (policy: string, rs: MockResource[]) =>
  JSON.parse(named(policy, rs).policy as string).Statement as Statement[]
const parsed = (json: unknown): PolicyDocument => {
  const p = parsePolicyDocument(json)
  if (!p.ok) throw new Error(p.reason)
  return p.document
}
const TLS = { 'aws:SecureTransport': true }
/** A call by an IAM role's session, with the aws:PrincipalArn IAM puts in the context (the role's ARN). */
const asRole = (
  role: string,
  action: string,
  resource: string,
  context: ResourceRequest['context'] = TLS,
) => ({
  principal: {
    type: 'AWS' as const,
    id: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.split('/').pop()}/session`,
  },
  action,
  resource,
  context: { ...context, 'aws:PrincipalArn': role },
})
const topicPolicy = (arn: string, rs: MockResource[]) => {
  const found = ofType('aws:sns/topicPolicy:TopicPolicy', rs).filter((r) => r.inputs.arn === arn)
  expect(found, arn).toHaveLength(1)
  return parsed(found[0]!.inputs.policy)
}

beforeAll(async () => {
  ;({ resources: configured, outputs: configuredOutputs } = await runStack('ci', {
    config: JSON.stringify(ALERTS_CONFIG),
  }))
  ;({ resources: defaults, outputs: defaultOutputs } = await runStack('ci'))
  ;({ resources: off } = await runStack('ci', {
    config: JSON.stringify({ alerts: { digest: { enabled: false }, escalation: { enabled: false } } }),
  }))
}, 180_000)

describe('email per route (every channel configured)', () => {
  const routes = parseConfig(ALERTS_CONFIG).alerts.routes

  it("subscribes each route's addresses to the alerts topic with the route's filter policy, on message attributes", () => {
    // Act
    const subscriptions = ofType('aws:sns/topicSubscription:TopicSubscription', configured).filter(
      (s) => s.inputs.topic === ALERTS,
    )
    // Assess: one per address, named by route and position
    expect(subscriptions.map((s) => [s.name, s.inputs.endpoint])).toEqual([
      [`AlertsRoute-security-team-${addressKey('secops@example.com')}`, 'secops@example.com'],
      [`AlertsRoute-security-team-${addressKey('ciso@example.com')}`, 'ciso@example.com'],
      [`AlertsRoute-prod-workloads-${addressKey('platform@example.com')}`, 'platform@example.com'],
    ])
    for (const s of subscriptions) {
      const route = routes.find((r) => s.name.startsWith(`AlertsRoute-${r.name}-`)) as Route
      expect(s.inputs, s.name).toEqual({
        topic: ALERTS,
        protocol: 'email',
        endpoint: s.inputs.endpoint,
        filterPolicy: s.inputs.filterPolicy,
        filterPolicyScope: 'MessageAttributes',
      })
      expect(JSON.parse(String(s.inputs.filterPolicy)), s.name).toEqual(routeFilterPolicy(route))
    }
  })

  it('filters by severity and the digest, or by accounts and OUs for detections only, without the digest', () => {
    // Act
    const policyOf = (name: string) => JSON.parse(named(name, configured).filterPolicy)
    // Assess: what each route asks for (the encoding of each condition is routes.ts's, tested there)
    expect(policyOf(`AlertsRoute-security-team-${addressKey('secops@example.com')}`)).toEqual({
      $or: [{ severity: ['critical', 'high'] }, { messageType: ['digest'] }],
    })
    const branches = policyOf(`AlertsRoute-prod-workloads-${addressKey('platform@example.com')}`)
      .$or as Array<Record<string, unknown>>
    expect(branches.map((b) => Object.keys(b).sort())).toEqual([
      ['accountId', 'ruleType', 'severity'],
      ['ouPath', 'ruleType', 'severity'],
    ])
    expect(branches[0]).toMatchObject({ accountId: ['111122223333'], ruleType: ['detection'] })
    expect(JSON.stringify(branches[1]!.ouPath)).toContain('Root/Workloads/Prod')
    expect(JSON.stringify(branches)).not.toContain('digest')
  })

  it('refuses an address in two routes: SNS keeps one subscription per address and topic', async () => {
    // Prepare
    const config = {
      alerts: {
        routes: [
          { name: 'a', email: ['x@example.com'] },
          { name: 'b', minSeverity: 'critical', email: ['X@example.com'] },
        ],
      },
    }
    // Act / Assess
    await expect(runStack('bad', { config: JSON.stringify(config) })).rejects.toThrow(
      /alerts.routes.1.email.0: X@example.com is already in route a/,
    )
  }, 60_000)

  it('refuses a configuration that is not valid, by its path, before anything is declared', async () => {
    await expect(runStack('bad', { config: '{"alerts": {"routes": [{"name": "x"}]}}' })).rejects.toThrow(
      /alerts\.routes\.0\.email/,
    )
    await expect(runStack('bad', { config: '{not json' })).rejects.toThrow(/IAMWATCH_CONFIG is not JSON/)
  }, 60_000)
})

describe('chat channels (AWS Chatbot)', () => {
  it('posts the alerts and escalation topics to the Slack and the Teams channel, read-only, with user authorization', () => {
    // Act
    const slack = ofType(CHATBOT_TYPES[0]!, configured)
    const teams = ofType(CHATBOT_TYPES[1]!, configured)
    // Assess
    expect(slack.map((s) => s.name)).toEqual(['ChatbotSlack-sec-alerts'])
    expect(teams.map((s) => s.name)).toEqual(['ChatbotTeams-sec-teams'])
    const common = {
      iamRoleArn: CHATBOT_ROLE,
      snsTopicArns: [ALERTS, ESCALATION],
      guardrailPolicyArns: [READ_ONLY],
      userAuthorizationRequired: true,
      loggingLevel: 'ERROR',
      // Chatbot's API has no endpoint in us-east-1.
      region: 'us-east-2',
    }
    expect(slack[0]!.inputs).toEqual({
      ...common,
      configurationName: `${APP}-sec-alerts`,
      slackTeamId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
    })
    expect(teams[0]!.inputs).toEqual({
      ...common,
      configurationName: `${APP}-sec-teams`,
      tenantId: '8f3a1c2e-1b2d-4e5f-9a0b-1c2d3e4f5a6b',
      teamId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      channelId: '19:abc123@thread.tacv2',
    })
  })

  it('gives the channels one role that only Chatbot assumes, with no policy at all, held empty', () => {
    // Act
    const role = named('ChatbotChannelRole', configured)
    // Assess: the trust (aws:SourceAccount only if Chatbot sends it: stacks/alerts.ts)
    expect(role.name).toBe(`${APP}-chatbot`)
    expect(JSON.parse(role.assumeRolePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'chatbot.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } },
        },
      ],
    })
    expect(role.inlinePolicies).toBeUndefined()
    expect(role.managedPolicyArns).toBeUndefined()
    // No inline policy, no attachment, and both held empty by the exclusive resources
    const onRole = (type: string, key: string) =>
      ofType(type, configured).filter((r) => r.inputs[key] === `${APP}-chatbot`)
    expect(onRole('aws:iam/rolePolicy:RolePolicy', 'role')).toEqual([])
    expect(onRole('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'role')).toEqual([])
    expect(ofType('aws:iam/policyAttachment:PolicyAttachment', configured)).toEqual([])
    expect(named('ChatbotChannelRoleInlinePolicies', configured)).toEqual({
      roleName: `${APP}-chatbot`,
      policyNames: [],
    })
    expect(named('ChatbotChannelRoleManagedPolicies', configured)).toEqual({
      roleName: `${APP}-chatbot`,
      policyArns: [],
    })
  })

  it('creates nothing of Chatbot without a channel', () => {
    for (const rs of [defaults, off]) {
      for (const type of CHATBOT_TYPES) expect(ofType(type, rs)).toEqual([])
      expect(rs.filter((r) => r.name.startsWith('ChatbotChannelRole'))).toEqual([])
    }
  })

  it('refuses two chat channels of the same name', async () => {
    const config = {
      alerts: {
        slack: [{ name: 'sec', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }],
        teams: [{ ...ALERTS_CONFIG.alerts.teams[0], name: 'sec' }],
      },
    }
    await expect(runStack('bad', { config: JSON.stringify(config) })).rejects.toThrow(
      /two chat channels named sec/,
    )
  }, 60_000)
})

describe('escalation', () => {
  it('has its own topic, encrypted with the stack key, and subscribes the escalation addresses without a filter', () => {
    // Act
    const topic = named(`${APP}Escalation`, configured)
    const subscriptions = ofType('aws:sns/topicSubscription:TopicSubscription', configured).filter(
      (s) => s.inputs.topic === ESCALATION,
    )
    // Assess
    expect(topic).toEqual({ name: `${APP}-escalation`, kmsMasterKeyId: KEY_ID })
    expect(subscriptions.map((s) => [s.name, s.inputs])).toEqual([
      [
        `EscalationEmail-${addressKey('pager@example.com')}`,
        { topic: ESCALATION, protocol: 'email', endpoint: 'pager@example.com' },
      ],
    ])
    expect(configuredOutputs.escalationTopic).toBe(ESCALATION)
  })

  it('lets only the alerts tick publish to it, over TLS only', () => {
    // Prepare
    const policy = topicPolicy(ESCALATION, configured)
    // Act / Assess
    expect(JSON.parse(named(`${APP}EscalationPolicy`, configured).policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes'],
          Resource: ESCALATION,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'AlertsTickPublishesEscalations',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'sns:Publish',
          Resource: ESCALATION,
          Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn('alerts-tick') } },
        },
      ],
    })
    expect(evaluateResourcePolicy(policy, asRole(roleArn('alerts-tick'), 'sns:Publish', ESCALATION))).toBe(
      'allowed',
    )
    for (const other of ['notify', 'daily-digest', 'scan-credentials'])
      expect(evaluateResourcePolicy(policy, asRole(roleArn(other), 'sns:Publish', ESCALATION)), other).toBe(
        'implicit-deny',
      )
    expect(
      evaluateResourcePolicy(
        policy,
        asRole(roleArn('alerts-tick'), 'sns:Publish', ESCALATION, { 'aws:SecureTransport': false }),
      ),
    ).toBe('denied')
  })

  it('exists by default, without subscriptions, and not at all when turned off', () => {
    expect(named(`${APP}Escalation`, defaults)).toEqual({ name: `${APP}-escalation`, kmsMasterKeyId: KEY_ID })
    expect(topicPolicy(ESCALATION, defaults)).toBeDefined()
    expect(ofType('aws:sns/topicSubscription:TopicSubscription', defaults)).toEqual([])
    expect(defaultOutputs.escalationTopic).toBe(ESCALATION)
    expect(off.filter((r) => r.name.startsWith(`${APP}Escalation`))).toEqual([])
  })
})

describe('the alerts tick', () => {
  const tickStatements = (escalations: string[]): Statement[] => [
    {
      Sid: 'ReadFindingsGroupsAndEscalations',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [TABLE_ARN],
    },
    {
      Sid: 'TrackGroupsAndEscalations',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem'],
      Resource: [TABLE_ARN],
      // It writes two partitions, never a finding's.
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ALERTGROUPS', 'ESCALATIONS'] } },
    },
    {
      Sid: 'QueryOpenFindingsBySeverity',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: [`${TABLE_ARN}/index/${TABLE.bySeverityIndex}`],
    },
    {
      Sid: 'UseTableKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: [KEY_ARN],
      Condition: viaService('dynamodb'),
    },
    { Sid: 'PublishAlerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: [ALERTS] },
    ...(escalations.length > 0
      ? [
          {
            Sid: 'PublishEscalations',
            Effect: 'Allow' as const,
            Action: ['sns:Publish'],
            Resource: escalations,
          },
        ]
      : []),
    ...publishedAndLogged('alerts-tick'),
  ]

  it('gets exactly these statements: its items, the open-by-severity index, the alerts, escalation and external topics', () => {
    expect(statementsOf('AlertsTickPolicy', configured)).toEqual(tickStatements([ESCALATION, EXTERNAL_TOPIC]))
    // By default: no external topic; with escalation off: no escalation at all.
    expect(statementsOf('AlertsTickPolicy', defaults)).toEqual(tickStatements([ESCALATION]))
    expect(statementsOf('AlertsTickPolicy', off)).toEqual(tickStatements([]))
  })

  it('runs every 5 minutes from the stack scheduler role, with retries and the dead-letter queue', () => {
    for (const rs of [configured, defaults, off])
      expect(named('AlertsTickSchedule', rs)).toEqual({
        name: `${APP}-alerts-tick`,
        scheduleExpression: 'rate(5 minutes)',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: fnArn('alerts-tick'),
          roleArn: SCHEDULER_ROLE,
          input: JSON.stringify({
            source: 'iamwatch.schedule',
            scan: 'alerts-tick',
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: DLQ_ARN },
        },
      })
  })

  it('is told the table, the topics and the configuration, and nothing else', () => {
    // Act
    const env = (rs: MockResource[]) => named('AlertsTickFunction', rs).environment.variables
    // Assess
    expect(env(configured)).toEqual({
      FINDINGS_TABLE: `${APP}-findings`,
      ALERT_TOPIC_ARN: ALERTS,
      ESCALATION_TOPIC_ARN: ESCALATION,
      EXTERNAL_ESCALATION_TOPIC_ARN: EXTERNAL_TOPIC,
      IAMWATCH_CONFIG: JSON.stringify(ALERTS_CONFIG),
      NODE_OPTIONS: '--enable-source-maps',
    })
    expect(env(defaults)).toEqual({
      FINDINGS_TABLE: `${APP}-findings`,
      ALERT_TOPIC_ARN: ALERTS,
      ESCALATION_TOPIC_ARN: ESCALATION,
      IAMWATCH_CONFIG: '{}',
      NODE_OPTIONS: '--enable-source-maps',
    })
    expect(env(off).ESCALATION_TOPIC_ARN).toBeUndefined()
    expect(named('AlertsTickFunction', configured)).toMatchObject({
      name: `${APP}-alerts-tick`,
      role: `arn:aws:iam:${REGION}:${ACCOUNT}:AlertsTickRole`,
      timeout: 60,
      reservedConcurrentExecutions: 1,
    })
  })
})

describe('the daily digest', () => {
  it('gets exactly these statements: its items, a scan and queries of the findings, the alerts topic', () => {
    expect(statementsOf('DailyDigestPolicy', configured)).toEqual([
      {
        Sid: 'ReadFindings',
        Effect: 'Allow',
        // Scan: the digest lists every finding in one Scan (alerts-roles.test.ts records a real run's calls).
        Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
        Resource: [TABLE_ARN],
      },
      {
        Sid: 'RecordDigestDays',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [TABLE_ARN],
        // The day's marker is all it writes.
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['DAILYDIGEST#all'] } },
      },
      {
        Sid: 'QueryHistoryByTime',
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: [`${TABLE_ARN}/index/${TABLE.byTimeIndex}`],
      },
      {
        Sid: 'UseTableKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
      },
      { Sid: 'PublishDigest', Effect: 'Allow', Action: ['sns:Publish'], Resource: [ALERTS] },
      ...publishedAndLogged('daily-digest'),
    ])
  })

  it('runs at the configured time in the configured zone (07:30 Berlin), and at 08:00 UTC by default', () => {
    const target = {
      arn: fnArn('daily-digest'),
      roleArn: SCHEDULER_ROLE,
      input: JSON.stringify({
        source: 'iamwatch.schedule',
        scan: 'daily-digest',
        scheduledTime: '<aws.scheduler.scheduled-time>',
      }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: DLQ_ARN },
    }
    expect(named('DailyDigestSchedule', configured)).toEqual({
      name: `${APP}-daily-digest`,
      scheduleExpression: 'cron(30 7 * * ? *)',
      scheduleExpressionTimezone: 'Europe/Berlin',
      flexibleTimeWindow: { mode: 'OFF' },
      target,
    })
    expect(named('DailyDigestSchedule', defaults)).toMatchObject({
      scheduleExpression: 'cron(0 8 * * ? *)',
      scheduleExpressionTimezone: 'UTC',
      target,
    })
  })

  it('is told the table, the alerts topic and the configuration', () => {
    expect(named('DailyDigestFunction', configured).environment.variables).toEqual({
      FINDINGS_TABLE: `${APP}-findings`,
      ALERT_TOPIC_ARN: ALERTS,
      IAMWATCH_CONFIG: JSON.stringify(ALERTS_CONFIG),
      NODE_OPTIONS: '--enable-source-maps',
    })
  })

  it('does not exist when turned off: no function, role, schedule or publish right on the alerts topic', () => {
    expect(off.filter((r) => r.name.startsWith('DailyDigest'))).toEqual([])
    expect(
      statementsOf('SchedulerPolicy', off)[0]!
        .Resource.filter((arn) => arn.includes('digest'))
        .sort(),
    ).toEqual([fnArn('digest')])
  })
})

describe('both scheduled functions', () => {
  it('are invoked by the stack scheduler role, on exactly these functions', () => {
    const invoke = (rs: MockResource[]) => statementsOf('SchedulerPolicy', rs)[0]!
    expect(invoke(configured)).toEqual({
      Sid: 'InvokeScans',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [
        fnArn('scan-credentials'),
        fnArn('scan-authorization'),
        fnArn('scan-trails'),
        fnArn('scan-access-advisor'),
        fnArn('digest'),
        fnArn('alerts-tick'),
        fnArn('daily-digest'),
      ],
    })
    expect(invoke(off).Resource).not.toContain(fnArn('daily-digest'))
    expect(invoke(off).Resource).toContain(fnArn('alerts-tick'))
  })

  it('retry and dead-letter like the other scheduled functions, and alarm on errors (no heartbeat)', () => {
    const invokeConfigs = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', configured)
    const alarms = ofType('aws:cloudwatch/metricAlarm:MetricAlarm', configured).map((a) => a.inputs.name)
    for (const name of ['alerts-tick', 'daily-digest']) {
      expect(invokeConfigs.map((c) => c.inputs)).toContainEqual({
        functionName: `${APP}-${name}`,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 3600,
        destinationConfig: { onFailure: { destination: DLQ_ARN } },
      })
      expect(alarms).toContain(`${APP}-${name}-errors`)
      expect(alarms).not.toContain(`${APP}-${name}-heartbeat`)
    }
  })

  it('may publish to the alerts topic (its policy admits them with the notifier), and the digest only when it exists', () => {
    for (const [rs, publishers] of [
      [configured, ['notify', 'alerts-tick', 'daily-digest']],
      [off, ['notify', 'alerts-tick']],
    ] as const) {
      const policy = topicPolicy(ALERTS, rs)
      for (const fn of ['notify', 'alerts-tick', 'daily-digest', 'scan-credentials'])
        expect(evaluateResourcePolicy(policy, asRole(roleArn(fn), 'sns:Publish', ALERTS)), fn).toBe(
          (publishers as readonly string[]).includes(fn) ? 'allowed' : 'implicit-deny',
        )
    }
  })

  it('never generate item MACs, whatever their identity policy says (they write no transition)', () => {
    const mac = parsed(named('ItemMacKey', configured).policy)
    for (const fn of ['alerts-tick', 'daily-digest'])
      expect(evaluateResourcePolicy(mac, asRole(roleArn(fn), 'kms:GenerateMac', MAC_KEY_ARN)), fn).toBe(
        'denied',
      )
  })
})

describe('Security Hub', () => {
  it('lets the notifier import to its own default product, and read and update findings on the hub, when enabled', () => {
    // Act
    const statements = statementsOf('NotifyPolicy', configured)
    // Assess: the two statements, before the dead-letter and log statements
    expect(statements.map((s) => s.Sid)).toEqual([
      'ReadFindingsStream',
      'ListFindingsStreams',
      'RecordNotifiedTransitions',
      'TrackOccurrenceGroups',
      'UseTableKey',
      'PublishAlerts',
      'EncryptAlerts',
      'ImportFindingsToSecurityHub',
      'ReadAndUpdateSecurityHubFindings',
      'SendFailuresToDeadLetterQueue',
      'EncryptDeadLetters',
      'WriteOwnLogs',
    ])
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('securityhub:')))).toEqual([
      {
        Sid: 'ImportFindingsToSecurityHub',
        Effect: 'Allow',
        Action: ['securityhub:BatchImportFindings'],
        Resource: [`arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`],
      },
      {
        Sid: 'ReadAndUpdateSecurityHubFindings',
        Effect: 'Allow',
        Action: ['securityhub:GetFindings', 'securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`],
      },
    ])
    // The notifier turns the import on from the configuration it is given.
    expect(
      JSON.parse(named('NotifyFunction', configured).environment.variables.IAMWATCH_CONFIG).alerts
        .securityHub,
    ).toEqual({ enabled: true })
    // Otherwise the notifier's statements are those of the default stack (stack.test.ts)
    expect(statements.filter((s) => !s.Sid.includes('SecurityHub'))).toEqual(
      statementsOf('NotifyPolicy', defaults),
    )
  })

  it('grants nothing of Security Hub to anyone by default', () => {
    for (const rs of [defaults, off]) {
      const policies = ofType('aws:iam/rolePolicy:RolePolicy', rs).flatMap(
        (p) => JSON.parse(p.inputs.policy as string).Statement as Statement[],
      )
      expect(policies.filter((s) => s.Action.some((a) => a.startsWith('securityhub:')))).toEqual([])
    }
  })
})

describe('the default configuration', () => {
  it('has no subscription, no chat channel and no Security Hub statement; the tick, the digest and escalation run', () => {
    expect(ofType('aws:sns/topicSubscription:TopicSubscription', defaults)).toEqual([])
    for (const type of CHATBOT_TYPES) expect(ofType(type, defaults)).toEqual([])
    expect(defaultOutputs).toMatchObject({
      alertsTickFunction: `${APP}-alerts-tick`,
      dailyDigestFunction: `${APP}-daily-digest`,
      escalationTopic: ESCALATION,
    })
  })
})
