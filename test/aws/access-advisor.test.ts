import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { readAccessReports, readServiceEntities } from '../../shared/aws/access-advisor.ts'
import { iamClient } from '../../shared/aws/clients.ts'

const ACCOUNT = '123456789012'
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
}
const allow = (Action: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
})
const role = (name: string) => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, resourceId: `role/${name}` })
const FAST = { pollIntervalMs: 10, maxPollMs: 40, backoffMs: 5 }

describe('reading Access Advisor through IAM jobs', () => {
  let sim: IamSimulator | undefined
  afterEach(async () => sim?.stop())

  async function start(delayMs = 5) {
    const b = new AccountBuilder(ACCOUNT)
    for (let i = 0; i < 12; i++)
      b.role(`r${i}`, trust, (r) =>
        r
          .inline('p', allow(['s3:*', 'ec2:DescribeInstances']))
          .usage('s3', { daysAgo: i, actions: { CreateBucket: i } }),
      )
    sim = await startIamSimulator(b.build(), { accessJobDelayMs: delayMs })
    return iamClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1 })
  }

  it('polls each job until it completes and normalizes services and tracked actions', async () => {
    // Prepare
    const iam = await start(30)
    // Act
    const result = await readAccessReports(iam, [role('r3')], FAST)
    // Assess
    const report = result.reports.get(role('r3').arn)!
    const s3 = report.services.find((s) => s.namespace === 's3')!
    expect(s3.lastAccessed).toBeInstanceOf(Date)
    expect(s3.trackedActions?.find((a) => a.action === 's3:CreateBucket')?.lastAccessed).toBeInstanceOf(Date)
    expect(report.services.find((s) => s.namespace === 'ec2')?.lastAccessed).toBeUndefined()
    expect(sim!.requestCount('GetServiceLastAccessedDetails')).toBeGreaterThan(1)
  })

  it('keeps at most the configured number of jobs in flight', async () => {
    // Prepare: count jobs from their creation to the last page of their report
    const iam = await start(20)
    const open = new Set<string>()
    let peak = 0
    iam.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args)
        const output = out.output as { JobId?: string; JobStatus?: string; IsTruncated?: boolean }
        const input = args.input as { JobId?: string }
        if (context.commandName === 'GenerateServiceLastAccessedDetailsCommand') open.add(output.JobId!)
        else if (output.JobStatus === 'COMPLETED' && !output.IsTruncated) open.delete(input.JobId!)
        peak = Math.max(peak, open.size)
        return out
      },
      { step: 'initialize', name: 'countJobs' },
    )
    // Act
    const targets = Array.from({ length: 12 }, (_, i) => role(`r${i}`))
    const result = await readAccessReports(iam, targets, { ...FAST, concurrency: 3 })
    // Assess
    expect(result.reports.size).toBe(12)
    expect(peak).toBe(3)
  })

  it('retries a failed job once, then reports the target as not read', async () => {
    const iam = await start()
    sim!.faults.failAccessJobs = 1
    const once = await readAccessReports(iam, [role('r1')], FAST)
    expect(once.reports.size).toBe(1)
    sim!.faults.failAccessJobs = (arn: string) => arn.endsWith('/r2')
    const always = await readAccessReports(iam, [role('r2'), role('r4')], FAST)
    expect([...always.reports.keys()]).toEqual([role('r4').arn])
    expect(always.failures.get(role('r2').arn)).toMatch(/job failed/)
  })

  it('backs off and retries throttled calls beyond the SDK’s attempts', async () => {
    const iam = await start()
    sim!.faults.failNext = { GenerateServiceLastAccessedDetails: { times: 3, code: 'Throttling' } }
    const result = await readAccessReports(iam, [role('r5')], FAST)
    expect(result.reports.size).toBe(1)
    expect(result.stats.throttled).toBe(3)
  })

  it('starts nothing after the deadline and says so per target', async () => {
    const iam = await start()
    const result = await readAccessReports(iam, [role('r1'), role('r2')], {
      ...FAST,
      deadline: new Date(Date.now() - 1),
    })
    expect(result.reports.size).toBe(0)
    expect([...result.failures.values()]).toEqual([
      'not read before the deadline',
      'not read before the deadline',
    ])
    expect(sim!.requestCount('GenerateServiceLastAccessedDetails')).toBe(0)
  })

  it('names a target IAM does not know, without failing the others', async () => {
    const iam = await start()
    const result = await readAccessReports(iam, [role('gone'), role('r1')], FAST)
    expect(result.failures.get(role('gone').arn)).toMatch(/^NoSuchEntity/)
    expect(result.reports.size).toBe(1)
  })

  it('traces a policy’s use of a service to the principals holding it', async () => {
    const b = new AccountBuilder(ACCOUNT)
    const policy = b.managedPolicy('shared', allow('s3:*'))
    b.role('a', trust, (r) => r.attach(policy).usage('s3', { daysAgo: 2 })).role('b', trust, (r) =>
      r.attach(policy),
    )
    sim = await startIamSimulator(b.build(), { accessJobDelayMs: 5 })
    const iam = iamClient({ endpoint: sim.endpoint, region: 'us-east-1' })
    const { reports } = await readAccessReports(iam, [{ arn: policy, resourceId: policy }], FAST)
    const entities = await readServiceEntities(iam, reports.get(policy)!.jobId!, 's3')
    expect(entities.map((e) => `${e.type} ${e.name} ${e.lastAccessed ? 'used' : 'never'}`).sort()).toEqual([
      'ROLE a used',
      'ROLE b never',
    ])
  })
})
