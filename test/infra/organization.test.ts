import { beforeAll, describe, expect, it } from 'vitest'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import { alarmStatePattern, monitorDirectRule, rulePatterns } from '../../shared/eventbridge/patterns.ts'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateResourcePolicy, type RequestPrincipal } from '../../shared/policy/resource.ts'
import { FUNCTIONS } from '../../stacks/functions.ts'
import { memberTemplate } from '../../stacks/member-template.ts'
import { ORGANIZATION_DISPATCHES } from '../../stacks/organization.ts'
import {
  centralReaderRoleNames,
  organizationOptionsFromEnv,
  resolveOrganization,
} from '../../stacks/organization-options.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

/**
 * The central side of an organization deployment (issue 13), under Pulumi mocks: nothing of it without an
 * organization; with one, the dispatcher and its schedules, the account-scans queue and scan-account, the
 * exact statements of their roles and what the event handler gains, the central bus's policy (evaluated
 * with the project's policy engine), and the member StackSet when OUs are given.
 */
const ORG = 'o-a1b2c3d4e5'
const OUS = ['ou-ab12-cdefgh34', 'r-ab12']
const APP = 'iamwatch-ci'
const MEMBER = '444455556666'
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:${APP}Findings`
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:${APP}Key`
const MAC_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:ItemMacKey`
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}DeadLetters`
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:AccountScans`
const QUEUE_DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:AccountScansDeadLetters`
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${APP}-account-scans`
const OPS = [`arn:aws:sns:us-east-1:${ACCOUNT}:${APP}-ops`]
const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${APP}-${name}`
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.us-east-1.amazonaws.com` },
})

let plain: MockResource[]
let org: MockResource[]
let orgOutputs: Record<string, unknown>
let withStackSet: MockResource[]

const ofType = (type: string, rs: MockResource[]) => rs.filter((r) => r.type === type)
// biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
const inputs = (r: MockResource) => r.inputs as Record<string, any>
const named = (type: string, name: string, rs: MockResource[]) => {
  const found = ofType(type, rs).filter((r) => r.name === name)
  expect(found, `${type} ${name}`).toHaveLength(1)
  return inputs(found[0]!)
}
const statementsOf = (policy: string, rs: MockResource[]) =>
  JSON.parse(named('aws:iam/rolePolicy:RolePolicy', policy, rs).policy).Statement as Statement[]
const functionNamed = (name: string, rs: MockResource[]) =>
  inputs(ofType('aws:lambda/function:Function', rs).find((f) => f.inputs.name === `${APP}-${name}`)!)
const parsed = (json: unknown): PolicyDocument => {
  const p = parsePolicyDocument(json)
  if (!p.ok) throw new Error(p.reason)
  return p.document
}

/** The statement every central reader gets: the reader role of the organization's accounts only. */
const ASSUME_READER = (role = 'iamwatch-reader') => ({
  Sid: 'AssumeMemberReaderRole',
  Effect: 'Allow',
  Action: ['sts:AssumeRole'],
  Resource: [`arn:aws:iam::*:role/${role}`],
  Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
})
const RECONCILE = [
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
]
const logs = (fn: string) => ({
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/${APP}-${fn}:*`],
})

beforeAll(async () => {
  ;({ resources: plain } = await runStack('ci'))
  ;({ resources: org, outputs: orgOutputs } = await runStack('ci', { organization: { id: ORG } }))
  ;({ resources: withStackSet } = await runStack('ci', {
    regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
    organization: {
      id: ORG,
      readerRoleName: 'audit-reader',
      concurrency: 50,
      stackSet: { organizationalUnitIds: OUS, callAs: 'DELEGATED_ADMIN' },
    },
  }))
}, 180_000)

describe('without an organization', () => {
  it('has no organization resource: no dispatcher, account scan, queue, schedule, bus policy or StackSet', () => {
    // Act
    const names = plain.map((r) => r.name)
    const functions = ofType('aws:lambda/function:Function', plain).map((f) => String(f.inputs.name))
    // Assess
    expect(functions).not.toContain(`${APP}-org-dispatch`)
    expect(functions).not.toContain(`${APP}-scan-account`)
    expect(ofType('aws:cloudwatch/eventBusPolicy:EventBusPolicy', plain)).toEqual([])
    expect(ofType('aws:cloudformation/stackSet:StackSet', plain)).toEqual([])
    expect(ofType('aws:cloudformation/stackSetInstance:StackSetInstance', plain)).toEqual([])
    for (const name of [
      'AccountScans',
      'AccountScansDeadLetters',
      'ScanAccountFromQueue',
      'OrgDailyDispatchSchedule',
    ])
      expect(names).not.toContain(name)
  })

  it('gives the event handler no reader role, and no central role sts:AssumeRole', () => {
    // Act
    const env = functionNamed('on-cloudtrail-event', plain).environment.variables
    const assuming = ofType('aws:iam/rolePolicy:RolePolicy', plain).filter((p) =>
      (JSON.parse(String(p.inputs.policy)).Statement as Statement[]).some((s) =>
        s.Action.includes('sts:AssumeRole'),
      ),
    )
    // Assess
    expect(env.IAMWATCH_READER_ROLE).toBeUndefined()
    expect(assuming).toEqual([])
  })
})

describe('with an organization (Pulumi mocks)', () => {
  it('adds exactly its own resources, and changes only the scheduler policy and the event handler', () => {
    // Prepare
    const byName = (rs: MockResource[]) => new Map(rs.map((r) => [`${r.type} ${r.name}`, r.inputs]))
    const before = byName(plain)
    const after = byName(org)
    // Act
    const added = [...after.keys()].filter((k) => !before.has(k)).map((k) => k.split(' ')[1])
    const changed = [...before.keys()]
      .filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)))
      .map((k) => k.split(' ')[1])
    // Assess
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([])
    expect(added.sort()).toEqual(
      [
        'AccountScans',
        'AccountScansBacklogAlarm',
        'AccountScansDeadLetters',
        'AccountScansDeadLettersAlarm',
        'OrgCredentialsDispatchSchedule',
        'OrgDailyDispatchSchedule',
        'OrgDispatchErrorsAlarm',
        'OrgDispatchFunction',
        'OrgDispatchInvokeConfig',
        'OrgDispatchLogs',
        'OrgDispatchPolicy',
        'OrgDispatchRole',
        'OrganizationEventBusPolicy',
        'ScanAccountErrorsAlarm',
        'ScanAccountFromQueue',
        'ScanAccountFunction',
        'ScanAccountLogs',
        'ScanAccountPolicy',
        'ScanAccountRole',
      ].sort(),
    )
    expect(changed.sort()).toEqual([
      'OnCloudtrailEventFunction',
      'OnCloudtrailEventPolicy',
      'SchedulerPolicy',
    ])
  })

  it('runs the dispatcher and scan-account for 15 minutes with 1 GB, with the environment the runtime reads', () => {
    // Act
    const dispatch = named('aws:lambda/function:Function', 'OrgDispatchFunction', org)
    const scan = named('aws:lambda/function:Function', 'ScanAccountFunction', org)
    // Assess
    const common = {
      FINDINGS_TABLE: `${APP}-findings`,
      ACCOUNT_ID: ACCOUNT,
      IAMWATCH_CONFIG: '{}',
      IAMWATCH_MAC_KEY_ARN: MAC_KEY_ARN,
      IAMWATCH_READER_ROLE: 'iamwatch-reader',
      IAMWATCH_ORGANIZATION_ID: ORG,
      NODE_OPTIONS: '--enable-source-maps',
    }
    expect(dispatch).toMatchObject({ name: `${APP}-org-dispatch`, timeout: 900, memorySize: 1024 })
    // The dispatcher checks each member's forwarding in every monitored region (the StackSet's: here the
    // stack is given no other region than us-east-1).
    expect(dispatch.environment.variables).toEqual({
      ...common,
      ACCOUNT_SCANS_QUEUE_URL: QUEUE_URL,
      IAMWATCH_FORWARD_REGIONS: 'us-east-1',
    })
    expect(scan).toMatchObject({ name: `${APP}-scan-account`, timeout: 900, memorySize: 1024 })
    expect(scan.environment.variables).toEqual(common)
    expect(FUNCTIONS['org-dispatch']).toEqual({
      entry: 'functions/org-dispatch.ts',
      timeoutSeconds: 900,
      memoryMb: 1024,
    })
    expect(FUNCTIONS['scan-account']).toEqual({
      entry: 'functions/scan-account.ts',
      timeoutSeconds: 900,
      memoryMb: 1024,
    })
    // The dispatcher is invoked by the scheduler: retried, then dead-lettered.
    expect(
      named('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', 'OrgDispatchInvokeConfig', org),
    ).toMatchObject({
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: DLQ_ARN } },
    })
  })

  it('dispatches credentials every 4 hours and the other parts daily, with retries and the dead-letter queue', () => {
    // Act
    const schedules = ofType('aws:scheduler/schedule:Schedule', org)
      .map(inputs)
      .filter((s) => s.target.arn === fnArn('org-dispatch'))
    // Assess
    expect(schedules.map((s) => [s.name, s.scheduleExpression, s.target.input])).toEqual([
      [`${APP}-org-dispatch-credentials`, 'rate(4 hours)', '{"parts":["credentials"]}'],
      [`${APP}-org-dispatch-daily`, 'rate(1 day)', '{"parts":["authorization","trails","access-advisor"]}'],
    ])
    for (const s of schedules)
      expect(s).toMatchObject({
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          roleArn: `arn:aws:iam:us-east-1:${ACCOUNT}:SchedulerRole`,
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: DLQ_ARN },
        },
      })
    expect(ORGANIZATION_DISPATCHES.map((d) => d.parts)).toEqual([
      ['credentials'],
      ['authorization', 'trails', 'access-advisor'],
    ])
    expect(statementsOf('SchedulerPolicy', org)[0]).toEqual({
      Sid: 'InvokeScans',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [
        fnArn('scan-credentials'),
        fnArn('scan-authorization'),
        fnArn('scan-trails'),
        fnArn('scan-access-advisor'),
        fnArn('digest'),
        fnArn('org-dispatch'),
        fnArn('alerts-tick'),
        fnArn('daily-digest'),
      ],
    })
  })

  it('gives the dispatcher exactly these statements: discovery, the reader role, the queue, the findings', () => {
    expect(statementsOf('OrgDispatchPolicy', org)).toEqual([
      {
        Sid: 'DiscoverOrganization',
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:ListAccounts',
          'iam:ListOrganizationsFeatures',
        ],
        Resource: ['*'],
      },
      {
        Sid: 'ListOrganizationParents',
        Effect: 'Allow',
        Action: ['organizations:ListParents'],
        Resource: [`arn:aws:organizations::*:account/${ORG}/*`, `arn:aws:organizations::*:ou/${ORG}/ou-*`],
      },
      {
        Sid: 'DescribeOrganizationalUnits',
        Effect: 'Allow',
        Action: ['organizations:DescribeOrganizationalUnit'],
        Resource: [`arn:aws:organizations::*:ou/${ORG}/ou-*`],
      },
      {
        Sid: 'ReadCentralRootCredentials',
        Effect: 'Allow',
        Action: ['iam:GetAccountSummary'],
        Resource: ['*'],
      },
      ASSUME_READER(),
      { Sid: 'SendAccountScans', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE_ARN] },
      {
        Sid: 'EncryptAccountScans',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('sqs'),
      },
      ...RECONCILE,
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
      logs('org-dispatch'),
    ])
  })

  it('gives scan-account exactly these statements: the reader role, its queue, the findings', () => {
    expect(statementsOf('ScanAccountPolicy', org)).toEqual([
      ASSUME_READER(),
      {
        Sid: 'ConsumeAccountScans',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: [QUEUE_ARN],
      },
      {
        Sid: 'DecryptAccountScans',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('sqs'),
      },
      ...RECONCILE,
      logs('scan-account'),
    ])
  })

  it("reads the member accounts only through their reader role: no central role reads a member's IAM, trails, analyzers or rules", () => {
    for (const policy of ['OrgDispatchPolicy', 'ScanAccountPolicy']) {
      // Act
      const reads = statementsOf(policy, org)
        .flatMap((s) => s.Action)
        .filter((a) => /^(iam|cloudtrail|access-analyzer|events):/.test(a))
      // Assess: Organizations' IAM feature list and the central account's own summary, which IAM answers
      // only for the caller's account
      expect(reads.sort(), policy).toEqual(
        policy === 'OrgDispatchPolicy' ? ['iam:GetAccountSummary', 'iam:ListOrganizationsFeatures'] : [],
      )
    }
  })

  it('gives the event handler the reader role, and the statement to assume it, besides its own', () => {
    // Act
    const before = statementsOf('OnCloudtrailEventPolicy', plain)
    const after = statementsOf('OnCloudtrailEventPolicy', org)
    const env = functionNamed('on-cloudtrail-event', org).environment.variables
    // Assess
    expect(after).toEqual([...before, ASSUME_READER()])
    expect(env).toEqual({
      ...functionNamed('on-cloudtrail-event', plain).environment.variables,
      IAMWATCH_READER_ROLE: 'iamwatch-reader',
    })
  })

  it("queues account scans encrypted, hidden 6x scan-account's timeout, dead-lettered after 3 receives", () => {
    // Act
    const queue = named('aws:sqs/queue:Queue', 'AccountScans', org)
    const deadLetters = named('aws:sqs/queue:Queue', 'AccountScansDeadLetters', org)
    // Assess
    expect(queue).toEqual({
      name: `${APP}-account-scans`,
      visibilityTimeoutSeconds: 5400,
      messageRetentionSeconds: 4 * 86_400,
      kmsMasterKeyId: `${APP}Key-id`,
      kmsDataKeyReusePeriodSeconds: 300,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: QUEUE_DLQ_ARN, maxReceiveCount: 3 }),
    })
    expect(deadLetters).toEqual({
      name: `${APP}-account-scans-dlq`,
      messageRetentionSeconds: 14 * 86_400,
      kmsMasterKeyId: `${APP}Key-id`,
      kmsDataKeyReusePeriodSeconds: 300,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [`arn:aws:sqs:us-east-1:${ACCOUNT}:${APP}-account-scans`],
      }),
    })
    expect(orgOutputs).toMatchObject({
      orgDispatchFunction: `${APP}-org-dispatch`,
      scanAccountFunction: `${APP}-scan-account`,
      accountScansQueue: QUEUE_URL,
      accountScansDeadLetterQueue: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${APP}-account-scans-dlq`,
    })
  })

  it('alarms to the ops topic on a dead-lettered account scan and on a backlog older than the shortest dispatch period', () => {
    // Act
    const dead = named('aws:cloudwatch/metricAlarm:MetricAlarm', 'AccountScansDeadLettersAlarm', org)
    const backlog = named('aws:cloudwatch/metricAlarm:MetricAlarm', 'AccountScansBacklogAlarm', org)
    // Assess
    expect(dead).toMatchObject({
      name: `${APP}-account-scans-dlq`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `${APP}-account-scans-dlq` },
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: OPS,
      okActions: OPS,
    })
    expect(backlog).toMatchObject({
      name: `${APP}-account-scans-backlog`,
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: `${APP}-account-scans` },
      threshold: 4 * 3600,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: OPS,
      okActions: OPS,
    })
    expect(
      named('aws:cloudwatch/metricAlarm:MetricAlarm', 'OrgDispatchErrorsAlarm', org).alarmActions,
    ).toEqual(OPS)
    expect(
      named('aws:cloudwatch/metricAlarm:MetricAlarm', 'ScanAccountErrorsAlarm', org).alarmActions,
    ).toEqual(OPS)
  })

  it('feeds scan-account one account per invocation, at most the organization concurrency at once, with partial failures', () => {
    // Act
    const mapping = named('aws:lambda/eventSourceMapping:EventSourceMapping', 'ScanAccountFromQueue', org)
    // Assess
    expect(mapping).toEqual({
      eventSourceArn: QUEUE_ARN,
      functionName: fnArn('scan-account'),
      batchSize: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 20 },
    })
  })

  it("reserves 1 for the dispatcher and the mapping's concurrency for scan-account: 63 in all by default", () => {
    // Act
    const reserved = Object.fromEntries(
      ofType('aws:lambda/function:Function', org).map((f) => [
        f.inputs.name,
        f.inputs.reservedConcurrentExecutions,
      ]),
    )
    // Assess
    expect(reserved[`${APP}-org-dispatch`]).toBe(1)
    expect(reserved[`${APP}-scan-account`]).toBe(20)
    expect(Object.values(reserved).reduce((a, b) => Number(a) + Number(b), 0)).toBe(63)
  })

  it('takes the configured concurrency for the mapping and the reservation, and at least the 2 an SQS mapping runs', async () => {
    // Prepare
    const mapped = (rs: MockResource[]) => [
      named('aws:lambda/eventSourceMapping:EventSourceMapping', 'ScanAccountFromQueue', rs).scalingConfig
        .maximumConcurrency,
      named('aws:lambda/function:Function', 'ScanAccountFunction', rs).reservedConcurrentExecutions,
    ]
    // Act
    const { resources: one } = await runStack('ci', { organization: { id: ORG, concurrency: 1 } })
    const { resources: unreserved } = await runStack('ci', {
      organization: { id: ORG, concurrency: 30 },
      reserveConcurrency: false,
    })
    // Assess
    expect(mapped(withStackSet)).toEqual([50, 50])
    expect(mapped(one)).toEqual([2, 2])
    expect(mapped(unreserved)).toEqual([30, undefined])
  }, 120_000)

  it('lets only principals of the organization put events on the central bus', () => {
    // Act
    const busPolicy = named('aws:cloudwatch/eventBusPolicy:EventBusPolicy', 'OrganizationEventBusPolicy', org)
    // Assess
    expect(busPolicy.eventBusName).toBe('default')
    expect(busPolicy.region).toBe('us-east-1')
    expect(JSON.parse(busPolicy.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganizationAccountsForwardEvents',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
        },
      ],
    })
  })

  it("admits a member's forwarder role to the central bus, and nobody from outside the organization", () => {
    // Prepare
    const policy = parsed(
      named('aws:cloudwatch/eventBusPolicy:EventBusPolicy', 'OrganizationEventBusPolicy', org).policy,
    )
    const put = (principal: RequestPrincipal, orgId?: string, resource = BUS) =>
      evaluateResourcePolicy(policy, {
        principal,
        action: 'events:PutEvents',
        resource,
        context: orgId ? { 'aws:PrincipalOrgID': orgId } : {},
      })
    const forwarder = {
      type: 'AWS' as const,
      id: `arn:aws:sts::${MEMBER}:assumed-role/iamwatch-forwarder/events`,
    }
    // Act / Assess
    expect(put(forwarder, ORG)).toBe('allowed')
    expect(put(forwarder, 'o-zz9988776655')).not.toBe('allowed')
    expect(put(forwarder)).not.toBe('allowed')
    expect(put({ type: 'Anonymous', id: '*' })).not.toBe('allowed')
    expect(put({ type: 'Service', id: 'events.amazonaws.com' })).not.toBe('allowed')
    expect(put(forwarder, ORG, `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/other`)).not.toBe('allowed')
    expect(
      put({ type: 'AWS', id: `arn:aws:sts::777788889999:assumed-role/iamwatch-forwarder/events` }),
    ).not.toBe('allowed')
  })

  it("lets a member's forwarded events reach the home rules: no home pattern pins the account", () => {
    // Prepare: the home rules' patterns, and an event of each as a member account's would arrive
    const homeRules = ofType('aws:cloudwatch/eventRule:EventRule', org).map((r) => ({
      name: String(r.inputs.name),
      pattern: JSON.parse(String(r.inputs.eventPattern)),
    }))
    expect(homeRules.length).toBeGreaterThan(20)
    for (const { name, pattern } of homeRules) {
      // Assess
      expect(Object.keys(pattern), name).not.toContain('account')
    }
    for (const p of [
      ...rulePatterns().map((r) => r.pattern),
      monitorDirectRule({ app: APP }).pattern,
      alarmStatePattern(APP),
    ])
      expect(Object.keys(p)).not.toContain('account')
    // And a member account's event, as its forwarding rule puts it on the central bus, matches the home rule
    const sts = homeRules.find((r) => r.name === `${APP}-sts`)!
    const eventName = (sts.pattern.detail.eventName as unknown[]).find((n) => typeof n === 'string') as string
    const event = {
      source: 'aws.sts',
      'detail-type': 'AWS API Call via CloudTrail',
      account: MEMBER,
      region: 'eu-west-1',
      detail: { eventSource: 'sts.amazonaws.com', eventName, userIdentity: { type: 'IAMUser' } },
    }
    expect(matchesPattern(sts.pattern, event)).toBe(true)
  })

  it('creates no StackSet unless OUs are given', () => {
    expect(ofType('aws:cloudformation/stackSet:StackSet', org)).toEqual([])
    expect(ofType('aws:cloudformation/stackSetInstance:StackSetInstance', org)).toEqual([])
  })
})

describe('with an organization and the StackSet (Pulumi mocks)', () => {
  it('creates a service-managed StackSet of the member template, deployed automatically, as the delegated administrator', () => {
    // Act
    const set = named('aws:cloudformation/stackSet:StackSet', 'MemberStackSet', withStackSet)
    // Assess
    expect(set).toMatchObject({
      name: `${APP}-member`,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: 'DELEGATED_ADMIN',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { active: true },
      operationPreferences: {
        failureTolerancePercentage: 10,
        maxConcurrentPercentage: 25,
        regionConcurrencyType: 'PARALLEL',
      },
    })
    expect(set.parameters).toBeUndefined()
    expect(JSON.parse(set.templateBody)).toEqual(
      memberTemplate({
        organizationId: ORG,
        centralAccountId: ACCOUNT,
        partition: 'aws',
        readerRoleName: 'audit-reader',
        centralRoleNames: centralReaderRoleNames(APP),
        homeRegion: 'us-east-1',
      }),
    )
  })

  it("trusts, in the member template, the central roles the stack really makes, and gives them the reader's name", () => {
    // Prepare
    const set = named('aws:cloudformation/stackSet:StackSet', 'MemberStackSet', withStackSet)
    const trust = JSON.parse(set.templateBody).Resources.ReaderRole.Properties.AssumeRolePolicyDocument
    const roles = ofType('aws:iam/role:Role', withStackSet).map((r) => String(r.inputs.name))
    // Act
    const trusted = trust.Statement[0].Principal.AWS as string[]
    // Assess
    expect(trusted).toEqual(
      ['org-dispatch', 'scan-account', 'on-cloudtrail-event'].map(
        (fn) => `arn:aws:iam::${ACCOUNT}:role/${APP}-${fn}`,
      ),
    )
    for (const arn of trusted) expect(roles).toContain(arn.split('/')[1])
    for (const policy of ['OrgDispatchPolicy', 'ScanAccountPolicy', 'OnCloudtrailEventPolicy'])
      expect(statementsOf(policy, withStackSet), policy).toContainEqual(ASSUME_READER('audit-reader'))
    expect(functionNamed('scan-account', withStackSet).environment.variables.IAMWATCH_READER_ROLE).toBe(
      'audit-reader',
    )
  })

  it('deploys it to the OUs in every monitored region, home first, except the central account itself', () => {
    // Act
    const instances = ofType('aws:cloudformation/stackSetInstance:StackSetInstance', withStackSet)
    // Assess
    expect(instances.map((i) => [i.name, i.inputs.stackSetInstanceRegion])).toEqual([
      ['MemberStackSetInstanceUsEast1', 'us-east-1'],
      ['MemberStackSetInstanceEuWest1', 'eu-west-1'],
      ['MemberStackSetInstanceApSouth1', 'ap-south-1'],
    ])
    for (const i of instances)
      expect(inputs(i), i.name).toEqual({
        stackSetName: `${APP}-member`,
        stackSetInstanceRegion: i.inputs.stackSetInstanceRegion,
        callAs: 'DELEGATED_ADMIN',
        deploymentTargets: {
          organizationalUnitIds: OUS,
          accountFilterType: 'DIFFERENCE',
          accounts: [ACCOUNT],
        },
        operationPreferences: {
          failureTolerancePercentage: 10,
          maxConcurrentPercentage: 25,
          regionConcurrencyType: 'PARALLEL',
          concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        },
        retainStack: false,
      })
  })
})

describe('the organization settings', () => {
  it('reads nothing, and changes nothing, without IAMWATCH_ORGANIZATION_ID', () => {
    expect(organizationOptionsFromEnv({})).toBeUndefined()
    expect(organizationOptionsFromEnv({ IAMWATCH_ORGANIZATION_ID: '  ' })).toBeUndefined()
  })

  it('reads the organization, the reader role, the concurrency and the StackSet from the environment', () => {
    // Act
    const options = organizationOptionsFromEnv({
      IAMWATCH_ORGANIZATION_ID: ORG,
      IAMWATCH_READER_ROLE: 'audit-reader',
      IAMWATCH_ORG_CONCURRENCY: '50',
      IAMWATCH_STACKSET_OUS: ' ou-ab12-cdefgh34, r-ab12 ',
      IAMWATCH_STACKSET_CALL_AS: 'SELF',
    })
    // Assess
    expect(options).toEqual({
      id: ORG,
      readerRoleName: 'audit-reader',
      concurrency: 50,
      stackSet: { organizationalUnitIds: OUS, callAs: 'SELF' },
    })
    expect(
      organizationOptionsFromEnv({ IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_STACKSET_OUS: 'r-ab12' }),
    ).toEqual({
      id: ORG,
      stackSet: { organizationalUnitIds: ['r-ab12'], callAs: 'DELEGATED_ADMIN' },
    })
    expect(resolveOrganization({ id: ORG })).toEqual({
      id: ORG,
      readerRoleName: 'iamwatch-reader',
      concurrency: 20,
    })
  })

  it.each([
    [
      { IAMWATCH_ORGANIZATION_ID: 'org-123' },
      /IAMWATCH_ORGANIZATION_ID must be an organization id .* not "org-123"/,
    ],
    [{ IAMWATCH_ORGANIZATION_ID: 'o-ABCDEFGHIJ' }, /IAMWATCH_ORGANIZATION_ID must be an organization id/],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_READER_ROLE: 'path/reader' },
      /IAMWATCH_READER_ROLE must be an IAM role name .* not "path\/reader"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_READER_ROLE: 'iamwatch-*' },
      /IAMWATCH_READER_ROLE must be an IAM role name/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_ORG_CONCURRENCY: 'lots' },
      /IAMWATCH_ORG_CONCURRENCY must be a whole number from 1 to 1000, not "lots"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_ORG_CONCURRENCY: '0' },
      /IAMWATCH_ORG_CONCURRENCY must be a whole number from 1 to 1000, not "0"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_ORG_CONCURRENCY: '1001' },
      /IAMWATCH_ORG_CONCURRENCY .* not "1001"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_ORG_CONCURRENCY: '2.5' },
      /IAMWATCH_ORG_CONCURRENCY .* not "2.5"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_STACKSET_OUS: 'ou-1, sales' },
      /IAMWATCH_STACKSET_OUS: "ou-1" is not an organizational unit id/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_STACKSET_OUS: ' , ' },
      /IAMWATCH_STACKSET_OUS must list organizational unit ids/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_STACKSET_OUS: 'r-ab12', IAMWATCH_STACKSET_CALL_AS: 'ADMIN' },
      /IAMWATCH_STACKSET_CALL_AS must be SELF or DELEGATED_ADMIN, not "ADMIN"/,
    ],
    [
      { IAMWATCH_ORGANIZATION_ID: ORG, IAMWATCH_STACKSET_CALL_AS: 'SELF' },
      /IAMWATCH_STACKSET_CALL_AS is set but IAMWATCH_STACKSET_OUS is not/,
    ],
    [{ IAMWATCH_STACKSET_OUS: 'r-ab12' }, /IAMWATCH_STACKSET_OUS is set but IAMWATCH_ORGANIZATION_ID is not/],
    [
      { IAMWATCH_READER_ROLE: 'reader', IAMWATCH_ORG_CONCURRENCY: '5' },
      /IAMWATCH_READER_ROLE, IAMWATCH_ORG_CONCURRENCY are set but IAMWATCH_ORGANIZATION_ID is not/,
    ],
  ])('rejects %j with a message that names the setting', (env, message) => {
    expect(() => organizationOptionsFromEnv(env)).toThrow(message)
  })

  it('rejects bad options given in code before the stack declares anything', async () => {
    await expect(runStack('bad', { organization: { id: 'o-1' } })).rejects.toThrow(/IAMWATCH_ORGANIZATION_ID/)
    await expect(runStack('bad', { organization: { id: ORG, concurrency: 0 } })).rejects.toThrow(
      /IAMWATCH_ORG_CONCURRENCY/,
    )
    await expect(
      runStack('bad', { organization: { id: ORG, stackSet: { organizationalUnitIds: [], callAs: 'SELF' } } }),
    ).rejects.toThrow(/IAMWATCH_STACKSET_OUS must list at least one/)
  }, 60_000)
})
