import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { startIamSimulator } from '../../local/iam-sim/server.ts'
import { createSecurityHubSync, SecurityHubSyncError } from '../../shared/app/security-hub-sync.ts'
import { securityHubClient } from '../../shared/aws/clients.ts'
import { importFindings } from '../../shared/aws/security-hub.ts'
import { asffFinding } from '../../shared/export/asff-import.ts'
import { ADMIN_KEY, adminAccount } from '../simulator/sdk.ts'
import { ACCOUNT, CTX, checkFinding, detectionFinding, PRODUCT_ARN, REGION, Story } from './fixtures.ts'

/**
 * The Security Hub import (shared/aws/security-hub.ts, shared/app/security-hub-sync.ts) through the real
 * SDK client, built by the client factory, against the simulator's Security Hub (REST-JSON).
 */

let sim: IamSimulator | undefined
afterEach(async () => {
  vi.unstubAllEnvs()
  await sim?.stop()
  sim = undefined
})

interface Line {
  level: 'info' | 'warn' | 'error'
  message: string
  extra?: Record<string, unknown>
}

async function start() {
  // Security Hub's own times (ProcessedAt, a note's UpdatedAt) from a clock that stands still.
  sim = await startIamSimulator(adminAccount(ACCOUNT), { clock: () => new Date('2026-12-01T00:00:00.000Z') })
  const client = securityHubClient({
    endpoint: sim.endpoint,
    region: REGION,
    credentials: { accessKeyId: ADMIN_KEY, secretAccessKey: 'not-checked' },
  })
  const lines: Line[] = []
  const log = {
    info: (message: string, extra?: Record<string, unknown>) => lines.push({ level: 'info', message, extra }),
    warn: (message: string, extra?: Record<string, unknown>) => lines.push({ level: 'warn', message, extra }),
    error: (message: string, extra?: Record<string, unknown>) =>
      lines.push({ level: 'error', message, extra }),
  }
  const sync = createSecurityHubSync({ client, ...CTX, log, retry: { backoffMs: 1 } })
  return { sim, client, sync, lines }
}

/** The finding as Security Hub has it (GetFindings by Id). */
async function fetched(client: SecurityHubClient, findingId: string): Promise<AwsSecurityFinding> {
  const out = await client.send(
    new GetFindingsCommand({ Filters: { Id: [{ Value: `iamwatch/${findingId}`, Comparison: 'EQUALS' }] } }),
  )
  expect(out.Findings).toHaveLength(1)
  return out.Findings![0]!
}

const state = (f: AwsSecurityFinding) => ({
  workflow: f.Workflow?.Status,
  record: f.RecordState,
  compliance: f.Compliance?.Status,
  transition: f.ProductFields?.['iamwatch/transition'],
})

describe('importing transitions into Security Hub', () => {
  it('imports an opened finding as NEW, ACTIVE and FAILED, in one BatchImportFindings call', async () => {
    // Prepare
    const { client, sync, lines } = await start()
    const opened = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    await sync([opened])
    // Assess
    const f = await fetched(client, opened.findingId)
    expect(state(f)).toEqual({
      workflow: 'NEW',
      record: 'ACTIVE',
      compliance: 'FAILED',
      transition: 'OPENED',
    })
    expect(f).toMatchObject({
      ProductArn: PRODUCT_ARN,
      AwsAccountId: ACCOUNT,
      GeneratorId: 'console-user-no-mfa',
      UpdatedAt: '2026-11-23T08:00:00.000Z',
      Severity: { Label: 'HIGH' },
    })
    expect(sim!.requestCount('BatchImportFindings')).toBe(1)
    expect(sim!.requestCount('BatchUpdateFindings')).toBe(0)
    expect(lines).toContainEqual({
      level: 'info',
      message: 'security hub import',
      extra: { findings: 1, workflowUpdates: 0, transitions: 1 },
    })
  })

  it('imports the same transitions again without changing anything (a redelivered batch)', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(checkFinding())
    const batch = [
      story.step('OPENED', '2026-11-23T08:00:00.000Z'),
      story.step('RESOLVED', '2026-11-24T08:00:00.000Z'),
    ]
    await sync(batch)
    const before = await fetched(client, story.finding.id)
    // Act
    await sync(batch)
    // Assess
    const after = await fetched(client, story.finding.id)
    expect(after).toEqual(before)
    expect(sim!.securityHub.all()).toHaveLength(1)
    expect(state(after)).toMatchObject({ workflow: 'RESOLVED', record: 'ARCHIVED' })
  })

  it('resolves a finding: PASSED and ARCHIVED by the import, RESOLVED by BatchUpdateFindings with a note; a reopening makes it NEW again', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(checkFinding())
    await sync([story.step('OPENED', '2026-11-23T08:00:00.000Z')])
    // Act
    await sync([story.step('RESOLVED', '2026-11-24T08:00:00.000Z')])
    const resolved = await fetched(client, story.finding.id)
    await sync([story.step('REOPENED', '2026-11-25T08:00:00.000Z')])
    const reopened = await fetched(client, story.finding.id)
    // Assess
    expect(state(resolved)).toEqual({
      workflow: 'RESOLVED',
      record: 'ARCHIVED',
      compliance: 'PASSED',
      transition: 'RESOLVED',
    })
    expect(resolved.Note).toMatchObject({
      Text: 'Resolved in iamwatch at 2026-11-24T08:00:00.000Z (passed).',
      UpdatedBy: 'iamwatch',
    })
    expect(state(reopened)).toEqual({
      workflow: 'NEW',
      record: 'ACTIVE',
      compliance: 'FAILED',
      transition: 'REOPENED',
    })
    expect(reopened.UpdatedAt).toBe('2026-11-25T08:00:00.000Z')
    expect(sim!.requestCount('BatchUpdateFindings')).toBe(1)
  })

  it('suppresses and unsuppresses a finding through its workflow status', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(checkFinding())
    await sync([story.step('OPENED', '2026-11-23T08:00:00.000Z')])
    // Act
    await sync([story.step('SUPPRESSED', '2026-11-23T09:00:00.000Z')])
    const suppressed = await fetched(client, story.finding.id)
    await sync([story.step('UNSUPPRESSED', '2026-11-24T09:00:00.000Z')])
    const unsuppressed = await fetched(client, story.finding.id)
    // Assess
    expect(state(suppressed)).toMatchObject({ workflow: 'SUPPRESSED', record: 'ACTIVE' })
    expect(suppressed.Note?.Text).toContain('Suppressed in iamwatch by arn:aws:iam::123456789012:user/carol')
    expect(suppressed.ProductFields?.['iamwatch/suppression']).toContain('owner secops')
    expect(state(unsuppressed)).toMatchObject({ workflow: 'NEW', record: 'ACTIVE' })
    expect(unsuppressed.Note?.Text).toContain('Suppression lifted in iamwatch by iamwatch')
  })

  it('leaves a workflow a user set on a new occurrence, escalates its severity, and resolves it once acknowledged', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(detectionFinding())
    const opened = story.step('OPENED', '2026-11-23T09:58:01.000Z')
    await sync([opened])
    await client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: `iamwatch/${opened.findingId}`, ProductArn: PRODUCT_ARN }],
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: 'asked bob', UpdatedBy: 'arn:aws:iam::123456789012:user/analyst' },
      }),
    )
    // Act
    await sync([story.step('OCCURRED', '2026-11-23T10:30:00.000Z', { severity: 'critical' })])
    const occurred = await fetched(client, opened.findingId)
    await sync([story.step('ACKNOWLEDGED', '2026-11-23T11:00:00.000Z')])
    const acknowledged = await fetched(client, opened.findingId)
    // Assess
    expect(state(occurred)).toEqual({
      workflow: 'NOTIFIED',
      record: 'ACTIVE',
      compliance: undefined,
      transition: 'OCCURRED',
    })
    expect(occurred.Note?.Text).toBe('asked bob')
    expect(occurred.Severity?.Label).toBe('CRITICAL')
    expect(state(acknowledged)).toMatchObject({ workflow: 'RESOLVED', record: 'ARCHIVED' })
    expect(acknowledged.Note?.Text).toContain(
      'Acknowledged in iamwatch by arn:aws:iam::123456789012:user/carol',
    )
  })

  it('imports two transitions of one finding in a batch once, as the newer, created when it opened', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(checkFinding())
    const batch = [
      story.step('OPENED', '2026-11-23T08:00:00.000Z'),
      story.step('RESOLVED', '2026-11-24T08:00:00.000Z'),
    ]
    // Act
    await sync(batch)
    // Assess
    const f = await fetched(client, story.finding.id)
    expect(state(f)).toMatchObject({ workflow: 'RESOLVED', record: 'ARCHIVED', transition: 'RESOLVED' })
    expect(f.CreatedAt).toBe('2026-11-23T08:00:00.000Z')
    expect(sim!.requestCount('BatchImportFindings')).toBe(1)
  })

  it('does not let a batch delivered again after a newer one set an older workflow status', async () => {
    // Prepare
    const { client, sync, lines } = await start()
    const story = new Story(checkFinding())
    await sync([story.step('OPENED', '2026-11-23T08:00:00.000Z')])
    const resolved = story.step('RESOLVED', '2026-11-24T08:00:00.000Z')
    await sync([resolved])
    await sync([story.step('REOPENED', '2026-11-25T08:00:00.000Z')])
    // Act
    await sync([resolved])
    // Assess
    expect(state(await fetched(client, story.finding.id))).toEqual({
      workflow: 'NEW',
      record: 'ACTIVE',
      compliance: 'FAILED',
      transition: 'REOPENED',
    })
    expect(sim!.requestCount('BatchUpdateFindings')).toBe(1)
    expect(lines.map((l) => l.message)).toContain('security hub workflow left to a newer transition')
  })

  it('imports 250 findings in calls of at most 100, and resolves them in workflow updates of at most 100', async () => {
    // Prepare
    const { sync } = await start()
    const stories = Array.from(
      { length: 250 },
      (_, i) => new Story(checkFinding({ resourceId: `user/u${i}` })),
    )
    // Act
    await sync(stories.map((s) => s.step('OPENED', '2026-11-23T08:00:00.000Z')))
    await sync(stories.map((s) => s.step('RESOLVED', '2026-11-24T08:00:00.000Z')))
    // Assess
    expect(sim!.requestCount('BatchImportFindings')).toBe(6)
    expect(sim!.requestCount('BatchUpdateFindings')).toBe(3)
    const all = sim!.securityHub.all(ACCOUNT)
    expect(all).toHaveLength(250)
    expect(all.every((f) => (f.Workflow as { Status: string }).Status === 'RESOLVED')).toBe(true)
  })

  it('skips, with a warning, findings of other accounts, which the default product does not take', async () => {
    // Prepare
    const { sync, lines } = await start()
    const member = new Story(checkFinding({ accountId: '222222222222' })).step(
      'OPENED',
      '2026-11-23T08:00:00.000Z',
    )
    // Act
    await sync([member])
    // Assess
    expect(sim!.requestCount()).toBe(0)
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'security hub import skipped findings of other accounts',
      extra: { skipped: 1, accounts: ['222222222222'] },
    })
  })

  it('finds Security Hub through AWS_ENDPOINT_URL_SECURITYHUB when no endpoint is given', async () => {
    // Prepare
    await start()
    vi.stubEnv('AWS_ENDPOINT_URL_SECURITYHUB', sim!.endpoint)
    const client = securityHubClient()
    // Act
    const out = await client.send(new GetFindingsCommand({}))
    // Assess
    expect(out.Findings).toEqual([])
    expect(sim!.requestCount('GetFindings')).toBe(1)
  })
})

describe('retries and failures', () => {
  it('retries throttled calls', async () => {
    // Prepare
    const { client, sync } = await start()
    sim!.faults.failNext = { BatchImportFindings: { times: 2, code: 'Throttling' } }
    const opened = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    await sync([opened])
    // Assess
    expect(sim!.requestCount('BatchImportFindings')).toBe(3)
    expect(state(await fetched(client, opened.findingId)).workflow).toBe('NEW')
  })

  it('imports again only the findings Security Hub refused for a transient reason', async () => {
    // Prepare
    const { sync } = await start()
    const entries = ['a', 'b', 'c'].map((u) =>
      new Story(checkFinding({ resourceId: `user/${u}` })).step('OPENED', '2026-11-23T08:00:00.000Z'),
    )
    const throttled = `iamwatch/${entries[1]!.findingId}`
    sim!.securityHub.failFindings({
      operation: 'BatchImportFindings',
      code: 'ThrottlingException',
      times: 2,
      ids: [throttled],
    })
    const sizes: number[] = []
    sim!.securityHub.onImport = (n) => sizes.push(n)
    // Act
    await sync(entries)
    // Assess
    expect(sizes).toEqual([3, 1, 1])
    expect(sim!.securityHub.all(ACCOUNT)).toHaveLength(3)
  })

  it('reports a malformed finding in FailedFindings with Security Hub’s code and message, without retrying it', async () => {
    // Prepare
    const { client } = await start()
    const good = asffFinding(new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z'), CTX)
    const malformed = { ...good, Id: 'iamwatch/malformed', Title: ' ', Resources: [] }
    // Act
    const result = await importFindings(client, [good, malformed], { backoffMs: 1 })
    // Assess
    expect(result.imported).toBe(1)
    expect(result.failed).toEqual([
      {
        id: 'iamwatch/malformed',
        code: 'InvalidInput',
        message:
          'Finding does not adhere to Amazon Finding Format. data.Title should match pattern ".*\\S.*".',
      },
    ])
    expect(sim!.requestCount('BatchImportFindings')).toBe(1)
  })

  it('throws, and logs, when a finding is refused, so the caller delivers the batch again', async () => {
    // Prepare
    const { sync, lines } = await start()
    const opened = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    sim!.securityHub.failFindings({
      operation: 'BatchImportFindings',
      code: 'InvalidInput',
      message: 'Finding does not adhere to Amazon Finding Format.',
      times: 1,
    })
    // Act
    const failure = await sync([opened]).catch((err: unknown) => err)
    await sync([opened])
    // Assess
    expect(failure).toBeInstanceOf(SecurityHubSyncError)
    expect((failure as SecurityHubSyncError).failed).toEqual([
      {
        id: `iamwatch/${opened.findingId}`,
        code: 'InvalidInput',
        message: 'Finding does not adhere to Amazon Finding Format.',
      },
    ])
    expect(lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'security hub did not import a finding',
    ])
    expect(sim!.securityHub.all(ACCOUNT)).toHaveLength(1)
  })

  it('gives up on a finding still throttled after its retries, and throws', async () => {
    // Prepare
    const { client } = await start()
    sim!.securityHub.failFindings({
      operation: 'BatchImportFindings',
      code: 'ThrottlingException',
      times: 99,
    })
    const opened = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    const sync = createSecurityHubSync({
      client,
      ...CTX,
      log: { info() {}, warn() {}, error() {} },
      retry: { retries: 2, backoffMs: 1 },
    })
    // Act
    const failure = await sync([opened]).catch((err: unknown) => err)
    // Assess
    expect(failure).toBeInstanceOf(SecurityHubSyncError)
    expect((failure as Error).message).toContain('ThrottlingException')
    expect(sim!.requestCount('BatchImportFindings')).toBe(3)
  })

  it('retries a workflow update Security Hub left unprocessed for a concurrent update', async () => {
    // Prepare
    const { client, sync } = await start()
    const story = new Story(checkFinding())
    await sync([story.step('OPENED', '2026-11-23T08:00:00.000Z')])
    sim!.securityHub.failFindings({
      operation: 'BatchUpdateFindings',
      code: 'ConcurrentUpdateError',
      times: 1,
    })
    // Act
    await sync([story.step('RESOLVED', '2026-11-24T08:00:00.000Z')])
    // Assess
    expect(sim!.requestCount('BatchUpdateFindings')).toBe(2)
    expect(state(await fetched(client, story.finding.id)).workflow).toBe('RESOLVED')
  })

  it('fails on a Security Hub that is not enabled in the account', async () => {
    // Prepare
    const { sync } = await start()
    sim!.securityHub.disable(ACCOUNT)
    const opened = new Story(checkFinding()).step('OPENED', '2026-11-23T08:00:00.000Z')
    // Act
    const failure = await sync([opened]).catch((err: unknown) => err)
    // Assess
    expect(failure).toMatchObject({ name: 'InvalidAccessException', $metadata: { httpStatusCode: 401 } })
    expect(sim!.requestCount('BatchImportFindings')).toBe(1)
  })
})
