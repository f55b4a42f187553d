import { CIS_PASSWORD_POLICY } from '../shared/checks/password-policy/policy.ts'
import { AccountBuilder } from './iam-sim/builder.ts'
import type { SimAccount } from './iam-sim/model.ts'

/** "Example Corp": a small company's account with the usual IAM drift. */
export function demoAccount(now = new Date()): SimAccount {
  return new AccountBuilder('123456789012', now)
    .root((r) =>
      r
        .mfa('virtual')
        .passwordUsedDaysAgo(40)
        .accessKey({ ageDays: 900, lastUsedDaysAgo: 200, region: 'us-east-1' }),
    )
    .passwordPolicy({
      minimumPasswordLength: 8,
      requireLowercaseCharacters: true,
      allowUsersToChangePassword: true,
    })
    .user('alice.admin', (u) =>
      u
        .createdDaysAgo(800)
        .console({ lastUsedDaysAgo: 1 })
        .mfa('hardware')
        .accessKey({ ageDays: 30, lastUsedDaysAgo: 1 }),
    )
    .user('bob.dev', (u) =>
      u
        .createdDaysAgo(600)
        .console({ lastUsedDaysAgo: 2 })
        .accessKey({ ageDays: 200, lastUsedDaysAgo: 1, service: 'ec2' }),
    )
    .user('carol.ops', (u) => u.createdDaysAgo(500).console({ lastUsedDaysAgo: 3 }))
    .user('dave.ci', (u) =>
      u
        .createdDaysAgo(400)
        .accessKey({ ageDays: 60, lastUsedDaysAgo: 0, service: 'ecr' })
        .accessKey({ ageDays: 120, lastUsedDaysAgo: 100 }),
    )
    .user('erin.finance', (u) => u.createdDaysAgo(300).console({ lastUsedDaysAgo: 5 }).mfa('hardware'))
    .user('frank.contractor', (u) =>
      u.createdDaysAgo(100).console().accessKey({ ageDays: 100, atUserCreation: true }),
    )
    .user('grace.data', (u) =>
      u.createdDaysAgo(700).accessKey({ ageDays: 400, lastUsedDaysAgo: 60, service: 's3' }),
    )
    .user('heidi.support', (u) => u.createdDaysAgo(200).console({ lastUsedDaysAgo: 2 }).mfa('virtual'))
    .user('ivan.intern', (u) => u.createdDaysAgo(5).console())
    .user('judy.audit', (u) => u.createdDaysAgo(350).console({ lastUsedDaysAgo: 10 }).mfa('hardware'))
    .user('mallory.legacy', (u) =>
      u.createdDaysAgo(1200).mfa('virtual').accessKey({ ageDays: 1100, status: 'Inactive' }),
    )
    .user('ci-deploy', (u) =>
      u
        .createdDaysAgo(90)
        .mfa('virtual')
        .accessKey({ ageDays: 20, lastUsedDaysAgo: 0, service: 'cloudformation' }),
    )
    .user('backup-bot', (u) =>
      u.createdDaysAgo(400).mfa('virtual').accessKey({ ageDays: 150, lastUsedDaysAgo: 1, service: 'backup' }),
    )
    .user('sam.sre', (u) =>
      u
        .createdDaysAgo(250)
        .console({ lastUsedDaysAgo: 1 })
        .mfa('hardware')
        .accessKey({ ageDays: 10, lastUsedDaysAgo: 0 }),
    )
    .user('terraform', (u) => u.createdDaysAgo(80).mfa('virtual').accessKey({ ageDays: 80 }))
    .build()
}

/** What the demo's security team fixes between the two scans. */
export function fixSome(account: SimAccount): string[] {
  account.root.accessKeys = []
  const bob = account.getUser('bob.dev')!
  bob.mfaDevices.push({ kind: 'hardware', serialNumber: 'GAHT-BOB-0001', enableDate: account.now() })
  const dave = account.getUser('dave.ci')!
  dave.accessKeys = dave.accessKeys.filter(
    (k) => k.lastUsed && account.now().getTime() - k.lastUsed.date.getTime() < 86_400_000 * 30,
  )
  account.passwordPolicy = { ...CIS_PASSWORD_POLICY, allowUsersToChangePassword: true }
  account.expireReport()
  return [
    'deleted the root access key',
    'gave bob.dev a hardware MFA device',
    "deleted dave.ci's unused second access key",
    'set a CIS-strength password policy (14 chars, 24 remembered, complexity, 90-day expiry)',
  ]
}
