import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

/** The subjects a queue subscribed to the alert topic received, as the demo lists them ("<queue>: N message(s)"). */
function received(output: string, queue: string): string[] {
  const at = output.indexOf(`${queue}: `)
  if (at < 0) return []
  const lines = output.slice(at).split('\n')
  const count = Number(/: (\d+) message/.exec(lines[0]!)?.[1])
  return lines.slice(1, 1 + count)
}

describe('npm start (the offline demo)', () => {
  it('scans, alerts, resolves, writes nothing on an unchanged re-scan, verifies the audit chain, and watches an organization', async () => {
    // Act: run it as a user would, in its own process with its own emulators.
    const { stdout } = await promisify(execFile)(process.execPath, ['local/demo.ts'], { timeout: 90_000 })
    // Assess
    const opened = Number(/scan complete: (\d+) findings opened/.exec(stdout)?.[1])
    expect(opened).toBeGreaterThan(20)
    expect(stdout).toContain(`security-team-all: ${opened} message(s)`)
    expect(stdout).toMatch(/on-call-pager: \d+ message\(s\)\n( {2}\[iamwatch\] (CRITICAL|HIGH) [^\n]*\n)+/)
    expect(stdout).toMatch(/scan complete: resolved (\d+), opened 0/)
    expect(stdout).toContain('RESOLVED (credential-gone): The root account has an active access key')
    expect(stdout).toContain("finding/history items written (per the table's stream): 0; alerts: 0")
    expect(stdout).toContain('chain verifies: true')
    // The attack story: routed by one rule each, alerted once each, the redelivered event ignored.
    expect(stdout).toContain('rule identity -> root-console-login')
    expect(stdout).toContain('rule cloudtrail -> cloudtrail-tampering (duplicate: ignored)')
    const story = stdout.slice(stdout.indexOf('== Real time'))
    const subjects = story.split('\n').filter((l) => l.startsWith('  [iamwatch]'))
    expect(subjects.filter((l) => l.includes('CloudTrail logging was stopped'))).toHaveLength(2) // team queue + pager, once each
    expect(story).toContain('MFA used:    NO')
    expect(story).toContain('Source IP:   185.220.101.47')
    // The account changes are IAM calls over the wire; their CloudTrail records come from the simulator.
    expect(stdout).toContain('DeleteAccessKey (recorded by the simulator): rule identity -> root-activity')
    expect(stdout).toMatch(
      /EnableMFADevice \(recorded by the simulator\): rule iam -> [^\n]*posture of user\/bob\.dev re-evaluated/,
    )
    expect(story).toMatch(
      /CreateAccessKey \(recorded by the simulator\): rule iam -> access-key-created-for-other-user; posture of user\/alice\.admin re-evaluated/,
    )
    expect(story).toContain('HIGH OPENED: AdministratorAccess is attached - user/bob.dev')
    expect(story).toContain('ConsoleLogin (replayed): rule identity -> root-console-login')
    // Calls signed with a long-term key go through the key-activity queue into on-key-activity, in batches: the
    // office calls are bob.dev's baseline; the attacker's first call from another network alerts, once (the
    // batch SQS delivered again after a lost answer finds its finding already written); their later calls
    // from that network alert nothing new.
    expect(story).toContain('DescribeInstances (replayed): rule access-keys -> key-activity queue')
    expect(story).toMatch(
      /batch \d+: 3 messages \(DescribeInstances, GetCallerIdentity, ListBuckets\) -> on-key-activity: nothing new; deleted/,
    )
    expect(story).toMatch(
      /batch \d+: 1 message \(GetCallerIdentity\) -> on-key-activity: access-key-new-network; its answer is lost/,
    )
    expect(story).toMatch(
      /batch \d+: 1 message \(GetCallerIdentity, received twice\) -> on-key-activity: access-key-new-network \(duplicate: ignored\); deleted/,
    )
    expect(story).toMatch(/batch \d+: 1 message \(CreateAccessKey\) -> on-key-activity: nothing new; deleted/)
    expect(story).toMatch(
      /\d+ record\(s\) sent to the key-activity queue \(one SendMessage each\) -> (\d+) batch\(es\) = \1 invocation\(s\) of on-key-activity \([^)]*1 redelivered\)/,
    )
    // The identity-provider backdoor: through the iam rule to on-cloudtrail-event.
    expect(story).toContain('CreateSAMLProvider (replayed): rule iam -> identity-provider-change')
    // What the queues subscribed to the alert topic actually received in the story.
    const team = received(story, 'security-team-all')
    const pagerAlerts = received(story, 'on-call-pager')
    const newNetwork = (l: string) => l.includes('MEDIUM: A long-term access key was used from a new')
    const identityProvider = (l: string) =>
      l.includes('HIGH: A SAML or OIDC identity provider changed - bob.dev')
    expect(team.filter(newNetwork)).toHaveLength(1)
    expect(team.filter(identityProvider)).toHaveLength(1)
    expect(pagerAlerts.filter(identityProvider)).toHaveLength(1)
    expect(pagerAlerts.filter(newNetwork)).toHaveLength(0) // medium: not for the pager
    expect(story).toContain('network: 185.220.101.0/24')
    // Each step says how long it took, not the time since the start.
    expect(stdout).toMatch(/scan complete: \d+ findings opened \(\d+\.\d s\)/)
    expect(stdout).toMatch(/- the attacker stops the CloudTrail trail \(\d+ ms to the queue\)/)
    // The organization: the real org-dispatch, the account-scans queue into the real scan-account, each
    // account with its OU path and what was opened there; the sandbox not monitored, root access not centralized.
    const org = stdout.slice(stdout.indexOf('== An AWS Organization'))
    expect(org).toMatch(/org-dispatch \{"parts":\["credentials","authorization"\]\}: 5 accounts discovered/)
    expect(org).toContain(
      'was denied in 2: 4 account-scan request(s) (one per account and part) sent to iamwatch-account-scans',
    )
    expect(org).toMatch(
      /scan-account: 1 message \(acme-prod \(333333333333\): credentials\) -> scanned through its reader role; deleted/,
    )
    expect(org).toMatch(
      /scan-account: 1 message \(acme-prod \(333333333333\): authorization\) -> scanned through its reader role; deleted/,
    )
    expect(org).toMatch(
      /acme-prod +333333333333 +Root\/Workloads\/Prod +scan-account +\d+: [^\n]*root-access-key[^\n]*console-user-no-mfa/,
    )
    expect(org).toMatch(
      /acme-staging +444444444444 +Root\/Workloads\/Staging +scan-account +\d+: [^\n]*role-trust-wildcard[^\n]*admin-managed-policy-attached/,
    )
    expect(org).toMatch(
      /acme-sandbox +555555555555 +Root\/Sandbox +nothing: not monitored +1: member-account-not-monitored\n/,
    )
    expect(org).toContain(
      'member-account-not-monitored: acme-sandbox (555555555555), reader role cannot be assumed',
    )
    expect(org).toContain(
      'org-root-credentials-not-centralized: the organization o-acmedemo01 (in acme-management (111111111111)): RootCredentialsManagement enabled, RootSessions not',
    )
    expect(received(org, 'security-team-all')).toContain(
      '  [iamwatch] HIGH OPENED: An account of the organization is not... - 555555555555 (acme-sandbox)',
    )
    // A member's own change: forwarded by its rules, routed by the same rules, alerted naming the account.
    expect(org).toMatch(
      /AttachUserPolicy \(recorded by the simulator\): forwarded by account 333333333333's iamwatch-forward-iam, iamwatch-forward-access-keys; rule iam -> [^\n]*admin-policy-attached; posture of [^\n]*user\/web\.oncall re-evaluated/,
    )
    const member = org.slice(org.indexOf('A change in acme-prod'))
    expect(received(member, 'security-team-all')).toContain(
      '  [iamwatch] HIGH: AdministratorAccess was attached - prod.admin (acme-prod, us-east-1)',
    )
    expect(member).toContain('Account:     333333333333 (acme-prod)')
    expect(member).toContain('OU:          Root/Workloads/Prod')
    expect(member).toContain('"accountName":"acme-prod","ouPath":"Root/Workloads/Prod"')
    // acme-sandbox forwards nothing: its change never reaches iamwatch.
    expect(member).toContain(
      'AttachUserPolicy (recorded by the simulator): not forwarded: account 555555555555 has no rule that sends it to the central bus',
    )
    expect(member).toContain('security-team-all: 0 message(s): acme-sandbox forwards nothing')
  }, 120_000)
})
