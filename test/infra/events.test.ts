import { beforeAll, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { pipelineContext } from '../../shared/app/scan.ts'
import { accessAnalyzerClient } from '../../shared/aws/access-analyzer.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { cloudTrailClient } from '../../shared/aws/cloudtrail.ts'
import { DEFAULT_MONITORED_REGIONS, parseConfig } from '../../shared/config/config.ts'
import { evaluate } from '../../shared/engine/pipeline.ts'
import { monitorDirectRule, rulePatterns } from '../../shared/eventbridge/patterns.ts'
import { arnMatches } from '../../shared/policy/match.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { event, iam, record } from '../support/events.ts'
import { newStore } from '../support/harness.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

let resources: MockResource[]
const ofType = (type: string, rs = resources) => rs.filter((r) => r.type === type)
// biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON
const inputs = (r: MockResource) => r.inputs as Record<string, any>
const policyOf = (name: string, rs = resources) =>
  JSON.parse(inputs(rs.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name === name)!).policy)
    .Statement as Statement[]
/** A simulator action as an IAM action, with its service's prefix. */
const SERVICE: Record<string, string> = {
  ListAnalyzers: 'access-analyzer',
  DescribeTrails: 'cloudtrail',
  GetTrailStatus: 'cloudtrail',
  GetEventSelectors: 'cloudtrail',
}
const qualified = (action: string) => `${SERVICE[action] ?? 'iam'}:${action}`
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:iamwatch-ciDeadLetters`
const OPS_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-ci-ops`
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`
const EXTRA_RULES = new Set(['iamwatch-ci-monitor-tampered-direct', 'iamwatch-ci-regional-alarms'])
/** The generated rules: every rule on the home bus but the two that publish to the ops topic. */
const handlerRules = (rs = resources) =>
  ofType('aws:cloudwatch/eventRule:EventRule', rs).filter(
    (r) => !EXTRA_RULES.has(inputs(r).name) && !String(inputs(r).name).includes('-forward-'),
  )
const byName = (type: string, name: string, rs = resources) =>
  ofType(type, rs).find((r) => inputs(r).name === name)!
const targetOf = (ruleResource: MockResource, rs = resources) =>
  ofType('aws:cloudwatch/eventTarget:EventTarget', rs).filter((t) => t.name === `${ruleResource.name}Target`)
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iamwatch-ci-on-cloudtrail-event`

beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

describe('event routing (Pulumi mocks)', () => {
  it('creates one rule per generated pattern on the default bus, with the patterns generated from the detections', () => {
    const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]))
    const rules = handlerRules().map((r) => [
      inputs(r).name,
      JSON.parse(inputs(r).eventPattern),
      inputs(r).state,
    ])
    expect(rules.sort(byName)).toEqual(
      rulePatterns()
        .map((p) => [
          `iamwatch-ci-${p.name}`,
          p.pattern,
          p.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
        ])
        .sort(byName),
    )
  })

  it("targets the handler from every rule but the queue's with retries and the dead-letter queue, and lets each of them invoke it", () => {
    // Prepare: the queue's rules (access-keys) deliver to the key-activity queue instead (key-activity.test.ts)
    const toHandler = rulePatterns().filter((p) => p.target === 'handler')
    expect(toHandler.length).toBe(rulePatterns().length - 1)
    // Act
    const targets = ofType('aws:cloudwatch/eventTarget:EventTarget').filter((t) => inputs(t).arn === FN_ARN)
    // Assess
    expect(targets.map((t) => inputs(t).rule).sort()).toEqual(
      toHandler.map((p) => `iamwatch-ci-${p.name}`).sort(),
    )
    for (const t of targets) {
      expect(inputs(t)).toMatchObject({
        arn: FN_ARN,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: DLQ_ARN },
      })
    }
    const permissions = ofType('aws:lambda/permission:Permission').map((p) => inputs(p))
    expect(permissions.map((p) => p.sourceArn).sort()).toEqual(
      toHandler.map((p) => `arn:aws:events:us-east-1:${ACCOUNT}:rule/iamwatch-ci-${p.name}`).sort(),
    )
    for (const p of permissions)
      expect(p).toMatchObject({
        action: 'lambda:InvokeFunction',
        function: 'iamwatch-ci-on-cloudtrail-event',
        principal: 'events.amazonaws.com',
      })
  })

  it("lets only its own rules dead-letter into the queue, the queue's rule among them", () => {
    const [statement] = JSON.parse(
      inputs(ofType('aws:sqs/queuePolicy:QueuePolicy').find((p) => p.name === 'DeadLettersFromEventBridge')!)
        .policy,
    ).Statement
    expect(statement).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: DLQ_ARN,
    })
    expect([...statement.Condition.ArnEquals['aws:SourceArn']].sort()).toEqual(
      [...rulePatterns().map((p) => p.name), 'monitor-tampered-direct', 'regional-alarms']
        .map((name) => `arn:aws:events:us-east-1:${ACCOUNT}:rule/iamwatch-ci-${name}`)
        .sort(),
    )
  })

  it('retries failed invocations of the handler, then dead-letters them', () => {
    const config = ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig').map((c) =>
      inputs(c),
    )
    expect(config).toContainEqual(
      expect.objectContaining({
        functionName: 'iamwatch-ci-on-cloudtrail-event',
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: DLQ_ARN } },
      }),
    )
  })

  it('gives the handler exactly these statements', () => {
    const table = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:iamwatch-ciFindings`
    expect(policyOf('OnCloudtrailEventPolicy').map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        'ReadTouchedUserCredentials',
        [
          'iam:GetUser',
          'iam:GetLoginProfile',
          'iam:ListMFADevices',
          'iam:ListAccessKeys',
          'iam:GetAccessKeyLastUsed',
        ],
        [`arn:aws:iam::${ACCOUNT}:user/*`],
      ],
      [
        'ReadAccountPostureOnChange',
        [
          'iam:GetAccountAuthorizationDetails',
          'iam:ListServerCertificates',
          'iam:GetAccountPasswordPolicy',
          'access-analyzer:ListAnalyzers',
          'cloudtrail:DescribeTrails',
        ],
        ['*'],
      ],
      [
        'ReadTrailStateOnChange',
        ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
        // Any account: an organization trail is read by its ARN in the management account.
        ['arn:aws:cloudtrail:*:*:trail/*'],
      ],
      [
        // The touched principals' unused access, live: a report on this account's users, roles and
        // customer managed policies only.
        'GenerateServiceLastAccessedReportsOnChange',
        ['iam:GenerateServiceLastAccessedDetails'],
        [
          `arn:aws:iam::${ACCOUNT}:user/*`,
          `arn:aws:iam::${ACCOUNT}:role/*`,
          `arn:aws:iam::${ACCOUNT}:policy/*`,
        ],
      ],
      ['ReadServiceLastAccessedReportsOnChange', ['iam:GetServiceLastAccessedDetails'], ['*']],
      [
        'RecordDetectionsAndPosture',
        [
          'dynamodb:BatchGetItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        [table, `${table}/index/*`],
      ],
      [
        'UseTableKey',
        ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        [`arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`],
      ],
      // Each new head MAC'd with the item MAC key, and no other use of it.
      ['MacTransitions', ['kms:GenerateMac'], [`arn:aws:kms:us-east-1:${ACCOUNT}:ItemMacKey`]],
      ['SendFailuresToDeadLetterQueue', ['sqs:SendMessage'], [DLQ_ARN]],
      [
        'EncryptDeadLetters',
        ['kms:GenerateDataKey', 'kms:Decrypt'],
        [`arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`],
      ],
      [
        'WriteOwnLogs',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-on-cloudtrail-event:*`],
      ],
    ])
  })

  it('allows every call a posture re-evaluation makes, whatever the event', async () => {
    // Prepare: events touching a user, a policy, the password policy, a trail and an analyzer
    const sim = await startIamSimulator(
      new AccountBuilder(ACCOUNT)
        .user('bob', (u) =>
          u.console({ lastUsedDaysAgo: 1 }).mfa().accessKey({ ageDays: 10, lastUsedDaysAgo: 1 }),
        )
        .trail('main', { isMultiRegionTrail: true })
        .build(),
    )
    const events = [
      iam('CreateAccessKey', { requestParameters: { userName: 'bob' } }),
      iam('PutUserPolicy', { requestParameters: { userName: 'bob', policyName: 'p' } }),
      iam('UpdateAccountPasswordPolicy'),
      record({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
      record({ eventSource: 'access-analyzer.amazonaws.com', eventName: 'DeleteAnalyzer' }),
    ]
    try {
      const { store } = await newStore()
      const deps = {
        iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
        cloudTrail: cloudTrailClient({ endpoint: sim.endpoint }),
        accessAnalyzer: (region: string) => accessAnalyzerClient(region, { endpoint: sim.endpoint }),
        store,
        config: parseConfig({}),
        region: 'us-east-1',
        log: silentLog,
      }
      // Act
      for (const [i, raw] of events.entries()) {
        const run = await evaluate(pipelineContext(deps, ACCOUNT, new Date()), {
          kind: 'event',
          event: event(raw),
          runId: `e${i}`,
        })
        expect(run?.status, raw.eventName as string).toBe('complete')
      }
      // Assess
      const granted = policyOf('OnCloudtrailEventPolicy').flatMap((s) => s.Action)
      const called = [...sim.requests.keys()].map(qualified)
      for (const a of ['iam:GetUser', 'iam:GetAccountAuthorizationDetails', 'iam:GetAccountPasswordPolicy'])
        expect(called).toContain(a)
      expect(called).toContain('cloudtrail:DescribeTrails')
      expect(called).toContain('access-analyzer:ListAnalyzers')
      for (const a of called) expect(granted, `${a} is called but not granted`).toContain(a)
    } finally {
      await sim.stop()
    }
  })

  it('generates Access Advisor reports on the touched principals and policies only where its role allows', async () => {
    // Prepare: changes to a user's, a role's and a group's policies, and to a customer managed policy
    const builder = new AccountBuilder(ACCOUNT)
    const used = builder.managedPolicy('used', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
    })
    const sim = await startIamSimulator(
      builder
        .user('bob', (u) => u.usage('s3', { daysAgo: 2, actions: { GetObject: 1 } }))
        .user('carol', (u) => u.group('admins'))
        .group('admins', (g) => g.attach(used))
        .role(
          'app',
          {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          (r) => r.attach('ReadOnlyAccess'),
        )
        .build(),
      { accessJobDelayMs: 5 },
    )
    const events = [
      iam('PutUserPolicy', { requestParameters: { userName: 'bob', policyName: 'p' } }),
      iam('AttachRolePolicy', {
        requestParameters: { roleName: 'app', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      }),
      iam('AttachGroupPolicy', { requestParameters: { groupName: 'admins', policyArn: used } }),
      iam('CreatePolicyVersion', { requestParameters: { policyArn: used } }),
    ]
    try {
      const { store } = await newStore()
      const client = iamClient({ endpoint: sim.endpoint, region: 'us-east-1' })
      const calls: Array<{ action: string; arn?: string }> = []
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { Arn?: string }
          calls.push({ action: `iam:${String(context.commandName).replace(/Command$/, '')}`, arn: input.Arn })
          return next(args)
        },
        { step: 'initialize', name: 'recordCalls' },
      )
      const deps = {
        iam: client,
        cloudTrail: cloudTrailClient({ endpoint: sim.endpoint }),
        accessAnalyzer: (region: string) => accessAnalyzerClient(region, { endpoint: sim.endpoint }),
        store,
        config: parseConfig({}),
        region: 'us-east-1',
        log: silentLog,
      }
      // Act
      for (const [i, raw] of events.entries())
        await evaluate(pipelineContext(deps, ACCOUNT, new Date()), {
          kind: 'event',
          event: event(raw),
          runId: `a${i}`,
        })
      // Assess: reports on the users, the role and the customer managed policy touched, each allowed
      const statements = policyOf('OnCloudtrailEventPolicy')
      const granted = statements.flatMap((s) => s.Action)
      for (const { action } of calls) expect(granted, `${action} is called but not granted`).toContain(action)
      const generate = statements
        .filter((s) => s.Action.includes('iam:GenerateServiceLastAccessedDetails'))
        .flatMap((s) => s.Resource)
      const generatedOn = new Set(
        calls.filter((c) => c.action === 'iam:GenerateServiceLastAccessedDetails').map((c) => c.arn!),
      )
      expect(generatedOn).toContain(`arn:aws:iam::${ACCOUNT}:user/bob`)
      expect(generatedOn).toContain(`arn:aws:iam::${ACCOUNT}:role/app`)
      expect(generatedOn).toContain(used)
      for (const arn of generatedOn)
        expect(
          generate.some((pattern) => arnMatches(pattern, arn)),
          `a report on ${arn} is generated but not granted`,
        ).toBe(true)
    } finally {
      await sim.stop()
    }
  })
})

describe('regional forwarding (Pulumi mocks)', () => {
  let withRegions: MockResource[]
  beforeAll(async () => {
    ;({ resources: withRegions } = await runStack('ci', { regions: ['us-east-1', 'eu-west-1'] }))
  }, 120_000)

  it('forwards the regional patterns from each other region to the home bus, through a role that can only put events there', () => {
    const forwarded = ofType('aws:cloudwatch/eventRule:EventRule', withRegions).filter(
      (r) => String(inputs(r).name).includes('-forward-') && inputs(r).name !== 'iamwatch-ci-forward-alarms',
    )
    expect(forwarded.map((r) => JSON.parse(inputs(r).eventPattern))).toEqual(
      rulePatterns()
        .filter((p) => p.regional)
        .map((p) => p.pattern),
    )
    expect(forwarded.every((r) => r.provider?.includes('AwsEuWest1'))).toBe(true)
    const homeBus = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`
    const targets = ofType('aws:cloudwatch/eventTarget:EventTarget', withRegions).filter(
      (t) => inputs(t).arn === homeBus,
    )
    expect(targets).toHaveLength(forwarded.length + 1)
    expect(policyOf('ForwarderPolicy', withRegions)).toEqual([
      { Sid: 'ForwardToHomeBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [homeBus] },
    ])
  })
})

describe('the direct alert when the monitor itself is changed (Pulumi mocks)', () => {
  it("publishes changes to the monitor's own resources straight to the ops topic, with a readable message", () => {
    // Prepare
    const expected = monitorDirectRule({ app: 'iamwatch-ci', keyArn: KEY_ARN })
    // Act
    const rule = byName('aws:cloudwatch/eventRule:EventRule', 'iamwatch-ci-monitor-tampered-direct')
    const targets = targetOf(rule)
    // Assess
    expect(JSON.parse(inputs(rule).eventPattern)).toEqual(expected.pattern)
    expect(inputs(rule).state).toBe('ENABLED')
    expect(targets).toHaveLength(1)
    expect(inputs(targets[0]!)).toMatchObject({
      rule: 'iamwatch-ci-monitor-tampered-direct',
      arn: OPS_ARN,
      inputTransformer: expected.inputTransformer,
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: DLQ_ARN },
    })
  })

  it('sends alarm state changes of the monitor in other regions to the ops topic, and not those of the home region', () => {
    // Act
    const rule = byName('aws:cloudwatch/eventRule:EventRule', 'iamwatch-ci-regional-alarms')
    const [target] = targetOf(rule)
    // Assess
    expect(JSON.parse(inputs(rule).eventPattern)).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      region: [{ 'anything-but': 'us-east-1' }],
      detail: { alarmName: [{ prefix: 'iamwatch-ci-' }] },
    })
    expect(inputs(target!)).toMatchObject({ arn: OPS_ARN, deadLetterConfig: { arn: DLQ_ARN } })
    expect(inputs(target!).inputTransformer.inputTemplate).toContain('<alarm>')
  })
})

describe('forwarding from every monitored region (Pulumi mocks)', () => {
  let all: MockResource[]
  const others = DEFAULT_MONITORED_REGIONS.filter((r) => r !== 'us-east-1')
  const pascal = (s: string) => s.replace(/(^|[-_.])(\w)/g, (_, __, c: string) => c.toUpperCase())
  beforeAll(async () => {
    ;({ resources: all } = await runStack('ci', { regions: [...DEFAULT_MONITORED_REGIONS] }))
  }, 300_000)

  it('forwards the regional rules, the monitor-tampered sources among them, from each of the 16 other default regions', () => {
    // Prepare
    const regional = rulePatterns().filter((p) => p.regional)
    // Act
    const forwarded = ofType('aws:cloudwatch/eventRule:EventRule', all).filter(
      (r) =>
        String(inputs(r).name).startsWith('iamwatch-ci-forward-') &&
        inputs(r).name !== 'iamwatch-ci-forward-alarms',
    )
    // Assess
    expect(others).toHaveLength(16)
    expect(forwarded).toHaveLength(regional.length * others.length)
    for (const region of others) {
      const here = forwarded.filter((r) => r.provider?.includes(`Aws${pascal(region)}`))
      expect(here.map((r) => inputs(r).name).sort(), region).toEqual(
        regional.map((p) => `iamwatch-ci-forward-${p.name}`).sort(),
      )
    }
    for (const source of ['events', 'scheduler', 'lambda', 'kms', 'sns', 'dynamodb', 'logs'])
      expect(regional.map((p) => p.name)).toContain(source)
  })

  it('gives each regional forwarding target retries and a dead-letter queue in its own region, which only its rules may use', () => {
    for (const region of others) {
      // Prepare
      const inRegion = (r: MockResource) => r.provider?.includes(`Aws${pascal(region)}`) ?? false
      const queue = ofType('aws:sqs/queue:Queue', all).find(inRegion)!
      const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue.name}`
      const rules = ofType('aws:cloudwatch/eventRule:EventRule', all).filter(inRegion)
      // Act
      const targets = ofType('aws:cloudwatch/eventTarget:EventTarget', all).filter(inRegion)
      const policy = JSON.parse(inputs(ofType('aws:sqs/queuePolicy:QueuePolicy', all).find(inRegion)!).policy)
      // Assess
      expect(inputs(queue)).toMatchObject({
        name: 'iamwatch-ci-forward-dead-letters',
        messageRetentionSeconds: 14 * 86_400,
        sqsManagedSseEnabled: true,
      })
      expect(targets).toHaveLength(rules.length)
      for (const t of targets)
        expect(inputs(t), region).toMatchObject({
          retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: queueArn },
        })
      expect(policy.Statement[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
      })
      expect(policy.Statement[0].Condition.ArnEquals['aws:SourceArn']).toHaveLength(rules.length)
    }
  })

  it('alarms in each region on dead letters, and forwards the alarm home where it reaches the ops topic', () => {
    for (const region of others) {
      // Prepare
      const inRegion = (r: MockResource) => r.provider?.includes(`Aws${pascal(region)}`) ?? false
      // Act
      const alarm = ofType('aws:cloudwatch/metricAlarm:MetricAlarm', all).find(inRegion)!
      const forward = ofType('aws:cloudwatch/eventRule:EventRule', all)
        .filter(inRegion)
        .find((r) => inputs(r).name === 'iamwatch-ci-forward-alarms')!
      // Assess
      expect(inputs(alarm)).toMatchObject({
        name: 'iamwatch-ci-forward-dead-letters',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: 'iamwatch-ci-forward-dead-letters' },
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      })
      expect(JSON.parse(inputs(forward).eventPattern)).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'iamwatch-ci-' }] },
      })
      expect(inputs(targetOf(forward, all)[0]!).arn).toBe(
        `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`,
      )
    }
  })

  it("tags what it creates in other regions with the app and stage, as the home region's resources are", () => {
    const providers = ofType('pulumi:providers:aws', all)
    expect(providers.length).toBeGreaterThanOrEqual(others.length)
    for (const region of others) {
      const provider = providers.find((p) => p.name === `Aws${pascal(region)}`)!
      expect(inputs(provider).region).toBe(region)
      expect(JSON.parse(String(inputs(provider).defaultTags))).toEqual({
        tags: { 'sst:app': 'iamwatch', 'sst:stage': 'ci' },
      })
    }
  })
})
