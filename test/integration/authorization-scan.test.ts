import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { runScan } from '../../shared/app/scan.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const trust = (principal: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
})

describe('the authorization part of a scan, end to end', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('opens least-privilege findings with alerts, and resolves them when fixed', async () => {
    // Prepare
    h = await startHarness(
      new AccountBuilder('123456789012')
        .user('alice', (u) => u.mfa().policies((p) => p.attach('AdministratorAccess')))
        .role('open', trust('*'))
        .role('support', trust({ AWS: '123456789012' }), (r) => r.attach('AWSSupportAccess'))
        .build(),
    )
    const deps = { ...h.scanDeps, parts: ['credentials', 'authorization'] as const }
    // Act
    const first = await runScan(deps)
    const opened = (await h.alerts()).map(
      (a) => `${a.attributes.checkId}:${a.detail.resource && (a.detail.resource as { id: string }).id}`,
    )
    // Assess
    expect(first.status).toBe('complete')
    expect(opened).toEqual(
      expect.arrayContaining([
        'admin-policy:arn:aws:iam::aws:policy/AdministratorAccess',
        'admin-managed-policy-attached:user/alice',
        'user-direct-policy:user/alice',
        'role-trust-wildcard:role/open',
      ]),
    )
    // Act: the role is closed and alice's policy detached.
    h.sim.account.roles.get('open')!.trustPolicy = JSON.stringify(trust({ AWS: '123456789012' }))
    h.sim.account.getUser('alice')!.policies!.attached = []
    h.sim.account.expireReport()
    await runScan(deps)
    const resolved = (await h.alerts())
      .filter((a) => a.attributes.transition === 'RESOLVED')
      .map((a) => a.attributes.checkId)
      .sort()
    // Assess
    expect(resolved).toEqual([
      'admin-managed-policy-attached',
      'admin-policy',
      'role-trust-wildcard',
      'user-direct-policy',
    ])
  })

  it('leaves only what it could not read as it is, and resolves everything it read completely', async () => {
    // Prepare: a credential finding and an authorization finding, both open.
    h = await startHarness(
      new AccountBuilder('123456789012')
        .user('bob', (u) =>
          u
            .console({ lastUsedDaysAgo: 1 })
            .policies((p) =>
              p.inline('mine', { Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } }),
            ),
        )
        .build(),
    )
    const deps = { ...h.scanDeps, parts: ['credentials', 'authorization'] as const }
    await runScan(deps)
    await h.alerts()
    // Act: both get fixed, but another user's inline policy cannot be read.
    const bob = h.sim.account.getUser('bob')!
    bob.mfaDevices.push({ kind: 'hardware', serialNumber: 'GAHT-BOB', enableDate: new Date() })
    bob.policies!.inline.clear()
    h.sim.account.users.set('mallory', {
      ...bob,
      name: 'mallory',
      userId: 'AIDAMALLORY',
      mfaDevices: [...bob.mfaDevices],
      accessKeys: [],
      policies: { attached: [], inline: new Map([['bad', '{"Statement": [']]) },
    })
    h.sim.account.expireReport()
    const second = await runScan(deps)
    const resolved = (await h.alerts())
      .filter((a) => a.attributes.transition === 'RESOLVED')
      .map((a) => a.attributes.checkId)
      .sort()
    // Assess
    expect(second.status).toBe('degraded')
    expect(second.incomplete).toEqual(['could not evaluate user/mallory: bad: not a JSON object'])
    expect(second.notEvaluated).toContain(
      'privilege-escalation on user/mallory: authorization: bad: not a JSON object',
    )
    // bob's data was whole: his fixed findings resolve; mallory's failure opens, her passes are unknown.
    expect(resolved).toEqual(['console-user-no-mfa', 'user-direct-policy', 'user-no-mfa'])
    const open = await h.store.listFindings({ checkId: 'user-direct-policy', status: 'OPEN' })
    expect(open.map((f) => f.resourceId).sort()).toEqual(['user/mallory'])
  })

  it('resolves nothing when a page of authorization details fails after retries', async () => {
    // Prepare: an open finding on page 1; 1,200 quiet roles make a second page.
    const pinned = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        },
      ],
    }
    const b = new AccountBuilder('123456789012').role('open', trust('*'))
    for (let i = 0; i < 1200; i++) b.role(`svc-${i}`, pinned)
    h = await startHarness(b.build())
    const deps = { ...h.scanDeps, parts: ['authorization'] as const }
    await runScan(deps)
    await h.alerts()
    // Act: the role is fixed, but from now on every continuation page fails (the SDK retries, then gives up).
    h.sim.account.roles.get('open')!.trustPolicy = JSON.stringify(trust({ AWS: '123456789012' }))
    const send = h.scanDeps.iam.send.bind(h.scanDeps.iam) as (...a: unknown[]) => Promise<unknown>
    h.scanDeps.iam.send = ((
      command: { constructor: { name: string }; input?: { Marker?: string } },
      ...rest: unknown[]
    ) => {
      if (command.constructor.name === 'GetAccountAuthorizationDetailsCommand' && command.input?.Marker) {
        h.sim.faults.failActions = { GetAccountAuthorizationDetails: 'ServiceFailure' }
      }
      return send(command, ...rest)
    }) as typeof h.scanDeps.iam.send
    h.sim.resetCounters()
    const second = await runScan(deps)
    // Assess
    expect(h.sim.requestCount('GetAccountAuthorizationDetails')).toBeGreaterThan(2) // page 1, then retries of page 2
    expect(second.status).toBe('degraded')
    expect(second.incomplete[0]).toMatch(/^GetAccountAuthorizationDetails failed: ServiceFailure/)
    expect((await h.alerts()).filter((a) => a.attributes.transition === 'RESOLVED')).toEqual([])
    expect((await h.store.listFindings({ checkId: 'role-trust-wildcard' }))[0]?.status).toBe('OPEN')
  })
})
