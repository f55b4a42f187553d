import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { handleKeyActivity } from '../../shared/app/key-activity.ts'
import { silentLog } from '../../shared/app/log.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { DynamoCounters } from '../../shared/aws/counters.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { DynamoSightings } from '../../shared/aws/sightings.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import { rulePatterns, toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateResourcePolicy, type RequestPrincipal } from '../../shared/policy/resource.ts'
import { FUNCTIONS } from '../../stacks/functions.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { alice, record } from '../support/events.ts'
import { newStore } from '../support/harness.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

/**
 * The key-activity path (issue 12): every call signed with a long-term access key goes EventBridge (the
 * access-keys rule) -> the key-activity queue -> on-key-activity in batches. What the stack deploys for it,
 * under Pulumi mocks, and what a real batch does with the findings table against what its role allows.
 */
let resources: MockResource[]
const ofType = (type: string, rs = resources) => rs.filter((r) => r.type === type)
// biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
const inputs = (r: MockResource) => r.inputs as Record<string, any>
const named = (type: string, name: string, rs = resources) => {
  const found = ofType(type, rs).filter((r) => r.name === name)
  expect(found, `${type} ${name}`).toHaveLength(1)
  return inputs(found[0]!)
}
const byInputName = (type: string, name: string, rs = resources) => {
  const found = ofType(type, rs).filter((r) => inputs(r).name === name)
  expect(found, `${type} named ${name}`).toHaveLength(1)
  return found[0]!
}
const statementsOf = (policyName: string) =>
  JSON.parse(named('aws:iam/rolePolicy:RolePolicy', policyName).policy).Statement as Statement[]

const APP = 'iamwatch-ci'
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}KeyActivity`
const QUEUE_DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}KeyActivityDeadLetters`
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${APP}-key-activity`
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}DeadLetters`
const RULE_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${APP}-access-keys`
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${APP}-on-key-activity`
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:${APP}Findings`
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:${APP}Key`
const MAC_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:ItemMacKey`
const OPS = [`arn:aws:sns:us-east-1:${ACCOUNT}:${APP}-ops`]
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.us-east-1.amazonaws.com` },
})
const events: RequestPrincipal = { type: 'Service', id: 'events.amazonaws.com' }
const accessKeys = () => rulePatterns().find((p) => p.name === 'access-keys')!
/** A transaction is authorized item by item: the action each kind of item needs. */
const TRANSACT_ITEM_ACTION: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
}

beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

describe('the key-activity queue (Pulumi mocks)', () => {
  it('is encrypted with the stack key, hides a received batch for 6x the function timeout, and dead-letters after 5 receives', () => {
    // Act
    const queue = named('aws:sqs/queue:Queue', `${APP}KeyActivity`)
    // Assess
    expect(FUNCTIONS['on-key-activity'].timeoutSeconds).toBe(60)
    expect(queue).toEqual({
      name: `${APP}-key-activity`,
      visibilityTimeoutSeconds: 360,
      messageRetentionSeconds: 4 * 86_400,
      kmsMasterKeyId: `${APP}Key-id`,
      kmsDataKeyReusePeriodSeconds: 300,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: QUEUE_DLQ_ARN, maxReceiveCount: 5 }),
    })
    // Lambda: at least six times the function's timeout (services-sqs-configure.html)
    expect(queue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * FUNCTIONS['on-key-activity'].timeoutSeconds,
    )
  })

  it('has its own encrypted dead-letter queue, which keeps messages longer and only the key-activity queue may redrive into', () => {
    // Act
    const deadLetters = named('aws:sqs/queue:Queue', `${APP}KeyActivityDeadLetters`)
    const queue = named('aws:sqs/queue:Queue', `${APP}KeyActivity`)
    // Assess: a moved message keeps its enqueue time, so the dead-letter queue must outlast the source
    expect(deadLetters).toEqual({
      name: `${APP}-key-activity-dead-letters`,
      messageRetentionSeconds: 14 * 86_400,
      kmsMasterKeyId: `${APP}Key-id`,
      kmsDataKeyReusePeriodSeconds: 300,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [`arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}-key-activity`],
      }),
    })
    expect(deadLetters.messageRetentionSeconds).toBeGreaterThan(queue.messageRetentionSeconds)
  })

  it('alarms to the ops topic on a dead letter, and on a message left waiting 15 minutes (a consumer that stopped)', () => {
    // Act
    const deadLetters = named('aws:cloudwatch/metricAlarm:MetricAlarm', `${APP}KeyActivityDeadLettersAlarm`)
    const backlog = named('aws:cloudwatch/metricAlarm:MetricAlarm', `${APP}KeyActivityBacklogAlarm`)
    // Assess
    expect(deadLetters).toMatchObject({
      name: `${APP}-key-activity-dead-letters`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `${APP}-key-activity-dead-letters` },
      statistic: 'Maximum',
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: OPS,
      okActions: OPS,
    })
    expect(backlog).toMatchObject({
      name: `${APP}-key-activity-backlog`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: `${APP}-key-activity` },
      statistic: 'Maximum',
      threshold: 900,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: OPS,
      okActions: OPS,
    })
  })

  it('lets only EventBridge, for the access-keys rule, send to it, and denies every other sender', () => {
    // Act
    const policy = named('aws:sqs/queuePolicy:QueuePolicy', 'KeyActivityFromEventBridge')
    // Assess
    expect(policy.queueUrl).toBe(QUEUE_URL)
    expect(JSON.parse(policy.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyAccessKeyRulesSend',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: QUEUE_ARN,
          Condition: { ArnNotEquals: { 'aws:SourceArn': [RULE_ARN] } },
        },
        {
          Sid: 'AccessKeyRulesSendEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: QUEUE_ARN,
          Condition: { ArnEquals: { 'aws:SourceArn': [RULE_ARN] } },
        },
      ],
    })
  })

  it.each([
    ['EventBridge for the access-keys rule', 'allowed', events, { 'aws:SourceArn': RULE_ARN }],
    ['EventBridge for another rule of the stack', 'denied', events, { 'aws:SourceArn': `${RULE_ARN}x` }],
    ['EventBridge for no rule', 'denied', events, {}],
    [
      'an administrator of the account (a forged call would be judged as real)',
      'denied',
      { type: 'AWS' as const, id: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/eve` },
      { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Admin` },
    ],
    ['the account root', 'denied', { type: 'AWS' as const, id: `arn:aws:iam::${ACCOUNT}:root` }, {}],
    ['another account', 'denied', { type: 'AWS' as const, id: 'arn:aws:iam::210987654321:root' }, {}],
  ])('decides a SendMessage from %s: %s', (_, decision, principal, context) => {
    // Prepare
    const parsed = parsePolicyDocument(
      named('aws:sqs/queuePolicy:QueuePolicy', 'KeyActivityFromEventBridge').policy,
    )
    if (!parsed.ok) throw new Error(parsed.reason)
    // Act
    const decided = evaluateResourcePolicy(parsed.document, {
      principal,
      action: 'sqs:SendMessage',
      resource: QUEUE_ARN,
      context,
    })
    // Assess
    expect(decided).toBe(decision)
  })

  it('lets EventBridge use the stack key for its targets only: the two queues by their ARN, the ops topic by its ARN', () => {
    // Act
    const statements = JSON.parse(named('aws:kms/key:Key', `${APP}Key`).policy).Statement as Array<
      Record<string, unknown>
    >
    const forEventBridge = statements.filter(
      (s) => (s.Principal as { Service?: string }).Service === 'events.amazonaws.com',
    )
    // Assess: each conditioned on the encryption context SNS or SQS puts in its KMS requests (publishers.test.ts
    // evaluates them)
    expect(forEventBridge).toEqual([
      {
        Sid: 'EventBridgeRulesPublishToEncryptedOpsTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:us-east-1:${ACCOUNT}:${APP}-ops`,
          },
        },
      },
      {
        Sid: 'EventBridgeRulesDeliverToEncryptedQueues',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:sqs:arn': [
              `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}-key-activity`,
              `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}-dead-letters`,
            ],
          },
        },
      },
    ])
  })
})

describe('the access-keys rule (Pulumi mocks)', () => {
  it('takes every API call signed with a long-term (AKIA) key, read-only ones and failures included', () => {
    // Act
    const rule = inputs(byInputName('aws:cloudwatch/eventRule:EventRule', `${APP}-access-keys`))
    // Assess
    expect(accessKeys()).toMatchObject({ target: 'queue', regional: true, allManagementEvents: true })
    expect(JSON.parse(rule.eventPattern)).toEqual({
      source: [{ prefix: 'aws.' }],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { userIdentity: { accessKeyId: [{ prefix: 'AKIA' }] } },
    })
    expect(rule.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')
  })

  it('delivers to the key-activity queue as the event is, with retries and the dead-letter queue, and never to the handler', () => {
    // Prepare
    const rule = byInputName('aws:cloudwatch/eventRule:EventRule', `${APP}-access-keys`)
    // Act
    const targets = ofType('aws:cloudwatch/eventTarget:EventTarget').filter(
      (t) => t.name === `${rule.name}Target`,
    )
    // Assess: no input transformer, no role (the queue policy admits the rule)
    expect(targets.map(inputs)).toEqual([
      {
        rule: `${APP}-access-keys`,
        arn: QUEUE_ARN,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: DLQ_ARN },
      },
    ])
    const invokes = ofType('aws:lambda/permission:Permission').map((p) => inputs(p).sourceArn)
    expect(invokes).not.toContain(RULE_ARN)
    expect(
      ofType('aws:cloudwatch/eventTarget:EventTarget').filter((t) => inputs(t).arn === QUEUE_ARN),
    ).toHaveLength(1)
  })
})

describe('the key-activity consumer (Pulumi mocks)', () => {
  it('reads the queue in batches of 100, waiting up to 5 s to fill one, reporting failed messages, at most 5 batches at once', () => {
    // Act
    const mapping = named('aws:lambda/eventSourceMapping:EventSourceMapping', 'OnKeyActivityFromQueue')
    // Assess
    expect(mapping).toEqual({
      eventSourceArn: QUEUE_ARN,
      functionName: FN_ARN,
      batchSize: 100,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 5 },
    })
  })

  it('runs 60 s with 512 MB and the findings table, reserving as many as the mapping may run, invoked by nothing else', () => {
    // Act
    const fn = named('aws:lambda/function:Function', 'OnKeyActivityFunction')
    const mapping = named('aws:lambda/eventSourceMapping:EventSourceMapping', 'OnKeyActivityFromQueue')
    // Assess
    expect(fn).toMatchObject({
      name: `${APP}-on-key-activity`,
      timeout: 60,
      memorySize: 512,
      role: `arn:aws:iam:us-east-1:${ACCOUNT}:OnKeyActivityRole`,
      environment: {
        variables: {
          FINDINGS_TABLE: `${APP}-findings`,
          ACCOUNT_ID: ACCOUNT,
          IAMWATCH_CONFIG: '{}',
          IAMWATCH_MAC_KEY_ARN: MAC_KEY_ARN,
        },
      },
    })
    expect(fn.reservedConcurrentExecutions).toBe(mapping.scalingConfig.maximumConcurrency)
    // Polled, not invoked: no asynchronous invoke configuration, no resource policy
    const configs = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig').map(
      (c) => inputs(c).functionName,
    )
    expect(configs).not.toContain(`${APP}-on-key-activity`)
    expect(ofType('aws:lambda/permission:Permission').map((p) => inputs(p).function)).not.toContain(
      `${APP}-on-key-activity`,
    )
  })

  it('gives its role exactly these statements: its queue, the table, the MAC key, its logs, and no IAM', () => {
    // Act
    const statements = statementsOf('OnKeyActivityPolicy')
    // Assess
    expect(statements).toEqual([
      {
        Sid: 'ConsumeKeyActivity',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: [QUEUE_ARN],
      },
      {
        Sid: 'DecryptKeyActivity',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('sqs'),
      },
      {
        Sid: 'RecordFirstSeenNetworks',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        Resource: [TABLE_ARN],
      },
      {
        Sid: 'UseTableKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
      },
      { Sid: 'MacTransitions', Effect: 'Allow', Action: ['kms:GenerateMac'], Resource: [MAC_KEY_ARN] },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/${APP}-on-key-activity:*`],
      },
    ])
    const actions = statements.flatMap((s) => s.Action)
    expect(actions.filter((a) => a.startsWith('iam:'))).toEqual([])
    expect(statements.flatMap((s) => s.Resource)).not.toContain('*')
  })

  it('allows every DynamoDB call real batches make (a baseline, a new network, a redelivery), on the table only', async () => {
    // Prepare: a table in DynamoDB Local, and a client that records every call
    const { tableName } = await newStore()
    const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    const calls: Array<{ operation: string; input: Record<string, unknown> }> = []
    db.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push({
          operation: String(context.commandName).replace(/Command$/, ''),
          input: args.input as Record<string, unknown>,
        })
        return next(args)
      },
      { step: 'initialize', name: 'recordDynamoCalls' },
    )
    const deps = {
      store: new FindingsStore(db, tableName),
      counters: new DynamoCounters(db, tableName),
      sightings: new DynamoSightings(db, tableName),
      config: parseConfig({}),
      region: 'us-east-1',
      accountId: ACCOUNT,
      log: silentLog,
    }
    const key = { ...alice, accessKeyId: 'AKIAALICEEXAMPLE' }
    const call = (ip: string, minute: number) =>
      record({
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        eventTime: new Date(Date.now() - (60 - minute) * 60_000).toISOString(),
        sourceIPAddress: ip,
        userIdentity: key,
      })
    const batch = (records: Array<Record<string, unknown> | string>) => ({
      Records: records.map((r) => ({
        messageId: randomUUID(),
        body: typeof r === 'string' ? r : JSON.stringify(toEventBridge(r)),
      })),
    })
    const fromNewNetwork = batch([call('198.51.100.9', 10)])
    // Act: the key's baseline (and a message that is not an event), then a new network, then that batch again
    const first = await handleKeyActivity(
      batch([call('203.0.113.7', 1), call('203.0.113.8', 2), 'not json']),
      deps,
    )
    const second = await handleKeyActivity(fromNewNetwork, deps)
    const again = await handleKeyActivity(fromNewNetwork, deps)
    // Assess: the batches were judged, and the new network recorded a finding once
    expect(first).toMatchObject({ messages: 3, processed: 2, rejected: 1, failed: 0 })
    expect(first.fired).toEqual([])
    expect(second.fired.map((f) => [f.detectionId, f.result])).toEqual([
      ['access-key-new-network', 'applied'],
    ])
    expect(again.response).toEqual({ batchItemFailures: [] })
    expect(again.fired.every((f) => f.result === 'duplicate')).toBe(true)
    // Assess: every call is granted (a transaction item by item), none on an index, none a Scan
    const granted = statementsOf('OnKeyActivityPolicy').flatMap((s) => s.Action)
    const needed = calls.flatMap(({ operation, input }) =>
      operation === 'TransactWriteItems'
        ? (input.TransactItems as Array<Record<string, unknown>>).flatMap((item) =>
            Object.keys(item).map((kind) => TRANSACT_ITEM_ACTION[kind] ?? `dynamodb:unknown-${kind}`),
          )
        : [`dynamodb:${operation}`],
    )
    expect(new Set(calls.map((c) => c.operation))).toEqual(
      new Set(['GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem']),
    )
    for (const action of new Set(needed))
      expect(granted, `${action} is called but not granted`).toContain(action)
    for (const { operation, input } of calls) expect(input.IndexName, operation).toBeUndefined()
  })
})

describe('access-key events from another region (Pulumi mocks)', () => {
  let withRegions: MockResource[]
  beforeAll(async () => {
    ;({ resources: withRegions } = await runStack('ci', { regions: ['us-east-1', 'eu-west-1'] }))
  }, 120_000)

  it('are forwarded to the home bus, where the access-keys rule takes them to the queue', () => {
    // Prepare
    const homeBus = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`
    const forward = byInputName(
      'aws:cloudwatch/eventRule:EventRule',
      `${APP}-forward-access-keys`,
      withRegions,
    )
    const home = inputs(byInputName('aws:cloudwatch/eventRule:EventRule', `${APP}-access-keys`, withRegions))
    const inIreland = toEventBridge(
      record({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        awsRegion: 'eu-west-1',
        userIdentity: { ...alice, accessKeyId: 'AKIAALICEEXAMPLE' },
      }),
    )
    // Act
    const [target] = ofType('aws:cloudwatch/eventTarget:EventTarget', withRegions).filter(
      (t) => t.name === `${forward.name}Target`,
    )
    // Assess: the same pattern and state there, to the home bus through the forwarder role, with its own dead letters
    expect(forward.provider).toContain('AwsEuWest1')
    expect(JSON.parse(inputs(forward).eventPattern)).toEqual(accessKeys().pattern)
    expect(inputs(forward).state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')
    expect(inputs(target!)).toMatchObject({
      arn: homeBus,
      roleArn: `arn:aws:iam:us-east-1:${ACCOUNT}:ForwarderRole`,
      deadLetterConfig: { arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:ForwardEuWest1DeadLetters` },
    })
    // Assess: the home rule does not filter on region, so the forwarded event reaches the queue
    expect(matchesPattern(JSON.parse(inputs(forward).eventPattern), inIreland)).toBe(true)
    expect(matchesPattern(JSON.parse(home.eventPattern), inIreland)).toBe(true)
    const homeTargets = ofType('aws:cloudwatch/eventTarget:EventTarget', withRegions).filter(
      (t) => inputs(t).rule === `${APP}-access-keys` && !t.provider?.includes('AwsEuWest1'),
    )
    expect(homeTargets.map((t) => inputs(t).arn)).toEqual([QUEUE_ARN])
  })

  it('do not reach the queue when signed with temporary (ASIA) credentials', () => {
    // Prepare
    const home = inputs(byInputName('aws:cloudwatch/eventRule:EventRule', `${APP}-access-keys`, withRegions))
    const temporary = toEventBridge(
      record({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        userIdentity: { ...alice, accessKeyId: 'ASIAEXAMPLE' },
      }),
    )
    // Act / Assess
    expect(matchesPattern(JSON.parse(home.eventPattern), temporary)).toBe(false)
  })
})
