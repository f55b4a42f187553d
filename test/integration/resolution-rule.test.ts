import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { pipelineContext, runScan } from '../../shared/app/scan.ts'
import { evaluate } from '../../shared/engine/pipeline.ts'
import { event, iam } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

/**
 * The resolution rule, reproduced as the review found it broken: a finding changes status only through
 * an evaluation that read every source of its check completely, with data at least as new as the
 * finding's last transition.
 */
const ACCOUNT = '123456789012'
const adminWithoutMfa = () =>
  new AccountBuilder(ACCOUNT)
    .user('alice', (u) => u.console({ lastUsedDaysAgo: 1 }).policies((p) => p.attach('AdministratorAccess')))
    .build()

describe('the resolution rule', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  const openOf = async (checkId: string) =>
    (await h.store.listFindings({ checkId, status: 'OPEN' })).map((f) => f.resourceId)
  const resolvedAlerts = async () =>
    (await h.alerts()).filter((a) => a.attributes.transition === 'RESOLVED').map((a) => a.attributes.checkId)

  it('does not evaluate admin-without-mfa when the credential report cannot be read, and resolves nothing of it', async () => {
    // Prepare: alice is an administrator without MFA, and the finding is open
    h = await startHarness(adminWithoutMfa())
    const deps = { ...h.scanDeps, parts: ['authorization'] as const }
    await runScan(deps)
    expect(await openOf('admin-without-mfa')).toEqual(['user/alice'])
    await h.alerts()
    // Act: the next authorization scan cannot read the credential report
    h.sim.account.expireReport()
    h.sim.faults.failActions = {
      GenerateCredentialReport: 'ServiceFailure',
      GetCredentialReport: 'ServiceFailure',
    }
    const summary = await runScan(deps)
    // Assess
    expect(summary.status).toBe('degraded')
    expect(summary.notEvaluated.find((n) => n.startsWith('admin-without-mfa:'))).toMatch(
      /^admin-without-mfa: credentials not read \(credential report unavailable: ServiceFailure/,
    )
    expect(await openOf('admin-without-mfa')).toEqual(['user/alice'])
    expect(await resolvedAlerts()).toEqual([])
  })

  it('keeps an administrator-without-MFA finding open through a policy event: the event reads MFA live', async () => {
    // Prepare
    h = await startHarness(adminWithoutMfa())
    await runScan({ ...h.scanDeps, parts: ['credentials', 'authorization'] })
    await h.alerts()
    // Act: an attacker's (or anyone's) PutUserPolicy on alice
    h.sim.account
      .getUser('alice')!
      .policies!.inline.set(
        'extra',
        JSON.stringify({ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }),
      )
    const putPolicy = iam('PutUserPolicy', { requestParameters: { userName: 'alice', policyName: 'extra' } })
    const summary = await h.event(putPolicy)
    // Assess
    expect(summary.reevaluated).toEqual(['user/alice'])
    expect(await openOf('admin-without-mfa')).toEqual(['user/alice'])
    expect(await resolvedAlerts()).toEqual([])
    // ... because the event judged it, on alice's live MFA state (not because it was left out)
    const ctx = pipelineContext(h.eventDeps as never, ACCOUNT, new Date())
    const run = await evaluate(ctx, { kind: 'event', event: event(putPolicy), runId: 'again' })
    const judgement = run!.judgements.find((j) => j.checkId === 'admin-without-mfa')!
    expect(judgement.status).toBe('judged')
    expect(judgement.outcomes.map((o) => [o.resource.id, o.status])).toContainEqual(['user/alice', 'fail'])
  })

  it('resolves admin-without-mfa on the MFA event itself, read live', async () => {
    // Prepare
    h = await startHarness(adminWithoutMfa())
    await runScan({ ...h.scanDeps, parts: ['credentials', 'authorization'] })
    await h.alerts()
    // Act
    h.sim.account
      .getUser('alice')!
      .mfaDevices.push({ kind: 'hardware', serialNumber: 'GAHT-A', enableDate: new Date() })
    await h.event(
      iam('EnableMFADevice', { requestParameters: { userName: 'alice', serialNumber: 'GAHT-A' } }),
    )
    // Assess
    expect((await resolvedAlerts()).sort()).toEqual([
      'admin-without-mfa',
      'console-user-no-mfa',
      'user-no-mfa',
    ])
  })

  it('does not let a scan on an older cached report resolve what a live event opened', async () => {
    // Prepare: bob has MFA when the report is generated; then it is removed and the event opens the finding
    h = await startHarness(
      new AccountBuilder(ACCOUNT).user('bob', (u) => u.console({ lastUsedDaysAgo: 1 }).mfa()).build(),
    )
    await h.scan()
    h.sim.account.getUser('bob')!.mfaDevices = []
    await h.event(iam('DeactivateMFADevice', { requestParameters: { userName: 'bob', serialNumber: 'x' } }))
    expect(await openOf('console-user-no-mfa')).toEqual(['user/bob'])
    await h.alerts()
    // Act: the next scheduled scan gets the cached report (generated before the event), which says MFA
    const summary = (await h.scan()) as { counts: Record<string, number> }
    // Assess
    expect(await openOf('console-user-no-mfa')).toEqual(['user/bob'])
    expect(summary.counts.leftStale).toBeGreaterThan(0)
    expect(await resolvedAlerts()).toEqual([])
  })

  it('does not resolve as gone the finding of a user created after the cached report', async () => {
    // Prepare: a report without carol; then carol is created with a console password and no MFA
    h = await startHarness(new AccountBuilder(ACCOUNT).user('bob', (u) => u.mfa()).build())
    await h.scan()
    const carol = new AccountBuilder(ACCOUNT)
      .user('carol', (u) => u.console({}))
      .build()
      .getUser('carol')!
    h.sim.account.users.set('carol', carol)
    await h.event(iam('CreateLoginProfile', { requestParameters: { userName: 'carol' } }))
    expect(await openOf('console-user-no-mfa')).toEqual(['user/carol'])
    await h.alerts()
    // Act: the scan's cached report has no row for carol
    await h.scan()
    // Assess
    expect(await openOf('console-user-no-mfa')).toEqual(['user/carol'])
    expect(await resolvedAlerts()).toEqual([])
  })

  it('does not let a cached report reopen what a live event resolved', async () => {
    // Prepare: dave has no MFA in the report; he enrols one and the event resolves the finding
    h = await startHarness(
      new AccountBuilder(ACCOUNT).user('dave', (u) => u.console({ lastUsedDaysAgo: 1 })).build(),
    )
    await h.scan()
    h.sim.account
      .getUser('dave')!
      .mfaDevices.push({ kind: 'hardware', serialNumber: 'G', enableDate: new Date() })
    await h.event(iam('EnableMFADevice', { requestParameters: { userName: 'dave', serialNumber: 'G' } }))
    expect(await openOf('console-user-no-mfa')).toEqual([])
    await h.alerts()
    // Act: the cached report still says no MFA
    await h.scan()
    // Assess
    expect(await openOf('console-user-no-mfa')).toEqual([])
    expect((await h.alerts()).map((a) => a.attributes.transition)).toEqual([])
  })

  it('leaves root findings as they are when the report has no root row', async () => {
    // Prepare: root has no MFA, and the finding is open
    h = await startHarness(new AccountBuilder(ACCOUNT).root((r) => r.mfa('none')).build())
    const first = await h.scan()
    expect(await openOf('root-mfa'), JSON.stringify(first)).toEqual(['root'])
    await h.alerts()
    // Act: a report without the <root_account> row, generated well after the finding opened
    h.sim.account.advance(5_000)
    h.sim.account.expireReport()
    h.sim.account.reportTransform = (csv) => csv.replace(/\n<root_account>[^\n]*/, '')
    const summary = (await h.scan()) as { status: string }
    // Assess
    expect(summary.status).toBe('degraded')
    expect(await openOf('root-mfa'), JSON.stringify(summary)).toEqual(['root'])
    expect(await resolvedAlerts()).toEqual([])
  })

  it("re-evaluates posture only for its own account's events, and files nothing under another account", async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).user('bob', (u) => u.console({})).build())
    // Act: an event of another account reaches this deployment
    const summary = await h.event(
      iam('DeactivateMFADevice', {
        recipientAccountId: '999999999999',
        requestParameters: { userName: 'bob' },
      }),
    )
    // Assess
    expect(summary.reevaluated).toEqual([])
    const checkFindings = (await h.store.listFindings()).filter((f) => f.resourceType !== 'AwsPrincipal')
    expect(checkFindings).toEqual([])
  })

  it('says why a key finding resolved: passed when deactivated, credential-gone when deleted, resource-gone with the user', async () => {
    // Prepare: three users, each with one old active key, findings open
    const b = new AccountBuilder(ACCOUNT)
    for (const name of ['kim', 'lee', 'max'])
      b.user(name, (u) => u.mfa().accessKey({ ageDays: 200, lastUsedDaysAgo: 1 }))
    h = await startHarness(b.build())
    await h.scan()
    expect((await openOf('access-key-rotation')).sort()).toEqual(['user/kim', 'user/lee', 'user/max'])
    // Act: kim's key deactivated, lee's deleted, max deleted, each event delivered
    const users = h.sim.account.users
    users.get('kim')!.accessKeys[0]!.status = 'Inactive'
    await h.event(iam('UpdateAccessKey', { requestParameters: { userName: 'kim', status: 'Inactive' } }))
    users.get('lee')!.accessKeys = []
    await h.event(iam('DeleteAccessKey', { requestParameters: { userName: 'lee' } }))
    users.delete('max')
    await h.event(iam('DeleteUser', { requestParameters: { userName: 'max' } }))
    // Assess
    const resolved = (await h.store.listFindings({ checkId: 'access-key-rotation', status: 'RESOLVED' }))
      .map((f) => `${f.resourceId}: ${f.resolution}`)
      .sort()
    expect(resolved).toEqual(['user/kim: passed', 'user/lee: credential-gone', 'user/max: resource-gone'])
  })
})
