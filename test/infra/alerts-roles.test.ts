import { beforeAll, describe, expect, inject, it } from 'vitest'
import { runAlertsTick } from '../../shared/app/alerts-tick.ts'
import { sendDailyDigest } from '../../shared/app/daily-digest.ts'
import { LoadedDirectory } from '../../shared/app/directory.ts'
import { silentLog } from '../../shared/app/log.ts'
import { AlertGroupsStore, EscalationsStore } from '../../shared/aws/alert-records.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { DailyDigestRecords } from '../../shared/aws/daily-digest-records.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { findingId } from '../../shared/model/finding.ts'
import { arnMatches } from '../../shared/policy/match.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { newStore } from '../support/harness.ts'
import { noMfaFinding } from '../support/history.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

/**
 * The alerts' tick and the daily digest, run for real on DynamoDB Local with every DynamoDB call recorded:
 * each call's action, on the table or the index it names, must be granted by the function's role as the
 * stack writes it (as scan-roles.test.ts does for the scans).
 */
let resources: MockResource[]
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:iamwatch-ciFindings`
const NOW = new Date('2026-03-10T07:30:00.000Z')

const statements = (name: string) =>
  JSON.parse(
    String(
      resources.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name === name)!.inputs.policy,
    ),
  ).Statement as Statement[]
interface Call {
  action: string
  resource: string
  /** The partition key the call reads or writes (dynamodb:LeadingKeys), when it names one. */
  leadingKey?: string
}
/**
 * Whether a statement of the policy allows the call: its action, its table or index, and the only condition
 * these policies use on the table, dynamodb:LeadingKeys (ForAllValues:StringEquals).
 */
const granted = (policy: Statement[], call: Call) =>
  policy.some((s) => {
    if (s.Effect !== 'Allow' || !s.Action.includes(call.action)) return false
    if (!s.Resource.some((r) => arnMatches(r, call.resource))) return false
    const leading = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys']
    if (leading === undefined) return s.Condition === undefined
    return call.leadingKey !== undefined && [leading].flat().includes(call.leadingKey)
  })

/** A document client on DynamoDB Local that records each call as the IAM action and resource it needs. */
function recordingClient() {
  const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
  const calls: Call[] = []
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '')
      const input = args.input as {
        IndexName?: string
        Item?: { pk?: string }
        Key?: { pk?: string }
        KeyConditionExpression?: string
        ExpressionAttributeValues?: Record<string, unknown>
      }
      // The table's own partition key, bound in a query's key condition as `pk = :x`.
      const bound = input.IndexName
        ? undefined
        : /(?:^|\s)pk = (:\w+)/.exec(input.KeyConditionExpression ?? '')?.[1]
      const leadingKey =
        input.Item?.pk ??
        input.Key?.pk ??
        (bound ? String(input.ExpressionAttributeValues?.[bound]) : undefined)
      // Transactions and batches would need item-by-item actions; these functions make none (checked below).
      calls.push({
        action: `dynamodb:${operation}`,
        resource: input.IndexName ? `${TABLE_ARN}/index/${input.IndexName}` : TABLE_ARN,
        ...(leadingKey ? { leadingKey } : {}),
      })
      return next(args)
    },
    { step: 'initialize', name: 'recordDynamoCalls' },
  )
  return { db, calls }
}

/** A critical finding opened two hours before NOW, unacknowledged: the tick escalates it. */
async function seedCritical(store: FindingsStore) {
  const at = new Date(NOW.getTime() - 2 * 3_600_000).toISOString()
  const f = {
    ...noMfaFinding('root', at),
    id: findingId({ accountId: ACCOUNT, checkId: 'root-access-key', resourceId: 'root' }),
    checkId: 'root-access-key',
    severity: 'critical' as const,
    title: 'The root user has an access key',
  }
  await store.applyTransition(advance(f, 'OPENED', 'scan-1', at))
}

/** An occurrence group that went quiet an hour before NOW, with two grouped occurrences: the tick sends its follow-up. */
async function seedDueGroup(groups: AlertGroupsStore) {
  const at = new Date(NOW.getTime() - 3_600_000).toISOString()
  const id = findingId({ accountId: ACCOUNT, checkId: 'root-activity', resourceId: 'root' })
  await groups.create({
    findingId: id,
    openerSeq: 1,
    openerTransitionId: `${id}#1`,
    status: 'open',
    subject: {
      checkId: 'root-activity',
      severity: 'critical',
      title: 'The root user was used',
      accountId: ACCOUNT,
      region: 'us-east-1',
      resourceId: 'root',
      resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
    },
    lastEventAt: at,
    lastSeq: 3,
    count: 2,
    actions: { 'iam:ListUsers': 2 },
    firstAt: at,
    lastAt: at,
    sourceIps: ['198.51.100.7'],
    openedAt: at,
    updatedAt: at,
  })
}

beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

describe('the alert functions’ roles, against the calls of real runs', () => {
  it('grant every DynamoDB call of the alerts tick (follow-ups and an escalation)', async () => {
    // Prepare
    const { store: seeder, tableName } = await newStore()
    await seedCritical(seeder)
    await seedDueGroup(
      new AlertGroupsStore(
        documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' }),
        tableName,
      ),
    )
    const { db, calls } = recordingClient()
    const store = new FindingsStore(db, tableName)
    const escalated: string[] = []
    // Act: what tickDepsFromEnv wires, with the publishes recorded instead of sent
    const result = await runAlertsTick({
      config: parseConfig({}),
      groups: new AlertGroupsStore(db, tableName),
      escalations: new EscalationsStore(db, tableName),
      store,
      publishAlert: async () => 'alert-1',
      escalationTargets: [
        async (alert) => {
          escalated.push(alert.subject)
          return 'escalation-1'
        },
      ],
      log: silentLog,
      now: () => NOW,
      directory: new LoadedDirectory(store.records),
    })
    // Assess: the follow-up and the escalation happened, so their reads and writes were made
    expect(result.followUps).toEqual({ sent: 1, failed: 0 })
    expect(result.escalation).not.toBe('disabled')
    expect(escalated).toHaveLength(1)
    const policy = statements('AlertsTickPolicy')
    expect(calls.length).toBeGreaterThan(3)
    for (const call of calls) expect(granted(policy, call), JSON.stringify(call)).toBe(true)
    expect(calls.map((c) => c.action)).not.toContain('dynamodb:TransactWriteItems')
  })

  it("grant the notifier every call of the occurrence groups it keeps, in the groups' partition only", async () => {
    // Prepare
    const { tableName } = await newStore()
    const { db, calls } = recordingClient()
    const groups = new AlertGroupsStore(db, tableName)
    // Act: what the notifier's grouping does (shared/app/notifier.ts): a new group, the newest group, a join
    await seedDueGroup(groups)
    const group = await groups.latest(
      findingId({ accountId: ACCOUNT, checkId: 'root-activity', resourceId: 'root' }),
    )
    expect(group).toBeDefined()
    expect(await groups.replace(group!, { ...group!, count: 3, lastSeq: 4 })).toBe(true)
    // Assess
    const policy = statements('NotifyPolicy')
    expect(calls.map((c) => c.action)).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:PutItem'])
    for (const call of calls) expect(granted(policy, call), JSON.stringify(call)).toBe(true)
    // And no write elsewhere: a finding's partition is refused
    expect(
      granted(policy, { action: 'dynamodb:PutItem', resource: TABLE_ARN, leadingKey: 'FINDING#x' }),
    ).toBe(false)
  })

  it('grant every DynamoDB call of the daily digest', async () => {
    // Prepare
    const { store: seeder, tableName } = await newStore()
    await seedCritical(seeder)
    const { db, calls } = recordingClient()
    const store = new FindingsStore(db, tableName)
    let published = 0
    // Act: what dailyDigestDepsFromEnv wires, with the publish recorded instead of sent
    const result = await sendDailyDigest({
      store,
      records: new DailyDigestRecords(db, tableName),
      publish: async () => {
        published++
        return 'digest-1'
      },
      config: parseConfig({}),
      log: silentLog,
      now: () => NOW,
      directory: new LoadedDirectory(store.records),
    })
    // Assess
    expect(result.status).toBe('sent')
    expect(published).toBe(1)
    const policy = statements('DailyDigestPolicy')
    expect(calls.map((c) => c.action)).toContain('dynamodb:Scan')
    for (const call of calls) expect(granted(policy, call), JSON.stringify(call)).toBe(true)
    expect(calls.map((c) => c.action)).not.toContain('dynamodb:TransactWriteItems')
  })
})
