import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  paginateListUsers,
  paginateListVirtualMFADevices,
} from '@aws-sdk/client-iam'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { generateAccount, seeded } from '../../local/iam-sim/generator.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { parseCredentialReport, REPORT_COLUMNS } from '../../shared/normalize/credential-report.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())

const client = (maxAttempts = 1) =>
  new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts })

describe('the IAM simulator on the wire', () => {
  it('pages ListUsers with Marker, honouring MaxItems, through the SDK paginator', async () => {
    // Prepare
    sim = await startIamSimulator(generateAccount(25))
    // Act
    const pages: number[] = []
    for await (const page of paginateListUsers({ client: client(), pageSize: 10 }, {}))
      pages.push(page.Users?.length ?? 0)
    // Assess
    expect(pages).toEqual([10, 10, 5])
    expect(sim.requestCount('ListUsers')).toBe(3)
  })

  it('rejects MaxItems above 1000 and a forged Marker as IAM does', async () => {
    sim = await startIamSimulator(generateAccount(2))
    await expect(client().send(new ListUsersCommand({ MaxItems: 5000 }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    })
    await expect(client().send(new ListUsersCommand({ Marker: 'bm9wZXwx' }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    })
  })

  it('generates the credential report asynchronously: STARTED, ReportInProgress, then COMPLETE', async () => {
    sim = await startIamSimulator(new AccountBuilder().user('alice').build(), { reportDelayMs: 200 })
    const iam = client()
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      Code: 'ReportNotPresent',
    })
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED')
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      Code: 'ReportInProgress',
    })
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS')
    await new Promise((r) => setTimeout(r, 250))
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE')
    const report = await iam.send(new GetCredentialReportCommand({}))
    const csv = new TextDecoder().decode(report.Content)
    expect(csv.split('\n')[0]).toBe(REPORT_COLUMNS.join(','))
    expect(csv.split('\n')[1]).toMatch(/^<root_account>,arn:aws:iam::123456789012:root,[^,]+,not_supported,/)
    expect(parseCredentialReport(csv).rejections).toEqual([])
  })

  it('expires a report older than four hours', async () => {
    sim = await startIamSimulator(new AccountBuilder().build(), { reportDelayMs: 0 })
    const iam = client()
    await iam.send(new GenerateCredentialReportCommand({}))
    sim.account.advance(4 * 3_600_000 + 1000)
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      Code: 'ReportExpired',
    })
  })

  it('answers NoSuchEntity when the account has no password policy', async () => {
    sim = await startIamSimulator(new AccountBuilder().passwordPolicy(null).build())
    await expect(client().send(new GetAccountPasswordPolicyCommand({}))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    })
  })

  it('reports the root account in GetAccountSummary and its virtual MFA device', async () => {
    sim = await startIamSimulator(
      new AccountBuilder()
        .root((r) => r.mfa('virtual'))
        .user('bob', (u) => u.mfa('virtual'))
        .build(),
    )
    const { SummaryMap } = await client().send(new GetAccountSummaryCommand({}))
    expect(SummaryMap).toMatchObject({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, Users: 1 })
    const arns: string[] = []
    for await (const p of paginateListVirtualMFADevices(
      { client: client(), pageSize: 1 },
      { AssignmentStatus: 'Assigned' },
    )) {
      for (const d of p.VirtualMFADevices ?? []) arns.push(d.User!.Arn!)
    }
    expect(arns).toEqual(['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:user/bob'])
  })

  it('throttles a fraction of calls, which the SDK retries, and counts every request', async () => {
    sim = await startIamSimulator(generateAccount(3), { random: seeded(7) })
    sim.faults.throttleRate = 0.3
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 10 })
    for (let i = 0; i < 3; i++) await iam.send(new ListUsersCommand({}))
    expect(sim.requestCount('ListUsers')).toBeGreaterThan(3)
  })

  it('fails a named action with the injected code, and answers unknown actions with InvalidAction', async () => {
    sim = await startIamSimulator(new AccountBuilder().user('a').build())
    sim.faults.failActions = { ListAccessKeys: 'AccessDenied' }
    await expect(client().send(new ListAccessKeysCommand({ UserName: 'a' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    })
    const res = await fetch(sim.endpoint, { method: 'POST', body: 'Action=Nope&Version=2010-05-08' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('<Code>InvalidAction</Code>')
  })
})
