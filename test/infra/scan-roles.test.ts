import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { runScan, type ScanPart } from '../../shared/app/scan.ts'
import { accessAnalyzerClient } from '../../shared/aws/access-analyzer.ts'
import { documentClient, iamClient } from '../../shared/aws/clients.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { type AnyCheck, triggerEvents } from '../../shared/checks/types.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { SOURCES } from '../../shared/sources/index.ts'
import type { Statement } from '../../stacks/permissions.ts'
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

describe("the scheduled scanners' roles", () => {
  it('grant every action each source of their checks declares, and the event role every source a trigger reads', () => {
    // Prepare: the sources each role's checks read, from the registry
    const roles: Array<[string, (c: AnyCheck) => boolean]> = [
      ['ScanCredentialsPolicy', (c) => c.triggers.schedule === 'credentials'],
      ['ScanAuthorizationPolicy', (c) => c.triggers.schedule === 'authorization'],
      ['ScanTrailsPolicy', (c) => c.triggers.schedule === 'trails'],
      ['OnCloudtrailEventPolicy', (c) => triggerEvents(c).length > 0],
    ]
    for (const [role, runs] of roles) {
      const sources = new Set(CHECKS.filter(runs).flatMap((c) => c.reads))
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
