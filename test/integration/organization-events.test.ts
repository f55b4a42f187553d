import { IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { handleCloudTrail } from '../../shared/app/cloudtrail-events.ts'
import { LoadedDirectory } from '../../shared/app/directory.ts'
import { silentLog } from '../../shared/app/log.ts'
import { dispatchOrganization } from '../../shared/app/organization-scan.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { DynamoCounters } from '../../shared/aws/counters.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { buildAlert } from '../../shared/notify/message.ts'
import {
  credentialsOf,
  MEMBER,
  MEMBER_KEY,
  type OrgWorld,
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

const OPEN_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
}
const OWN_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'sts:AssumeRole' },
  ],
}

/** The organization with a `deploy` role in the member, dispatched once, and the event handler's deps. */
async function start() {
  world = await startOrganization({}, { member: (b) => b.role('deploy', OWN_TRUST) })
  forwardEvents(world.sim, MEMBER, SECURITY)
  const { store, tableName } = await newStore()
  const clients = centralClients(world.sim, world.scan, SECURITY)
  const config = parseConfig({ organization: {} })
  await dispatchOrganization({
    centralAccountId: SECURITY,
    central: clients.central,
    sts: clients.sts,
    sessions: clients.sessions,
    organizations: clients.organizations,
    store,
    config,
    region: 'us-east-1',
    log: silentLog,
    forwardRegions: ['us-east-1'],
    parts: ['credentials'],
  })
  const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
  const deps = {
    store,
    counters: new DynamoCounters(db, tableName),
    config,
    region: 'us-east-1',
    log: silentLog,
    accountId: SECURITY,
    iam: clients.central.iam,
    directory: new LoadedDirectory(store.records),
    members: clients.sessions,
  }
  return { store, deps, sim: world.sim }
}

describe('an event from a member account', () => {
  it("alerts with the account's name, and re-evaluates the touched role through the reader role", async () => {
    // Prepare: the member's own admin opens the deploy role to everyone (a record in the member's trail).
    const { deps, store, sim } = await start()
    const memberIam = new IAMClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: credentialsOf(MEMBER_KEY),
    })
    await memberIam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'deploy', PolicyDocument: JSON.stringify(OPEN_TRUST) }),
    )
    await sim.cloudTrail.idle()
    const record = sim.cloudTrail.records.at(-1)!
    expect(record).toMatchObject({ eventName: 'UpdateAssumeRolePolicy', recipientAccountId: MEMBER })
    // Act
    const summary = await handleCloudTrail({ Records: [record] }, deps)
    // Assess: the detection is the member's, with its name; the posture check ran on the member's data.
    const fired = summary.fired.find((f) => f.detectionId === 'trust-policy-changed')!
    const detection = (await store.getFinding(fired.findingId))!
    expect(detection).toMatchObject({ accountId: MEMBER, accountName: 'Prod A' })
    expect(summary.reevaluated).toContain('role/deploy')
    const posture = (await store.listFindings({ accountId: MEMBER })).filter(
      (f) => f.checkId === 'role-trust-wildcard',
    )
    expect(posture.map((f) => [f.resourceId, f.status, f.accountName])).toEqual([
      ['role/deploy', 'OPEN', 'Prod A'],
    ])
    // The alert names the account and its OU, in the text and the attributes subscriptions filter on.
    const [entry] = await store.history(fired.findingId)
    const alert = buildAlert(entry!, { name: 'Prod A', ouPath: 'Root/Workloads/Prod' })
    expect(alert.text).toContain(`Account:     ${MEMBER} (Prod A)`)
    expect(alert.attributes).toMatchObject({
      accountId: MEMBER,
      accountName: 'Prod A',
      ouPath: 'Root/Workloads/Prod',
    })
  })

  it("assumes no reader role for a member's event that re-runs no check, such as the scans' own AssumeRole", async () => {
    // Prepare: the dispatch's AssumeRole of the member's reader role, as the member's trail recorded it.
    const { deps, sim } = await start()
    await sim.cloudTrail.idle()
    const assumed = sim.cloudTrail.records.filter(
      (r) => r.eventName === 'AssumeRole' && r.recipientAccountId === MEMBER && !r.errorCode,
    )
    expect(assumed.length).toBeGreaterThan(0)
    const before = sim.requestCount('AssumeRole')
    // Act: a cold handler (no session of the dispatch's to reuse).
    const cold = { ...deps, members: centralClients(sim, world!.scan, SECURITY).sessions }
    const summary = await handleCloudTrail({ Records: assumed }, cold)
    // Assess: no AssumeRole of its own, so no record that would come back the same way.
    expect(summary.processed).toBe(assumed.length)
    expect(sim.requestCount('AssumeRole')).toBe(before)
  })

  it("still alerts, but leaves posture to the next scan, when the member's reader role is denied", async () => {
    const { deps, store, sim } = await start()
    sim.accounts.get(MEMBER)!.roles.delete('iamwatch-reader')
    const { members: _m, ...rest } = deps
    const fresh = { ...rest, members: centralClients(sim, world!.scan, SECURITY).sessions }
    const memberIam = new IAMClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: credentialsOf(MEMBER_KEY),
    })
    await memberIam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'deploy', PolicyDocument: JSON.stringify(OPEN_TRUST) }),
    )
    await sim.cloudTrail.idle()
    const summary = await handleCloudTrail({ Records: [sim.cloudTrail.records.at(-1)!] }, fresh)
    expect(summary.fired.map((f) => f.detectionId)).toContain('trust-policy-changed')
    expect(summary.reevaluated).toEqual([])
    expect(
      (await store.listFindings({ accountId: MEMBER })).filter((f) => f.checkId === 'role-trust-wildcard'),
    ).toEqual([])
  })
})
