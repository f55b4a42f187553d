import { beforeAll, describe, expect, it } from 'vitest'
import { historyText, historyView } from '../../bin/commands/history.ts'
import type { HistoryEntry } from '../../shared/model/finding.ts'
import { ACCOUNT, day, seedAuditTable } from '../support/auditors.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'

/** Runs the CLI as a user would: a separate process, the table reached through AWS_ENDPOINT_URL_DYNAMODB. */
async function iamwatch(...args: string[]) {
  return runCli(args, awsEnv({ dynamo: true }))
}

describe('iamwatch history', () => {
  let t: Awaited<ReturnType<typeof seedAuditTable>>
  beforeAll(async () => {
    t = await seedAuditTable()
  })

  it('shows every transition with its cause, actor, evidence changes and hashes, and that the chain verifies', async () => {
    // Act
    const { code, stdout } = await iamwatch('history', t.alice, '--table', t.tableName)
    // Assess
    expect(code).toBe(0)
    expect(stdout).toContain(
      `Finding ${t.alice}\n  user-no-mfa (medium): IAM user with a console password and no MFA`,
    )
    expect(stdout).toMatch(
      / {2}chain {6}verifies: 4 item\(s\) from the genesis hash to the state's head [0-9a-f]{64}\n/,
    )
    const items = stdout.split('\n\n').slice(1)
    expect(items.map((i) => i.split('\n')[0])).toEqual([
      `#1  ${day(1)}  OPENED      OPEN medium`,
      `#2  ${day(3)}  RESOLVED (passed)  RESOLVED medium`,
      `#3  ${day(5)}  REOPENED    OPEN medium`,
      `#4  ${day(6)}  SUPPRESSED  OPEN medium`,
    ])
    expect(items[0]).toContain('    cause     scan scan-1\n')
    expect(items[0]).toContain('    evidence  mfaActive: false\n              passwordEnabled: true\n')
    expect(items[0]).toMatch(/ {4}prev {6}0{64} {2}\(genesis\)/)
    expect(items[1]).toContain('    evidence  ~ mfaActive: false -> true\n')
    expect(items[2]).toContain(
      '    evidence  ~ mfaActive: true -> false\n              - passwordLastUsed (was "2026-02-01T00:00:00Z")\n',
    )
    expect(items[3]).toContain(
      '    cause     by hand (run manual-6)\n    actor     arn:aws:iam::1:user/ops\n',
    )
    expect(items[3]).toContain('    reason    leaving Friday\n')
    expect(items[3]).toContain('    evidence  unchanged\n')
    // Each item's prev is the hash of the one before.
    const hashes = items.map((i) => /hash {6}([0-9a-f]{64})/.exec(i)![1])
    const prevs = items.map((i) => /prev {6}([0-9a-f]{64})/.exec(i)![1])
    expect(prevs.slice(1)).toEqual(hashes.slice(0, -1))
  })

  it("names a detection's CloudTrail event and who caused it", async () => {
    const { code, stdout } = await iamwatch('history', t.root, '--table', t.tableName)
    expect(code).toBe(0)
    expect(stdout).toContain(
      `    cause     CloudTrail event ev-2 ConsoleLogin (signin.amazonaws.com) by arn:aws:iam::${ACCOUNT}:root from 203.0.113.9\n`,
    )
    expect(stdout).toContain('    evidence  ~ eventId: "ev-0" -> "ev-2"\n')
  })

  it('prints one JSON object with the state, the chain verdict and each item with cause and changes', async () => {
    const { code, stdout } = await iamwatch('history', t.alice, '--table', t.tableName, '--json')
    expect(code).toBe(0)
    const view = JSON.parse(stdout)
    expect(view.findingId).toBe(t.alice)
    expect(view.state).toMatchObject({ status: 'OPEN', seq: 4 })
    expect(view.chain).toMatchObject({ verifies: true, items: 4, head: { seq: 4 }, problems: [] })
    expect(view.items.map((i: { transition: string }) => i.transition)).toEqual([
      'OPENED',
      'RESOLVED',
      'REOPENED',
      'SUPPRESSED',
    ])
    expect(view.items[0]).toMatchObject({
      cause: { type: 'scan', scanId: 'scan-1' },
      evidenceChanges: null,
      hashVerifies: true,
      linkVerifies: true,
    })
    expect(view.items[2].evidenceChanges).toEqual({
      added: {},
      removed: { passwordLastUsed: '2026-02-01T00:00:00Z' },
      changed: { mfaActive: { from: true, to: false } },
    })
    expect(view.items[3]).toMatchObject({
      actor: 'arn:aws:iam::1:user/ops',
      cause: {
        type: 'manual',
        actor: 'arn:aws:iam::1:user/ops',
        reason: 'leaving Friday',
        runId: 'manual-6',
      },
    })
  })

  it('refuses an unknown id, suggesting the ids that share its first six characters', async () => {
    // Prepare: alice's id with its end mistyped.
    const typo = `${t.alice.slice(0, 10)}${'0'.repeat(22)}`
    // Act
    const { code, stdout, stderr } = await iamwatch('history', typo, '--table', t.tableName)
    const short = await iamwatch('history', 'abc', '--table', t.tableName)
    // Assess
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      `error: no finding "${typo}" in findings table ${t.tableName}; findings whose id begins with ${t.alice.slice(0, 6)}: ${t.alice}\n`,
    )
    expect(short.code).toBe(1)
    expect(short.stderr).toBe(
      `error: no finding "abc" in findings table ${t.tableName} (a finding id is 32 hex digits)\n`,
    )
  })
})

describe('the history view of a damaged item', () => {
  it('shows what is there, flags the hash, and does not fail on missing fields', async () => {
    // Prepare: alice's chain with the evidence and run id of item 2 gone.
    const t = await seedAuditTable()
    const chain = await t.store.readFinding(t.alice)
    const history = chain.history.map((e) => {
      if (e.seq !== 2) return e
      const { evidence: _e, scanId: _s, ...rest } = e
      return rest as HistoryEntry
    })
    // Act
    const view = historyView({ ...chain, history })
    const text = historyText(view)
    // Assess
    expect(view.chain).toMatchObject({ verifies: false, problems: [{ kind: 'altered', seq: 2 }] })
    expect(text).toContain('    cause     scan \n')
    expect(text).toContain('DOES NOT MATCH ITS CONTENT')
    expect(text).toContain('    evidence  - mfaActive (was false)\n')
  })
})

describe('iamwatch findings --as-of', () => {
  let t: Awaited<ReturnType<typeof seedAuditTable>>
  beforeAll(async () => {
    t = await seedAuditTable()
  })

  it('lists the findings open at that time, as they stood then, from the history', async () => {
    // Act
    const day2 = await iamwatch('findings', '--table', t.tableName, '--as-of', day(2), '--json')
    const day4 = await iamwatch('findings', '--table', t.tableName, '--as-of', day(4), '--json')
    const day7 = await iamwatch('findings', '--table', t.tableName, '--as-of', day(7), '--json')
    const before = await iamwatch('findings', '--table', t.tableName, '--as-of', '2026-02-01', '--json')
    // Assess
    const rows = (out: string) =>
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    expect(day2.code).toBe(0)
    expect(rows(day2.stdout)).toMatchObject([
      { resourceId: 'root', lastTransitionAt: day(2), evidence: { eventId: 'ev-2' } },
      { resourceId: 'alice', status: 'OPEN', firstOpenedAt: day(1), evidence: { mfaActive: false } },
    ])
    expect(rows(day4.stdout).map((r) => r.resourceId)).toEqual(['root'])
    // Suppressed on day 6: still open, as it was.
    expect(rows(day7.stdout)).toMatchObject([
      { resourceId: 'root' },
      { resourceId: 'alice', firstOpenedAt: day(1), lastTransitionAt: day(5), resolvedAt: null },
    ])
    expect(before.stdout).toBe('')
  })

  it('filters by severity and check, and prints a table with the time it is as of', async () => {
    const { code, stdout } = await iamwatch(
      'findings',
      '--table',
      t.tableName,
      '--as-of',
      '2026-03-03T00:00:00+01:00',
      '--check',
      'user-no-mfa',
    )
    expect(code).toBe(0)
    const [note, header, row, end] = stdout.split('\n')
    expect(note).toBe('1 finding(s) open at 2026-03-02T23:00:00.000Z, from the history:')
    expect(header).toMatch(/^SEVERITY\s+STATUS\s+CHECK/)
    expect(row).toMatch(/^MEDIUM\s+OPEN\s+user-no-mfa\s+alice\s/)
    expect(end).toBe('')
    const none = await iamwatch(
      'findings',
      '--table',
      t.tableName,
      '--as-of',
      day(2),
      '--severity',
      'low',
      '--json',
    )
    expect(none).toMatchObject({ code: 0, stdout: '' })
  })

  it('refuses a time without its zone, and --status RESOLVED', async () => {
    const local = await iamwatch('findings', '--table', t.tableName, '--as-of', '2026-03-03T00:00:00')
    expect(local.code).toBe(1)
    expect(local.stderr).toContain(
      `option '--as-of <time>' argument '2026-03-03T00:00:00' is invalid. "2026-03-03T00:00:00" is not an ISO 8601 time with its zone`,
    )
    const resolved = await iamwatch(
      'findings',
      '--table',
      t.tableName,
      '--as-of',
      day(2),
      '--status',
      'resolved',
    )
    expect(resolved).toMatchObject({
      code: 1,
      stderr: 'error: --as-of lists the findings open at that time: --status RESOLVED cannot apply\n',
    })
  })
})
