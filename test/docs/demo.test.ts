import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

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
    // Each step says how long it took, not the time since the start.
    expect(stdout).toMatch(/scan complete: \d+ findings opened \(\d+\.\d s\)/)
    expect(stdout).toMatch(/- the attacker stops the CloudTrail trail \(\d+ ms to the queue\)/)
  }, 120_000)
})
