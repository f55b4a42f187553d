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
  it('scans, alerts, resolves, writes nothing on an unchanged re-scan, and verifies the audit chain', async () => {
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
  }, 120_000)
})
