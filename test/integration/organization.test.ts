import { afterEach, describe, expect, it } from 'vitest'
import { silentLog } from '../../shared/app/log.ts'
import type { OrganizationDeps } from '../../shared/app/organization.ts'
import { handleAccountScans } from '../../shared/app/organization-handlers.ts'
import { dispatchOrganization, scanAccount, scanOrganization } from '../../shared/app/organization-scan.ts'
import { runScan } from '../../shared/app/scan.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { parseConfig } from '../../shared/config/config.ts'
import type { Finding } from '../../shared/model/finding.ts'
import {
  MANAGEMENT,
  MEMBER,
  ORG_ID,
  type OrgWorld,
  PLAIN_MEMBER,
  SECURITY,
  startOrganization,
} from '../simulator/organization.ts'
import { newStore } from '../support/harness.ts'
import { centralClients, forwardEvents } from '../support/organization.ts'

let world: OrgWorld | undefined
afterEach(async () => {
  await world?.sim.stop()
  world = undefined
})

/** The organization of test/simulator/organization.ts, with the member's forwarding in place, and a findings table. */
async function start(options: { forward?: boolean } = {}) {
  world = await startOrganization()
  if (options.forward ?? true) forwardEvents(world.sim, MEMBER, SECURITY)
  const { store } = await newStore()
  const clients = centralClients(world.sim, world.scan, SECURITY)
  const deps: OrganizationDeps = {
    centralAccountId: SECURITY,
    central: clients.central,
    sts: clients.sts,
    sessions: clients.sessions,
    organizations: clients.organizations,
    store,
    config: parseConfig({ organization: {} }),
    region: 'us-east-1',
    log: silentLog,
    forwardRegions: ['us-east-1'],
  }
  return { store, deps, sim: world.sim }
}

const open = async (store: FindingsStore, accountId?: string) =>
  (await store.listFindings({ ...(accountId ? { accountId } : {}) })).filter((f) => f.status === 'OPEN')
const ids = (fs: Finding[], checkId: string) =>
  fs
    .filter((f) => f.checkId === checkId)
    .map((f) => f.resourceId)
    .sort()

describe('an organization dispatch', () => {
  it('names every account and its OU path, and asks for a scan of each member whose reader role answers', async () => {
    // Prepare
    const { deps } = await start()
    // Act
    const result = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    // Assess
    expect(result.directory.organizationId).toBe(ORG_ID)
    expect(result.directory.accounts.map((a) => [a.id, a.name, a.ouPath])).toEqual([
      [MANAGEMENT, expect.any(String), 'Root'],
      [SECURITY, 'Security', 'Root/Security'],
      [MEMBER, 'Prod A', 'Root/Workloads/Prod'],
      [PLAIN_MEMBER, 'Sandbox', 'Root'],
    ])
    expect(result.requests.map((r) => [r.accountId, r.accountName, r.ouPath, r.parts])).toEqual([
      [MEMBER, 'Prod A', 'Root/Workloads/Prod', ['credentials']],
    ])
  })

  it('reports the accounts whose reader role is missing as not monitored, in their own account', async () => {
    const { deps, store } = await start()
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const findings = await open(store)
    expect(ids(findings, 'member-account-not-monitored')).toEqual([MANAGEMENT, PLAIN_MEMBER])
    const sandbox = findings.find(
      (f) => f.checkId === 'member-account-not-monitored' && f.resourceId === PLAIN_MEMBER,
    )!
    expect(sandbox.accountId).toBe(PLAIN_MEMBER)
    expect(sandbox.accountName).toBe('Sandbox')
    expect(sandbox.evidence).toMatchObject({ readerRole: 'cannot be assumed' })
  })

  it('reports a member whose events are not forwarded as not monitored, and passes it once they are', async () => {
    const { deps, store, sim } = await start({ forward: false })
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    expect(ids(await open(store), 'member-account-not-monitored')).toContain(MEMBER)
    forwardEvents(sim, MEMBER, SECURITY)
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    expect(ids(await open(store), 'member-account-not-monitored')).not.toContain(MEMBER)
  })

  it('fails the organization while root sessions are not centralized', async () => {
    const { deps, store } = await start()
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const org = (await open(store, MANAGEMENT)).filter(
      (f) => f.checkId === 'org-root-credentials-not-centralized',
    )
    expect(org.map((f) => [f.resourceType, f.resourceId])).toEqual([['AwsOrganization', ORG_ID]])
    expect(org[0]!.evidence).toMatchObject({ featuresMissing: ['RootSessions'] })
  })

  it('leaves an account as it is when its reader role is throttled, and marks the run degraded', async () => {
    const { deps, store, sim } = await start()
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const before = await open(store)
    sim.faults.failActions = { AssumeRole: 'Throttling' }
    const { sessions: _s, ...fresh } = deps
    const result = await dispatchOrganization({
      ...fresh,
      sessions: centralClients(sim, world!.scan, SECURITY).sessions,
      parts: ['credentials'],
    })
    expect(result.organization.status).toBe('degraded')
    expect(result.requests).toEqual([])
    expect((await open(store)).map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort())
  })
})

describe('an OU path that cannot be read', () => {
  it('keeps the one last discovered, and degrades the dispatch', async () => {
    // Prepare
    const { deps, sim } = await start()
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    sim.faults.failActions = { ListParents: 'TooManyRequestsException' }
    // Act
    const result = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    // Assess
    expect(result.problems.length).toBeGreaterThan(0)
    expect(result.organization.status).toBe('degraded')
    expect(result.directory.accounts.find((a) => a.id === MEMBER)?.ouPath).toBe('Root/Workloads/Prod')
  })
})

describe('a member account scan', () => {
  it("records the member's findings in its account, with its name, through its reader role", async () => {
    const { deps, store } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const summary = await scanAccount(deps, requests[0]!)
    expect(summary.accountId).toBe(MEMBER)
    const mine = await open(store, MEMBER)
    expect(ids(mine, 'user-no-mfa')).toEqual(['user/admin', 'user/alice', 'user/bob'])
    expect(new Set(mine.map((f) => f.accountName))).toEqual(new Set(['Prod A']))
  })

  it("trusts the organization's accounts: the reader role, trusting the central account, is no external-account finding", async () => {
    const { deps, store } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['authorization'] })
    const summary = await scanAccount(deps, requests[0]!)
    expect(
      summary.outcomes
        .filter((o) => o.checkId === 'role-trust-external-account')
        .map((o) => [o.resource.id, o.status]),
    ).toEqual([['role/iamwatch-reader', 'pass']])
    expect(ids(await open(store, MEMBER), 'role-trust-external-account')).toEqual([])
  })

  it('takes queue messages one account each: a malformed one is dropped, a denied reader role too, a failure comes back', async () => {
    const { deps, sim } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const message = (id: string, body: unknown) => ({ messageId: id, body: JSON.stringify(body) })
    const denied = { ...requests[0]!, accountId: PLAIN_MEMBER, accountName: 'Sandbox' }
    sim.faults.failNext = { GetCredentialReport: { times: 10, code: 'ServiceFailure' } }
    const batch = await handleAccountScans(
      {
        Records: [message('bad', { accountId: 'x' }), message('denied', denied), message('ok', requests[0])],
      },
      { ...deps, report: { pollIntervalMs: 10 } },
    )
    expect(batch.rejected).toBe(1)
    expect(batch.denied).toBe(1)
    // The credential report kept failing: the member's scan ran degraded (recorded), or failed and comes back.
    expect(batch.scanned + batch.failed).toBe(1)
  })
})

describe('an account that left the organization', () => {
  it('has its open findings resolved as account-gone once a complete discovery no longer lists it', async () => {
    // Prepare
    const { deps, store, sim } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    await scanAccount(deps, requests[0]!)
    expect((await open(store, MEMBER)).length).toBeGreaterThan(0)
    // Act
    sim.organization!.removeAccount(MEMBER)
    const result = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    // Assess
    expect(result.goneAccounts).toEqual([MEMBER])
    expect(await open(store, MEMBER)).toEqual([])
    const resolved = (await store.listFindings({ accountId: MEMBER })).map((f) => f.resolution)
    expect(new Set(resolved)).toEqual(new Set(['account-gone']))
  })

  it('is not scanned by a request queued before it left, so nothing account-gone resolved reopens', async () => {
    // Prepare: a request is queued, then the account leaves and a dispatch resolves its findings.
    const { deps, store, sim } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    await scanAccount(deps, requests[0]!)
    sim.organization!.removeAccount(MEMBER)
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    // Act: the old request arrives late.
    const batch = await handleAccountScans(
      { Records: [{ messageId: 'late', body: JSON.stringify(requests[0]) }] },
      { ...deps, report: { pollIntervalMs: 10 } },
    )
    // Assess
    expect(batch).toMatchObject({ scanned: 0, denied: 1, failed: 0 })
    expect(await open(store, MEMBER)).toEqual([])
  })

  it('is resolved again by the next dispatch when a scan already running when it left reopened a finding', async () => {
    // Prepare: the account leaves and its findings resolve; a scan that had started before writes late.
    const { deps, store, sim } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    await scanAccount(deps, requests[0]!)
    sim.organization!.removeAccount(MEMBER)
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    const member = deps.sessions!.clientsFor(MEMBER)
    await runScan({
      ...deps,
      iam: member.iam,
      accountId: MEMBER,
      parts: ['credentials'],
      report: { pollIntervalMs: 10 },
    })
    expect((await open(store, MEMBER)).length).toBeGreaterThan(0)
    // Act
    const again = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    // Assess: still departed (not newly gone), and nothing of it is open.
    expect(again.goneAccounts).toEqual([])
    expect(again.directory.departed?.map((d) => d.id)).toEqual([MEMBER])
    expect(await open(store, MEMBER)).toEqual([])
  })

  it('is no longer departed once it joins again, and is scanned as before', async () => {
    const { deps, sim } = await start()
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    sim.organization!.removeAccount(MEMBER)
    await dispatchOrganization({ ...deps, parts: ['credentials'] })
    sim.organization!.addAccount({ id: MEMBER, name: 'Prod A', parent: 'Workloads/Prod' })
    const back = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    expect(back.directory.departed).toBeUndefined()
    expect(back.requests.map((r) => r.accountId)).toEqual([MEMBER])
  })

  it('keeps its findings open when only its reader role stopped answering', async () => {
    const { deps, store, sim } = await start()
    const { requests } = await dispatchOrganization({ ...deps, parts: ['credentials'] })
    await scanAccount(deps, requests[0]!)
    const before = (await open(store, MEMBER)).length
    sim.accounts.get(MEMBER)!.roles.delete('iamwatch-reader')
    const { sessions: _s, ...fresh } = deps
    await dispatchOrganization({
      ...fresh,
      sessions: centralClients(sim, world!.scan, SECURITY).sessions,
      parts: ['credentials'],
    })
    const after = await open(store, MEMBER)
    expect(after.filter((f) => f.checkId !== 'member-account-not-monitored')).toHaveLength(before)
    expect(ids(after, 'member-account-not-monitored')).toEqual([MEMBER])
  })
})

describe('an organization scan in one process', () => {
  it('scans the central account and every member with a reader role', async () => {
    const { deps, store } = await start()
    const result = await scanOrganization({ ...deps, parts: ['credentials'], report: { pollIntervalMs: 10 } })
    expect(result.scans.map((s) => [s.request.accountId, s.summary?.status ?? s.error])).toEqual([
      [SECURITY, 'complete'],
      [MEMBER, 'complete'],
    ])
    expect(ids(await open(store, MEMBER), 'user-no-mfa')).toEqual(['user/admin', 'user/alice', 'user/bob'])
  })
})
