/**
 * The simulated organization of the organization bench (bench/organization.ts), served from its own
 * process so the fan-out process's memory is its own, as AWS's would be: forked with an IPC channel,
 * it builds the accounts, starts the simulator with AWS-like latency, and answers the parent's questions
 * (request counts, resets, expiring the credential reports) until told to stop.
 *
 * The organization: the management account (no reader role: StackSets do not deploy there, so it is
 * reported as not monitored), the security account (IAM's delegated administrator, where iamwatch runs as
 * the role `iamwatch-scan`; it holds the item-MAC key) and `accounts` member accounts. Each member: 100
 * users with a credential mix (console and MFA, one or two keys, old, unused, inactive) and 200 roles, 50
 * customer managed policies, groups and Access Advisor usage (local/iam-sim/generator.ts: the credential
 * mix of generateAccount on the users of generateAuthorizationAccount, with each account's own seed), the
 * organization trail as a shadow trail, an account analyzer, the reader role trusting the central scan
 * role from inside the organization, and the member template's forwarding rules.
 */
import { AccountBuilder } from '../local/iam-sim/builder.ts'
import { generateAccount, generateAuthorizationAccount } from '../local/iam-sim/generator.ts'
import { roleSession } from '../local/iam-sim/identity.ts'
import type { SimAccount } from '../local/iam-sim/model.ts'
import { startIamSimulator } from '../local/iam-sim/server.ts'
import { expectedForwardRules } from '../shared/aws/member-probe.ts'

export const MANAGEMENT = '100000000001'
export const SECURITY = '100000000002'
export const ORG_ID = 'o-benchorg001'
export const READER_ROLE = 'iamwatch-reader'
export const SCAN_ROLE_ARN = `arn:aws:iam::${SECURITY}:role/iamwatch-scan`
export const memberId = (i: number) => String(200000000000 + i)

/** What one member holds: the shape (100 users, 200 roles), with policies and groups as the generator makes them. */
export const MEMBER_SHAPE = { users: 100, roles: 200, policies: 50 }

export interface WorldSettings {
  accounts: number
  /** Each request waits this long before it is answered (IAM, STS, Organizations, EventBridge, KMS alike). */
  latencyMs: number
  /** A credential report is ready this long after GenerateCredentialReport. */
  reportDelayMs: number
  /** An Access Advisor job completes this long after it was started. */
  accessJobDelayMs: number
  /** Members with nothing but the reader role and the forwarding rules (for the dispatch alone). */
  light?: boolean
}

export interface WorldReady {
  endpoint: string
  scan: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  macKeyArn: string
  members: string[]
  /** Built in (ms), and the simulator process's RSS once built (MB). */
  buildMs: number
  rssMb: number
}

const READER_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: [SCAN_ROLE_ARN] },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
    },
  ],
}

/** A member account: the authorization generator's principals, the credential generator's users' credentials. */
export function memberAccount(accountId: string, seed: number): SimAccount {
  const account = generateAuthorizationAccount(MEMBER_SHAPE, { seed, accountId, usage: true })
  const credentials = generateAccount(MEMBER_SHAPE.users, { seed, accountId })
  for (const [name, u] of credentials.users) {
    const target = account.users.get(name)
    if (!target) continue
    target.createDate = u.createDate
    target.accessKeys = u.accessKeys
    target.mfaDevices = u.mfaDevices
    if (u.loginProfile) target.loginProfile = u.loginProfile
  }
  account.root = credentials.root
  account.passwordPolicy = credentials.passwordPolicy
  // The reader role, the organization trail (a shadow trail here) and an analyzer, as a builder makes them.
  const extras = new AccountBuilder(accountId)
    .role(READER_ROLE, READER_TRUST, (r) => r.attach('ReadOnlyAccess'))
    .organizationTrail('org-trail', MANAGEMENT)
    .analyzer('us-east-1')
    .build()
  for (const [name, role] of extras.roles) account.roles.set(name, role)
  for (const [arn, p] of extras.managedPolicies) account.managedPolicies.set(arn, p)
  account.trails.push(...extras.trails)
  for (const [region, list] of extras.analyzers) account.analyzers.set(region, list)
  return account
}

async function start(settings: WorldSettings) {
  const t0 = performance.now()
  const sim = await startIamSimulator(
    new AccountBuilder(MANAGEMENT).organizationTrail('org-trail', MANAGEMENT).build(),
    {
      strictCredentials: true,
      latencyMs: settings.latencyMs,
      reportDelayMs: settings.reportDelayMs,
      accessJobDelayMs: settings.accessJobDelayMs,
      kmsKeys: [
        {
          keySpec: 'HMAC_256',
          keyUsage: 'GENERATE_VERIFY_MAC',
          alias: 'alias/iamwatch-item-mac',
          accountId: SECURITY,
        },
      ],
    },
  )
  sim.addAccount(new AccountBuilder(SECURITY).analyzer('us-east-1').build())
  const members = Array.from({ length: settings.accounts }, (_, i) => memberId(i))
  members.forEach((id, i) => {
    sim.addAccount(
      settings.light
        ? new AccountBuilder(id).role(READER_ROLE, READER_TRUST, (r) => r.attach('ReadOnlyAccess')).build()
        : memberAccount(id, 1000 + i),
    )
    for (const name of expectedForwardRules('us-east-1'))
      sim.events.putRule(id, 'us-east-1', {
        name,
        eventPattern: '{"source":[{"prefix":"aws."}]}',
        state: 'ENABLED',
        targets: [{ Id: 'central', Arn: `arn:aws:events:us-east-1:${SECURITY}:event-bus/default` }],
      })
  })
  const ous = ['Security', 'Workloads/Prod', 'Workloads/Dev', 'Sandbox']
  sim.createOrganization({
    id: ORG_ID,
    managementAccountId: MANAGEMENT,
    ous,
    accounts: [
      { id: SECURITY, name: 'Security', parent: 'Security' },
      ...members.map((id, i) => ({ id, name: `member-${i}`, parent: ous[1 + (i % 3)]! })),
    ],
    features: ['RootCredentialsManagement', 'RootSessions'],
    delegatedAdministrators: { 'iam.amazonaws.com': [SECURITY] },
  })
  const scan = roleSession(SECURITY, 'iamwatch-scan', 'scan')
  sim.addCredentials(scan)
  const [macKey] = sim.kms.list()
  globalThis.gc?.()
  const ready: WorldReady = {
    endpoint: sim.endpoint,
    scan: {
      accessKeyId: scan.accessKeyId,
      secretAccessKey: scan.secretAccessKey,
      ...(scan.sessionToken ? { sessionToken: scan.sessionToken } : {}),
    },
    macKeyArn: macKey!.arn,
    members,
    buildMs: performance.now() - t0,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  }
  return { ready, sim }
}

/** The parent's questions: one at a time, each answered by one message. */
export type WorldRequest = { op: 'counts' } | { op: 'reset' } | { op: 'expire-reports' } | { op: 'stop' }

if (import.meta.main) {
  if (!process.send) throw new Error('organization-world runs forked, with an IPC channel')
  const settings = JSON.parse(process.env.BENCH_ORG_WORLD ?? '{}') as WorldSettings
  const world = await start(settings)
  process.on('message', async (m: WorldRequest) => {
    switch (m.op) {
      case 'counts':
        process.send!({
          counts: Object.fromEntries(world.sim.requests),
          rssMb: process.memoryUsage().rss / 2 ** 20,
          cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        })
        break
      case 'reset':
        world.sim.resetCounters()
        process.send!({ ok: true })
        break
      case 'expire-reports':
        for (const a of world.sim.accounts.values()) a.expireReport()
        process.send!({ ok: true })
        break
      case 'stop':
        await world.sim.stop()
        process.send!({ ok: true }, () => process.exit(0))
        break
    }
  })
  process.send({ ready: world.ready })
}
