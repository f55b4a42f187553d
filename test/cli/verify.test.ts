import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, inject, it } from 'vitest'
import { documentClient } from '../../shared/aws/clients.ts'
import { keys } from '../../shared/aws/findings-table.ts'
import { day, seedAuditTable } from '../support/auditors.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'

const iamwatch = (...args: string[]) => runCli(args, awsEnv({ dynamo: true }))

const db = () => documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })

describe('iamwatch verify', () => {
  it('exits 0 when every chain is intact and ends at its head', async () => {
    // Prepare
    const t = await seedAuditTable()
    // Act
    const { code, stdout, stderr } = await iamwatch('verify', '--table', t.tableName)
    const json = await iamwatch('verify', '--table', t.tableName, '--json')
    // Assess
    expect(code).toBe(0)
    // Without keys, only the chains are checked, and stderr says so.
    expect(stderr).toBe('MACs not checked: no --mac-key\ndigests not checked: no --digest-bucket\n')
    expect(stdout).toMatch(
      /^verified 2 finding\(s\), 6 history item\(s\) \(hash chains\), in \d+\.\d s: every chain intact, each ending at its finding's head\n$/,
    )
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      findings: 2,
      items: 6,
      broken: 0,
      problems: [],
      checked: { chains: true, macs: false, digests: false },
    })
  })

  it('exits 3 naming each finding tampered with and what is wrong', async () => {
    // Prepare: alice's second item's evidence edited, root's newest item deleted.
    const t = await seedAuditTable()
    await db().send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.history(t.alice, 2),
        UpdateExpression: 'SET evidence.mfaActive = :f',
        ExpressionAttributeValues: { ':f': false },
      }),
    )
    await db().send(new DeleteCommand({ TableName: t.tableName, Key: keys.history(t.root, 2) }))
    // Act
    const { code, stdout } = await iamwatch('verify', '--table', t.tableName)
    const json = await iamwatch('verify', '--table', t.tableName, '--json')
    // Assess
    expect(code).toBe(3)
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^verified 2 finding\(s\), 5 history item\(s\) \(hash chains\), in \d+\.\d s: 2 finding\(s\) with problems$/,
    )
    expect(lines.slice(1).sort()).toEqual(
      [
        `${t.alice}  altered: item 2 (RESOLVED at ${day(3)}): its content does not match its hash`,
        `${t.root}  ends-before-head: history ends at item 1 but the state's head is item 2: item 2 gone`,
      ].sort(),
    )
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, findings: 2, broken: 2 })
  })

  it('detects a deleted middle item and a changed state head', async () => {
    const t = await seedAuditTable()
    await db().send(new DeleteCommand({ TableName: t.tableName, Key: keys.history(t.alice, 2) }))
    await db().send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.finding(t.root),
        UpdateExpression: 'SET #s = :r',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':r': 'RESOLVED' },
      }),
    )
    const { code, stdout } = await iamwatch('verify', '--table', t.tableName, '--json')
    expect(code).toBe(3)
    expect(
      JSON.parse(stdout).problems.map((p: { findingId: string; kind: string; seq: number }) => [
        p.findingId,
        p.kind,
        p.seq,
      ]),
    ).toEqual(
      [
        [t.alice, 'missing', 2],
        [t.root, 'state-altered', 2],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    )
    // The history command says the same of one finding, and exits 3 too.
    const history = await iamwatch('history', t.alice, '--table', t.tableName)
    expect(history.code).toBe(3)
    expect(history.stdout).toContain(
      "  chain      DOES NOT VERIFY against the state's head:\n             - missing: item 2 missing\n",
    )
    expect(history.stdout).toContain('(item 2 missing)')
  })

  it('with --since, checks only the findings with a transition since then', async () => {
    // Prepare: root's first item (day 0) edited; alice changed on days 1-6, root last on day 2.
    const t = await seedAuditTable()
    await db().send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.history(t.root, 1),
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': 'nothing to see' },
      }),
    )
    // Act
    const recent = await iamwatch('verify', '--table', t.tableName, '--since', day(4), '--json')
    const all = await iamwatch('verify', '--table', t.tableName, '--since', '2026-03-01', '--json')
    // Assess: only alice is checked since day 4 (her whole chain, which is intact).
    expect(recent.code).toBe(0)
    expect(JSON.parse(recent.stdout)).toEqual({
      ok: true,
      findings: 1,
      items: 4,
      broken: 0,
      problems: [],
      checked: { chains: true, macs: false, digests: false },
      since: day(4),
    })
    expect(all.code).toBe(3)
    expect(JSON.parse(all.stdout).problems).toMatchObject([{ findingId: t.root, kind: 'altered', seq: 1 }])
  })

  it('refuses a --since it cannot read', async () => {
    const { code, stderr } = await iamwatch('verify', '--table', 'x-table', '--since', 'last week')
    expect(code).toBe(1)
    expect(stderr).toContain(`option '--since <time>' argument 'last week' is invalid.`)
  })
})
