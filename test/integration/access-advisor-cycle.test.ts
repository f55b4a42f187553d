import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { runAccessAdvisorCycle } from '../../shared/app/access-advisor-cycle.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { iam } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
}
const allow = (Action: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
})
const FAST = { pollIntervalMs: 20, maxPollMs: 50, backoffMs: 5 }
const HOUR = 3_600_000

/** An account of roles with Access Advisor usage: app uses s3 (not sqs); idle never did anything; busy uses all it has. */
function account() {
  const b = new AccountBuilder(ACCOUNT)
  const shared = b.managedPolicy('shared-queue', allow('sqs:*'))
  return b
    .role('app', trust, (r) =>
      r
        .createdDaysAgo(400)
        .inline('main', allow(['s3:GetObject', 's3:CreateBucket', 'sqs:SendMessage']))
        .usage('s3', { daysAgo: 2, actions: { CreateBucket: 2 } }),
    )
    .role('idle', trust, (r) => r.createdDaysAgo(400).inline('main', allow('dynamodb:*')))
    .role('busy', trust, (r) => r.createdDaysAgo(400).attach(shared).usage('sqs', { daysAgo: 1 }))
    .build()
}

describe('the Access Advisor cycle', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('reads every principal across invocations from its checkpoint, and opens the unused-access findings', async () => {
    // Prepare
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    const deps = { ...h.scanDeps, accountId: ACCOUNT }
    // Act: one batch of two, then the rest
    const first = await runAccessAdvisorCycle(deps, { batchSize: 2, maxBatches: 1, advisor: FAST })
    const second = await runAccessAdvisorCycle(deps, { batchSize: 2, advisor: FAST })
    const third = await runAccessAdvisorCycle(deps, { batchSize: 2, advisor: FAST })
    // Assess
    expect(first).toMatchObject({ status: 'in-progress', processed: 2, done: 2 })
    expect(second).toMatchObject({ status: 'finished', cycleId: first.cycleId, degraded: false })
    expect(second.done).toBe(4) // three roles and one customer managed policy
    expect(third.status).toBe('idle')
    const open = (await h.store.listFindings({ status: 'OPEN' }))
      .map((f) => `${f.checkId} ${f.resourceId}`)
      .sort()
    expect(open).toEqual(['unused-service-access role/app', 'unused-service-access role/idle'])
    const app = (await h.store.listFindings({ checkId: 'unused-service-access' })).find(
      (f) => f.resourceId === 'role/app',
    )!
    expect(app.evidence.unusedServices).toEqual(['sqs: never'])
    expect((app.evidence.recommendedPolicy as string[]).join()).toContain('s3:GetObject')
    expect((app.evidence.recommendedPolicy as string[]).join()).not.toContain('sqs')
  })

  it('starts the next cycle a day after the last one started, and resolves what was fixed', async () => {
    // Prepare
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    let now = new Date()
    const deps = { ...h.scanDeps, accountId: ACCOUNT, now: () => now }
    await runAccessAdvisorCycle(deps, { advisor: FAST })
    // Act: the unused queue permission is removed; a day passes
    h.sim.account.roles
      .get('app')!
      .inline.set('main', JSON.stringify(allow(['s3:GetObject', 's3:CreateBucket'])))
    now = new Date(now.getTime() + 25 * HOUR)
    const next = await runAccessAdvisorCycle(deps, { advisor: FAST })
    // Assess
    expect(next.status).toBe('finished')
    const app = (await h.store.listFindings({ checkId: 'unused-service-access' })).find(
      (f) => f.resourceId === 'role/app',
    )!
    expect(app).toMatchObject({ status: 'RESOLVED', resolution: 'passed' })
  })

  it('resolves as gone the findings of a role deleted between cycles', async () => {
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    let now = new Date()
    const deps = { ...h.scanDeps, accountId: ACCOUNT, now: () => now }
    await runAccessAdvisorCycle(deps, { advisor: FAST })
    h.sim.account.roles.delete('idle')
    now = new Date(now.getTime() + 25 * HOUR)
    await runAccessAdvisorCycle(deps, { advisor: FAST })
    const idle = (await h.store.listFindings({ checkId: 'unused-service-access' })).find(
      (f) => f.resourceId === 'role/idle',
    )!
    expect(idle).toMatchObject({ status: 'RESOLVED', resolution: 'resource-gone' })
  })

  it('leaves a principal whose job failed as it was, and says the cycle was degraded', async () => {
    // Prepare: role/app's finding is open
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    let now = new Date()
    const deps = { ...h.scanDeps, accountId: ACCOUNT, now: () => now }
    await runAccessAdvisorCycle(deps, { advisor: FAST })
    // Act: it is fixed, but its Access Advisor job fails in the next cycle
    h.sim.account.roles.get('app')!.inline.set('main', JSON.stringify(allow('s3:GetObject')))
    h.sim.faults.failAccessJobs = (arn: string) => arn.endsWith(':role/app')
    now = new Date(now.getTime() + 25 * HOUR)
    const next = await runAccessAdvisorCycle(deps, { advisor: FAST })
    // Assess: not resolved on missing data
    expect(next).toMatchObject({ status: 'finished', degraded: true })
    expect(next.problems.join()).toContain('role/app')
    const app = (await h.store.listFindings({ checkId: 'unused-service-access' })).find(
      (f) => f.resourceId === 'role/app',
    )!
    expect(app.status).toBe('OPEN')
  })

  it('finishes without failures when IAM throttles a third of the calls', async () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5, random } })
    h.sim.faults.throttleRate = 0.33
    // No SDK retries: the cycle's own backoff does all the work
    const iam = iamClient({ endpoint: h.sim.endpoint, region: 'us-east-1', maxAttempts: 1 })
    const result = await runAccessAdvisorCycle(
      { ...h.scanDeps, iam, accountId: ACCOUNT },
      { advisor: { ...FAST, random } },
    )
    expect(result).toMatchObject({ status: 'finished', degraded: false })
    expect(result.stats.throttled).toBeGreaterThan(0)
  })

  it('lets only one of two concurrent invocations carry a cycle on', async () => {
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    const deps = { ...h.scanDeps, accountId: ACCOUNT }
    const results = await Promise.all([
      runAccessAdvisorCycle(deps, { batchSize: 1, advisor: FAST }),
      runAccessAdvisorCycle(deps, { batchSize: 1, advisor: FAST }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['busy', 'finished'])
  })
})

describe('unused access in real time', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('re-judges a role live when its policy is changed, resolving the unused service', async () => {
    // Prepare
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    await runAccessAdvisorCycle({ ...h.scanDeps, accountId: ACCOUNT }, { advisor: FAST })
    // Act: the team removes the unused permission; the PutRolePolicy event arrives
    const doc = allow(['s3:GetObject', 's3:CreateBucket'])
    h.sim.account.roles.get('app')!.inline.set('main', JSON.stringify(doc))
    const summary = await h.event(
      iam('PutRolePolicy', {
        requestParameters: { roleName: 'app', policyName: 'main', policyDocument: JSON.stringify(doc) },
      }),
    )
    // Assess
    expect(summary.reevaluated).toContain('role/app')
    const app = (await h.store.listFindings({ checkId: 'unused-service-access' })).find(
      (f) => f.resourceId === 'role/app',
    )!
    expect(app.status).toBe('RESOLVED')
  })
})

describe('the scan-access-advisor handler', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('sends its heartbeat only when a cycle finishes, and stops reading before the function’s deadline', async () => {
    // Prepare
    h = await startHarness(account(), { sim: { accessJobDelayMs: 5 } })
    const { createHandler } = await import('../../functions/scan-access-advisor.ts')
    const heartbeats: string[] = []
    const deps = { ...h.scanDeps, accountId: ACCOUNT, cycle: { batchSize: 1, maxBatches: 2, advisor: FAST } }
    const handler = createHandler(
      () => deps,
      (line) => heartbeats.push(line),
    )
    const lambda = (ms: number) => ({ getRemainingTimeInMillis: () => ms }) as never
    // Act: an invocation whose time is already spent, then two that carry the cycle on
    const spent = (await handler({}, lambda(1000))) as { status: string; processed: number }
    const partway = (await handler({}, lambda(900_000))) as { status: string }
    const last = (await handler({}, lambda(900_000))) as { status: string }
    // Assess
    expect(spent).toMatchObject({ status: 'in-progress', processed: 0 })
    expect(partway.status).toBe('in-progress')
    expect(last.status).toBe('finished')
    expect(heartbeats.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ Part: 'access-advisor', ScanFinished: 1, ScanDegraded: 0 }),
    ])
  })
})
