import { SimError } from '../errors.ts'
import type { SimOrgAccount, SimOrganization, SimOrgUnit } from '../organizations.ts'
import { tokenPage } from '../paging.ts'

/**
 * AWS Organizations' read API (JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Action>`), answered
 * from the simulator's organization (local/iam-sim/organizations.ts) for the account that signed the
 * request. Organizations' errors are all HTTP 400.
 */
export interface OrgCall {
  organization: SimOrganization | undefined
  /** The account that signed the request. */
  accountId: string
  body: Record<string, unknown>
}

export type OrgAction = (call: OrgCall) => Record<string, unknown>

const orgError = (code: string, message: string) => new SimError(code, 400, message)
const invalidInput = (message: string) => orgError('InvalidInputException', message)

/** Who may call: any member (DescribeOrganization), or the management account and delegated administrators. */
type Access = 'member' | 'reader'

function organizationOf(call: OrgCall, access: Access): SimOrganization {
  const org = call.organization
  if (!org?.accounts.has(call.accountId))
    throw orgError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.',
    )
  if (
    access === 'reader' &&
    call.accountId !== org.managementAccountId &&
    !org.isDelegatedAdministrator(call.accountId)
  )
    throw orgError('AccessDeniedException', "You don't have permissions to access this resource.")
  return org
}

function stringParam(body: Record<string, unknown>, name: string, pattern: RegExp): string {
  const value = body[name]
  if (value === undefined || value === null || value === '')
    throw invalidInput(`You must specify a value for ${name}.`)
  if (typeof value !== 'string' || !pattern.test(value))
    throw invalidInput(`You specified an invalid value for ${name}.`)
  return value
}

const ACCOUNT_ID = /^\d{12}$/
const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/
const CHILD_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/

const epochSeconds = (d: Date) => d.getTime() / 1000

function accountNode(org: SimOrganization, a: SimOrgAccount) {
  return {
    Id: a.id,
    Arn: org.accountArn(a.id),
    Email: a.email,
    Name: a.name,
    Status: a.status,
    State: a.status,
    JoinedMethod: a.joinedMethod,
    JoinedTimestamp: epochSeconds(a.joinedAt),
  }
}

const ouNode = (org: SimOrganization, u: SimOrgUnit) => ({ Id: u.id, Arn: org.ouArn(u.id), Name: u.name })

const page = <T>(all: readonly T[], body: Record<string, unknown>, list: string) =>
  tokenPage(all, body, { list, max: 20, invalid: invalidInput })

function knownParent(org: SimOrganization, body: Record<string, unknown>): string {
  const id = stringParam(body, 'ParentId', PARENT_ID)
  if (id !== org.rootId && !org.units.has(id))
    throw orgError(
      'ParentNotFoundException',
      "We can't find a root or organizational unit (OU) with the ParentId that you specified.",
    )
  return id
}

const DescribeOrganization: OrgAction = (call) => {
  const org = organizationOf(call, 'member')
  const management = org.accounts.get(org.managementAccountId)!
  return {
    Organization: {
      Id: org.id,
      Arn: org.arn,
      FeatureSet: 'ALL',
      MasterAccountArn: org.accountArn(org.managementAccountId),
      MasterAccountId: org.managementAccountId,
      MasterAccountEmail: management.email,
      AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
    },
  }
}

const ListAccounts: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const { items, NextToken } = page([...org.accounts.values()], call.body, `ListAccounts|${org.id}`)
  return { Accounts: items.map((a) => accountNode(org, a)), ...(NextToken ? { NextToken } : {}) }
}

const DescribeAccount: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const account = org.accounts.get(stringParam(call.body, 'AccountId', ACCOUNT_ID))
  if (!account) throw orgError('AccountNotFoundException', "You specified an account that doesn't exist.")
  return { Account: accountNode(org, account) }
}

const ListParents: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const child = stringParam(call.body, 'ChildId', CHILD_ID)
  const parent = org.parentOf(child)
  if (!parent)
    throw orgError(
      'ChildNotFoundException',
      "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
    )
  const { items, NextToken } = page([parent], call.body, `ListParents|${child}`)
  return {
    Parents: items.map((id) => ({ Id: id, Type: id === org.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' })),
    ...(NextToken ? { NextToken } : {}),
  }
}

const DescribeOrganizationalUnit: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const id = stringParam(call.body, 'OrganizationalUnitId', /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/)
  const unit = org.units.get(id)
  if (!unit)
    throw orgError(
      'OrganizationalUnitNotFoundException',
      "We can't find an organizational unit (OU) with the OrganizationalUnitId that you specified.",
    )
  return { OrganizationalUnit: ouNode(org, unit) }
}

const ListRoots: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const { items, NextToken } = page([org.rootId], call.body, `ListRoots|${org.id}`)
  return {
    Roots: items.map((id) => ({ Id: id, Arn: org.rootArn, Name: 'Root', PolicyTypes: [] })),
    ...(NextToken ? { NextToken } : {}),
  }
}

const ListAccountsForParent: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const parent = knownParent(org, call.body)
  const children = [...org.accounts.values()].filter((a) => a.parentId === parent)
  const { items, NextToken } = page(children, call.body, `ListAccountsForParent|${parent}`)
  return { Accounts: items.map((a) => accountNode(org, a)), ...(NextToken ? { NextToken } : {}) }
}

const ListOrganizationalUnitsForParent: OrgAction = (call) => {
  const org = organizationOf(call, 'reader')
  const parent = knownParent(org, call.body)
  const children = [...org.units.values()].filter((u) => u.parentId === parent)
  const { items, NextToken } = page(children, call.body, `ListOrganizationalUnitsForParent|${parent}`)
  return { OrganizationalUnits: items.map((u) => ouNode(org, u)), ...(NextToken ? { NextToken } : {}) }
}

export const ORGANIZATIONS_ACTIONS: Readonly<Record<string, OrgAction>> = {
  DescribeOrganization,
  ListAccounts,
  DescribeAccount,
  ListParents,
  DescribeOrganizationalUnit,
  ListRoots,
  ListAccountsForParent,
  ListOrganizationalUnitsForParent,
}
