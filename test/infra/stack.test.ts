import { beforeAll, describe, expect, it } from 'vitest'
import { demoAccount } from '../../local/demo-account.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { runScan } from '../../shared/app/scan.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { TABLE } from '../../shared/aws/findings-table.ts'
import { parseConfig } from '../../shared/config/config.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

let resources: MockResource[]
let outputs: Record<string, unknown>
const ofType = (type: string) => resources.filter((r) => r.type === type)
const one = (type: string, name?: string) => {
  const found = ofType(type).filter((r) => !name || r.name === name)
  expect(found, `${type} ${name ?? ''}`).toHaveLength(1)
  // biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
  return found[0]!.inputs as Record<string, any>
}
const rolePolicy = (name: string) =>
  JSON.parse(one('aws:iam/rolePolicy:RolePolicy', name).policy as string).Statement as Statement[]
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:iamwatch-ciFindings`
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:iamwatch-ciDeadLetters`
const MAC_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:ItemMacKey`
const FUNCTION_NAMES = [
  'iamwatch-ci-alerts-tick',
  'iamwatch-ci-daily-digest',
  'iamwatch-ci-digest',
  'iamwatch-ci-notify',
  'iamwatch-ci-on-cloudtrail-event',
  'iamwatch-ci-on-key-activity',
  'iamwatch-ci-scan-access-advisor',
  'iamwatch-ci-scan-authorization',
  'iamwatch-ci-scan-credentials',
  'iamwatch-ci-scan-trails',
]
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.us-east-1.amazonaws.com` },
})

beforeAll(async () => {
  ;({ resources, outputs } = await runStack('ci'))
}, 120_000)

describe('the deployed stack (Pulumi mocks)', () => {
  it('exports the table, topics, queue and functions', () => {
    expect(outputs).toMatchObject({
      table: 'iamwatch-ci-findings',
      scanFunction: 'iamwatch-ci-scan-credentials',
      notifyFunction: 'iamwatch-ci-notify',
      keyActivityFunction: 'iamwatch-ci-on-key-activity',
      keyActivityQueue: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/iamwatch-ci-key-activity`,
      keyActivityDeadLetterQueue: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/iamwatch-ci-key-activity-dead-letters`,
    })
  })

  it('keeps findings in one encrypted, recoverable, deletion-protected table with a stream and its four indexes', () => {
    const t = one('aws:dynamodb/table:Table')
    expect(t).toMatchObject({
      name: 'iamwatch-ci-findings',
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      streamEnabled: true,
      streamViewType: 'NEW_AND_OLD_IMAGES',
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
      ttl: { attributeName: TABLE.ttlAttribute, enabled: true },
    })
    expect(
      t.globalSecondaryIndexes.map(
        (g: { name: string; hashKey: string; rangeKey: string; projectionType: string }) => [
          g.name,
          g.hashKey,
          g.rangeKey,
          g.projectionType,
        ],
      ),
    ).toEqual([
      ['open-by-severity', 'openSeverity', 'openKey', 'ALL'],
      ['by-check', 'checkKey', 'statusKey', 'ALL'],
      ['history-by-time', 'historyKey', 'historySort', 'ALL'],
      // Keys only: `findings --as-of` reads every transition up to a time, ~115 bytes each.
      ['history-as-of', 'asOfKey', 'asOfSort', 'KEYS_ONLY'],
    ])
  })

  it('encrypts topics and every queue with the rotating customer key, and denies plain HTTP on topics', () => {
    expect(one('aws:kms/key:Key', 'iamwatch-ciKey')).toMatchObject({ enableKeyRotation: true })
    const topics = ofType('aws:sns/topic:Topic')
    // The escalation topic is on by default (alerts.test.ts).
    expect(topics.map((t) => t.inputs.name)).toEqual([
      'iamwatch-ci-alerts',
      'iamwatch-ci-ops',
      'iamwatch-ci-escalation',
    ])
    for (const topic of topics) expect(topic.inputs.kmsMasterKeyId).toBe('iamwatch-ciKey-id')
    expect(one('aws:sqs/queue:Queue', 'iamwatch-ciDeadLetters')).toMatchObject({
      name: 'iamwatch-ci-dead-letters',
      messageRetentionSeconds: 1_209_600,
    })
    // The rules' dead-letter queue, and the key-activity queue with its own (key-activity.test.ts).
    const queues = ofType('aws:sqs/queue:Queue')
    expect(queues.map((q) => q.inputs.name).sort()).toEqual([
      'iamwatch-ci-dead-letters',
      'iamwatch-ci-key-activity',
      'iamwatch-ci-key-activity-dead-letters',
    ])
    for (const queue of queues)
      expect(queue.inputs.kmsMasterKeyId, String(queue.inputs.name)).toBe('iamwatch-ciKey-id')
    // Who may publish is evaluated in publishers.test.ts; here: one policy per topic, TLS-only first.
    const policies = ofType('aws:sns/topicPolicy:TopicPolicy')
    expect(policies.map((p) => p.inputs.arn)).toEqual(
      topics.map((t) => `arn:aws:sns:us-east-1:${ACCOUNT}:${t.inputs.name}`),
    )
    for (const p of policies) {
      expect(JSON.parse(p.inputs.policy as string).Statement[0]).toEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes'],
        Resource: p.inputs.arn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })
    }
  })

  it('schedules credentials every 4 hours, least privilege daily, CloudTrail health and Access Advisor hourly, with retries and a dead-letter queue', () => {
    // biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
    const schedules = ofType('aws:scheduler/schedule:Schedule').map((r) => r.inputs as Record<string, any>)
    expect(schedules.map((s) => [s.name, s.scheduleExpression, s.target.arn]).sort()).toEqual([
      // The alerts' tick and the daily digest (alerts.test.ts).
      [
        'iamwatch-ci-alerts-tick',
        'rate(5 minutes)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-alerts-tick`,
      ],
      [
        'iamwatch-ci-daily-digest',
        'cron(0 8 * * ? *)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-daily-digest`,
      ],
      [
        'iamwatch-ci-digest',
        'rate(1 hour)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-digest`,
      ],
      [
        'iamwatch-ci-scan-access-advisor',
        'rate(1 hour)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-scan-access-advisor`,
      ],
      [
        'iamwatch-ci-scan-authorization',
        'rate(1 day)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-scan-authorization`,
      ],
      [
        'iamwatch-ci-scan-credentials',
        'rate(4 hours)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-scan-credentials`,
      ],
      [
        'iamwatch-ci-scan-trails',
        'rate(1 hour)',
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-scan-trails`,
      ],
    ])
    for (const s of schedules) {
      expect(s).toMatchObject({
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          roleArn: `arn:aws:iam:us-east-1:${ACCOUNT}:SchedulerRole`,
          retryPolicy: { maximumRetryAttempts: 2 },
          deadLetterConfig: { arn: DLQ_ARN },
        },
      })
      const scan = s.name.replace('iamwatch-ci-', '')
      expect(JSON.parse(s.target.input)).toEqual({
        source: 'iamwatch.schedule',
        scan,
        // The alerts' schedules pass the time they were meant for (the daily digest's day).
        ...(['alerts-tick', 'daily-digest'].includes(scan)
          ? { scheduledTime: '<aws.scheduler.scheduled-time>' }
          : {}),
      })
    }
    const invokeConfigs = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig').map(
      (r) => r.inputs,
    )
    for (const scan of [
      'scan-credentials',
      'scan-authorization',
      'scan-trails',
      'scan-access-advisor',
      'alerts-tick',
      'daily-digest',
    ])
      expect(invokeConfigs).toContainEqual(
        expect.objectContaining({
          functionName: `iamwatch-ci-${scan}`,
          maximumRetryAttempts: 2,
          destinationConfig: { onFailure: { destination: DLQ_ARN } },
        }),
      )
  })

  it("gives the Access Advisor scan Lambda's whole 15 minutes and 1 GB, with the table and account", async () => {
    // Act
    const fn = one('aws:lambda/function:Function', 'ScanAccessAdvisorFunction')
    // Assess: each hourly run carries the day's cycle on for up to 15 minutes
    expect(fn).toMatchObject({
      name: 'iamwatch-ci-scan-access-advisor',
      timeout: 900,
      memorySize: 1024,
      role: `arn:aws:iam:us-east-1:${ACCOUNT}:ScanAccessAdvisorRole`,
      environment: { variables: { FINDINGS_TABLE: 'iamwatch-ci-findings', ACCOUNT_ID: ACCOUNT } },
    })
    // Its directory holds the catalog beside the bundle (scripts/bundle.ts, bundle.test.ts).
    expect(await fn.code.path).toBe('.build/scan-access-advisor')
  })

  it('drives the notifier from history inserts only, with partial batch failures and an on-failure destination', () => {
    const m = one('aws:lambda/eventSourceMapping:EventSourceMapping', 'NotifyFromFindingsStream')
    expect(m).toMatchObject({
      eventSourceArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/iamwatch-ci-findings/stream/2026`,
      startingPosition: 'TRIM_HORIZON',
      functionResponseTypes: ['ReportBatchItemFailures'],
      bisectBatchOnFunctionError: true,
      destinationConfig: { onFailure: { destinationArn: DLQ_ARN } },
    })
    expect(JSON.parse(m.filterCriteria.filters[0].pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { kind: { S: ['history'] } } },
    })
  })

  it('runs every function on nodejs24.x with JSON logs in its own encrypted log group', () => {
    const functions = ofType('aws:lambda/function:Function')
    expect(functions.map((f) => f.inputs.name).sort()).toEqual(FUNCTION_NAMES)
    for (const fn of functions) {
      expect(fn.inputs).toMatchObject({ runtime: 'nodejs24.x', handler: 'index.handler', kmsKeyArn: KEY_ARN })
      expect(fn.inputs.loggingConfig).toMatchObject({
        logFormat: 'JSON',
        applicationLogLevel: 'INFO',
        logGroup: `/iamwatch/${fn.inputs.name}`,
      })
    }
    const logGroups = ofType('aws:cloudwatch/logGroup:LogGroup')
    expect(logGroups.map((lg) => lg.inputs.name).sort()).toEqual(FUNCTION_NAMES.map((n) => `/iamwatch/${n}`))
    for (const lg of logGroups) expect(lg.inputs).toMatchObject({ retentionInDays: 365, kmsKeyId: KEY_ARN })
    expect(
      one('aws:lambda/function:Function', 'ScanCredentialsFunction').environment.variables,
    ).toMatchObject({
      FINDINGS_TABLE: 'iamwatch-ci-findings',
      ACCOUNT_ID: ACCOUNT,
    })
  })

  it('alarms to the ops topic on dead letters, on function errors, on missing scan heartbeats and on a key-activity backlog', () => {
    const alarms = ofType('aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => [
      a.inputs.name,
      a.inputs.metricName,
      a.inputs.alarmActions,
    ])
    const ops = [`arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-ci-ops`]
    expect(alarms.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      // Errors alarms, as for every function; no heartbeat: the alerts are not scans.
      ['iamwatch-ci-alerts-tick-errors', 'Errors', ops],
      ['iamwatch-ci-daily-digest-errors', 'Errors', ops],
      ['iamwatch-ci-dead-letters', 'ApproximateNumberOfMessagesVisible', ops],
      ['iamwatch-ci-digest-errors', 'Errors', ops],
      ['iamwatch-ci-digest-heartbeat', 'ScanFinished', ops],
      ['iamwatch-ci-key-activity-backlog', 'ApproximateAgeOfOldestMessage', ops],
      ['iamwatch-ci-key-activity-dead-letters', 'ApproximateNumberOfMessagesVisible', ops],
      ['iamwatch-ci-notify-errors', 'Errors', ops],
      ['iamwatch-ci-on-cloudtrail-event-errors', 'Errors', ops],
      ['iamwatch-ci-on-key-activity-errors', 'Errors', ops],
      ['iamwatch-ci-scan-access-advisor-errors', 'Errors', ops],
      ['iamwatch-ci-scan-access-advisor-heartbeat', 'ScanFinished', ops],
      ['iamwatch-ci-scan-authorization-errors', 'Errors', ops],
      ['iamwatch-ci-scan-authorization-heartbeat', 'ScanFinished', ops],
      ['iamwatch-ci-scan-credentials-errors', 'Errors', ops],
      ['iamwatch-ci-scan-credentials-heartbeat', 'ScanFinished', ops],
      ['iamwatch-ci-scan-trails-errors', 'Errors', ops],
      ['iamwatch-ci-scan-trails-heartbeat', 'ScanFinished', ops],
    ])
  })
})

describe('concurrency', () => {
  it('caps the event handler and reserves a little for the notifier, the key-activity consumer and each scan', () => {
    // Prepare
    const functions = ofType('aws:lambda/function:Function')
    // Act
    const reserved = Object.fromEntries(
      functions.map((f) => [f.inputs.name as string, f.inputs.reservedConcurrentExecutions]),
    )
    // Assess
    expect(reserved).toEqual({
      'iamwatch-ci-on-cloudtrail-event': 20,
      'iamwatch-ci-notify': 10,
      'iamwatch-ci-scan-credentials': 1,
      'iamwatch-ci-scan-authorization': 1,
      'iamwatch-ci-scan-trails': 1,
      // 1 also keeps its runs from overlapping: each carries the day's cycle on from one checkpoint.
      'iamwatch-ci-scan-access-advisor': 1,
      'iamwatch-ci-digest': 1,
      // As many as its queue's event source mapping may run at once (key-activity.test.ts).
      'iamwatch-ci-on-key-activity': 5,
      // One run at a time (stacks/lambda.ts).
      'iamwatch-ci-alerts-tick': 1,
      'iamwatch-ci-daily-digest': 1,
    })
  })

  it('reserves 42 in all: small beside the 1,000 a region starts with, of which Lambda keeps 100 unreserved', () => {
    // Prepare
    const reserved = ofType('aws:lambda/function:Function').map((f) =>
      Number(f.inputs.reservedConcurrentExecutions),
    )
    // Act
    const total = reserved.reduce((a, b) => a + b, 0)
    // Assess
    expect(reserved).toHaveLength(10)
    expect(total).toBe(42)
  })

  it('reserves nothing when deployed with IAMWATCH_RESERVED_CONCURRENCY=off (an account with a small quota)', async () => {
    // Act
    const { resources: unreserved } = await runStack('small', { reserveConcurrency: false })
    // Assess
    const functions = unreserved.filter((r) => r.type === 'aws:lambda/function:Function')
    expect(functions).toHaveLength(10)
    for (const f of functions)
      expect(f.inputs.reservedConcurrentExecutions, String(f.inputs.name)).toBeUndefined()
  }, 120_000)

  it('lets throttled events of the capped handler wait in its asynchronous queue, then dead-letter', () => {
    // Act
    const config = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig').find(
      (c) => c.inputs.functionName === 'iamwatch-ci-on-cloudtrail-event',
    )
    // Assess
    expect(config?.inputs).toMatchObject({
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: DLQ_ARN } },
    })
  })
})

describe('least privilege', () => {
  it('gives the credential scanner exactly these statements', () => {
    expect(rolePolicy('ScanCredentialsPolicy')).toEqual([
      {
        Sid: 'ReadAccountCredentialPosture',
        Effect: 'Allow',
        Action: [
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:GetAccountPasswordPolicy',
          'iam:GetAccountSummary',
          'iam:ListVirtualMFADevices',
        ],
        Resource: ['*'],
      },
      {
        Sid: 'ListUserAccessKeys',
        Effect: 'Allow',
        Action: ['iam:ListAccessKeys'],
        Resource: [`arn:aws:iam::${ACCOUNT}:user/*`],
      },
      {
        Sid: 'ReconcileFindings',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`],
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
        Sid: 'SendFailuresToDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [DLQ_ARN],
      },
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
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-scan-credentials:*`],
      },
    ])
  })

  it('gives the Access Advisor scanner exactly these statements: report generation on its own principals and customer managed policies only', () => {
    expect(rolePolicy('ScanAccessAdvisorPolicy')).toEqual([
      {
        Sid: 'ReadAuthorizationDetails',
        Effect: 'Allow',
        Action: ['iam:GetAccountAuthorizationDetails', 'iam:ListServerCertificates'],
        Resource: ['*'],
      },
      {
        Sid: 'GenerateServiceLastAccessedReports',
        Effect: 'Allow',
        Action: ['iam:GenerateServiceLastAccessedDetails'],
        Resource: [
          `arn:aws:iam::${ACCOUNT}:user/*`,
          `arn:aws:iam::${ACCOUNT}:role/*`,
          `arn:aws:iam::${ACCOUNT}:policy/*`,
        ],
      },
      {
        Sid: 'ReadServiceLastAccessedReports',
        Effect: 'Allow',
        Action: ['iam:GetServiceLastAccessedDetails'],
        Resource: ['*'],
      },
      {
        Sid: 'ReconcileFindings',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`],
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
        Sid: 'SendFailuresToDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [DLQ_ARN],
      },
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
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-scan-access-advisor:*`],
      },
    ])
  })

  it('gives the item MAC key, and kms:GenerateMac on it, to the functions that write transitions only', () => {
    // Act
    const functions = ofType('aws:lambda/function:Function').map(
      (f) => f.inputs as { name: string; environment?: { variables?: Record<string, string> } },
    )
    const policies = ofType('aws:iam/rolePolicy:RolePolicy').map((p) => ({
      name: p.name,
      statements: JSON.parse(String(p.inputs.policy)).Statement as Statement[],
    }))
    // Assess
    const withKey = functions
      .filter((f) => f.environment?.variables?.IAMWATCH_MAC_KEY_ARN !== undefined)
      .map((f) => String(f.name))
    expect(withKey.sort()).toEqual([
      'iamwatch-ci-on-cloudtrail-event',
      'iamwatch-ci-on-key-activity',
      'iamwatch-ci-scan-access-advisor',
      'iamwatch-ci-scan-authorization',
      'iamwatch-ci-scan-credentials',
      'iamwatch-ci-scan-trails',
    ])
    for (const f of functions.filter((f) => withKey.includes(String(f.name))))
      expect(f.environment?.variables?.IAMWATCH_MAC_KEY_ARN, f.name).toBe(MAC_KEY_ARN)
    const generating = policies
      .filter((p) => p.statements.some((st) => st.Action.includes('kms:GenerateMac')))
      .map((p) => p.name)
    expect(generating.sort()).toEqual([
      'OnCloudtrailEventPolicy',
      'OnKeyActivityPolicy',
      'ScanAccessAdvisorPolicy',
      'ScanAuthorizationPolicy',
      'ScanCredentialsPolicy',
      'ScanTrailsPolicy',
    ])
    expect(outputs.itemMacKey).toBe(MAC_KEY_ARN)
  })

  it('gives the notifier exactly these statements', () => {
    expect(rolePolicy('NotifyPolicy')).toEqual([
      {
        Sid: 'ReadFindingsStream',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/iamwatch-ci-findings/stream/2026`],
      },
      { Sid: 'ListFindingsStreams', Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: ['*'] },
      {
        Sid: 'RecordNotifiedTransitions',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [TABLE_ARN],
      },
      // The occurrence groups' partition only (alerts-roles.test.ts records the calls).
      {
        Sid: 'TrackOccurrenceGroups',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:Query'],
        Resource: [TABLE_ARN],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ALERTGROUPS'] } },
      },
      {
        Sid: 'UseTableKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
      },
      {
        Sid: 'PublishAlerts',
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: [`arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-ci-alerts`],
      },
      {
        Sid: 'EncryptAlerts',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('sns'),
      },
      {
        Sid: 'SendFailuresToDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [DLQ_ARN],
      },
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
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-notify:*`],
      },
    ])
  })

  it('lets the scheduler invoke only the four scan functions, the digest, the alerts tick and the daily digest', () => {
    const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-${name}`
    expect(rolePolicy('SchedulerPolicy').map((s) => [s.Action, s.Resource])).toEqual([
      [
        ['lambda:InvokeFunction'],
        [
          fn('scan-credentials'),
          fn('scan-authorization'),
          fn('scan-trails'),
          fn('scan-access-advisor'),
          fn('digest'),
          fn('alerts-tick'),
          fn('daily-digest'),
        ],
      ],
      [['sqs:SendMessage'], [DLQ_ARN]],
      [['kms:GenerateDataKey', 'kms:Decrypt'], [KEY_ARN]],
    ])
  })

  it('lets each role be assumed only by its service, for this account', () => {
    const roles = ofType('aws:iam/role:Role')
    expect(roles.map((r) => r.inputs.name).sort()).toEqual(
      [...FUNCTION_NAMES, 'iamwatch-ci-scheduler', 'iamwatch-ci-auditor'].sort(),
    )
    // The auditor role is assumed by people (evidence.test.ts).
    for (const role of roles.filter((r) => r.inputs.name !== 'iamwatch-ci-auditor')) {
      const [statement] = JSON.parse(role.inputs.assumeRolePolicy as string).Statement
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ACCOUNT } })
      expect(Object.keys(statement.Principal)).toEqual(['Service'])
    }
  })

  it('allows every IAM call a real credential scan makes', async () => {
    // Prepare: an account with every kind of credential, so the scan calls every API it can.
    const sim = await startIamSimulator(demoAccount(), { reportDelayMs: 5 })
    try {
      // Act
      await runScan({
        iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
        accountId: sim.account.accountId,
        config: parseConfig({}),
        region: 'us-east-1',
        log: silentLog,
        report: { pollIntervalMs: 5 },
      })
      // Assess
      const called = [...sim.requests.keys()].map((action) => `iam:${action}`)
      const granted = rolePolicy('ScanCredentialsPolicy').flatMap((s) => s.Action)
      expect(called.length).toBeGreaterThanOrEqual(6)
      for (const action of called) expect(granted, `${action} is called but not granted`).toContain(action)
    } finally {
      await sim.stop()
    }
  })
})
