import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { CredentialReportUnavailable, fetchCredentialReport } from '../../shared/aws/credential-report.ts'

let sim: IamSimulator | undefined
afterEach(async () => sim?.stop())

describe('fetchCredentialReport', () => {
  it('polls an in-progress report until it is ready', async () => {
    sim = await startIamSimulator(new AccountBuilder().user('alice').build(), { reportDelayMs: 120 })
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1' })
    const { csv } = await fetchCredentialReport(iam, { pollIntervalMs: 20 })
    expect(csv).toContain('\nalice,')
    expect(sim.requestCount('GetCredentialReport')).toBeGreaterThanOrEqual(1)
  })

  it('regenerates an expired report', async () => {
    sim = await startIamSimulator(new AccountBuilder().user('alice').build(), { reportDelayMs: 0 })
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1' })
    await fetchCredentialReport(iam, { pollIntervalMs: 5 })
    sim.account.advance(5 * 3_600_000)
    const { generatedAt } = await fetchCredentialReport(iam, { pollIntervalMs: 5 })
    expect(generatedAt.getTime()).toBeGreaterThan(Date.now() + 4 * 3_600_000)
  })

  it('backs off on LimitExceeded and then succeeds', async () => {
    sim = await startIamSimulator(new AccountBuilder().build(), { reportDelayMs: 0 })
    sim.faults.failNext = { GetCredentialReport: { times: 2, code: 'LimitExceeded' } }
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1 })
    await expect(fetchCredentialReport(iam, { pollIntervalMs: 5 })).resolves.toHaveProperty('csv')
    expect(sim.requestCount('GetCredentialReport')).toBe(3)
  })

  it('gives up with a clear error when the report never becomes ready', async () => {
    sim = await startIamSimulator(new AccountBuilder().build(), { reportDelayMs: 60_000 })
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1' })
    await expect(fetchCredentialReport(iam, { pollIntervalMs: 10, timeoutMs: 100 })).rejects.toBeInstanceOf(
      CredentialReportUnavailable,
    )
  })

  it('refuses a report in a format it cannot read (a branch no simulator reaches)', async () => {
    const iam = new IAMClient({ region: 'us-east-1' })
    const mock = mockClient(iam)
    mock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' })
    mock
      .on(GetCredentialReportCommand)
      .resolves({ Content: new Uint8Array([1]), ReportFormat: 'application/pdf' as never })
    await expect(fetchCredentialReport(iam)).rejects.toThrow(/unexpected report format/)
    mock.restore()
  })
})
