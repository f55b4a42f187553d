import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail'
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import {
  eventsAs,
  MANAGEMENT,
  MEMBER,
  MEMBER_KEY,
  PLAIN_MEMBER_KEY,
  READER_ROLE_ARN,
  startOrganization,
} from './organization.ts'
import { refusal, stsAs } from './sdk.ts'

/** The simulator's EventBridge (AWSEvents JSON 1.1): rules per account and region, through the real SDK client. */
let sim: IamSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

const PATTERN = JSON.stringify({ source: ['aws.iam'], 'detail-type': ['AWS API Call via CloudTrail'] })
const CENTRAL_BUS = `arn:aws:events:us-east-1:${MANAGEMENT}:event-bus/iamwatch`

async function ruleNames(client: EventBridgeClient, prefix?: string, limit?: number): Promise<string[][]> {
  const pages: string[][] = []
  let NextToken: string | undefined
  do {
    const page = await client.send(
      new ListRulesCommand({
        ...(prefix ? { NamePrefix: prefix } : {}),
        ...(limit ? { Limit: limit } : {}),
        ...(NextToken ? { NextToken } : {}),
      }),
    )
    pages.push((page.Rules ?? []).map((r) => r.Name!))
    NextToken = page.NextToken
  } while (NextToken)
  return pages
}

describe('EventBridge rules', () => {
  it('creates a rule, describes it, and lists it only in its own account and region', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const member = eventsAs(sim, MEMBER_KEY)
    // Act
    const put = await member.send(
      new PutRuleCommand({
        Name: 'iamwatch-forward-iam',
        EventPattern: PATTERN,
        State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
        Description: 'IAM calls to the central bus',
      }),
    )
    const described = await member.send(new DescribeRuleCommand({ Name: 'iamwatch-forward-iam' }))
    const inMember = await ruleNames(member)
    const inOtherRegion = await ruleNames(eventsAs(sim, MEMBER_KEY, 'eu-west-1'))
    const inOtherAccount = await ruleNames(eventsAs(sim, PLAIN_MEMBER_KEY))
    // Assess
    expect(put.RuleArn).toBe(`arn:aws:events:us-east-1:${MEMBER}:rule/iamwatch-forward-iam`)
    expect(described).toMatchObject({
      Name: 'iamwatch-forward-iam',
      Arn: put.RuleArn,
      EventPattern: PATTERN,
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      Description: 'IAM calls to the central bus',
      EventBusName: 'default',
      CreatedBy: MEMBER,
    })
    expect(inMember).toEqual([['iamwatch-forward-iam']])
    expect(inOtherRegion).toEqual([[]])
    expect(inOtherAccount).toEqual([[]])
  })

  it('pages ListRules by Limit and NextToken, in name order, filtered by NamePrefix', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    for (const name of ['iamwatch-forward-c', 'other', 'iamwatch-forward-a', 'iamwatch-forward-b'])
      sim.events.putRule(MEMBER, 'us-east-1', { name, eventPattern: PATTERN })
    const member = eventsAs(sim, MEMBER_KEY)
    // Act
    const pages = await ruleNames(member, 'iamwatch-forward', 2)
    const everything = await ruleNames(member)
    const forged = await refusal(member.send(new ListRulesCommand({ NextToken: 'forged' })))
    // Assess
    expect(pages).toEqual([['iamwatch-forward-a', 'iamwatch-forward-b'], ['iamwatch-forward-c']])
    expect(everything).toEqual([['iamwatch-forward-a', 'iamwatch-forward-b', 'iamwatch-forward-c', 'other']])
    expect(forged).toMatchObject({ name: 'ValidationException', status: 400 })
  })

  it('refuses an invalid event pattern, an unknown state and a rule without pattern or schedule', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const member = eventsAs(sim, MEMBER_KEY)
    // Act
    const notJson = await refusal(member.send(new PutRuleCommand({ Name: 'r', EventPattern: '{source' })))
    const state = await refusal(
      member.send(new PutRuleCommand({ Name: 'r', EventPattern: PATTERN, State: 'ON' as 'ENABLED' })),
    )
    const neither = await refusal(member.send(new PutRuleCommand({ Name: 'r' })))
    // Assess
    expect(notJson).toMatchObject({ name: 'InvalidEventPatternException', status: 400 })
    expect(state).toMatchObject({ name: 'ValidationException', status: 400 })
    expect(neither).toMatchObject({ name: 'ValidationException', status: 400 })
  })
})

describe('EventBridge targets', () => {
  it('puts targets with their retry policy and dead-letter queue, lists them and removes them', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const member = eventsAs(sim, MEMBER_KEY)
    await member.send(new PutRuleCommand({ Name: 'forward', EventPattern: PATTERN }))
    const target = {
      Id: 'central-bus',
      Arn: CENTRAL_BUS,
      RoleArn: `arn:aws:iam::${MEMBER}:role/iamwatch-forward`,
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${MEMBER}:iamwatch-forward-dlq` },
    }
    // Act
    const put = await member.send(new PutTargetsCommand({ Rule: 'forward', Targets: [target] }))
    const listed = await member.send(new ListTargetsByRuleCommand({ Rule: 'forward' }))
    const refusedDelete = await refusal(member.send(new DeleteRuleCommand({ Name: 'forward' })))
    await member.send(new RemoveTargetsCommand({ Rule: 'forward', Ids: ['central-bus'] }))
    const afterRemoval = await member.send(new ListTargetsByRuleCommand({ Rule: 'forward' }))
    await member.send(new DeleteRuleCommand({ Name: 'forward' }))
    await member.send(new DeleteRuleCommand({ Name: 'forward' }))
    const gone = await refusal(member.send(new DescribeRuleCommand({ Name: 'forward' })))
    // Assess
    expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] })
    expect(listed.Targets).toEqual([target])
    expect(refusedDelete).toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    })
    expect(afterRemoval.Targets).toEqual([])
    expect(gone).toMatchObject({ name: 'ResourceNotFoundException', status: 400 })
  })

  it('answers ResourceNotFoundException for the targets of an unknown rule and a custom bus', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const member = eventsAs(sim, MEMBER_KEY)
    // Act
    const list = await refusal(member.send(new ListTargetsByRuleCommand({ Rule: 'nope' })))
    const put = await refusal(
      member.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 't', Arn: CENTRAL_BUS }] })),
    )
    const remove = await refusal(member.send(new RemoveTargetsCommand({ Rule: 'nope', Ids: ['t'] })))
    const bus = await refusal(member.send(new ListRulesCommand({ EventBusName: 'custom' })))
    // Assess
    for (const refused of [list, put, remove, bus])
      expect(refused).toMatchObject({ name: 'ResourceNotFoundException', status: 400 })
    expect(list.message).toBe('Rule nope does not exist on EventBus default.')
  })

  it('shows rules added without signing to a session assumed into the account', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.events.putRule(MEMBER, 'eu-west-1', {
      name: 'iamwatch-forward',
      eventPattern: { source: ['aws.signin'] },
      state: 'DISABLED',
      targets: [{ Id: 'home', Arn: CENTRAL_BUS }],
    })
    const out = await stsAs(sim, world.scan).send(
      new AssumeRoleCommand({ RoleArn: READER_ROLE_ARN, RoleSessionName: 'scan' }),
    )
    const reader = eventsAs(
      sim,
      {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
      'eu-west-1',
    )
    // Act
    const rules = await reader.send(new ListRulesCommand({}))
    const targets = await reader.send(new ListTargetsByRuleCommand({ Rule: 'iamwatch-forward' }))
    // Assess
    expect(rules.Rules).toEqual([
      {
        Name: 'iamwatch-forward',
        Arn: `arn:aws:events:eu-west-1:${MEMBER}:rule/iamwatch-forward`,
        EventPattern: '{"source":["aws.signin"]}',
        State: 'DISABLED',
        EventBusName: 'default',
      },
    ])
    expect(targets.Targets).toEqual([{ Id: 'home', Arn: CENTRAL_BUS }])
  })
})

describe('EventBridge on the shared endpoint', () => {
  it('throttles with ThrottlingException and fails with InternalException, as EventBridge names them', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.faults.throttleRate = 1
    const member = eventsAs(sim, MEMBER_KEY)
    // Act
    const throttled = await refusal(member.send(new ListRulesCommand({})))
    sim.faults.throttleRate = 0
    sim.faults.failActions = { ListRules: 'ServiceFailure' }
    const failed = await refusal(member.send(new ListRulesCommand({})))
    // Assess
    expect(throttled).toMatchObject({ name: 'ThrottlingException', status: 400 })
    expect(failed).toMatchObject({ name: 'InternalException', status: 500 })
    expect(sim.faults.throttled).toBe(1)
    expect(sim.requestCount('ListRules')).toBe(2)
  })

  it('routes CloudTrail’s long X-Amz-Target and refuses a target no service here answers', async () => {
    // Prepare
    const world = await startOrganization({ strictCredentials: false })
    sim = world.sim
    const post = (target: string) =>
      fetch(sim!.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      })
    // Act
    const longForm = await post('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails')
    const unknown = await post('DynamoDB_20120810.ListTables')
    const viaSdk = await new CloudTrailClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
    }).send(new DescribeTrailsCommand({}))
    // Assess
    expect(longForm.status).toBe(200)
    expect(await longForm.json()).toEqual({ trailList: [] })
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' })
    expect(viaSdk.trailList).toEqual([])
  })
})
