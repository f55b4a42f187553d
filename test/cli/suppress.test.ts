import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { recordDetections } from '../../shared/app/on-event.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { MemoryCounters } from '../../shared/detections/thresholds.ts'
import { findingId, GENESIS_HASH } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'
import { startCliSimulator } from '../support/cli-account.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { event, signin } from '../support/events.ts'
import { newStore } from '../support/harness.ts'

/**
 * `iamwatch suppress`, `unsuppress`, `ack` and `suppressions`, run as a user would: a separate process
 * configured through the standard AWS variables, against the IAM/STS simulator and DynamoDB Local. The
 * actor is the caller's ARN from GetCallerIdentity.
 */
const ACCOUNT = '777788889999'
const CALLER = `arn:aws:iam::${ACCOUNT}:user/iamwatch-scanner`
const KEY_FINDING = findingId({
  accountId: ACCOUNT,
  checkId: 'access-key-rotation',
  resourceId: 'user/dev',
  credentialId: 'AKIADEVOLDKEY0000001',
})
let sim: IamSimulator

beforeAll(async () => {
  sim = await startCliSimulator()
})
afterAll(async () => sim?.stop())

async function iamwatch(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { ...awsEnv({ iam: sim.endpoint, sts: sim.endpoint, dynamo: true }), ...env })
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

/** A findings table holding the account's one posture finding (dev's 120-day-old key). */
async function scannedTable(): Promise<{ store: FindingsStore; table: string }> {
  const { store, tableName } = await newStore()
  const scan = await iamwatch([
    'scan',
    '--table',
    tableName,
    '--only',
    'credentials',
    '--report-poll-ms',
    '10',
  ])
  expect(scan.code).toBe(0)
  return { store, table: tableName }
}

describe('iamwatch suppress <finding-id>', () => {
  let store: FindingsStore
  let table: string
  beforeAll(async () => {
    ;({ store, table } = await scannedTable())
  })
  const history = async () => (await store.history(KEY_FINDING)).map((e) => e.transition)

  it('refuses a suppression without a reason, without an expiry, or beyond the maximum, and writes nothing', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'iamwatch-'))
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ suppressions: { maxDays: 30 } }))
    const base = ['suppress', KEY_FINDING, '--table', table]
    // Act
    const noReason = await iamwatch([...base, '--until', '30d'])
    const noExpiry = await iamwatch([...base, '--reason', 'accepted'])
    const tooFar = await iamwatch([...base, '--reason', 'accepted', '--until', '366d'])
    const beyondConfigured = await iamwatch([
      ...base,
      '--reason',
      'accepted',
      '--until',
      '31d',
      '--config',
      config,
    ])
    const notADate = await iamwatch([...base, '--reason', 'accepted', '--until', 'soon'])
    // Assess
    expect([noReason, noExpiry, tooFar, beyondConfigured, notADate].map((r) => r.code)).toEqual([
      1, 1, 1, 1, 1,
    ])
    expect(noReason.stderr).toBe('error: a suppression needs a reason (--reason)\n')
    expect(noExpiry.stderr).toBe('error: a suppression needs an expiry (--until)\n')
    expect(tooFar.stderr).toMatch(
      /^error: the expiry \S+ is more than 365 days away \(suppressions.maxDays\)/,
    )
    expect(beyondConfigured.stderr).toMatch(/is more than 30 days away/)
    expect(notADate.stderr).toMatch(/the expiry "soon" is not a date/)
    expect(await history()).toEqual(['OPENED'])
  })

  it('suppresses the finding as the caller, once however often the command is repeated', async () => {
    // Act
    const args = [
      'suppress',
      KEY_FINDING,
      '--table',
      table,
      '--reason',
      'CI key, rotation in Q1',
      '--until',
      '2099-01-01',
    ]
    const tooFar = await iamwatch(args)
    const first = await iamwatch([...args.slice(0, -1), '90d', '--owner', 'ci-team'])
    const again = await iamwatch([...args.slice(0, -1), '90d', '--owner', 'ci-team'])
    // Assess
    expect(tooFar.code).toBe(1)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      new RegExp(
        `^suppressed ${KEY_FINDING} \\(access-key-rotation on user/dev \\(AKIADEVOLDKEY0000001\\), OPEN\\) until \\S+, owner ci-team, by ${CALLER}: CI key, rotation in Q1\\n$`,
      ),
    )
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/is already suppressed so .*: nothing written\n$/)
    expect(await history()).toEqual(['OPENED', 'SUPPRESSED'])
    const [, suppressed] = await store.history(KEY_FINDING)
    expect(suppressed).toMatchObject({ actor: CALLER, reason: 'CI key, rotation in Q1' })
    const state = (await store.getFinding(KEY_FINDING))!
    expect(state.suppression).toMatchObject({ owner: 'ci-team', by: CALLER })
    expect(verifyChain(await store.history(KEY_FINDING), GENESIS_HASH, state)).toEqual({ ok: true })
  })

  it('lists it with owner, reason and expiry, and lifts it with unsuppress (once)', async () => {
    // Act
    const listed = await iamwatch(['suppressions', '--table', table])
    const json = await iamwatch(['suppressions', '--table', table, '--json'])
    const lifted = await iamwatch([
      'unsuppress',
      KEY_FINDING,
      '--table',
      table,
      '--reason',
      'rotated after all',
    ])
    const again = await iamwatch(['unsuppress', KEY_FINDING, '--table', table])
    // Assess
    const [header, row] = listed.stdout.split('\n')
    expect(header).toMatch(/^KIND\s+ID\s+CHECK\s+RESOURCE\s+STATE\s+OWNER\s+UNTIL\s+REASON$/)
    expect(row).toMatch(
      /^finding\s+\w{32}\s+access-key-rotation\s+user\/dev \(AKIADEVOLDKEY0000001\)\s+OPEN\s+ci-team\s+\S+Z\s+CI key, rotation in Q1$/,
    )
    expect(listed.stderr).toBe('0 rule(s), 1 suppressed finding(s)\n')
    expect(lines(json.stdout)).toEqual([
      expect.objectContaining({
        kind: 'finding',
        findingId: KEY_FINDING,
        status: 'OPEN',
        expired: false,
        suppression: expect.objectContaining({ owner: 'ci-team', reason: 'CI key, rotation in Q1' }),
      }),
    ])
    expect(lifted.stdout).toBe(
      `unsuppressed ${KEY_FINDING} (access-key-rotation on user/dev (AKIADEVOLDKEY0000001), OPEN)\n`,
    )
    expect(again.stdout).toBe(`${KEY_FINDING} is not suppressed: nothing written\n`)
    const items = await store.history(KEY_FINDING)
    expect(items.map((e) => e.transition)).toEqual(['OPENED', 'SUPPRESSED', 'UNSUPPRESSED'])
    expect(items[2]).toMatchObject({ actor: CALLER, reason: 'rotated after all' })
  })

  it('refuses an unknown finding, and a finding id that is not one', async () => {
    const missing = await iamwatch([
      'suppress',
      'f'.repeat(32),
      '--table',
      table,
      '--reason',
      'r',
      '--until',
      '1d',
    ])
    const bad = await iamwatch(['suppress', 'nope', '--table', table, '--reason', 'r', '--until', '1d'])
    expect([missing.code, bad.code]).toEqual([1, 1])
    expect(missing.stderr).toBe(`error: no finding ${'f'.repeat(32)}\n`)
    expect(bad.stderr).toMatch(/a finding id \(32 hexadecimal digits\), not "nope"/)
  })
})

describe('iamwatch suppress --check --resource (rules)', () => {
  it('stores the rule, applies it to matching open findings at once, and repeats as a no-op', async () => {
    // Prepare
    const { store, table } = await scannedTable()
    const args = [
      'suppress',
      '--check',
      'access-key-rotation',
      '--resource',
      'user/d*',
      '--reason',
      'legacy CI',
    ]
    // Act
    const first = await iamwatch([...args, '--until', '60d', '--table', table, '--json'])
    const again = await iamwatch([
      ...args,
      '--until',
      first.stdout ? lines(first.stdout)[0].until : '60d',
      '--table',
      table,
    ])
    const listed = await iamwatch(['suppressions', '--table', table, '--json'])
    // Assess
    expect(first.code).toBe(0)
    const [rule, applied] = lines(first.stdout)
    expect(rule).toMatchObject({
      kind: 'rule',
      outcome: 'created',
      source: 'table',
      accountId: ACCOUNT,
      check: 'access-key-rotation',
      resource: 'user/d*',
      owner: CALLER,
      by: CALLER,
    })
    expect(applied).toMatchObject({ kind: 'finding', outcome: 'applied', findingId: KEY_FINDING })
    expect(again.stdout).toMatch(new RegExp(`^rule ${rule.id} unchanged: `))
    expect(again.stdout).toContain('0 open finding(s) suppressed now, 1 already were')
    expect((await store.history(KEY_FINDING)).map((e) => e.transition)).toEqual(['OPENED', 'SUPPRESSED'])
    expect(lines(listed.stdout).map((l) => `${l.kind}:${l.id ?? l.findingId}`)).toEqual([
      `rule:${rule.id}`,
      `finding:${KEY_FINDING}`,
    ])
  })

  it('removes a rule with unsuppress --rule and lifts what it suppressed; a configured rule is listed but not removable', async () => {
    // Prepare
    const { store, table } = await scannedTable()
    const dir = mkdtempSync(join(tmpdir(), 'iamwatch-'))
    const config = join(dir, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        suppressions: [
          { check: 'root-mfa', resource: 'root', reason: 'sandbox account', until: '2099-01-01' },
        ],
      }),
    )
    const created = await iamwatch([
      'suppress',
      '--check',
      'access-key-rotation',
      '--resource',
      '*',
      '--reason',
      'r',
      '--until',
      '10d',
      '--table',
      table,
      '--json',
    ])
    const ruleIdValue = lines(created.stdout)[0].id as string
    // Act
    const listed = await iamwatch(['suppressions', '--table', table, '--config', config])
    const configured = await iamwatch([
      'unsuppress',
      '--rule',
      listed.stdout.match(/cfg-\w+/)![0],
      '--table',
      table,
    ])
    const removed = await iamwatch(['unsuppress', '--rule', ruleIdValue, '--table', table])
    const again = await iamwatch(['unsuppress', '--rule', ruleIdValue, '--table', table])
    // Assess
    expect(listed.stdout).toMatch(
      /^rule\s+cfg-\w+\s+root-mfa\s+root\s+config\s+config\s+2099-01-01T00:00:00.000Z\s+sandbox account$/m,
    )
    expect(configured.code).toBe(1)
    expect(configured.stderr).toMatch(/is in the configuration: remove it there/)
    expect(removed.stdout).toBe(
      `rule ${ruleIdValue} removed\nunsuppressed ${KEY_FINDING} (access-key-rotation on user/dev (AKIADEVOLDKEY0000001), OPEN)\n1 finding(s) unsuppressed\n`,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/no rule sr-\w+ in account 777788889999, and no finding suppressed by it/)
    const items = await store.history(KEY_FINDING)
    expect(items.map((e) => e.transition)).toEqual(['OPENED', 'SUPPRESSED', 'UNSUPPRESSED'])
    expect(items[2]!.reason).toBe(`rule ${ruleIdValue} removed`)
  })

  it('refuses a rule without a resource pattern, or with a finding id as well', async () => {
    const { table } = await scannedTable()
    const noResource = await iamwatch([
      'suppress',
      '--check',
      'root-mfa',
      '--reason',
      'r',
      '--until',
      '1d',
      '--table',
      table,
    ])
    const both = await iamwatch([
      'suppress',
      KEY_FINDING,
      '--check',
      'root-mfa',
      '--resource',
      '*',
      '--reason',
      'r',
      '--until',
      '1d',
      '--table',
      table,
    ])
    expect(noResource.stderr).toBe('error: a rule needs both --check and --resource\n')
    expect(both.stderr).toBe('error: give a finding id, or --check and --resource for a rule, not both\n')
  })
})

describe('iamwatch ack', () => {
  it('closes an open detection finding as the caller, once; takes a posture finding off escalation without closing it; refuses a missing reason', async () => {
    // Prepare: a root console sign-in recorded by the event path
    const { store, table } = await scannedTable()
    const login = signin('ConsoleLogin', 'Success', {
      userIdentity: {
        type: 'Root',
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
      },
      recipientAccountId: ACCOUNT,
      additionalEventData: { MFAUsed: 'No' },
    })
    const [fired] = await recordDetections(event(login), {
      store,
      counters: new MemoryCounters(),
      config: parseConfig({}),
      region: 'us-east-1',
      log: silentLog,
      accountId: ACCOUNT,
    })
    const id = fired!.findingId
    // Act
    const noReason = await iamwatch(['ack', id, '--table', table])
    const posture = await iamwatch(['ack', KEY_FINDING, '--table', table, '--reason', 'r'])
    const acked = await iamwatch(['ack', id, '--table', table, '--reason', 'my own break-glass test'])
    const again = await iamwatch([
      'ack',
      id,
      '--table',
      table,
      '--reason',
      'my own break-glass test',
      '--json',
    ])
    // Assess
    expect(noReason.stderr).toBe('error: an acknowledgement needs a reason (--reason)\n')
    expect(posture.code).toBe(0)
    expect(posture.stdout).toMatch(
      new RegExp(
        `^acknowledged ${KEY_FINDING} \\(access-key-rotation on .*\\): it will not be escalated; it stays OPEN until its check passes\\n$`,
      ),
    )
    expect((await store.getFinding(KEY_FINDING))?.status).toBe('OPEN')
    const postureAgain = await iamwatch(['ack', KEY_FINDING, '--table', table, '--reason', 'r', '--json'])
    expect(lines(postureAgain.stdout)).toEqual([
      expect.objectContaining({ kind: 'escalation', outcome: 'unchanged', escalation: 'acknowledged' }),
    ])
    expect(acked.stdout).toBe(
      `acknowledged ${id} (root-console-login by arn:aws:iam::${ACCOUNT}:root): RESOLVED (acknowledged); the next occurrence reopens it\n`,
    )
    expect(lines(again.stdout)).toEqual([
      expect.objectContaining({ outcome: 'unchanged', status: 'RESOLVED', resolution: 'acknowledged' }),
    ])
    const items = await store.history(id)
    expect(items.map((e) => e.transition)).toEqual(['OPENED', 'ACKNOWLEDGED'])
    expect(items[1]).toMatchObject({ actor: CALLER, reason: 'my own break-glass test' })
  })
})
