import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { iam } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const trust = (principal: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
})

describe('policy and trust changes re-analyze the touched principal at once', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('turns a role opened to * into a posture finding within the same event', async () => {
    // Prepare
    h = await startHarness(
      new AccountBuilder('123456789012')
        .role('deploy', trust({ AWS: '123456789012' }))
        .role('other', trust('*'))
        .build(),
    )
    // Act: the trust policy is opened (in IAM, and the event arrives).
    const policy = trust('*')
    h.sim.account.roles.get('deploy')!.trustPolicy = JSON.stringify(policy)
    const summary = await h.event(
      iam('UpdateAssumeRolePolicy', {
        requestParameters: { roleName: 'deploy', policyDocument: JSON.stringify(policy) },
      }),
    )
    const alerts = await h.alerts()
    // Assess: the detection fired (critical) and the posture finding opened, for this role only.
    expect(summary.reevaluated).toEqual(['role/deploy'])
    expect(
      alerts.map((a) => `${a.attributes.checkId}:${a.attributes.severity}:${a.attributes.ruleType}`).sort(),
    ).toEqual(['role-trust-wildcard:critical:check', 'trust-policy-changed:critical:detection'])
    expect(alerts.find((a) => a.attributes.ruleType === 'check')?.message).toContain('role/deploy')
  })

  it('opens and resolves AdministratorAccess attachments on the attach and detach events', async () => {
    h = await startHarness(new AccountBuilder('123456789012').user('bob', (u) => u.mfa()).build())
    const bob = h.sim.account.getUser('bob')!
    const adminArn = 'arn:aws:iam::aws:policy/AdministratorAccess'
    // Attach
    bob.policies = { attached: [], inline: new Map() }
    const { awsManagedPolicy } = await import('../../local/iam-sim/aws-managed.ts')
    h.sim.account.managedPolicies.set(adminArn, awsManagedPolicy('AdministratorAccess'))
    bob.policies.attached.push(adminArn)
    await h.event(iam('AttachUserPolicy', { requestParameters: { userName: 'bob', policyArn: adminArn } }))
    const opened = (await h.alerts())
      .filter((a) => a.attributes.ruleType === 'check')
      .map((a) => a.attributes.checkId)
      .sort()
    expect(opened).toEqual(['admin-managed-policy-attached', 'user-direct-policy'])
    // Detach
    bob.policies.attached = []
    await h.event(iam('DetachUserPolicy', { requestParameters: { userName: 'bob', policyArn: adminArn } }))
    const resolved = (await h.alerts())
      .filter((a) => a.attributes.transition === 'RESOLVED')
      .map((a) => a.attributes.checkId)
      .sort()
    expect(resolved).toEqual(['admin-managed-policy-attached', 'user-direct-policy'])
  })
})
