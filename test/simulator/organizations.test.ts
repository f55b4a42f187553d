import { ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam'
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  paginateListAccounts,
} from '@aws-sdk/client-organizations'
import { afterEach, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import {
  MANAGEMENT,
  MANAGEMENT_KEY,
  MEMBER,
  ORG_ID,
  OUTSIDER,
  OUTSIDER_KEY,
  organizationsAs,
  PLAIN_MEMBER,
  PLAIN_MEMBER_KEY,
  ROOT_ID,
  SECURITY,
  startOrganization,
} from './organization.ts'
import { iamAs, refusal } from './sdk.ts'

/** The simulator's AWS Organizations (JSON 1.1), through the real SDK client, with several served accounts. */
let sim: IamSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

describe('Organizations accounts', () => {
  it('lists every account across pages of at most 20 with the SDK paginator', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    for (let i = 0; i < 41; i++) sim.organization!.addAccount({ id: String(900000000000 + i) })
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    const pages: string[][] = []
    for await (const page of paginateListAccounts({ client }, {}))
      pages.push((page.Accounts ?? []).map((a) => a.Id!))
    // Assess
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5])
    expect(pages.flat()).toHaveLength(45)
    expect(new Set(pages.flat()).size).toBe(45)
    expect(pages[0]!.slice(0, 4)).toEqual([MANAGEMENT, SECURITY, MEMBER, PLAIN_MEMBER])
    expect(sim.requestCount('ListAccounts')).toBe(3)
  })

  it('honours a smaller MaxResults and refuses one above 20 and a forged NextToken with InvalidInputException', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    const first = await client.send(new ListAccountsCommand({ MaxResults: 3 }))
    const second = await client.send(new ListAccountsCommand({ MaxResults: 3, NextToken: first.NextToken }))
    const tooMany = await refusal(client.send(new ListAccountsCommand({ MaxResults: 21 })))
    const forged = await refusal(client.send(new ListAccountsCommand({ NextToken: 'bm90LWEtdG9rZW4' })))
    // Assess
    expect(first.Accounts!.map((a) => a.Id)).toEqual([MANAGEMENT, SECURITY, MEMBER])
    expect(first.NextToken).toEqual(expect.any(String))
    expect(second.Accounts!.map((a) => a.Id)).toEqual([PLAIN_MEMBER])
    expect(second.NextToken).toBeUndefined()
    expect(tooMany).toMatchObject({ name: 'InvalidInputException', status: 400 })
    expect(forged).toMatchObject({ name: 'InvalidInputException', status: 400 })
  })

  it('describes an account with its ARN, status, joined method and date, and answers AccountNotFoundException for a stranger', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.organization!.setStatus(PLAIN_MEMBER, 'SUSPENDED')
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    const member = await client.send(new DescribeAccountCommand({ AccountId: MEMBER }))
    const suspended = await client.send(new DescribeAccountCommand({ AccountId: PLAIN_MEMBER }))
    const stranger = await refusal(client.send(new DescribeAccountCommand({ AccountId: OUTSIDER })))
    // Assess
    expect(member.Account).toEqual({
      Id: MEMBER,
      Arn: `arn:aws:organizations::${MANAGEMENT}:account/${ORG_ID}/${MEMBER}`,
      Email: 'aws-prod-a@example.com',
      Name: 'Prod A',
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'INVITED',
      JoinedTimestamp: expect.any(Date),
    })
    expect(suspended.Account).toMatchObject({ Status: 'SUSPENDED', JoinedMethod: 'CREATED' })
    expect(stranger).toMatchObject({ name: 'AccountNotFoundException', status: 400 })
  })

  it('describes the organization to any member, with its management account', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    // Act
    const seen = await organizationsAs(sim, PLAIN_MEMBER_KEY).send(new DescribeOrganizationCommand({}))
    // Assess
    expect(seen.Organization).toMatchObject({
      Id: ORG_ID,
      Arn: `arn:aws:organizations::${MANAGEMENT}:organization/${ORG_ID}`,
      FeatureSet: 'ALL',
      MasterAccountId: MANAGEMENT,
      MasterAccountArn: `arn:aws:organizations::${MANAGEMENT}:account/${ORG_ID}/${MANAGEMENT}`,
      MasterAccountEmail: 'aws-management@example.com',
    })
  })
})

describe('Organizations tree', () => {
  it('walks from the root through the OUs to an account and back up with ListParents', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    const prod = sim.organization!.ouAt('Workloads/Prod')!
    // Act
    const roots = await client.send(new ListRootsCommand({}))
    const top = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: ROOT_ID }))
    const workloads = top.OrganizationalUnits!.find((u) => u.Name === 'Workloads')!
    const below = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads.Id! }))
    const inProd = await client.send(new ListAccountsForParentCommand({ ParentId: prod }))
    const atRoot = await client.send(new ListAccountsForParentCommand({ ParentId: ROOT_ID }))
    const memberParents = await client.send(new ListParentsCommand({ ChildId: MEMBER }))
    const prodParents = await client.send(new ListParentsCommand({ ChildId: prod }))
    const workloadsParents = await client.send(new ListParentsCommand({ ChildId: workloads.Id! }))
    const described = await client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod }))
    // Assess
    expect(roots.Roots).toEqual([
      {
        Id: ROOT_ID,
        Arn: `arn:aws:organizations::${MANAGEMENT}:root/${ORG_ID}/${ROOT_ID}`,
        Name: 'Root',
        PolicyTypes: [],
      },
    ])
    expect(top.OrganizationalUnits!.map((u) => u.Name)).toEqual(['Security', 'Workloads'])
    expect(workloads.Id).toMatch(/^ou-ab12-[a-z0-9]{8}$/)
    expect(below.OrganizationalUnits!.map((u) => u.Id)).toEqual([prod])
    expect(inProd.Accounts!.map((a) => a.Id)).toEqual([MEMBER])
    expect(atRoot.Accounts!.map((a) => a.Id)).toEqual([MANAGEMENT, PLAIN_MEMBER])
    expect(memberParents.Parents).toEqual([{ Id: prod, Type: 'ORGANIZATIONAL_UNIT' }])
    expect(prodParents.Parents).toEqual([{ Id: workloads.Id, Type: 'ORGANIZATIONAL_UNIT' }])
    expect(workloadsParents.Parents).toEqual([{ Id: ROOT_ID, Type: 'ROOT' }])
    expect(described.OrganizationalUnit).toEqual({
      Id: prod,
      Arn: `arn:aws:organizations::${MANAGEMENT}:ou/${ORG_ID}/${prod}`,
      Name: 'Prod',
    })
  })

  it('answers ChildNotFound, ParentNotFound and OrganizationalUnitNotFound for ids the organization does not have', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    const child = await refusal(client.send(new ListParentsCommand({ ChildId: OUTSIDER })))
    const parent = await refusal(
      client.send(new ListAccountsForParentCommand({ ParentId: 'ou-ab12-zzzzzzzz' })),
    )
    const ou = await refusal(
      client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-ab12-zzzzzzzz' })),
    )
    // Assess
    expect(child).toMatchObject({ name: 'ChildNotFoundException', status: 400 })
    expect(parent).toMatchObject({ name: 'ParentNotFoundException', status: 400 })
    expect(ou).toMatchObject({ name: 'OrganizationalUnitNotFoundException', status: 400 })
  })

  it('shows an account where it was moved, and no longer once it has left', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const org = sim.organization!
    const client = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    org.moveAccount(PLAIN_MEMBER, 'Workloads/Prod')
    const moved = await client.send(new ListParentsCommand({ ChildId: PLAIN_MEMBER }))
    org.removeAccount(PLAIN_MEMBER)
    const listed = await client.send(new ListAccountsCommand({}))
    const leaverCalls = await refusal(
      organizationsAs(sim, PLAIN_MEMBER_KEY).send(new DescribeOrganizationCommand({})),
    )
    // Assess
    expect(moved.Parents).toEqual([{ Id: org.ouAt('Workloads/Prod'), Type: 'ORGANIZATIONAL_UNIT' }])
    expect(listed.Accounts!.map((a) => a.Id)).not.toContain(PLAIN_MEMBER)
    expect(leaverCalls).toMatchObject({ name: 'AWSOrganizationsNotInUseException', status: 400 })
  })
})

describe('Organizations callers', () => {
  it('lets a delegated administrator read the organization as the management account does', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    // Act
    const asManagement = await organizationsAs(sim, MANAGEMENT_KEY).send(new ListAccountsCommand({}))
    const asDelegate = await organizationsAs(sim, world.scan).send(new ListAccountsCommand({}))
    // Assess
    expect(asDelegate.Accounts).toEqual(asManagement.Accounts)
  })

  it('refuses a plain member with AccessDeniedException', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    const client = organizationsAs(sim, PLAIN_MEMBER_KEY)
    // Act
    const list = await refusal(client.send(new ListAccountsCommand({})))
    const describe = await refusal(client.send(new DescribeAccountCommand({ AccountId: MEMBER })))
    // Assess
    expect(list).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: "You don't have permissions to access this resource.",
    })
    expect(describe).toMatchObject({ name: 'AccessDeniedException' })
  })

  it('answers AWSOrganizationsNotInUseException to an account in no organization', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    // Act
    const outsider = await refusal(organizationsAs(sim, OUTSIDER_KEY).send(new ListAccountsCommand({})))
    // Assess
    expect(outsider).toMatchObject({ name: 'AWSOrganizationsNotInUseException', status: 400 })
  })

  it('throttles with TooManyRequestsException, which the SDK retries until the call succeeds', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.faults.failNext = { ListAccounts: { times: 1, code: 'Throttling' } }
    const once = organizationsAs(sim, MANAGEMENT_KEY)
    // Act
    const throttled = await refusal(once.send(new ListAccountsCommand({})))
    sim.faults.failNext = { ListAccounts: { times: 2, code: 'Throttling' } }
    const retried = await organizationsAs(sim, MANAGEMENT_KEY, 3).send(new ListAccountsCommand({}))
    // Assess
    expect(throttled).toMatchObject({ name: 'TooManyRequestsException', status: 400 })
    expect(retried.Accounts).toHaveLength(4)
    expect(sim.requestCount('ListAccounts')).toBe(4)
  })

  it('answers an injected server fault as ServiceException with HTTP 500', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.faults.failActions = { DescribeOrganization: 'ServiceFailure' }
    // Act
    const failed = await refusal(
      organizationsAs(sim, MANAGEMENT_KEY).send(new DescribeOrganizationCommand({})),
    )
    // Assess
    expect(failed).toMatchObject({ name: 'ServiceException', status: 500 })
  })
})

describe('IAM ListOrganizationsFeatures', () => {
  it('answers the organization and its enabled root access features to the management account and IAM’s delegated administrator', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.organization!.setFeatures('RootCredentialsManagement', 'RootSessions')
    // Act
    const management = await iamAs(sim, MANAGEMENT_KEY).send(new ListOrganizationsFeaturesCommand({}))
    const delegate = await iamAs(sim, world.scan).send(new ListOrganizationsFeaturesCommand({}))
    // Assess
    for (const answer of [management, delegate]) {
      expect(answer.OrganizationId).toBe(ORG_ID)
      expect(answer.EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions'])
    }
  })

  it('refuses another member, even a delegated administrator of another service, and an account in no organization', async () => {
    // Prepare
    const world = await startOrganization()
    sim = world.sim
    sim.organization!.setDelegatedAdministrators('securityhub.amazonaws.com', [PLAIN_MEMBER])
    // Act
    const member = await refusal(iamAs(sim, PLAIN_MEMBER_KEY).send(new ListOrganizationsFeaturesCommand({})))
    const readsOrganizations = await organizationsAs(sim, PLAIN_MEMBER_KEY).send(new ListAccountsCommand({}))
    const outsider = await refusal(iamAs(sim, OUTSIDER_KEY).send(new ListOrganizationsFeaturesCommand({})))
    // Assess
    expect(member).toMatchObject({
      name: 'AccountNotManagementOrDelegatedAdministratorException',
      status: 400,
    })
    expect(readsOrganizations.Accounts).toHaveLength(4)
    expect(outsider).toMatchObject({ name: 'OrganizationNotFoundException', status: 400 })
  })
})
