import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { runScan } from '../../shared/app/scan.ts'
import { iam, roleSession } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const account = () =>
  new AccountBuilder(ACCOUNT)
    .group('admins', (g) => g.attach('AdministratorAccess'))
    .group('readers', (g) => g.attach('ReadOnlyAccess'))
    .group('escalators', (g) =>
      g.inline('self-service', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: '*' }],
      }),
    )
    .user('mallory', (u) => u.mfa())
    .build()

const addToGroup = (group: string) =>
  iam('AddUserToGroup', {
    userIdentity: roleSession,
    requestParameters: { groupName: group, userName: 'mallory' },
  })

describe('admin-group-membership, judged on the posture of the last authorization scan', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('is high for an admin-capable group, silent for a known harmless one, medium for one the scan never saw', async () => {
    // Prepare
    h = await startHarness(account())
    await runScan({ ...h.scanDeps, parts: ['authorization'] })
    // Act
    const severities = []
    for (const group of ['admins', 'escalators', 'readers', 'created-after-the-scan']) {
      const summary = await h.event(addToGroup(group))
      severities.push(summary.fired.find((f) => f.detectionId === 'admin-group-membership')?.severity ?? null)
    }
    // Assess
    expect(severities).toEqual(['high', 'high', null, 'medium'])
  })

  it('is medium for every group before any authorization scan (nothing known)', async () => {
    // Prepare
    h = await startHarness(account())
    // Act
    const summary = await h.event(addToGroup('admins'))
    // Assess
    expect(summary.fired.find((f) => f.detectionId === 'admin-group-membership')?.severity).toBe('medium')
  })

  it('stores the groups of a complete authorization read, and an older scan never replaces a newer record', async () => {
    // Prepare
    h = await startHarness(account())
    await runScan({ ...h.scanDeps, parts: ['authorization'] })
    const stored = await h.store.records.groupPosture(ACCOUNT)
    // Act
    await h.store.records.putGroupPosture({
      accountId: ACCOUNT,
      asOf: '2020-01-01T00:00:00.000Z',
      groups: {},
    })
    // Assess
    expect(stored?.groups).toEqual({ admins: true, escalators: true, readers: false })
    expect(await h.store.records.groupPosture(ACCOUNT)).toEqual(stored)
  })
})
