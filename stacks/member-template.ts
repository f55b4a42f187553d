import { rulePatterns } from '../shared/eventbridge/patterns.ts'
import { DEFAULT_READER_ROLE, FORWARD_RULE_PREFIX, readerTrustPolicy } from '../shared/organization/model.ts'
import { ACCOUNT_ID, ORGANIZATION_HOME_REGION, ORGANIZATION_ID, ROLE_NAME } from './organization-options.ts'
import { memberReaderPolicy } from './organization-permissions.ts'
import { forwarderPolicy } from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

/**
 * The member side of an organization deployment (issue 13): a CloudFormation template, deployed in every
 * member account and monitored region by a service-managed StackSet (stacks/organization.ts creates it
 * when IAMWATCH_STACKSET_OUS is set; `npm run member-template` prints it for doing so by hand). Pure: no
 * Pulumi, no AWS call.
 *
 * In the home region only (IAM is global, so a role is made once; Condition IsHomeRegion):
 * - ReaderRole: what the central scans assume (readerTrustPolicy: the central functions' roles, from inside
 *   the organization), with exactly the scans' read actions (memberReaderPolicy).
 * - ForwarderRole: what the forwarding rules deliver as; events:PutEvents on the central default bus only.
 * In every region:
 * - one EventBridge rule per generated pattern (rulePatterns(): the central stack's own rules), named
 *   `iamwatch-forward-<rule>`, with the same pattern and state, targeting the central bus in the home
 *   region. As stacks/events.ts does for the central account's other regions, a pattern that is not
 *   `regional` (IAM's and Organizations' events, which arrive only in us-east-1) has its rule in the home
 *   region only.
 * - a dead-letter queue `iamwatch-forward-dlq` (EventBridge takes one only in the rule's own region) that
 *   only those rules may send to.
 *
 * Ordering: the rules of the other regions name the forwarder role by its ARN, since it exists only in the
 * home region, and a StackSet cannot make one region's stack wait for another's. What the template can do,
 * it does: in the home region each rule references the role (Fn::GetAtt), so CloudFormation creates the
 * role before the rules there. Across regions: EventBridge assumes a target's role when it delivers an
 * event (PutTargets takes the role as an ARN, which CloudFormation passes), so until the home region's
 * stack exists, another region's forwarded events fail and go to that region's dead-letter queue. The
 * central stack creates the home region's stack instances first and the other regions' only after them
 * (stacks/organization.ts), so a first deployment is in order. For an account that joins a targeted OU
 * later, CloudFormation's automatic deployment deploys every region of the StackSet at once (region
 * concurrency PARALLEL), so for the minute or two the home region's stack takes, that account's other
 * regions may dead-letter what they forward (the reader's probe of the forwarding rules sees the account
 * at the next dispatch; a stack instance that failed is redeployed with the StackSet's next operation).
 */

export interface MemberTemplateArgs {
  organizationId: string
  /** The account the iamwatch deployment runs in (security / delegated administrator account). */
  centralAccountId: string
  /** The central account's partition (default `aws`); the member's own ARNs use `${AWS::Partition}`. */
  partition?: string
  /** The reader role's name (default DEFAULT_READER_ROLE). */
  readerRoleName?: string
  /** The names of the central functions' roles that may assume the reader (centralReaderRoleNames). */
  centralRoleNames: string[]
  /** Where the central bus is, and where the member's roles are made (default us-east-1). */
  homeRegion?: string
}

/** The member's forwarder role: one per account, in the home region. */
export const FORWARDER_ROLE_NAME = 'iamwatch-forwarder'
/** Each region's dead-letter queue of the forwarding rules. */
export const FORWARD_DLQ_NAME = `${FORWARD_RULE_PREFIX}-dlq`
/** Retries of a forwarded event: as many as EventBridge allows, for up to a day (the age bounds them). */
export const FORWARD_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 }

/** A CloudFormation template as JSON. */
export type Template = {
  AWSTemplateFormatVersion: '2010-09-09'
  Description: string
  Conditions: Record<string, unknown>
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>
  Outputs: Record<string, unknown>
}

const HOME = 'IsHomeRegion'
/** The member account's own values, resolved by CloudFormation in each stack (Fn::Sub). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template string
const MEMBER = { partition: '${AWS::Partition}', accountId: '${AWS::AccountId}' }

/**
 * Every string that names `${AWS::...}` becomes an Fn::Sub, so plain policy documents built by the stack's
 * own functions (with the pseudo parameters as their partition and account) serve the template unchanged.
 */
function sub(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value
    if (value.replace(/\$\{AWS::(Partition|AccountId|Region)\}/g, '').includes('${'))
      throw new Error(`only pseudo parameters are substituted: ${value}`)
    return { 'Fn::Sub': value }
  }
  if (Array.isArray(value)) return value.map(sub)
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v)]))
  return value
}

/** `iam` -> `Iam`, `access-keys` -> `AccessKeys`: a rule's part of its logical id. */
const pascal = (s: string) => s.replace(/(^|[-_.])(\w)/g, (_, __, c: string) => c.toUpperCase())

/** The forwarding rule of a generated pattern: its name, and its logical id in the template. */
export const forwardRuleName = (rule: string) => `${FORWARD_RULE_PREFIX}-${rule}`
export const forwardRuleLogicalId = (rule: string) => `Forward${pascal(rule)}Rule`

export function memberTemplate(args: MemberTemplateArgs): Template {
  const partition = args.partition ?? 'aws'
  const homeRegion = args.homeRegion ?? ORGANIZATION_HOME_REGION
  const readerRoleName = args.readerRoleName ?? DEFAULT_READER_ROLE
  if (!ORGANIZATION_ID.test(args.organizationId))
    throw new Error(`not an organization id: "${args.organizationId}"`)
  if (!ACCOUNT_ID.test(args.centralAccountId))
    throw new Error(`not an account id (12 digits): "${args.centralAccountId}"`)
  if (!ROLE_NAME.test(readerRoleName)) throw new Error(`not a role name: "${readerRoleName}"`)
  if (args.centralRoleNames.length === 0) throw new Error('the reader role needs at least one central role')
  for (const name of args.centralRoleNames)
    if (!ROLE_NAME.test(name)) throw new Error(`not a role name: "${name}"`)

  const centralBus = `arn:${partition}:events:${homeRegion}:${args.centralAccountId}:event-bus/default`
  const centralRoles = args.centralRoleNames.map(
    (name) => `arn:${partition}:iam::${args.centralAccountId}:role/${name}`,
  )
  const rules = rulePatterns()
  const ruleArn = (rule: string) =>
    `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${forwardRuleName(rule)}`

  const resources: Template['Resources'] = {
    ReaderRole: {
      Type: 'AWS::IAM::Role',
      Condition: HOME,
      Properties: {
        RoleName: readerRoleName,
        Description: `iamwatch: read-only, for the central scans of account ${args.centralAccountId}`,
        AssumeRolePolicyDocument: readerTrustPolicy({
          organizationId: args.organizationId,
          centralPrincipalArns: centralRoles,
        }),
        MaxSessionDuration: 3600,
        Policies: [{ PolicyName: 'iamwatch-read', PolicyDocument: sub(memberReaderPolicy(MEMBER)) }],
      },
    },
    ForwarderRole: {
      Type: 'AWS::IAM::Role',
      Condition: HOME,
      Properties: {
        RoleName: FORWARDER_ROLE_NAME,
        Description: `iamwatch: EventBridge forwards the detections' events to account ${args.centralAccountId}`,
        AssumeRolePolicyDocument: sub(serviceTrust('events.amazonaws.com', MEMBER.accountId)),
        Policies: [{ PolicyName: 'iamwatch-forward', PolicyDocument: forwarderPolicy(centralBus) }],
      },
    },
    ForwardDeadLetters: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: FORWARD_DLQ_NAME,
        MessageRetentionPeriod: 14 * 86_400,
        SqsManagedSseEnabled: true,
      },
    },
    ForwardDeadLettersPolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: 'ForwardDeadLetters' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ForwardingRulesDeadLetter',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': ['ForwardDeadLetters', 'Arn'] },
              Condition: {
                ArnEquals: {
                  // The rules of this region: in the home region all of them, elsewhere the regional ones.
                  'aws:SourceArn': {
                    'Fn::If': [
                      HOME,
                      sub(rules.map((r) => ruleArn(r.name))),
                      sub(rules.filter((r) => r.regional).map((r) => ruleArn(r.name))),
                    ],
                  },
                },
              },
            },
          ],
        },
      },
    },
  }
  for (const r of rules) {
    resources[forwardRuleLogicalId(r.name)] = {
      Type: 'AWS::Events::Rule',
      ...(r.regional ? {} : { Condition: HOME }),
      Properties: {
        Name: forwardRuleName(r.name),
        Description: `iamwatch: forward ${r.name} events to the central account ${args.centralAccountId}`,
        EventPattern: r.pattern,
        State: r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
        Targets: [
          {
            Id: 'CentralBus',
            Arn: centralBus,
            // The role made in the home region; elsewhere named by its ARN (see the ordering note above).
            RoleArn: {
              'Fn::If': [
                HOME,
                { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
                sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${FORWARDER_ROLE_NAME}`),
              ],
            },
            RetryPolicy: FORWARD_RETRY,
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ForwardDeadLetters', 'Arn'] } },
          },
        ],
      },
    }
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `iamwatch member account of ${args.organizationId}: the reader role the central scans of ${args.centralAccountId} assume, and the rules that forward the detections' events to its ${homeRegion} bus`,
    Conditions: { [HOME]: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, homeRegion] } },
    Resources: resources,
    Outputs: {
      ReaderRoleArn: {
        Condition: HOME,
        Description: 'The role the central scans assume',
        Value: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] },
      },
    },
  }
}
