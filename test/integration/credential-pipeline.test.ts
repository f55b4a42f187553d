import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { GENESIS_HASH } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'
import { type Harness, startHarness } from '../support/harness.ts'

function riskyAccount() {
  return new AccountBuilder('111122223333')
    .root((r) => r.mfa('none').accessKey({ ageDays: 400, lastUsedDaysAgo: 200, id: 'AKIAROOTKEY000000001' }))
    .passwordPolicy({ minimumPasswordLength: 8 })
    .user('alice', (u) =>
      u
        .console({ lastUsedDaysAgo: 2 })
        .accessKey({ ageDays: 200, lastUsedDaysAgo: 1, id: 'AKIAALICEOLD00000001' }),
    )
    .user('bob', (u) => u.console({ lastUsedDaysAgo: 1 }).mfa('hardware'))
    .build()
}

describe('credential scan end to end', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('opens findings and delivers one alert per transition to a subscribed queue', async () => {
    // Prepare
    h = await startHarness(riskyAccount())
    // Act
    const summary = await h.scan()
    const alerts = await h.alerts()
    // Assess
    expect(summary.status).toBe('complete')
    const open = await h.store.listFindings({ status: 'OPEN' })
    const ids = open.map((f) => `${f.checkId}:${f.resourceId}:${f.credentialId ?? ''}`).sort()
    expect(ids).toContain('root-access-key:root:access_key_1')
    expect(ids).toContain('root-mfa:root:')
    expect(ids).toContain('console-user-no-mfa:user/alice:')
    expect(ids).toContain('access-key-rotation:user/alice:AKIAALICEOLD00000001')
    expect(ids).not.toContain('console-user-no-mfa:bob:')
    expect(alerts).toHaveLength(open.length)
    const rootKey = alerts.find((a) => a.attributes.checkId === 'root-access-key')!
    expect(rootKey.attributes).toMatchObject({
      severity: 'critical',
      transition: 'OPENED',
      accountId: '111122223333',
    })
    // The credential is part of the subject, whole; the title gives way to it.
    expect(rootKey.subject).toMatch(
      /^\[iamwatch\] CRITICAL OPENED: The root account has an active.* - root, access_key_1 \(111122223333\)$/,
    )
    expect(rootKey.message).toContain('What to do:')
    expect(rootKey.detail).toMatchObject({
      checkId: 'root-access-key',
      credentialId: 'access_key_1',
      status: 'OPEN',
    })
  })

  it('writes no finding items and sends no alert when nothing changed', async () => {
    // Prepare
    h = await startHarness(riskyAccount())
    await h.scan()
    await h.alerts()
    const writesBefore = h.store.writes.transitions
    h.sim.account.expireReport()
    // Act
    const summary = (await h.scan()) as { counts: Record<string, number> }
    const alerts = await h.alerts()
    // Assess
    expect(h.store.writes.transitions).toBe(writesBefore)
    expect([summary.counts.opened, summary.counts.resolved, summary.counts.reopened]).toEqual([0, 0, 0])
    expect(summary.counts.unchanged).toBeGreaterThan(0)
    expect(alerts).toEqual([])
  })

  it('resolves fixed findings, alerts RESOLVED once, and keeps a verifiable history', async () => {
    // Prepare
    h = await startHarness(riskyAccount())
    await h.scan()
    await h.alerts()
    const account = h.sim.account
    account.root.accessKeys = []
    account.getUser('alice')!.mfaDevices.push({
      kind: 'virtual',
      serialNumber: 'arn:aws:iam::111122223333:mfa/alice',
      enableDate: new Date(),
    })
    account.expireReport()
    // Act
    await h.scan()
    const alerts = await h.alerts()
    // Assess
    const resolved = alerts
      .filter((a) => a.attributes.transition === 'RESOLVED')
      .map((a) => a.attributes.checkId)
      .sort()
    expect(resolved).toEqual(['console-user-no-mfa', 'root-access-key', 'user-no-mfa'])
    const rootKey = (await h.store.listFindings({ checkId: 'root-access-key' }))[0]!
    expect(rootKey).toMatchObject({ status: 'RESOLVED', resolution: 'credential-gone', seq: 2 })
    const history = await h.store.history(rootKey.id)
    expect(history.map((e) => e.transition)).toEqual(['OPENED', 'RESOLVED'])
    expect(verifyChain(history, GENESIS_HASH, rootKey)).toEqual({ ok: true })
  })
})
