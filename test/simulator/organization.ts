import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { OrganizationsClient } from '@aws-sdk/client-organizations'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { roleSession, type SimCredential } from '../../local/iam-sim/identity.ts'
import type { OrganizationSpec } from '../../local/iam-sim/organizations.ts'
import { type IamSimulator, type SimulatorOptions, startIamSimulator } from '../../local/iam-sim/server.ts'

/**
 * An organization of served accounts for the Organizations, AssumeRole and EventBridge tests: the
 * management account, a security account (IAM's delegated administrator, where the central scans run as
 * the role `iamwatch-scan`), two members (one with a reader role that trusts the central role inside the
 * organization), and an account in no organization that has a role of the same name.
 */
export const MANAGEMENT = '111111111111'
export const SECURITY = '222222222222'
export const MEMBER = '333333333333'
export const PLAIN_MEMBER = '555555555555'
export const OUTSIDER = '444444444444'
export const ORG_ID = 'o-a1b2c3d4e5'
export const ROOT_ID = 'r-ab12'

export const MANAGEMENT_KEY = 'AKIAMANAGEMENTADMIN1'
export const MEMBER_KEY = 'AKIAMEMBERADMIN00001'
export const PLAIN_MEMBER_KEY = 'AKIAPLAINMEMBER00001'
export const OUTSIDER_KEY = 'AKIAOUTSIDERADMIN001'

export const SCAN_ROLE_ARN = `arn:aws:iam::${SECURITY}:role/iamwatch-scan`
export const READER_ROLE_ARN = `arn:aws:iam::${MEMBER}:role/iamwatch-reader`

/** The reader role's trust: the central scan role only, and only from inside the organization. */
export const READER_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: [SCAN_ROLE_ARN] },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
    },
  ],
}

const withAdmin = (id: string, key: string) =>
  new AccountBuilder(id).user('admin', (u) => u.accessKey({ ageDays: 10, id: key }))

export interface OrgWorld {
  sim: IamSimulator
  /** The central scan role's session in the security account. */
  scan: SimCredential
  /** A session of a role of the same name in the account outside the organization. */
  outsiderScan: SimCredential
}

/** Starts the simulator with the five accounts, the organization (Security and Workloads/Prod OUs) and the sessions. */
export async function startOrganization(
  options: SimulatorOptions = {},
  shape: { member?: (b: AccountBuilder) => AccountBuilder; organization?: Partial<OrganizationSpec> } = {},
): Promise<OrgWorld> {
  const member = withAdmin(MEMBER, MEMBER_KEY)
    .user('alice')
    .user('bob')
    .role('iamwatch-reader', READER_TRUST)
    .trail('member-trail')
  const sim = await startIamSimulator(withAdmin(MANAGEMENT, MANAGEMENT_KEY).build(), {
    strictCredentials: true,
    ...options,
  })
  sim.addAccount(new AccountBuilder(SECURITY).build())
  sim.addAccount((shape.member ? shape.member(member) : member).build())
  sim.addAccount(withAdmin(PLAIN_MEMBER, PLAIN_MEMBER_KEY).build())
  sim.addAccount(withAdmin(OUTSIDER, OUTSIDER_KEY).build())
  sim.createOrganization({
    id: ORG_ID,
    rootId: ROOT_ID,
    managementAccountId: MANAGEMENT,
    managementEmail: 'aws-management@example.com',
    ous: ['Security', 'Workloads/Prod'],
    accounts: [
      { id: SECURITY, name: 'Security', email: 'aws-security@example.com', parent: 'Security' },
      { id: MEMBER, name: 'Prod A', email: 'aws-prod-a@example.com', parent: 'Workloads/Prod' },
      { id: PLAIN_MEMBER, name: 'Sandbox', joinedMethod: 'CREATED' },
    ],
    features: ['RootCredentialsManagement'],
    delegatedAdministrators: { 'iam.amazonaws.com': [SECURITY] },
    ...shape.organization,
  })
  const scan = roleSession(SECURITY, 'iamwatch-scan', 'scan')
  const outsiderScan = roleSession(OUTSIDER, 'iamwatch-scan', 'scan')
  sim.addCredentials(scan)
  sim.addCredentials(outsiderScan)
  return { sim, scan, outsiderScan }
}

export type Key = string | Pick<SimCredential, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>

export const credentialsOf = (key: Key) =>
  typeof key === 'string'
    ? { accessKeyId: key, secretAccessKey: 'not-checked' }
    : {
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
      }

/** The SDK's Organizations client (us-east-1, as Organizations is called), one attempt per call unless told. */
export function organizationsAs(sim: IamSimulator, key: Key, maxAttempts = 1): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    maxAttempts,
    credentials: credentialsOf(key),
  })
}

export function eventsAs(
  sim: IamSimulator,
  key: Key,
  region = 'us-east-1',
  maxAttempts = 1,
): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: sim.endpoint,
    region,
    maxAttempts,
    credentials: credentialsOf(key),
  })
}
