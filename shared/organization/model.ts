/**
 * An AWS Organization as iamwatch sees it: the accounts it watches, with their names and where they sit.
 * Pure data: the Organizations adapter (shared/aws/organizations.ts) fills it, a configured account list
 * can stand in for it, and the scans, alerts and exports read it.
 */

/** The role every member account gives the central scans (the StackSet creates it). */
export const DEFAULT_READER_ROLE = 'iamwatch-reader'
/** The member accounts' EventBridge rules that forward the detections' events to the central bus. */
export const FORWARD_RULE_PREFIX = 'iamwatch-forward'

export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED'

export interface OrgAccount {
  /** 12 digits. */
  id: string
  /** The account's name in Organizations (or the configured one); the id when it has none. */
  name: string
  email?: string
  status: AccountStatus
  /** Where it sits: the names from the root down, `Root/Workloads/Prod` ('' when unknown). */
  ouPath: string
  /** The ids from the root down (r-..., ou-...), the routing key besides the names. */
  ouIds?: string[]
  joinedAt?: string
}

/** Everyone iamwatch watches, and how that was learned. */
export interface OrgDirectory {
  organizationId?: string
  managementAccountId?: string
  /** The account the deployment runs in (the security / delegated administrator account). */
  centralAccountId: string
  accounts: OrgAccount[]
  /** `organizations`: discovered (complete only when every page was read); `configured`: the configured list. */
  source: 'organizations' | 'configured'
  complete: boolean
  asOf: string
  /** Accounts that left in the last 30 days (shared/app/organization.ts `departures`). */
  departed?: Departed[]
}

/** An account that left the organization, and when a complete discovery first found it gone. */
export interface Departed {
  id: string
  name: string
  at: string
}

/** What one central scan asks one member account to be scanned for (the account-scans queue's message). */
export interface AccountScanRequest {
  accountId: string
  accountName: string
  ouPath: string
  parts: readonly string[]
  /** The dispatch this belongs to (one per schedule tick): its id prefixes each account's scan id. */
  dispatchId: string
  requestedAt: string
}

/** The trust policy of the member accounts' reader role: the central scan roles only, inside the organization. */
export function readerTrustPolicy(args: { organizationId: string; centralPrincipalArns: readonly string[] }) {
  if (args.centralPrincipalArns.length === 0) throw new Error('the reader role needs a central principal')
  for (const arn of args.centralPrincipalArns)
    if (arn.includes('*')) throw new Error(`the reader role trusts no wildcard principal (${arn})`)
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CentralScans',
        Effect: 'Allow',
        Principal: { AWS: [...args.centralPrincipalArns] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': args.organizationId } },
      },
    ],
  }
}

export const readerRoleArn = (partition: string, accountId: string, roleName: string) =>
  `arn:${partition}:iam::${accountId}:role/${roleName}`

/** What the root user of an account still has, as GetAccountSummary says (read live with the reader role). */
export interface RootCredentialsSummary {
  mfaEnabled: boolean
  accessKeysPresent: boolean
  signingCertificatesPresent: boolean
  /** AccountPasswordPresent, where IAM gives it; a reader role cannot read a root password otherwise. */
  passwordPresent?: boolean
}

/** The forwarding of one monitored region of a member account: its `iamwatch-forward-*` rules. */
export interface ForwardingState {
  region: string
  state: 'ok' | 'missing' | 'unknown'
  /** Rules expected but absent, disabled, or not targeting the central bus. */
  missingRules: string[]
  detail?: string
}

/** What the central account learned by trying one member account with its reader role. */
export interface MemberProbe {
  /** `not-needed`: the central account itself (scanned with the functions' own roles). */
  reader: 'ok' | 'missing' | 'unknown' | 'not-needed'
  /** Why the reader role could not be used (AccessDenied's message, or the transient error). */
  readerDetail?: string
  /** Undefined when not read (the reader role unusable, or the call failed: `rootProblem`). */
  root?: RootCredentialsSummary
  rootProblem?: string
  /** Empty for the central account (its events reach its own bus). */
  forwarding: ForwardingState[]
}

/** What the organization checks read about one account (source `organization`). */
export interface OrganizationSource {
  organizationId?: string
  managementAccountId?: string
  centralAccountId: string
  account: OrgAccount
  /** The account's ARN in Organizations (or an ARN-shaped id for a configured list). */
  accountArn: string
  /** Centralized root access features (IAM ListOrganizationsFeatures); undefined when unread (`featuresProblem`). */
  rootAccessFeatures?: readonly string[]
  featuresProblem?: string
  probe: MemberProbe
}

export function organizationAccountArn(
  directory: Pick<OrgDirectory, 'organizationId' | 'managementAccountId'>,
  accountId: string,
  partition = 'aws',
): string {
  return directory.organizationId && directory.managementAccountId
    ? `arn:${partition}:organizations::${directory.managementAccountId}:account/${directory.organizationId}/${accountId}`
    : `arn:${partition}:iam::${accountId}:root`
}
