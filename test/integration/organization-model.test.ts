import { CreateUserCommand, DeleteUserCommand, IAMClient } from '@aws-sdk/client-iam'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { silentLog } from '../../shared/app/log.ts'
import type { OrganizationDeps } from '../../shared/app/organization.ts'
import { dispatchOrganization, scanAccount } from '../../shared/app/organization-scan.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { credentialsOf, MEMBER, MEMBER_KEY, SECURITY, startOrganization } from '../simulator/organization.ts'
import { newStore } from '../support/harness.ts'
import { centralClients, forwardEvents } from '../support/organization.ts'

/**
 * An organization's member account living its life (it leaves and joins again, its reader role is removed
 * and put back, STS throttles, discovery fails, users come and go), with scheduled dispatches and scans in
 * between, against the ground truth of what is in the organization and the account.
 */
type Step =
  | { kind: 'leave' | 'join' | 'dropReader' | 'restoreReader' | 'throttle' | 'failDiscovery' | 'cycle' }
  | { kind: 'addUser' | 'removeUser'; user: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'cycle' as const }) },
  ...(['leave', 'join', 'dropReader', 'restoreReader', 'throttle', 'failDiscovery'] as const).map((kind) => ({
    weight: 1,
    arbitrary: fc.constant({ kind }),
  })),
  ...(['addUser', 'removeUser'] as const).map((kind) => ({
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant(kind), user: fc.integer({ min: 0, max: 2 }) }),
  })),
)

describe('an organization member account over time, against the ground truth', () => {
  it('resolves as account-gone only after a complete discovery without it, and changes nothing on a denied or throttled reader role', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 12 }), async (steps) => {
        // Prepare
        // The credential report is regenerated on each scan (IAM keeps one up to 4 hours): the truth is always current.
        const world = await startOrganization({ reportDelayMs: 5, reportTtlMs: 0 })
        try {
          const { sim } = world
          forwardEvents(sim, MEMBER, SECURITY)
          const { store } = await newStore()
          const memberIam = new IAMClient({
            endpoint: sim.endpoint,
            region: 'us-east-1',
            maxAttempts: 1,
            credentials: credentialsOf(MEMBER_KEY),
          })
          const reader = sim.accounts.get(MEMBER)!.roles.get('iamwatch-reader')!
          const truth = { inOrg: true, reader: true, users: new Set(['admin', 'alice', 'bob']) }
          const absentAt = new Set<string>()
          let throttle = false
          let failDiscovery = false
          const deps = (): OrganizationDeps => {
            const c = centralClients(sim, world.scan, SECURITY)
            return {
              centralAccountId: SECURITY,
              central: c.central,
              sts: c.sts,
              sessions: c.sessions,
              organizations: c.organizations,
              store,
              config: parseConfig({ organization: {} }),
              region: 'us-east-1',
              log: silentLog,
              forwardRegions: ['us-east-1'],
            }
          }
          const notMonitored = async () =>
            (await store.listFindings({ accountId: MEMBER })).some(
              (f) => f.checkId === 'member-account-not-monitored' && f.status === 'OPEN',
            )
          const openOf = async () =>
            (await store.listFindings({ accountId: MEMBER })).filter(
              (f) => f.status === 'OPEN' && f.checkId !== 'member-account-not-monitored',
            )
          for (const s of steps) {
            // Act
            switch (s.kind) {
              case 'leave':
                if (truth.inOrg) sim.organization!.removeAccount(MEMBER)
                truth.inOrg = false
                break
              case 'join':
                if (!truth.inOrg)
                  sim.organization!.addAccount({ id: MEMBER, name: 'Prod A', parent: 'Workloads/Prod' })
                truth.inOrg = true
                break
              case 'dropReader':
                sim.accounts.get(MEMBER)!.roles.delete('iamwatch-reader')
                truth.reader = false
                break
              case 'restoreReader':
                sim.accounts.get(MEMBER)!.roles.set('iamwatch-reader', reader)
                truth.reader = true
                break
              case 'throttle':
                throttle = true
                break
              case 'failDiscovery':
                failDiscovery = true
                break
              case 'addUser': {
                const name = `u${s.user}`
                if (!truth.users.has(name)) await memberIam.send(new CreateUserCommand({ UserName: name }))
                truth.users.add(name)
                break
              }
              case 'removeUser': {
                const name = `u${s.user}`
                if (truth.users.has(name)) await memberIam.send(new DeleteUserCommand({ UserName: name }))
                truth.users.delete(name)
                break
              }
              case 'cycle': {
                const before = (await openOf()).map((f) => f.id).sort()
                const monitoredBefore = await notMonitored()
                sim.faults.failNext = {
                  ...(throttle ? { AssumeRole: { times: 10, code: 'Throttling' } } : {}),
                  ...(failDiscovery ? { ListAccounts: { times: 10, code: 'TooManyRequestsException' } } : {}),
                }
                const d = deps()
                const dispatched = await dispatchOrganization({ ...d, parts: ['credentials'] }).catch(
                  () => undefined,
                )
                // Assess: a failed discovery changes nothing at all.
                if (!dispatched) {
                  expect(failDiscovery).toBe(true)
                  expect((await openOf()).map((f) => f.id).sort()).toEqual(before)
                } else {
                  if (!truth.inOrg) absentAt.add(dispatched.dispatchId)
                  for (const r of dispatched.requests)
                    await scanAccount({ ...d, report: { pollIntervalMs: 5 } }, r).catch(() => undefined)
                  const open = await openOf()
                  if (!truth.inOrg) expect(open).toEqual([])
                  else if (!truth.reader || throttle) expect(open.map((f) => f.id).sort()).toEqual(before)
                  else
                    expect(
                      open
                        .filter((f) => f.checkId === 'user-no-mfa')
                        .map((f) => f.resourceId)
                        .sort(),
                    ).toEqual([...truth.users].map((u) => `user/${u}`).sort())
                  // Not monitored exactly while the reader role is gone; a throttled AssumeRole proves nothing.
                  if (truth.inOrg && !throttle) expect(await notMonitored()).toBe(!truth.reader)
                  if (truth.inOrg && throttle) expect(await notMonitored()).toBe(monitoredBefore)
                }
                sim.faults.failNext = {}
                throttle = false
                failDiscovery = false
                break
              }
            }
          }
          // Assess: every account-gone resolution was made by a dispatch that found the account absent.
          for (const f of await store.listFindings({ accountId: MEMBER }))
            for (const entry of await store.history(f.id))
              if (entry.resolution === 'account-gone' && entry.transition === 'RESOLVED')
                expect(absentAt.has(entry.scanId)).toBe(true)
        } finally {
          await world.sim.stop()
        }
      }),
      { numRuns: 12 },
    )
  }, 180_000)
})
