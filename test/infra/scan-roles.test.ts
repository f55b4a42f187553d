import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { runAccessAdvisorCycle } from '../../shared/app/access-advisor-cycle.ts'
import { silentLog } from '../../shared/app/log.ts'
import { runScan, type ScanPart } from '../../shared/app/scan.ts'
import { accessAnalyzerClient } from '../../shared/aws/access-analyzer.ts'
import { documentClient, iamClient } from '../../shared/aws/clients.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import type { SourceName } from '../../shared/checks/sources.ts'
import { type AnyCheck, triggerEvents } from '../../shared/checks/types.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { arnsOf } from '../../shared/engine/scope.ts'
import { normalizeAuthorization } from '../../shared/normalize/authorization.ts'
import { arnMatches } from '../../shared/policy/match.ts'
import { advisorTargets, isAdvisorTarget } from '../../shared/sources/access-advisor.ts'
import { SOURCES } from '../../shared/sources/index.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { allow, assume, aws, details, local, policyDoc, trustDoc } from '../support/authorization.ts'
import { newStore } from '../support/harness.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

let resources: MockResource[]
const statements = (name: string) =>
  JSON.parse(
    String(
      resources.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name === name)!.inputs.policy,
    ),
  ).Statement as Statement[]
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:iamwatch-ciFindings`
const reconcile = [
  [
    'ReconcileFindings',
    ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    [TABLE, `${TABLE}/index/*`],
  ],
  [
    'UseTableKey',
    ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    [`arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`],
  ],
  ['MacTransitions', ['kms:GenerateMac'], [`arn:aws:kms:us-east-1:${ACCOUNT}:ItemMacKey`]],
  [
    'SendFailuresToDeadLetterQueue',
    ['sqs:SendMessage'],
    [`arn:aws:sqs:us-east-1:${ACCOUNT}:iamwatch-ciDeadLetters`],
  ],
  [
    'EncryptDeadLetters',
    ['kms:GenerateDataKey', 'kms:Decrypt'],
    [`arn:aws:kms:us-east-1:${ACCOUNT}:iamwatch-ciKey`],
  ],
]
const logs = (fn: string) => [
  'WriteOwnLogs',
  ['logs:CreateLogStream', 'logs:PutLogEvents'],
  [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/iamwatch/iamwatch-ci-${fn}:*`],
]

beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

/** The service prefix each simulator action belongs to. */
const PREFIX: Record<string, string> = {
  ListAnalyzers: 'access-analyzer',
  DescribeTrails: 'cloudtrail',
  GetTrailStatus: 'cloudtrail',
  GetEventSelectors: 'cloudtrail',
}

/** A transaction is authorized item by item: the action each kind of item needs. */
const TRANSACT_ITEM_ACTION: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
}

/** The IAM actions a DynamoDB call needs, from the operation and its input. */
function dynamoActions(operation: string, input: Record<string, unknown>): string[] {
  if (operation === 'TransactWriteItems')
    return (input.TransactItems as Array<Record<string, unknown>>).flatMap((item) =>
      Object.keys(item).map((kind) => TRANSACT_ITEM_ACTION[kind] ?? `dynamodb:unknown-${kind}`),
    )
  if (operation === 'TransactGetItems') return ['dynamodb:GetItem']
  return [`dynamodb:${operation}`]
}

interface Calls {
  /** IAM actions of the IAM, CloudTrail and Access Analyzer calls (as the simulator saw them). */
  iam: string[]
  /** DynamoDB operations, as sent. */
  dynamoOperations: string[]
  /** The IAM actions those DynamoDB calls need. */
  dynamo: string[]
}

/**
 * Runs a real scan of one part twice (a first run, then a re-scan after a change) against the
 * simulator and DynamoDB Local, and records every call it makes.
 */
async function calledBy(part: ScanPart): Promise<Calls> {
  const account = new AccountBuilder(ACCOUNT)
    .user('alice', (u) => u.policies((p) => p.attach('AdministratorAccess')))
    .role('r', {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    })
    .serverCertificate('c', 10)
    .build()
  account.trails.push({
    name: 't',
    homeRegion: 'us-east-1',
    isMultiRegionTrail: true,
    logFileValidationEnabled: true,
    isLogging: true,
  })
  const sim = await startIamSimulator(account, { reportDelayMs: 5 })
  try {
    const { tableName } = await newStore()
    const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    const operations: Array<{ operation: string; input: Record<string, unknown> }> = []
    db.middlewareStack.add(
      (next, context) => async (args) => {
        operations.push({
          operation: String(context.commandName).replace(/Command$/, ''),
          input: args.input as Record<string, unknown>,
        })
        return next(args)
      },
      { step: 'initialize', name: 'recordDynamoCalls' },
    )
    const store = new FindingsStore(db, tableName)
    const scan = () =>
      runScan({
        parts: [part],
        iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
        cloudTrail: new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
        accessAnalyzer: (region) => accessAnalyzerClient(region, { endpoint: sim.endpoint }),
        accountId: ACCOUNT,
        store,
        config: parseConfig({}),
        region: 'us-east-1',
        log: silentLog,
        report: { pollIntervalMs: 5 },
      })
    await scan()
    // A change between the runs, so the re-scan moves findings that exist (resolves, opens).
    account.trails[0]!.isLogging = false
    account.trails[0]!.logFileValidationEnabled = false
    await scan()
    return {
      iam: [...sim.requests.keys()].map((a) => `${PREFIX[a] ?? 'iam'}:${a}`),
      dynamoOperations: [...new Set(operations.map((o) => o.operation))],
      dynamo: [...new Set(operations.flatMap((o) => dynamoActions(o.operation, o.input)))],
    }
  } finally {
    await sim.stop()
  }
}

/**
 * Runs two real Access Advisor cycles (the first, then the next when due, after a change) against the
 * simulator and DynamoDB Local, and records every IAM call with its input and every DynamoDB call.
 */
async function cycleCalls() {
  const builder = new AccountBuilder(ACCOUNT)
  const used = builder.managedPolicy('used', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
  })
  const account = builder
    .user('alice', (u) =>
      u.policies((p) => p.attach(used)).usage('s3', { daysAgo: 2, actions: { GetObject: 1 } }),
    )
    .user('bob', (u) => u.policies((p) => p.attach('AdministratorAccess')))
    .group('admins', (g) => g.attach(used))
    .role('r', {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    })
    .serverCertificate('c', 10)
    .build()
  const sim = await startIamSimulator(account, { accessJobDelayMs: 5 })
  try {
    const { tableName } = await newStore()
    const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    const iam = iamClient({ endpoint: sim.endpoint, region: 'us-east-1' })
    const iamCalls: Array<{ action: string; input: Record<string, unknown> }> = []
    const operations: Array<{ operation: string; input: Record<string, unknown> }> = []
    iam.middlewareStack.add(
      (next, context) => async (args) => {
        const action = `iam:${String(context.commandName).replace(/Command$/, '')}`
        iamCalls.push({ action, input: args.input as Record<string, unknown> })
        return next(args)
      },
      { step: 'initialize', name: 'recordIamCalls' },
    )
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName).replace(/Command$/, '')
        operations.push({ operation, input: args.input as Record<string, unknown> })
        return next(args)
      },
      { step: 'initialize', name: 'recordDynamoCalls' },
    )
    let at = new Date()
    const cycle = () =>
      runAccessAdvisorCycle(
        {
          iam,
          accountId: ACCOUNT,
          store: new FindingsStore(db, tableName),
          config: parseConfig({}),
          region: 'us-east-1',
          log: silentLog,
          now: () => at,
        },
        { advisor: { pollIntervalMs: 5, maxPollMs: 20 } },
      )
    const first = await cycle()
    // The next day's cycle, after a change, so the re-read moves findings that exist.
    account.users.get('bob')!.policies!.attached.length = 0
    at = new Date(at.getTime() + 25 * 3_600_000)
    const second = await cycle()
    return {
      statuses: [first.status, second.status],
      iam: iamCalls,
      dynamoOperations: [...new Set(operations.map((o) => o.operation))],
      dynamo: [...new Set(operations.flatMap((o) => dynamoActions(o.operation, o.input)))],
    }
  } finally {
    await sim.stop()
  }
}

describe("the scheduled scanners' roles", () => {
  it('grant every action each source of their checks declares, and the event role every source a trigger reads', () => {
    // Prepare: the sources each role's checks read, from the registry, and those its function reads
    // whatever its checks: the Access Advisor cycle lists its targets from the authorization details
    // and reads Access Advisor; the event handler re-reads the touched principals' Access Advisor live.
    const roles: Array<[string, (c: AnyCheck) => boolean, SourceName[]]> = [
      ['ScanCredentialsPolicy', (c) => c.triggers.schedule === 'credentials', []],
      ['ScanAuthorizationPolicy', (c) => c.triggers.schedule === 'authorization', []],
      ['ScanTrailsPolicy', (c) => c.triggers.schedule === 'trails', []],
      [
        'ScanAccessAdvisorPolicy',
        (c) => c.triggers.schedule === 'access-advisor',
        ['authorization', 'accessAdvisor'],
      ],
      ['OnCloudtrailEventPolicy', (c) => triggerEvents(c).length > 0, ['accessAdvisor']],
    ]
    for (const [role, runs, alsoReads] of roles) {
      const sources = new Set([...CHECKS.filter(runs).flatMap((c) => c.reads), ...alsoReads])
      expect(sources.size, role).toBeGreaterThan(0)
      // Act
      const granted = statements(role).flatMap((s) => s.Action)
      // Assess: the event role reads credentials live per user, never the account-wide report
      const mode = role === 'OnCloudtrailEventPolicy' ? 'principals' : 'account'
      for (const name of sources)
        for (const action of SOURCES[name].actions[mode])
          expect(granted, `${role} lacks ${action} for the ${name} source`).toContain(action)
    }
  })

  it('lets both roles generate a report for every principal and policy Access Advisor is read for, and for nothing it skips', () => {
    // Prepare: users, roles and groups by any path, customer managed and AWS managed policies
    const trust = trustDoc(assume({ Service: 'ec2.amazonaws.com' }))
    const inventory = normalizeAuthorization([
      details({
        users: { alice: { attached: [local('used')], groups: ['admins'] } },
        groups: { admins: { attached: [aws('ReadOnlyAccess')] } },
        roles: { ops: { trust }, deep: { trust, path: '/service/team/' } },
        policies: {
          used: { arn: local('used'), doc: policyDoc(allow('s3:GetObject')), attachments: 1 },
          ReadOnlyAccess: { arn: aws('ReadOnlyAccess'), doc: policyDoc(allow('s3:Get*')), attachments: 1 },
        },
      }),
    ])
    const ids = new Set([
      'user/alice',
      'group/admins',
      'role/ops',
      'role/deep',
      local('used'),
      aws('ReadOnlyAccess'),
    ])
    const arns = arnsOf(inventory, ids)
    const targets = advisorTargets(inventory)
    expect(targets.map((t) => t.resourceId).sort()).toEqual(
      ['user/alice', 'role/ops', 'role/deep', local('used')].sort(),
    )
    for (const role of ['ScanAccessAdvisorPolicy', 'OnCloudtrailEventPolicy']) {
      // Act
      const granted = statements(role)
        .filter((s) => s.Action.includes('iam:GenerateServiceLastAccessedDetails'))
        .flatMap((s) => s.Resource)
      const covered = (arn: string) => granted.some((pattern) => arnMatches(pattern, arn))
      // Assess: the daily cycle's targets, and each id an event may touch, exactly as the source picks them
      for (const t of targets) expect(covered(t.arn), `${role}: ${t.arn}`).toBe(true)
      for (const id of ids) expect(covered(arns.get(id)!), `${role}: ${id}`).toBe(isAdvisorTarget(id))
    }
  })

  it('allows every call two real Access Advisor cycles make, each report generated on an ARN it may, and no Scan', async () => {
    // Act
    const calls = await cycleCalls()
    // Assess: both cycles ran to their end, reading reports
    expect(calls.statuses).toEqual(['finished', 'finished'])
    const statementsOf = statements('ScanAccessAdvisorPolicy')
    const granted = statementsOf.flatMap((s) => s.Action)
    const called = [...new Set(calls.iam.map((c) => c.action))]
    expect(called).toEqual(
      expect.arrayContaining([
        'iam:GetAccountAuthorizationDetails',
        'iam:GenerateServiceLastAccessedDetails',
        'iam:GetServiceLastAccessedDetails',
      ]),
    )
    for (const action of called) expect(granted, `${action} is called but not granted`).toContain(action)
    const generate = statementsOf
      .filter((s) => s.Action.includes('iam:GenerateServiceLastAccessedDetails'))
      .flatMap((s) => s.Resource)
    const generatedOn = calls.iam
      .filter((c) => c.action === 'iam:GenerateServiceLastAccessedDetails')
      .map((c) => String(c.input.Arn))
    expect(generatedOn.length).toBeGreaterThanOrEqual(4)
    for (const arn of generatedOn)
      expect(
        generate.some((pattern) => arnMatches(pattern, arn)),
        `a report on ${arn} is generated but not granted`,
      ).toBe(true)
    // The checkpoint (GetItem, conditional PutItem) and reconciliation, and never a Scan
    expect(calls.dynamoOperations).toEqual(expect.arrayContaining(['GetItem', 'PutItem']))
    expect(calls.dynamoOperations).not.toContain('Scan')
    for (const action of calls.dynamo)
      expect(granted, `${action} is called but not granted`).toContain(action)
    expect(granted).not.toContain('dynamodb:Scan')
  })

  it('gives the authorization scanner exactly these statements', () => {
    expect(statements('ScanAuthorizationPolicy').map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        'ReadAuthorizationDetails',
        [
          'iam:GetAccountAuthorizationDetails',
          'iam:ListServerCertificates',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:GetAccountSummary',
          'iam:ListVirtualMFADevices',
        ],
        ['*'],
      ],
      ['ListUserAccessKeys', ['iam:ListAccessKeys'], [`arn:aws:iam::${ACCOUNT}:user/*`]],
      ['ListAnalyzers', ['access-analyzer:ListAnalyzers'], ['*']],
      ...reconcile,
      logs('scan-authorization'),
    ])
  })

  it('gives the trails scanner exactly these statements', () => {
    expect(statements('ScanTrailsPolicy').map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['ListTrails', ['cloudtrail:DescribeTrails'], ['*']],
      [
        'ReadTrailState',
        ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
        ['arn:aws:cloudtrail:*:*:trail/*'],
      ],
      ...reconcile,
      logs('scan-trails'),
    ])
  })

  it.each([
    ['authorization', 'ScanAuthorizationPolicy'],
    ['trails', 'ScanTrailsPolicy'],
  ] as const)('allows every call a real %s scan makes', async (part, policyName) => {
    const { iam: called } = await calledBy(part)
    const granted = statements(policyName).flatMap((s) => s.Action)
    expect(called.length).toBeGreaterThanOrEqual(3)
    for (const action of called) expect(granted, `${action} is called but not granted`).toContain(action)
  })

  it.each([
    ['credentials', 'ScanCredentialsPolicy'],
    ['authorization', 'ScanAuthorizationPolicy'],
    ['trails', 'ScanTrailsPolicy'],
  ] as const)(
    'lets a real %s scan make every DynamoDB call it makes, none of them a Scan',
    async (part, policyName) => {
      // Act: a first scan and a re-scan, recording each DynamoDB call
      const { dynamo, dynamoOperations } = await calledBy(part)
      // Assess: the calls reconciliation needs were made, each is granted, and Scan is neither made nor granted
      const granted = statements(policyName).flatMap((s) => s.Action)
      expect(dynamoOperations).toEqual(expect.arrayContaining(['PutItem', 'TransactWriteItems']))
      expect(dynamoOperations.some((o) => o === 'BatchGetItem' || o === 'GetItem')).toBe(true)
      expect(dynamoOperations).not.toContain('Scan')
      expect(dynamoOperations).not.toContain('ExecuteStatement')
      for (const action of dynamo) expect(granted, `${action} is called but not granted`).toContain(action)
      expect(granted).not.toContain('dynamodb:Scan')
    },
  )
})
