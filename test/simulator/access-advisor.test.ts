import {
  GenerateServiceLastAccessedDetailsCommand,
  GetAccountAuthorizationDetailsCommand,
  GetRoleCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  IAMClient,
  type ServiceLastAccessed,
} from '@aws-sdk/client-iam'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { generateAuthorizationAccount, seeded } from '../../local/iam-sim/generator.ts'
import { type IamSimulator, type SimulatorOptions, startIamSimulator } from '../../local/iam-sim/server.ts'
import { ACCOUNT, ADMIN_KEY, iamAs, refusal, TRUST_EC2 } from './sdk.ts'

const DAY = 86_400_000
const HOUR = 3_600_000
const OTHER_KEY = 'AKIAEXAMPLEOTHER0001'
const arn = (resource: string) => `arn:aws:iam::${ACCOUNT}:${resource}`
const allow = (...Action: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
})

let sim: IamSimulator
afterEach(async () => sim?.stop())

/** An account whose `admin` user signs the tests' requests (and `other`, a second caller). */
const account = (now = new Date()) =>
  new AccountBuilder(ACCOUNT, now)
    .user('admin', (u) => u.accessKey({ ageDays: 10, id: ADMIN_KEY }))
    .user('other', (u) => u.accessKey({ ageDays: 10, id: OTHER_KEY }))

async function start(builder: AccountBuilder, options: SimulatorOptions = {}): Promise<IAMClient> {
  sim = await startIamSimulator(builder.build(), { accessJobDelayMs: 0, ...options })
  return iamAs(sim)
}

/** Polls a job until it has ended; answers the first page. */
async function ended(
  iam: IAMClient,
  JobId: string,
  MaxItems?: number,
): Promise<GetServiceLastAccessedDetailsCommandOutput & { JobId: string }> {
  for (let i = 0; i < 500; i++) {
    const out = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems }))
    if (out.JobStatus !== 'IN_PROGRESS') return { ...out, JobId }
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('the job never ended')
}

/** Generates a report and polls it until the job has ended; answers the first page. */
async function report(
  iam: IAMClient,
  target: string,
  Granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL' = 'SERVICE_LEVEL',
  MaxItems?: number,
): Promise<GetServiceLastAccessedDetailsCommandOutput & { JobId: string }> {
  const { JobId } = await iam.send(
    new GenerateServiceLastAccessedDetailsCommand({ Arn: target, Granularity }),
  )
  return ended(iam, JobId!, MaxItems)
}

/** Every page of a completed report's services. */
async function allServices(iam: IAMClient, JobId: string, MaxItems?: number): Promise<ServiceLastAccessed[]> {
  const out: ServiceLastAccessed[] = []
  let Marker: string | undefined
  do {
    const page = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems, Marker }))
    out.push(...(page.ServicesLastAccessed ?? []))
    Marker = page.IsTruncated ? page.Marker : undefined
  } while (Marker)
  return out
}

const service = (r: { ServicesLastAccessed?: ServiceLastAccessed[] }, ns: string) =>
  r.ServicesLastAccessed?.find((s) => s.ServiceNamespace === ns)

describe('Access Advisor in the IAM simulator: jobs', () => {
  it('answers IN_PROGRESS until the job completes, then COMPLETED with the data of that moment', async () => {
    // Prepare
    const now = new Date()
    const iam = await start(
      account(now).role('app', JSON.parse(TRUST_EC2), (r) =>
        r.inline('s3', allow('s3:*')).usage('s3', { daysAgo: 2 }),
      ),
      { accessJobDelayMs: 500 },
    )
    // Act
    const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('role/app') }))
    const early = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId }))
    const done = await ended(iam, JobId!)
    sim.account.roles.get('app')!.usage!.get('s3')!.lastAccessed = new Date(now.getTime() - DAY)
    const again = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId }))
    // Assess
    expect(JobId).toMatch(/^[0-9a-f-]{36}$/)
    expect(early).toMatchObject({
      JobStatus: 'IN_PROGRESS',
      JobType: 'SERVICE_LEVEL',
      ServicesLastAccessed: [],
    })
    expect(early.JobCompletionDate).toBeUndefined()
    expect(done.JobStatus).toBe('COMPLETED')
    expect(done.JobCompletionDate!.getTime()).toBeGreaterThanOrEqual(done.JobCreationDate!.getTime())
    expect(service(done, 's3')).toMatchObject({ ServiceName: 'Amazon S3', TotalAuthenticatedEntities: 1 })
    expect(service(again, 's3')!.LastAuthenticated).toEqual(service(done, 's3')!.LastAuthenticated)
    expect(sim.requestCount('GenerateServiceLastAccessedDetails')).toBe(1)
    expect(sim.requestCount('GetServiceLastAccessedDetails')).toBeGreaterThan(3) // polled while IN_PROGRESS
  })

  it('lists the services the policies allow: s3:Get* lists S3 alone, * lists every service in the catalog', async () => {
    // Prepare
    const iam = await start(
      account()
        .role('reader', JSON.parse(TRUST_EC2), (r) => r.inline('read', allow('s3:Get*')))
        .role('admin', JSON.parse(TRUST_EC2), (r) => r.attach('AdministratorAccess'))
        .role('power', JSON.parse(TRUST_EC2), (r) => r.attach('PowerUserAccess'))
        .role('denied', JSON.parse(TRUST_EC2), (r) =>
          r.inline('allow', allow('s3:GetObject', 'nosuchservice:Get*')).inline('deny', {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }],
          }),
        ),
    )
    // Act
    const reader = await report(iam, arn('role/reader'))
    const admin = await report(iam, arn('role/admin'))
    const everything = await allServices(iam, admin.JobId, 1000)
    const power = await allServices(iam, (await report(iam, arn('role/power'))).JobId, 1000)
    const denied = await report(iam, arn('role/denied'))
    // Assess
    expect(reader.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['s3'])
    expect(everything.length).toBeGreaterThan(300)
    expect(everything.map((s) => s.ServiceNamespace)).toEqual(
      everything.map((s) => s.ServiceNamespace).sort(),
    )
    expect(everything.map((s) => s.ServiceNamespace)).toEqual(
      expect.arrayContaining(['ec2', 'iam', 'lambda', 's3']),
    )
    expect(power.map((s) => s.ServiceNamespace)).not.toContain('iam')
    expect(power.length).toBe(everything.length - 3) // NotAction: everything but iam, organizations, account
    // A Deny does not remove a service from the list; an unknown service is not listed.
    expect(denied.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['s3'])
  })

  it('reports when, by whom and where a service was last used; a service never used has no date', async () => {
    // Prepare
    const now = new Date()
    const iam = await start(
      account(now).role('app', JSON.parse(TRUST_EC2), (r) =>
        r.inline('p', allow('s3:*', 'ec2:Describe*')).usage('s3', { daysAgo: 3, region: 'eu-west-1' }),
      ),
    )
    // Act
    const r = await report(iam, arn('role/app'))
    const itself = await iam.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: r.JobId, ServiceNamespace: 's3' }),
    )
    // Assess
    expect(service(r, 's3')).toEqual({
      ServiceName: 'Amazon S3',
      ServiceNamespace: 's3',
      LastAuthenticated: new Date(Math.floor((now.getTime() - 3 * DAY) / 1000) * 1000),
      LastAuthenticatedEntity: arn('role/app'),
      LastAuthenticatedRegion: 'eu-west-1',
      TotalAuthenticatedEntities: 1,
    })
    expect(service(r, 'ec2')).toEqual({
      ServiceName: 'Amazon EC2',
      ServiceNamespace: 'ec2',
      TotalAuthenticatedEntities: 0,
    })
    // A role's (or user's) report lists the entity itself.
    expect(itself.EntityDetailsList).toEqual([
      {
        EntityInfo: { Arn: arn('role/app'), Name: 'app', Type: 'ROLE', Id: expect.any(String), Path: '/' },
        LastAuthenticated: service(r, 's3')!.LastAuthenticated,
      },
    ])
  })

  it('reports the tracked actions the policies allow in ACTION_LEVEL jobs, and only those', async () => {
    // Prepare
    const iam = await start(
      account().role('app', JSON.parse(TRUST_EC2), (r) =>
        r
          .inline(
            'p',
            allow('s3:CreateBucket', 's3:ListAllMyBuckets', 's3:GetObject', 'sqs:*', 'lambda:InvokeFunction'),
          )
          .usage('s3', { actions: { CreateBucket: 3, GetObject: 1 } })
          .usage('sqs', { daysAgo: 2 }),
      ),
    )
    // Act
    const actions = await report(iam, arn('role/app'), 'ACTION_LEVEL')
    const services = await report(iam, arn('role/app'), 'SERVICE_LEVEL')
    // Assess
    expect(actions.JobType).toBe('ACTION_LEVEL')
    const s3 = service(actions, 's3')!
    expect(s3.TrackedActionsLastAccessed?.map((a) => a.ActionName)).toEqual([
      'CreateBucket',
      'ListAllMyBuckets',
    ])
    expect(s3.TrackedActionsLastAccessed?.[0]).toMatchObject({
      ActionName: 'CreateBucket',
      LastAccessedEntity: arn('role/app'),
      LastAccessedRegion: 'us-east-1',
      LastAccessedTime: expect.any(Date),
    })
    expect(s3.TrackedActionsLastAccessed?.[1]).toEqual({ ActionName: 'ListAllMyBuckets' })
    // The service was last used by GetObject (a day ago): untracked at action level, it still counts.
    expect(Date.now() - s3.LastAuthenticated!.getTime()).toBeLessThan(1.1 * DAY)
    expect(service(actions, 'sqs')!.TrackedActionsLastAccessed).toBeUndefined()
    expect(service(actions, 'lambda')!.TrackedActionsLastAccessed).toBeUndefined() // Invoke is a data event
    expect(service(services, 's3')!.TrackedActionsLastAccessed).toBeUndefined()
  })

  it('never reports iam:PassRole, even when the principal used it', async () => {
    // Prepare
    const iam = await start(
      account().role('deployer', JSON.parse(TRUST_EC2), (r) =>
        r.inline('p', allow('iam:PassRole', 'iam:GetRole')).usage('iam', { actions: { PassRole: 1 } }),
      ),
    )
    // Act
    const r = await report(iam, arn('role/deployer'), 'ACTION_LEVEL')
    // Assess
    expect(service(r, 'iam')).toEqual({
      ServiceName: 'AWS Identity and Access Management (IAM)',
      ServiceNamespace: 'iam',
      TotalAuthenticatedEntities: 0,
      TrackedActionsLastAccessed: [{ ActionName: 'GetRole' }],
    })
  })

  it('reports usage only once it is older than the lag and younger than the tracking period', async () => {
    // Prepare
    const iam = await start(
      account()
        .role('fresh', JSON.parse(TRUST_EC2), (r) =>
          r.inline('p', allow('s3:*')).usage('s3', { hoursAgo: 1 }),
        )
        .role('ancient', JSON.parse(TRUST_EC2), (r) =>
          r.inline('p', allow('s3:*')).usage('s3', { daysAgo: 401 }),
        ),
    )
    // Act
    const before = await report(iam, arn('role/fresh'))
    sim.account.advance(3 * HOUR + 60_000)
    const after = await report(iam, arn('role/fresh'))
    const ancient = await report(iam, arn('role/ancient'))
    // Assess
    expect(service(before, 's3')!.LastAuthenticated).toBeUndefined()
    expect(service(after, 's3')!.LastAuthenticated).toBeInstanceOf(Date)
    expect(service(ancient, 's3')!.LastAuthenticated).toBeUndefined()
  })
})

describe('Access Advisor in the IAM simulator: groups and policies', () => {
  const devs = (b: AccountBuilder) =>
    b
      .group('devs', (g) => g.inline('s3', allow('s3:*')))
      .user('alice', (u) =>
        u
          .group('devs')
          .policies((p) => p.inline('ec2', allow('ec2:*')))
          .usage('s3', { daysAgo: 5 })
          .usage('ec2', { daysAgo: 1 }),
      )
      .user('bob', (u) => u.group('devs').usage('s3', { daysAgo: 2, region: 'eu-central-1' }))
      .user('carol', (u) => u.group('devs'))
      .user('dave', (u) => u.policies((p) => p.inline('s3', allow('s3:*'))).usage('s3', { daysAgo: 1 }))

  it('aggregates a group over its members, for the services the group allows', async () => {
    // Prepare
    const iam = await start(devs(account()))
    // Act
    const r = await report(iam, arn('group/devs'))
    const entities = await iam.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: r.JobId, ServiceNamespace: 's3' }),
    )
    const alice = await report(iam, arn('user/alice'))
    // Assess
    expect(r.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['s3'])
    expect(service(r, 's3')).toMatchObject({
      LastAuthenticatedEntity: arn('user/bob'),
      LastAuthenticatedRegion: 'eu-central-1',
      TotalAuthenticatedEntities: 2,
    })
    expect(entities.JobStatus).toBe('COMPLETED')
    expect(
      entities.EntityDetailsList?.map((e) => [e.EntityInfo?.Name, e.LastAuthenticated !== undefined]),
    ).toEqual([
      ['bob', true],
      ['alice', true],
      ['carol', false],
    ])
    expect(entities.EntityDetailsList?.[0]?.EntityInfo).toMatchObject({
      Arn: arn('user/bob'),
      Type: 'USER',
      Path: '/',
      Id: expect.stringMatching(/^AIDA/),
    })
    // A user's report: its own policies and its groups'.
    expect(alice.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['ec2', 's3'])
  })

  it('aggregates a managed policy over the users, groups and roles holding it', async () => {
    // Prepare
    const b = account()
    const shared = b.managedPolicy('shared', allow('s3:*', 'sqs:*'))
    const iam = await start(
      b
        .role('app', JSON.parse(TRUST_EC2), (r) => r.attach(shared).usage('s3', { daysAgo: 1 }))
        .role('idle', JSON.parse(TRUST_EC2), (r) => r.attach(shared))
        .user('ann', (u) => u.policies((p) => p.attach(shared)).usage('s3', { daysAgo: 10 }))
        .group('ops', (g) => g.attach(shared))
        .user('ben', (u) => u.group('ops').usage('s3', { daysAgo: 3 }).usage('sqs', { daysAgo: 4 }))
        .role('outsider', JSON.parse(TRUST_EC2), (r) =>
          r.inline('p', allow('s3:*')).usage('s3', { daysAgo: 1 }),
        ),
    )
    // Act
    const r = await report(iam, shared)
    const s3 = await iam.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: r.JobId, ServiceNamespace: 's3' }),
    )
    const awsManaged = await report(iam, 'arn:aws:iam::aws:policy/ReadOnlyAccess')
    // Assess
    expect(service(r, 's3')).toMatchObject({
      LastAuthenticatedEntity: arn('role/app'),
      TotalAuthenticatedEntities: 3,
    })
    expect(service(r, 'sqs')).toMatchObject({
      LastAuthenticatedEntity: arn('user/ben'),
      TotalAuthenticatedEntities: 1,
    })
    expect(s3.EntityDetailsList?.map((e) => `${e.EntityInfo?.Type} ${e.EntityInfo?.Name}`)).toEqual([
      'ROLE app',
      'GROUP ops',
      'USER ann',
      'ROLE idle',
    ])
    expect(awsManaged.JobStatus).toBe('COMPLETED')
    expect(awsManaged.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['ec2', 'iam', 's3'])
  })

  it('pages services and entities across Markers, honouring MaxItems', async () => {
    // Prepare
    const b = account().role('admin-role', JSON.parse(TRUST_EC2), (r) => r.attach('AdministratorAccess'))
    b.group('many', (g) => g.inline('s3', allow('s3:*')))
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) b.user(name, (u) => u.group('many'))
    const iam = await start(b)
    // Act
    const first = await report(iam, arn('role/admin-role'))
    const all = await allServices(iam, first.JobId, 100)
    const everything = await allServices(iam, first.JobId, 1000)
    const group = await report(iam, arn('group/many'))
    const pages: number[] = []
    let Marker: string | undefined
    do {
      const page = await iam.send(
        new GetServiceLastAccessedDetailsWithEntitiesCommand({
          JobId: group.JobId,
          ServiceNamespace: 's3',
          MaxItems: 2,
          Marker,
        }),
      )
      pages.push(page.EntityDetailsList?.length ?? 0)
      Marker = page.IsTruncated ? page.Marker : undefined
    } while (Marker)
    // Assess
    expect(first.ServicesLastAccessed).toHaveLength(100)
    expect(first).toMatchObject({ IsTruncated: true, Marker: expect.any(String) })
    expect(all.map((s) => s.ServiceNamespace)).toEqual(everything.map((s) => s.ServiceNamespace))
    expect(pages).toEqual([2, 2, 1])
    expect(
      await refusal(
        iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: group.JobId, Marker: first.Marker })),
      ),
    ).toMatchObject({ name: 'InvalidInputException', status: 400 })
    expect(
      await refusal(
        iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: group.JobId, MaxItems: 1001 })),
      ),
    ).toMatchObject({ name: 'InvalidInputException' })
  })
})

describe('Access Advisor in the IAM simulator: refusals and faults', () => {
  it('refuses an unknown entity (NoSuchEntity), a malformed ARN (InvalidInput), an unknown granularity', async () => {
    // Prepare
    const iam = await start(account().role('app', JSON.parse(TRUST_EC2)))
    const generate = (Arn: string, Granularity?: string) =>
      refusal(
        iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn, Granularity: Granularity as never })),
      )
    // Act, Assess
    expect(await generate(arn('role/nobody'))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The role with name nobody cannot be found.',
    })
    expect(await generate('arn:aws:iam::999999999999:role/app')).toMatchObject({
      name: 'NoSuchEntityException',
    })
    expect(await generate(arn('policy/missing'))).toMatchObject({ name: 'NoSuchEntityException' })
    expect(await generate('arn:aws:iam::aws:policy/NotAModelledPolicy')).toMatchObject({
      name: 'NoSuchEntityException',
    })
    expect(await generate(`arn:aws:s3:::some-bucket-name`)).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
    })
    expect(await generate(arn('role/app'), 'HOURLY')).toMatchObject({ name: 'ValidationError', status: 400 })
  })

  it('answers NoSuchEntity for a JobId that is not one of the caller’s jobs', async () => {
    // Prepare
    const iam = await start(account().role('app', JSON.parse(TRUST_EC2)))
    const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('role/app') }))
    // Act
    const unknown = await refusal(
      iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: '00000000-0000-4000-8000-000000000000' })),
    )
    const short = await refusal(iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: 'job-1' })))
    const othersJob = await refusal(
      iam
        .send(new GetServiceLastAccessedDetailsCommand({ JobId }))
        .then(() => iamAs(sim, OTHER_KEY).send(new GetServiceLastAccessedDetailsCommand({ JobId }))),
    )
    const entities = await refusal(
      iam.send(
        new GetServiceLastAccessedDetailsWithEntitiesCommand({
          JobId: '00000000-0000-4000-8000-000000000000',
          ServiceNamespace: 's3',
        }),
      ),
    )
    // Assess
    expect(unknown).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(short).toMatchObject({ name: 'ValidationError', status: 400 })
    expect(othersJob).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(entities).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })

  it('ends an injected failure FAILED with an Error, and recovers', async () => {
    // Prepare
    const iam = await start(account().role('app', JSON.parse(TRUST_EC2), (r) => r.inline('p', allow('s3:*'))))
    sim.faults.failAccessJobs = 1
    // Act
    const failed = await report(iam, arn('role/app'))
    const recovered = await report(iam, arn('role/app'))
    sim.faults.failAccessJobs = (a) => a.endsWith('/app')
    const byArn = await report(iam, arn('role/app'))
    // Assess
    expect(failed).toMatchObject({
      JobStatus: 'FAILED',
      ServicesLastAccessed: [],
      Error: { Code: 'ServiceFailure', Message: expect.any(String) },
      JobCompletionDate: expect.any(Date),
    })
    expect(recovered.JobStatus).toBe('COMPLETED')
    expect(recovered.Error).toBeUndefined()
    expect(byArn.JobStatus).toBe('FAILED')
  })

  it('fails a job whose entity is deleted before it completes', async () => {
    // Prepare
    const iam = await start(account().role('gone', JSON.parse(TRUST_EC2)), { accessJobDelayMs: 500 })
    const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('role/gone') }))
    // Act
    sim.account.roles.delete('gone')
    const r = await ended(iam, JobId!)
    // Assess
    expect(r).toMatchObject({ JobStatus: 'FAILED', Error: { Code: 'NoSuchEntity' } })
  })

  it('throttles the new actions like any other: the SDK retries, then gives up', async () => {
    // Prepare
    await start(account().role('app', JSON.parse(TRUST_EC2)), { random: seeded(3) })
    const retrying = new IAMClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      maxAttempts: 3,
      credentials: { accessKeyId: ADMIN_KEY, secretAccessKey: 'x' },
    })
    sim.faults.failNext = { GenerateServiceLastAccessedDetails: { times: 1, code: 'Throttling' } }
    // Act
    const { JobId } = await retrying.send(
      new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('role/app') }),
    )
    sim.faults.throttleRate = 1
    const refused = await refusal(retrying.send(new GetServiceLastAccessedDetailsCommand({ JobId })))
    // Assess
    expect(JobId).toBeDefined()
    expect(sim.requestCount('GenerateServiceLastAccessedDetails')).toBe(2)
    expect(refused).toMatchObject({ name: 'Throttling', status: 400 })
    expect(sim.requestCount('GetServiceLastAccessedDetails')).toBe(3)
  })

  it('waits latencyMs before each answer', async () => {
    // Prepare
    const iam = await start(account().role('app', JSON.parse(TRUST_EC2)), { latencyMs: 60 })
    // Act
    const started = performance.now()
    await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('role/app') }))
    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
  })
})

describe('Access Advisor in the IAM simulator: RoleLastUsed and generated accounts', () => {
  it('moves RoleLastUsed to the latest usage the builder records, and shows none past 400 days', async () => {
    // Prepare
    const now = new Date()
    const iam = await start(
      account(now)
        .role('app', JSON.parse(TRUST_EC2), (r) =>
          r
            .usage('s3', { daysAgo: 9 })
            .usage('ec2', { daysAgo: 2, region: 'eu-west-1' })
            .usage('sqs', { daysAgo: 5 }),
        )
        .role('old', JSON.parse(TRUST_EC2), (r) => r.usage('s3', { daysAgo: 450 }))
        .user('alice', (u) => u.accessKey({ ageDays: 100, lastUsedDaysAgo: 30 }).usage('s3', { daysAgo: 1 })),
    )
    // Act
    const role = await iam.send(new GetRoleCommand({ RoleName: 'app' }))
    const old = await iam.send(new GetRoleCommand({ RoleName: 'old' }))
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }))
    // Assess
    const expected = {
      LastUsedDate: new Date(Math.floor((now.getTime() - 2 * DAY) / 1000) * 1000),
      Region: 'eu-west-1',
    }
    expect(role.Role?.RoleLastUsed).toEqual(expected)
    expect(old.Role?.RoleLastUsed?.LastUsedDate).toBeUndefined()
    expect(details.RoleDetailList?.find((r) => r.RoleName === 'app')?.RoleLastUsed).toEqual(expected)
    // Service usage is not credential use: the key keeps its own last use.
    const key = sim.account.users.get('alice')!.accessKeys[0]!
    expect(Math.round((now.getTime() - key.lastUsed!.date.getTime()) / DAY)).toBe(30)
  })

  it('generates realistic, deterministic usage for a large account, quickly', async () => {
    // Prepare
    const spec = { users: 1000, roles: 5000, policies: 2000 }
    const now = new Date('2026-01-15T12:00:00Z')
    // Act
    const started = performance.now()
    const a = generateAuthorizationAccount(spec, { now, usage: true })
    const elapsed = performance.now() - started
    const b = generateAuthorizationAccount(spec, { now, usage: true })
    // Assess
    expect(elapsed).toBeLessThan(5000)
    const roles = [...a.roles.values()]
    const lastUse = (r: (typeof roles)[number]) =>
      Math.max(...[...(r.usage?.values() ?? [])].map((u) => u.lastAccessed?.getTime() ?? 0), 0)
    const never = roles.filter((r) => lastUse(r) === 0).length
    const recent = roles.filter((r) => now.getTime() - lastUse(r) < 30 * DAY).length
    const longAgo = roles.filter((r) => lastUse(r) > 0 && now.getTime() - lastUse(r) > 180 * DAY).length
    expect(recent / roles.length).toBeGreaterThan(0.5)
    expect(never / roles.length).toBeGreaterThan(0.05)
    expect(longAgo / roles.length).toBeGreaterThan(0.03)
    expect(roles.filter((r) => r.lastUsed).length).toBe(roles.length - never)
    expect([...a.users.values()].some((u) => u.usage?.size)).toBe(true)
    const usage = (x: typeof a) =>
      JSON.stringify(
        [...x.roles.values()].map((r) => [...(r.usage ?? [])].map(([k, u]) => [k, u.lastAccessed])),
      )
    expect(usage(a)).toBe(usage(b))
  })

  it('serves the generated usage through Access Advisor', async () => {
    // Prepare
    const now = new Date()
    const generated = generateAuthorizationAccount(
      { users: 20, roles: 50, policies: 30 },
      { now, usage: true },
    )
    sim = await startIamSimulator(generated, { accessJobDelayMs: 0 })
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1 })
    const used = [...generated.roles.values()].find((r) =>
      [...(r.usage?.values() ?? [])].some(
        (u) => u.lastAccessed && now.getTime() - u.lastAccessed.getTime() < 30 * DAY,
      ),
    )!
    // Act
    const r = await report(iam, generated.roleArn(used), 'ACTION_LEVEL')
    const all = await allServices(iam, r.JobId, 1000)
    // Assess
    expect(r.JobStatus).toBe('COMPLETED')
    expect(
      all.some((s) => s.LastAuthenticated && s.LastAuthenticatedEntity === generated.roleArn(used)),
    ).toBe(true)
  })
})
