import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { AccountBuilder } from './builder.ts'
import type { SimAccount } from './model.ts'

/** A small deterministic PRNG (mulberry32) so generated accounts are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * An account of `users` IAM users with a realistic mix: console users with and without MFA, old and
 * fresh keys, unused keys, two-key users. Used by the benchmarks.
 */
export function generateAccount(
  users: number,
  { seed = 42, now = new Date(), accountId = '210987654321' } = {},
): SimAccount {
  const rnd = seeded(seed)
  const pick = (p: number) => rnd() < p
  const days = (max: number) => Math.floor(rnd() * max)
  const builder = new AccountBuilder(accountId, now)
    .root((r) => r.mfa('hardware').passwordUsedDaysAgo(30 + days(300)))
    .passwordPolicy({ ...CIS_PASSWORD_POLICY })
  for (let i = 0; i < users; i++) {
    builder.user(`user-${String(i).padStart(5, '0')}`, (u) => {
      u.createdDaysAgo(30 + days(1500))
      if (pick(0.6)) u.console(pick(0.8) ? { lastUsedDaysAgo: days(120) } : {})
      if (pick(0.7)) u.mfa(pick(0.8) ? 'virtual' : 'hardware')
      const keys = pick(0.5) ? 1 + (pick(0.2) ? 1 : 0) : 0
      for (let k = 0; k < keys; k++) {
        const ageDays = days(400)
        const used = pick(0.85) ? { lastUsedDaysAgo: Math.min(days(90), ageDays) } : {}
        u.accessKey({ ageDays, ...used, status: pick(0.9) ? 'Active' : 'Inactive' })
      }
      return u
    })
  }
  return builder.build()
}

/**
 * An account with many principals and policies for the authorization benchmark: `policies`
 * customer-managed policies (mostly scoped, some admin or escalation-capable), `roles` roles (trusting
 * services, other accounts, rarely anyone), `users` users in groups with attached policies.
 */
export function generateAuthorizationAccount(
  { users, roles, policies }: { users: number; roles: number; policies: number },
  { seed = 7, now = new Date(), accountId = '210987654321' } = {},
): SimAccount {
  const rnd = seeded(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const services = ['s3', 'ec2', 'dynamodb', 'sqs', 'sns', 'lambda', 'logs', 'kms', 'cloudwatch']
  const builder = new AccountBuilder(accountId, now)
  const arns: string[] = []
  for (let i = 0; i < policies; i++) {
    const r = rnd()
    const statement =
      r < 0.02
        ? { Effect: 'Allow', Action: '*', Resource: '*' }
        : r < 0.07
          ? { Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances'], Resource: '*' }
          : r < 0.15
            ? { Effect: 'Allow', Action: `${pick(services)}:*`, Resource: '*' }
            : {
                Effect: 'Allow',
                Action: [`${pick(services)}:Get*`, `${pick(services)}:List*`],
                Resource: `arn:aws:s3:::bucket-${i}/*`,
              }
    arns.push(
      builder.managedPolicy(`policy-${String(i).padStart(5, '0')}`, {
        Version: '2012-10-17',
        Statement: [statement],
      }),
    )
  }
  const groups = Array.from({ length: Math.max(1, Math.floor(users / 50)) }, (_, i) => `group-${i}`)
  for (const g of groups) builder.group(g, (x) => x.attach(pick(arns)))
  for (let i = 0; i < users; i++) {
    builder.user(`user-${String(i).padStart(5, '0')}`, (u) => {
      u.group(pick(groups))
      if (rnd() < 0.3) u.policies((p) => p.attach(pick(arns)))
      return u
    })
  }
  for (let i = 0; i < roles; i++) {
    const r = rnd()
    const principal =
      r < 0.001
        ? '*'
        : r < 0.1
          ? { AWS: `arn:aws:iam::${100000000000 + Math.floor(rnd() * 1e9)}:root` }
          : { Service: `${pick(services)}.amazonaws.com` }
    builder.role(
      `role-${String(i).padStart(5, '0')}`,
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
      },
      (x) => x.attach(pick(arns)).attach(pick(arns)),
    )
  }
  return builder.build()
}
