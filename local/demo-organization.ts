import { expectedForwardRules, HOME_REGION } from '../shared/aws/member-probe.ts'
import { CIS_PASSWORD_POLICY } from '../shared/checks/password-policy/policy.ts'
import { matchesPattern, type Pattern } from '../shared/eventbridge/match.ts'
import { rulePatterns } from '../shared/eventbridge/patterns.ts'
import { DEFAULT_READER_ROLE, FORWARD_RULE_PREFIX, readerTrustPolicy } from '../shared/organization/model.ts'
import { DEMO_ACCOUNT_ID } from './demo-account.ts'
import { AccountBuilder } from './iam-sim/builder.ts'
import type { SimAccount } from './iam-sim/model.ts'
import type { SimOrganization } from './iam-sim/organizations.ts'
import type { IamSimulator } from './iam-sim/server.ts'

/**
 * The demo company's AWS Organization (issue 13): the demo account (local/demo-account.ts) is its
 * **security account**, where iamwatch runs, IAM's delegated administrator; around it, the management
 * account and three member accounts, each with a different problem:
 *
 *   111111111111 acme-management  Root                     the management account: no StackSet instance
 *                                                         (service-managed StackSets never deploy there),
 *                                                         so no reader role and no forwarding: not monitored
 *   123456789012 acme-security    Root/Security            iamwatch's own account (the demo company's)
 *   333333333333 acme-prod        Root/Workloads/Prod      a root access key; a console user without MFA
 *   444444444444 acme-staging     Root/Workloads/Staging   AdministratorAccess on a user; a role any AWS
 *                                                         principal may assume
 *   555555555555 acme-sandbox     Root/Sandbox             outside the StackSet's OUs: no reader role, no
 *                                                         forwarding: member-account-not-monitored
 *
 * Centralized root access is only half enabled (RootCredentialsManagement, not RootSessions), so the
 * organization fails org-root-credentials-not-centralized. acme-prod and acme-staging have what the member
 * template (stacks/member-template.ts) deploys: the reader role `iamwatch-reader`, trusting the central
 * principals only from inside the organization (readerTrustPolicy), and one forwarding rule per generated
 * pattern (`iamwatch-forward-<rule>`, the same pattern and state) targeting the security account's default
 * bus. The accounts are small (a few users and roles each) so that serving them costs nothing at start-up.
 */

export const ORGANIZATION_ID = 'o-acmedemo01'
export const ORGANIZATION_ROOT_ID = 'r-acme'
export const SECURITY_ACCOUNT = DEMO_ACCOUNT_ID
export const MANAGEMENT_ACCOUNT = '111111111111'
export const PROD_ACCOUNT = '333333333333'
export const STAGING_ACCOUNT = '444444444444'
export const SANDBOX_ACCOUNT = '555555555555'

/** The role the local functions' sessions are of (`npm run local`: `<prefix>-functions`, prefix iamwatch-local). */
export const LOCAL_FUNCTIONS_ROLE = 'iamwatch-local-functions'
/** The role of the operator's session `npm run local` exports. */
export const LOCAL_OPERATOR_ROLE = 'Admin'

/**
 * Each account's administrator, with an access key of its own (the simulator knows whose each is and
 * checks no signature: any secret does). A call signed with one is served by, and recorded in, that account.
 */
export const ORG_ADMINS = {
  [MANAGEMENT_ACCOUNT]: { userName: 'org.admin', accessKeyId: 'AKIAACMEMGMTADMIN001' },
  [PROD_ACCOUNT]: { userName: 'prod.admin', accessKeyId: 'AKIAACMEPRODADMIN001' },
  [STAGING_ACCOUNT]: { userName: 'staging.admin', accessKeyId: 'AKIAACMESTAGEADMIN01' },
  [SANDBOX_ACCOUNT]: { userName: 'sandbox.dev', accessKeyId: 'AKIAACMESANDBOXDEV01' },
} as const
/** What to give the SDK or the AWS CLI as the secret of those keys (the simulator checks no signature). */
export const ORG_ADMIN_SECRET = 'demo-secret-not-checked'

/** Where each account sits (an OU path below the root), what it is called in Organizations, and its story. */
export const ORG_ACCOUNTS = [
  {
    id: MANAGEMENT_ACCOUNT,
    name: 'acme-management',
    ouPath: '',
    story: 'the management account: StackSets never deploy there (no reader role, no forwarding)',
  },
  {
    id: SECURITY_ACCOUNT,
    name: 'acme-security',
    ouPath: 'Security',
    story: "iamwatch's own account (the demo company's, above)",
  },
  {
    id: PROD_ACCOUNT,
    name: 'acme-prod',
    ouPath: 'Workloads/Prod',
    story: 'a root access key; a console user without MFA',
  },
  {
    id: STAGING_ACCOUNT,
    name: 'acme-staging',
    ouPath: 'Workloads/Staging',
    story: 'AdministratorAccess on a user; a role any AWS principal may assume',
  },
  {
    id: SANDBOX_ACCOUNT,
    name: 'acme-sandbox',
    ouPath: 'Sandbox',
    story: 'outside the StackSet: no reader role, no forwarding',
  },
] as const

/** The accounts the member template was deployed to (the StackSet targets Workloads). */
export const MONITORED_MEMBERS = [PROD_ACCOUNT, STAGING_ACCOUNT] as const

/** The central principals the reader roles trust: the local functions' role and the operator's, in the security account. */
export function centralPrincipals(
  functionsRole: string = LOCAL_FUNCTIONS_ROLE,
  operatorRole: string = LOCAL_OPERATOR_ROLE,
  securityAccount: string = SECURITY_ACCOUNT,
): string[] {
  return [...new Set([functionsRole, operatorRole])].map((r) => `arn:aws:iam::${securityAccount}:role/${r}`)
}

/** What acme-staging's debug role was given "for a day": any AWS principal, anywhere, may assume it. */
const anyoneTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
}

const admin = (b: AccountBuilder, accountId: keyof typeof ORG_ADMINS) =>
  b.user(ORG_ADMINS[accountId].userName, (u) =>
    u
      .createdDaysAgo(600)
      .console({ lastUsedDaysAgo: 1 })
      .mfa('hardware')
      .accessKey({ ageDays: 30, lastUsedDaysAgo: 0, id: ORG_ADMINS[accountId].accessKeyId }),
  )

/** An account's baseline, so that its findings are its story's: the CIS password policy, an Access Analyzer, its administrator. */
function tidy(accountId: keyof typeof ORG_ADMINS, now: Date): AccountBuilder {
  const b = new AccountBuilder(accountId, now)
    .passwordPolicy({ ...CIS_PASSWORD_POLICY })
    .analyzer(HOME_REGION)
  return admin(b, accountId)
}

/**
 * A member's root user as centralized root access leaves it (RootCredentialsManagement): no password, no
 * MFA device, no access key, unless one was forgotten.
 */
function centralizedRoot(account: SimAccount): SimAccount {
  account.root.hasPassword = false
  delete account.root.passwordLastUsed
  return account
}

/**
 * The four other accounts, as the simulator serves them. `reader`: the trust of the reader role made in
 * the monitored members (readerTrustPolicy).
 */
export function organizationAccounts(reader: unknown, now = new Date()): SimAccount[] {
  // The management account's root user keeps its password and MFA device (it cannot be centralized).
  const management = tidy(MANAGEMENT_ACCOUNT, now)
    .root((r) => r.mfa('hardware').passwordUsedDaysAgo(200))
    .build()
  const prod = tidy(PROD_ACCOUNT, now)
    // Its root password is gone, but not the access key made when the account was opened, used now and then.
    .root((r) => r.accessKey({ ageDays: 700, lastUsedDaysAgo: 20, id: 'AKIAACMEPRODROOTKEY1' }))
    .user('web.oncall', (u) => u.createdDaysAgo(200).console({ lastUsedDaysAgo: 2 }))
    .user('deploy-bot', (u) =>
      u.createdDaysAgo(300).mfa('virtual').accessKey({ ageDays: 40, lastUsedDaysAgo: 0, service: 'ecs' }),
    )
    .role(DEFAULT_READER_ROLE, reader, (r) => r.createdDaysAgo(30))
    .build()
  const staging = tidy(STAGING_ACCOUNT, now)
    .user('qa.lead', (u) =>
      u
        .createdDaysAgo(150)
        .console({ lastUsedDaysAgo: 4 })
        .mfa('virtual')
        .policies((p) => p.attach('AdministratorAccess')),
    )
    .role('debug-access', anyoneTrust, (r) => r.createdDaysAgo(60).attach('ReadOnlyAccess'))
    .role(DEFAULT_READER_ROLE, reader, (r) => r.createdDaysAgo(30))
    .build()
  const sandbox = new AccountBuilder(SANDBOX_ACCOUNT, now)
    .user(ORG_ADMINS[SANDBOX_ACCOUNT].userName, (u) =>
      u
        .createdDaysAgo(90)
        .console({ lastUsedDaysAgo: 1 })
        .accessKey({ ageDays: 90, lastUsedDaysAgo: 0, id: ORG_ADMINS[SANDBOX_ACCOUNT].accessKeyId })
        .policies((p) => p.attach('AdministratorAccess')),
    )
    .build()
  return [management, ...[prod, staging, sandbox].map(centralizedRoot)]
}

/** The security account's default bus in the home region: where every forwarding rule delivers. */
export const centralBusArn = (securityAccount: string = SECURITY_ACCOUNT) =>
  `arn:aws:events:${HOME_REGION}:${securityAccount}:event-bus/default`

/**
 * Serves the organization on a running simulator whose first account is the security account: the other
 * accounts, the organization, and the monitored members' forwarding rules (in the home region, the one
 * region the local deployment watches). Returns the organization.
 */
export function serveDemoOrganization(
  sim: IamSimulator,
  options: { centralPrincipalArns?: readonly string[]; now?: Date } = {},
): SimOrganization {
  const security = sim.account.accountId
  if (security !== SECURITY_ACCOUNT)
    throw new Error(`the demo organization's security account is ${SECURITY_ACCOUNT}, not ${security}`)
  const reader = readerTrustPolicy({
    organizationId: ORGANIZATION_ID,
    centralPrincipalArns: options.centralPrincipalArns ?? centralPrincipals(),
  })
  for (const account of organizationAccounts(reader, options.now)) sim.addAccount(account)
  const name = (id: string) => ORG_ACCOUNTS.find((a) => a.id === id)!.name
  const organization = sim.createOrganization({
    id: ORGANIZATION_ID,
    rootId: ORGANIZATION_ROOT_ID,
    managementAccountId: MANAGEMENT_ACCOUNT,
    managementName: name(MANAGEMENT_ACCOUNT),
    managementEmail: 'aws-management@acme.example',
    ous: ['Security', 'Workloads/Prod', 'Workloads/Staging', 'Sandbox'],
    accounts: ORG_ACCOUNTS.filter((a) => a.id !== MANAGEMENT_ACCOUNT).map((a) => ({
      id: a.id,
      name: a.name,
      email: `aws-${a.name.replace(/^acme-/, '')}@acme.example`,
      parent: a.ouPath,
      joinedMethod: 'CREATED' as const,
    })),
    // Root credentials management is on, root sessions are not: org-root-credentials-not-centralized.
    features: ['RootCredentialsManagement'],
    delegatedAdministrators: { 'iam.amazonaws.com': [security] },
  })
  for (const member of MONITORED_MEMBERS) putForwardingRules(sim, member, security)
  return organization
}

/**
 * What the member template makes in a member's home region: `iamwatch-forward-<rule>` for each generated
 * pattern, with the pattern and state of the central rule, targeting the security account's default bus.
 */
export function putForwardingRules(sim: IamSimulator, accountId: string, securityAccount: string): void {
  const rules = rulePatterns()
  const names = rules.map((r) => `${FORWARD_RULE_PREFIX}-${r.name}`)
  const expected = expectedForwardRules(HOME_REGION)
  if (names.join() !== expected.join())
    throw new Error(`forwarding rules ${names.join()} are not the ones expected: ${expected.join()}`)
  for (const [i, r] of rules.entries())
    sim.events.putRule(accountId, HOME_REGION, {
      name: names[i]!,
      eventPattern: r.pattern,
      state: r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
      description: `iamwatch: forward ${r.name} events to the central account ${securityAccount}`,
      targets: [
        {
          Id: 'CentralBus',
          Arn: centralBusArn(securityAccount),
          RoleArn: `arn:aws:iam::${accountId}:role/iamwatch-forwarder`,
        },
      ],
    })
}

/**
 * EventBridge in the member accounts, for the local event path: the rules of the event's account (its
 * envelope's `account`) and region that forward it to the central bus. A rule forwards when it is
 * enabled, targets the central bus, and its own pattern matches the event.
 */
export function simForwarding(
  sim: IamSimulator,
  securityAccount: string = sim.account.accountId,
): (envelope: Record<string, unknown>) => string[] {
  const bus = centralBusArn(securityAccount)
  const parsed = new Map<string, Pattern>()
  return (envelope) => {
    const rules = sim.events.rules(String(envelope.account), String(envelope.region))
    const forwarding: string[] = []
    for (const r of rules.values()) {
      if (!r.eventPattern || r.state === 'DISABLED') continue
      if (![...r.targets.values()].some((t) => t.Arn === bus)) continue
      let pattern = parsed.get(r.eventPattern)
      if (!pattern) {
        pattern = JSON.parse(r.eventPattern) as Pattern
        parsed.set(r.eventPattern, pattern)
      }
      if (matchesPattern(pattern, envelope)) forwarding.push(r.name)
    }
    return forwarding
  }
}

/** "acme-prod (333333333333)", or the id alone for an account not in the demo organization. */
export function accountLabel(id: string): string {
  const a = ORG_ACCOUNTS.find((x) => x.id === id)
  return a ? `${a.name} (${id})` : id
}
