import {
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations'
import { mapLimit } from '../engine/limit.ts'
import type { AccountStatus, OrgAccount, OrgDirectory } from '../organization/model.ts'
import { awsClient, type ClientOverrides, errorCode } from './clients.ts'

/** Organizations answers in us-east-1 (its endpoint is global); AWS_ENDPOINT_URL_ORGANIZATIONS still applies. */
export function organizationsClient(o: ClientOverrides = {}): OrganizationsClient {
  return awsClient(OrganizationsClient, 'Organizations', { region: 'us-east-1', ...o })
}

export interface Discovery {
  directory: OrgDirectory
  /** What could not be read (an OU's name): the accounts are complete, their paths may not be. */
  problems: string[]
}

const STATUSES = new Set<AccountStatus>(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'])

/**
 * Every account of the organization, with its name and OU path: DescribeOrganization, ListAccounts (every
 * page: the directory is complete only then, and only a complete one may say an account has left), then
 * each account's parents up to the root (ListParents, DescribeOrganizationalUnit, each OU read once),
 * `concurrency` at a time. Needs the management account or a delegated administrator.
 */
export async function discoverOrganization(
  client: OrganizationsClient,
  args: { centralAccountId: string; now: Date; concurrency?: number },
): Promise<Discovery> {
  const { Organization: org } = await client.send(new DescribeOrganizationCommand({}))
  const raw: Array<{
    Id?: string
    Name?: string
    Email?: string
    Status?: string
    State?: string
    JoinedTimestamp?: Date
  }> = []
  for await (const page of paginateListAccounts({ client }, {})) raw.push(...(page.Accounts ?? []))
  const problems: string[] = []
  const parentOf = new Map<string, Promise<string | undefined>>()
  const ouName = new Map<string, Promise<string | undefined>>()
  const parent = (childId: string) => {
    let p = parentOf.get(childId)
    if (!p) {
      p = client
        .send(new ListParentsCommand({ ChildId: childId }))
        .then((out) => out.Parents?.[0]?.Id)
        .catch((err) => {
          problems.push(`ListParents ${childId}: ${errorCode(err)}`)
          return undefined
        })
      parentOf.set(childId, p)
    }
    return p
  }
  const nameOf = (ouId: string) => {
    let p = ouName.get(ouId)
    if (!p) {
      p = client
        .send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ouId }))
        .then((out) => out.OrganizationalUnit?.Name)
        .catch((err) => {
          problems.push(`DescribeOrganizationalUnit ${ouId}: ${errorCode(err)}`)
          return undefined
        })
      ouName.set(ouId, p)
    }
    return p
  }
  const pathOf = async (accountId: string): Promise<{ ouPath: string; ouIds: string[] }> => {
    const ids: string[] = []
    const names: string[] = []
    let at: string | undefined = await parent(accountId)
    for (let depth = 0; at && depth < 10; depth++) {
      ids.unshift(at)
      if (at.startsWith('r-')) {
        names.unshift('Root')
        return { ouPath: names.join('/'), ouIds: ids }
      }
      const name = await nameOf(at)
      if (name === undefined) return { ouPath: '', ouIds: ids }
      names.unshift(name)
      at = await parent(at)
    }
    return { ouPath: '', ouIds: ids }
  }
  const valid = raw.filter((a) => a.Id && /^\d{12}$/.test(a.Id))
  const accounts = await mapLimit(valid, args.concurrency ?? 8, async (a): Promise<OrgAccount> => {
    const status = (a.State ?? a.Status ?? 'ACTIVE').toUpperCase() as AccountStatus
    const where = await pathOf(a.Id!)
    return {
      id: a.Id!,
      name: a.Name?.trim() || a.Id!,
      ...(a.Email ? { email: a.Email } : {}),
      status: STATUSES.has(status) ? status : 'ACTIVE',
      ouPath: where.ouPath,
      ...(where.ouIds.length ? { ouIds: where.ouIds } : {}),
      ...(a.JoinedTimestamp ? { joinedAt: a.JoinedTimestamp.toISOString() } : {}),
    }
  })
  return {
    directory: {
      ...(org?.Id ? { organizationId: org.Id } : {}),
      ...(org?.MasterAccountId ? { managementAccountId: org.MasterAccountId } : {}),
      centralAccountId: args.centralAccountId,
      accounts: accounts.sort((x, y) => x.id.localeCompare(y.id)),
      source: 'organizations',
      complete: true,
      asOf: args.now.toISOString(),
    },
    problems,
  }
}

/** A configured account list stands in for discovery (no Organizations access): complete by definition. */
export function configuredDirectory(
  accounts: ReadonlyArray<{ id: string; name?: string; ouPath?: string }>,
  centralAccountId: string,
  now: Date,
): OrgDirectory {
  return {
    centralAccountId,
    accounts: accounts.map((a) => ({
      id: a.id,
      name: a.name ?? a.id,
      status: 'ACTIVE',
      ouPath: a.ouPath ?? '',
    })),
    source: 'configured',
    complete: true,
    asOf: now.toISOString(),
  }
}
