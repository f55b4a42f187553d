import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { actionMatches } from '../../shared/policy/match.ts'
import { AccountBuilder, type Ago, recordUsage, roleUsage, type UsageSpec } from './builder.ts'
import type { SimAccount, SimPolicies, SimUser } from './model.ts'

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
  {
    seed = 7,
    now = new Date(),
    accountId = '210987654321',
    usage = false,
  }: { seed?: number; now?: Date; accountId?: string; usage?: boolean } = {},
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
  const account = builder.build()
  // Usage has its own generator: the account's principals and policies are the same with or without it.
  if (usage) generateUsage(account, { seed, now })
  return account
}

/** Services a principal granted `*` plausibly uses. */
const EVERYDAY = ['s3', 'ec2', 'logs', 'cloudwatch', 'sts', 'dynamodb', 'lambda', 'sqs', 'kms', 'iam', 'sns']

/**
 * A few actions per service, for action-level usage (only those IAM tracks are ever reported; iam:PassRole
 * is recorded now and then, as a principal with it would use it, and never reported).
 */
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  s3: [
    'ListAllMyBuckets',
    'GetBucketLocation',
    'GetBucketPolicy',
    'CreateBucket',
    'PutBucketPolicy',
    'GetObject',
    'PutObject',
  ],
  ec2: [
    'DescribeInstances',
    'DescribeVpcs',
    'DescribeSecurityGroups',
    'RunInstances',
    'CreateTags',
    'TerminateInstances',
  ],
  iam: ['GetRole', 'ListRoles', 'PassRole', 'CreateRole', 'AttachRolePolicy', 'GetPolicy'],
  lambda: ['ListFunctions', 'GetFunction', 'UpdateFunctionCode', 'InvokeFunction', 'CreateFunction'],
}

/**
 * Realistic Access Advisor usage for an account's roles and users, from the services their policies name
 * (read from the documents' Action patterns; `*` stands for a few everyday services): about 12% of roles
 * never used anything, 10% last used anything long ago (200 to 700 days: some of it outside the 400-day
 * tracking period), the rest used one to three of their services in the last three weeks and some others
 * months ago. A third of users used their groups' and own policies' services. Deterministic for a seed;
 * roles' RoleLastUsed follows their latest use.
 */
export function generateUsage(account: SimAccount, { seed = 7, now = new Date() } = {}): void {
  const rnd = seeded((seed * 2_654_435_761) ^ 0x5eed)
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1))
  const at = (a: Partial<Ago>) =>
    a.hoursAgo !== undefined
      ? new Date(now.getTime() - a.hoursAgo * 3_600_000)
      : a.daysAgo !== undefined
        ? new Date(now.getTime() - a.daysAgo * 86_400_000)
        : undefined
  const patternsOf = new Map<string, string[]>()
  const patterns = (arn: string): string[] => {
    let known = patternsOf.get(arn)
    if (!known) {
      const p = account.managedPolicies.get(arn)
      const doc = p?.versions.find((v) => v.id === p.defaultVersionId)?.document
      known = doc ? actionsOf(doc) : []
      patternsOf.set(arn, known)
    }
    return known
  }
  const grants = (holders: Array<SimPolicies | undefined>): Map<string, string[]> => {
    const out = new Map<string, string[]>()
    const add = (ns: string, pattern: string) => out.set(ns, [...(out.get(ns) ?? []), pattern])
    for (const h of holders) {
      const all = [
        ...(h?.attached ?? []).flatMap(patterns),
        ...[...(h?.inline.values() ?? [])].flatMap(actionsOf),
      ]
      for (const pattern of all) {
        if (pattern === '*') for (const ns of EVERYDAY) add(ns, `${ns}:*`)
        else if (pattern.includes(':')) add(pattern.split(':')[0]!.toLowerCase(), pattern)
      }
    }
    return out
  }
  const region = () => (rnd() < 0.8 ? 'us-east-1' : rnd() < 0.5 ? 'eu-west-1' : 'us-west-2')
  const spec = (ns: string, granted: string[], daysAgo: number): UsageSpec => {
    const where = region()
    const candidates = (ACTIONS[ns] ?? []).filter((a) => granted.some((g) => actionMatches(g, `${ns}:${a}`)))
    const actions: Record<string, { daysAgo: number; region: string }> = {}
    for (let i = 0, n = Math.min(candidates.length, int(1, 3)); i < n; i++)
      actions[candidates[int(0, candidates.length - 1)]!] = {
        daysAgo: daysAgo + (i === 0 ? 0 : int(0, 30)),
        region: where,
      }
    return Object.keys(actions).length > 0 ? { region: where, actions } : { daysAgo, region: where }
  }
  const use = (granted: Map<string, string[]>, record: (ns: string, s: UsageSpec) => void) => {
    const services = [...granted.keys()]
    if (services.length === 0) return
    const r = rnd()
    if (r < 0.12) return // never used
    if (r < 0.22) {
      for (const ns of services) if (rnd() < 0.6) record(ns, spec(ns, granted.get(ns)!, int(200, 700)))
      return
    }
    const active = int(1, Math.min(3, services.length))
    for (let i = services.length - 1; i > 0; i--) {
      const j = int(0, i)
      ;[services[i], services[j]] = [services[j]!, services[i]!]
    }
    services.forEach((ns, i) => {
      if (i < active) record(ns, spec(ns, granted.get(ns)!, int(0, 20)))
      else if (rnd() < 0.3) record(ns, spec(ns, granted.get(ns)!, int(30, 300)))
    })
  }
  for (const role of account.roles.values()) use(grants([role]), (ns, s) => roleUsage(role, ns, s, at))
  const groupsOf = (u: SimUser) => u.groups.map((g) => account.groups.get(g)?.policies)
  for (const user of account.users.values())
    if (rnd() < 0.35) use(grants([user.policies, ...groupsOf(user)]), (ns, s) => recordUsage(user, ns, s, at))
}

/** The Action patterns of a document's Allow statements (NotAction stands for everything: `*`). */
function actionsOf(document: string): string[] {
  try {
    const doc = JSON.parse(document) as { Statement?: unknown }
    const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<
      Record<string, unknown> | undefined
    >
    return statements.flatMap((s) => {
      if (s?.Effect !== 'Allow') return []
      if (s.NotAction !== undefined) return ['*']
      return ([] as unknown[]).concat(s.Action ?? []).filter((a): a is string => typeof a === 'string')
    })
  } catch {
    return []
  }
}
