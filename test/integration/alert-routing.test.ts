import { afterEach, describe, expect, inject, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { drainQueue, subscribeQueue } from '../../local/stack.ts'
import { type Harness, startHarness, uniqueName } from '../support/harness.ts'

describe('subscribers route alerts with SNS filter policies on the message attributes', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('delivers to each queue only what its filter policy selects', async () => {
    // Prepare
    h = await startHarness(
      new AccountBuilder('121212121212')
        .root((r) => r.mfa('hardware').accessKey({ ageDays: 10, lastUsedDaysAgo: 5 }))
        .passwordPolicy(null)
        .user('ann', (u) => u.console({ lastUsedDaysAgo: 1 }))
        .build(),
    )
    const endpoint = inject('snsSqsEndpoint')
    const pager = await subscribeQueue(endpoint, h.topicArn, uniqueName('pager'), {
      severity: ['critical', 'high'],
    })
    const passwords = await subscribeQueue(endpoint, h.topicArn, uniqueName('pw'), {
      checkId: [{ prefix: 'password-policy-' }],
    })
    const resolutions = await subscribeQueue(endpoint, h.topicArn, uniqueName('res'), {
      transition: ['RESOLVED'],
    })
    const otherAccount = await subscribeQueue(endpoint, h.topicArn, uniqueName('acct'), {
      accountId: ['999999999999'],
    })
    // Act
    await h.scan()
    const everything = await h.alerts()
    // Assess
    const checks = async (q: string) =>
      (await drainQueue(endpoint, q)).map((a) => a.attributes.checkId).sort()
    expect(everything.length).toBeGreaterThan(6)
    expect(await checks(pager)).toEqual(['console-user-no-mfa', 'root-access-key'])
    expect(await checks(passwords)).toEqual([
      'password-policy-complexity',
      'password-policy-expiry',
      'password-policy-length',
      'password-policy-reuse',
    ])
    expect(await checks(resolutions)).toEqual([])
    expect(await checks(otherAccount)).toEqual([])

    // Act: the root key goes away; only the RESOLVED transition reaches the resolutions queue.
    h.sim.account.root.accessKeys = []
    h.sim.account.expireReport()
    await h.scan()
    await h.alerts()
    // Assess
    expect(await checks(resolutions)).toEqual(['root-access-key'])
    expect(await checks(pager)).toEqual(['root-access-key'])
  })
})
