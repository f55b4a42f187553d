import { beforeAll, describe, expect, it } from 'vitest'
import { demoAccount } from '../../local/demo-account.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { runScan } from '../../shared/app/scan.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { TABLE } from '../../shared/aws/findings-table.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { STAR_RESOURCE_ACTIONS, type Statement } from '../../stacks/permissions.ts'
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
    })
  })

  it('keeps findings in one encrypted, recoverable, deletion-protected table with a stream and its three indexes', () => {
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
      t.globalSecondaryIndexes.map((g: { name: string; hashKey: string; rangeKey: string }) => [
        g.name,
        g.hashKey,
        g.rangeKey,
      ]),
    ).toEqual([
      ['open-by-severity', 'openSeverity', 'openKey'],
      ['by-check', 'checkKey', 'statusKey'],
      ['history-by-time', 'historyKey', 'historySort'],
    ])
  })

  it('encrypts topics and the dead-letter queue with the rotating customer key, and allows only TLS on topics', () => {
    expect(one('aws:kms/key:Key')).toMatchObject({ enableKeyRotation: true })
    for (const topic of ofType('aws:sns/topic:Topic'))
      expect(topic.inputs.kmsMasterKeyId).toBe('iamwatch-ciKey-id')
    expect(ofType('aws:sns/topic:Topic').map((t) => t.inputs.name)).toEqual([
      'iamwatch-ci-alerts',
      'iamwatch-ci-ops',
    ])
    expect(one('aws:sqs/queue:Queue')).toMatchObject({
      kmsMasterKeyId: 'iamwatch-ciKey-id',
      messageRetentionSeconds: 1_209_600,
    })
    for (const p of ofType('aws:sns/topicPolicy:TopicPolicy')) {
      expect(JSON.parse(p.inputs.policy as string).Statement).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ])
    }
  })

  it('schedules credentials every 4 hours, least privilege daily and CloudTrail health hourly, with retries and a dead-letter queue', () => {
    const schedules = ofType('aws:scheduler/schedule:Schedule').map((r) => r.inputs as Record<string, any>)
    expect(schedules.map((s) => [s.name, s.scheduleExpression, s.target.arn]).sort()).toEqual([
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
        target: { retryPolicy: { maximumRetryAttempts: 2 }, deadLetterConfig: { arn: DLQ_ARN } },
      })
    }
    const invokeConfigs = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig').map(
      (r) => r.inputs,
    )
    expect(invokeConfigs).toContainEqual(
      expect.objectContaining({
        functionName: 'iamwatch-ci-scan-credentials',
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: DLQ_ARN } },
      }),
    )
  })

  it('drives the notifier from history inserts only, with partial batch failures and an on-failure destination', () => {
    const m = one('aws:lambda/eventSourceMapping:EventSourceMapping')
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

  it('runs both functions on nodejs24.x with JSON logs in their own encrypted log groups', () => {
    for (const fn of ofType('aws:lambda/function:Function')) {
      expect(fn.inputs).toMatchObject({ runtime: 'nodejs24.x', handler: 'index.handler', kmsKeyArn: KEY_ARN })
      expect(fn.inputs.loggingConfig).toMatchObject({ logFormat: 'JSON', applicationLogLevel: 'INFO' })
    }
    for (const lg of ofType('aws:cloudwatch/logGroup:LogGroup'))
      expect(lg.inputs).toMatchObject({ retentionInDays: 365, kmsKeyId: KEY_ARN })
    expect(
      one('aws:lambda/function:Function', 'ScanCredentialsFunction').environment.variables,
    ).toMatchObject({
      FINDINGS_TABLE: 'iamwatch-ci-findings',
      ACCOUNT_ID: ACCOUNT,
    })
  })

  it('alarms to the ops topic on dead letters and on function errors', () => {
    const alarms = ofType('aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => [
      a.inputs.name,
      a.inputs.metricName,
      a.inputs.alarmActions,
    ])
    const ops = [`arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-ci-ops`]
    expect(alarms.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['iamwatch-ci-dead-letters', 'ApproximateNumberOfMessagesVisible', ops],
      ['iamwatch-ci-notify-errors', 'Errors', ops],
      ['iamwatch-ci-on-cloudtrail-event-errors', 'Errors', ops],
      ['iamwatch-ci-scan-authorization-errors', 'Errors', ops],
      ['iamwatch-ci-scan-credentials-errors', 'Errors', ops],
      ['iamwatch-ci-scan-trails-errors', 'Errors', ops],
    ])
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
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:Scan',
        ],
        Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`],
      },
      {
        Sid: 'UseTableKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
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
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-scan-credentials:*`],
      },
    ])
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

  it('lets the scheduler invoke only the three scan functions', () => {
    const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-${name}`
    expect(rolePolicy('SchedulerPolicy').map((s) => [s.Action, s.Resource])).toEqual([
      [['lambda:InvokeFunction'], [fn('scan-credentials'), fn('scan-authorization'), fn('scan-trails')]],
      [['sqs:SendMessage'], [DLQ_ARN]],
      [['kms:GenerateDataKey', 'kms:Decrypt'], [KEY_ARN]],
    ])
  })

  it('has no `*` action anywhere, and a `*` resource only for actions AWS authorizes on no resource', () => {
    const statements = ofType('aws:iam/rolePolicy:RolePolicy').flatMap(
      (p) => JSON.parse(p.inputs.policy as string).Statement as Statement[],
    )
    const starred = new Set<string>()
    for (const s of statements) {
      for (const a of s.Action) expect(a, s.Sid).not.toMatch(/\*/)
      if (s.Resource.includes('*')) for (const a of s.Action) starred.add(a)
    }
    expect([...starred].sort()).toEqual(Object.keys(STAR_RESOURCE_ACTIONS).sort())
  })

  it('lets each role be assumed only by its service, for this account', () => {
    for (const role of ofType('aws:iam/role:Role')) {
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
