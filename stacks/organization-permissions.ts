import { FORWARD_RULE_PREFIX } from '../shared/organization/model.ts'
import { SOURCES } from '../shared/sources/index.ts'
import {
  ORGANIZATION_CENTRAL_ACTIONS,
  ORGANIZATION_MEMBER_ACTIONS,
} from '../shared/sources/organization-actions.ts'
import {
  type Arns,
  accessAdvisorTargets,
  accountUsers,
  anyAccountTrails,
  dlq,
  kmsVia,
  logs,
  type PolicyDocument,
  policy,
  reconcileFindings,
  type Statement,
  type WriterArns,
} from './permissions.ts'

/**
 * The exact statements of the organization part (issue 13), as plain data like stacks/permissions.ts: the
 * central functions (org-dispatch, scan-account, and what on-cloudtrail-event gains) and the member accounts'
 * reader role. The central functions read the member accounts only through the reader role: no central role
 * has an IAM, CloudTrail, Access Analyzer or EventBridge read action for a member's resources.
 * test/infra/service-reference.test.ts checks every statement against the Service Authorization Reference.
 */

/** What the statements name of the organization. */
export interface OrganizationScope {
  partition: string
  organizationId: string
  readerRoleName: string
}

/** How one action is scoped: the statement it goes in, and the resources the reference authorizes it on. */
interface Scope {
  sid: string
  resources: string[]
}

/**
 * Actions in statements by their scope, in the order first met: an action with a scope goes to its
 * statement; any other to the `*` statement, which the service-reference test accepts only for actions AWS
 * authorizes on no resource type (so an action added to a source without a scope here fails that test).
 */
function scopedStatements(
  actions: readonly string[],
  scopes: Readonly<Record<string, Scope>>,
  unscopedSid: string,
): Statement[] {
  const bySid = new Map<string, Statement>()
  for (const action of new Set(actions)) {
    const scope = scopes[action] ?? { sid: unscopedSid, resources: ['*'] }
    const statement = bySid.get(scope.sid) ?? {
      Sid: scope.sid,
      Effect: 'Allow' as const,
      Action: [],
      Resource: scope.resources,
    }
    if (JSON.stringify(statement.Resource) !== JSON.stringify(scope.resources))
      throw new Error(`${action}: statement ${scope.sid} already has other resources`)
    statement.Action.push(action)
    bySid.set(scope.sid, statement)
  }
  return [...bySid.values()]
}

/**
 * The organization's accounts and organizational units, by their ARNs (Service Authorization Reference:
 * `arn:${Partition}:organizations::${Account}:account/o-${OrganizationId}/${AccountId}` and
 * `...:ou/o-${OrganizationId}/ou-${OrganizationalUnitId}`, where ${Account} is the management account's).
 * No central action is authorized on the root (`root/o-.../r-...`), so the root is named nowhere.
 */
export const organizationAccounts = (o: Pick<OrganizationScope, 'partition' | 'organizationId'>) =>
  `arn:${o.partition}:organizations::*:account/${o.organizationId}/*`
export const organizationUnits = (o: Pick<OrganizationScope, 'partition' | 'organizationId'>) =>
  `arn:${o.partition}:organizations::*:ou/${o.organizationId}/ou-*`

/**
 * Discovery from the central account (ORGANIZATION_CENTRAL_ACTIONS): DescribeOrganizationalUnit on the
 * organization's OUs, ListParents on its accounts and OUs (the child); DescribeOrganization,
 * ListAccounts and iam:ListOrganizationsFeatures are authorized on no resource.
 */
export function discoverOrganization(
  o: Pick<OrganizationScope, 'partition' | 'organizationId'>,
): Statement[] {
  const accounts = organizationAccounts(o)
  const units = organizationUnits(o)
  return scopedStatements(
    ORGANIZATION_CENTRAL_ACTIONS,
    {
      'organizations:ListParents': { sid: 'ListOrganizationParents', resources: [accounts, units] },
      'organizations:DescribeOrganizationalUnit': {
        sid: 'DescribeOrganizationalUnits',
        resources: [units],
      },
    },
    'DiscoverOrganization',
  )
}

/**
 * The reader role of any account (`iam::*:role/<name>`), but only an account of this organization
 * (aws:ResourceOrgID is the organization of the account that owns the role): the role name alone would let
 * the function assume a same-named role of any account that trusts it.
 */
export function assumeMemberReader(o: OrganizationScope): Statement {
  return {
    Sid: 'AssumeMemberReaderRole',
    Effect: 'Allow',
    Action: ['sts:AssumeRole'],
    Resource: [`arn:${o.partition}:iam::*:role/${o.readerRoleName}`],
    Condition: { StringEquals: { 'aws:ResourceOrgID': o.organizationId } },
  }
}

export interface AccountScansArns extends WriterArns {
  /** The account-scans queue (`<app>-account-scans`). */
  queueArn: string
}

/**
 * org-dispatch: discovers the organization, probes each member account through its reader role (and the
 * central account's own root credentials, GetAccountSummary, which IAM answers only for the caller's own
 * account: no member is read this way), records the organization checks' findings (the scans' reconcile
 * statements: the table, its key, the MAC key) and sends one account-scan request per member account to
 * the account-scans queue (SendMessageBatch is authorized as SendMessage; encrypted with the stack's key,
 * through SQS). Invoked by the scheduler: a failed run is retried, then dead-lettered.
 */
export function orgDispatchPolicy(a: AccountScansArns & OrganizationScope): PolicyDocument {
  return policy(
    ...discoverOrganization(a),
    {
      Sid: 'ReadCentralRootCredentials',
      Effect: 'Allow',
      Action: ['iam:GetAccountSummary'],
      Resource: ['*'],
    },
    assumeMemberReader(a),
    { Sid: 'SendAccountScans', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [a.queueArn] },
    kmsVia(a, 'sqs', 'EncryptAccountScans', ['kms:GenerateDataKey', 'kms:Decrypt']),
    ...reconcileFindings(a),
    ...dlq(a),
    logs(a),
  )
}

/**
 * scan-account: one member account per message of the account-scans queue (its event source mapping polls
 * with this role: ReceiveMessage, DeleteMessage, GetQueueAttributes; the messages are decrypted through
 * SQS), read through the account's reader role, its findings reconciled like a scan's. No dead-letter
 * statement: a message that keeps failing is moved by SQS to the queue's own dead-letter queue.
 */
export function scanAccountPolicy(a: AccountScansArns & OrganizationScope): PolicyDocument {
  return policy(
    assumeMemberReader(a),
    {
      Sid: 'ConsumeAccountScans',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [a.queueArn],
    },
    kmsVia(a, 'sqs', 'DecryptAccountScans', ['kms:Decrypt']),
    ...reconcileFindings(a),
    logs(a),
  )
}

/** A policy with the reader role added: on-cloudtrail-event re-reads a member account's touched principal. */
export function withMemberReader(document: PolicyDocument, o: OrganizationScope): PolicyDocument {
  return policy(...document.Statement, assumeMemberReader(o))
}

/**
 * Who may put events on the central default bus, besides the account itself: any principal of the
 * organization (the member accounts' forwarder roles, whose rules target this bus), and nobody else.
 */
export function organizationBusPolicy(a: { busArn: string; organizationId: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationAccountsForwardEvents',
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: a.busArn,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': a.organizationId } },
      },
    ],
  }
}

/**
 * Every read the scans take in an account (each source's `actions.account` and `actions.principals`) and
 * the organization probe's (ORGANIZATION_MEMBER_ACTIONS), deduplicated, in the order first met.
 */
export function memberReadActions(): string[] {
  return [
    ...new Set([
      ...Object.values(SOURCES).flatMap((s) => [...s.actions.account, ...s.actions.principals]),
      ...ORGANIZATION_MEMBER_ACTIONS,
    ]),
  ]
}

/**
 * Where each read is authorized in the member account (the scans' own scoping, stacks/permissions.ts): the
 * per-user credential reads on its users; Access Advisor's reports on its users, roles and customer managed
 * policies; trail status and selectors on any account's trail (the organization trail names the management
 * account); the forwarding rules' targets on the `iamwatch-forward-*` rules of any region. Every other read
 * is authorized on no resource type.
 */
function memberReadScopes(a: Pick<Arns, 'partition' | 'accountId'>): Record<string, Scope> {
  const users = { sid: 'ReadUserCredentials', resources: [accountUsers(a)] }
  const trails = { sid: 'ReadTrailState', resources: [anyAccountTrails(a)] }
  return {
    'iam:ListAccessKeys': users,
    'iam:GetUser': users,
    'iam:GetLoginProfile': users,
    'iam:ListMFADevices': users,
    'iam:GetAccessKeyLastUsed': users,
    'iam:GenerateServiceLastAccessedDetails': {
      sid: 'GenerateServiceLastAccessedReports',
      resources: accessAdvisorTargets(a),
    },
    'cloudtrail:GetTrailStatus': trails,
    'cloudtrail:GetEventSelectors': trails,
    'events:ListTargetsByRule': {
      sid: 'ReadForwardingRuleTargets',
      resources: [`arn:${a.partition}:events:*:${a.accountId}:rule/${FORWARD_RULE_PREFIX}-*`],
    },
  }
}

/**
 * The member accounts' reader role: exactly the scans' reads and the probe's (memberReadActions), scoped to
 * the account where AWS authorizes the action on a resource type. Read and List actions only
 * (test/infra/member-template.test.ts checks each one's access level in the reference): it writes nothing.
 * `partition` and `accountId` are the member's: CloudFormation's `${AWS::Partition}` and `${AWS::AccountId}`.
 */
export function memberReaderPolicy(a: Pick<Arns, 'partition' | 'accountId'>): PolicyDocument {
  return policy(...scopedStatements(memberReadActions(), memberReadScopes(a), 'ReadAccountPosture'))
}
