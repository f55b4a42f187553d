import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListUsersCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { roleSession } from '../../local/iam-sim/identity.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import type { TrailRecord } from '../../local/iam-sim/trail.ts'
import { normalizeRecord } from '../../shared/cloudtrail/parse.ts'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import { rulePatterns, toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { ACCOUNT, ADMIN_KEY, adminAccount, iamAs, refusal, stsAs } from './sdk.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())

/** A simulator whose CloudTrail sink collects what it receives. */
async function withSink(account = adminAccount(), options: Parameters<typeof startIamSimulator>[1] = {}) {
  const received: TrailRecord[] = []
  sim = await startIamSimulator(account, { ...options, cloudTrail: (r) => void received.push(r) })
  return received
}

describe('CloudTrail records of IAM writes', () => {
  it('emits the record CloudTrail writes for CreateAccessKey: the caller from its key, the key without its secret', async () => {
    // Prepare
    const received = await withSink()
    const iam = iamAs(sim, ADMIN_KEY, { userAgent: 'incident-drill/1.0' })
    await iam.send(new CreateUserCommand({ UserName: 'bob' }))
    // Act
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))
    await sim.cloudTrail.idle()
    // Assess
    const record = received.at(-1)!
    const admin = sim.account.getUser('admin')!
    expect(record).toEqual({
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: admin.userId,
        arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
        accountId: ACCOUNT,
        accessKeyId: ADMIN_KEY,
        userName: 'admin',
      },
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: expect.stringContaining('incident-drill/1.0'),
      requestParameters: { userName: 'bob' },
      responseElements: {
        accessKey: {
          userName: 'bob',
          accessKeyId: out.AccessKey!.AccessKeyId,
          status: 'Active',
          createDate: expect.stringMatching(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d (AM|PM)$/),
        },
      },
      requestID: out.$metadata.requestId,
      eventID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    })
    expect(JSON.stringify(record)).not.toContain(out.AccessKey!.SecretAccessKey)
  })

  it('logs request parameters as AWS does: camel-case names, typed values, tags as key and value, never a password', async () => {
    // Prepare
    const received = await withSink()
    const iam = iamAs(sim)
    // Act
    await iam.send(new CreateUserCommand({ UserName: 'eve', Tags: [{ Key: 'team', Value: 'red' }] }))
    await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'eve',
        Password: 'Sup3r-Secret-Pass',
        PasswordResetRequired: false,
      }),
    )
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true }),
    )
    await sim.cloudTrail.idle()
    // Assess
    const [user, login, policy] = received
    expect(user?.requestParameters).toEqual({ userName: 'eve', tags: [{ key: 'team', value: 'red' }] })
    expect(user?.responseElements).toMatchObject({
      user: {
        userName: 'eve',
        path: '/',
        arn: `arn:aws:iam::${ACCOUNT}:user/eve`,
        tags: [{ key: 'team', value: 'red' }],
      },
    })
    expect(login?.requestParameters).toEqual({ userName: 'eve', passwordResetRequired: false })
    expect(login?.responseElements).toMatchObject({
      loginProfile: { userName: 'eve', passwordResetRequired: false },
    })
    expect(JSON.stringify(login)).not.toContain('Sup3r-Secret-Pass')
    expect(policy?.requestParameters).toEqual({ minimumPasswordLength: 14, requireSymbols: true })
    expect(policy?.responseElements).toBeNull()
  })

  it('identifies a root key and a role session as CloudTrail and GetCallerIdentity do', async () => {
    // Prepare
    const account = new AccountBuilder(ACCOUNT)
      .root((r) => r.accessKey({ ageDays: 10, id: 'AKIAEXAMPLEROOTKEY01' }))
      .build()
    const session = roleSession(ACCOUNT, 'Admin', 'alice')
    const received = await withSink(account, { credentials: [session] })
    const asRoot = iamAs(sim, 'AKIAEXAMPLEROOTKEY01')
    const asRole = iamAs(sim, session)
    // Act
    await asRoot.send(new CreateUserCommand({ UserName: 'by-root' }))
    await asRole.send(new CreateUserCommand({ UserName: 'by-role' }))
    const roleIdentity = await stsAs(sim, session).send(new GetCallerIdentityCommand({}))
    await sim.cloudTrail.idle()
    // Assess
    const [root, role] = received.map((r) => r.userIdentity)
    expect(root).toEqual({
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEROOTKEY01',
    })
    const roleId = session.identity.type === 'AssumedRole' ? session.identity.roleId : ''
    expect(role).toEqual({
      type: 'AssumedRole',
      principalId: `${roleId}:alice`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
      accountId: ACCOUNT,
      accessKeyId: session.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: roleId,
          arn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
          accountId: ACCOUNT,
          userName: 'Admin',
        },
        webIdFederationData: {},
        attributes: { creationDate: expect.any(String), mfaAuthenticated: 'false' },
      },
    })
    expect(roleIdentity).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
      UserId: `${roleId}:alice`,
    })
  })

  it('records a write IAM refused with its errorCode and errorMessage, and no responseElements', async () => {
    // Prepare
    const received = await withSink()
    const iam = iamAs(sim)
    // Act
    await refusal(iam.send(new DeleteUserCommand({ UserName: 'ghost' })))
    await sim.cloudTrail.idle()
    // Assess
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({
      eventName: 'DeleteUser',
      errorCode: 'NoSuchEntityException',
      errorMessage: 'The user with name ghost cannot be found.',
      requestParameters: { userName: 'ghost' },
      responseElements: null,
    })
  })

  it('writes nothing for reads, and delivers records in order, one at a time, after answering the call', async () => {
    // Prepare: a slow sink that notes whether deliveries overlap.
    const seen: string[] = []
    let inFlight = 0
    let overlapped = false
    sim = await startIamSimulator(adminAccount(), {
      cloudTrail: async (r) => {
        overlapped ||= inFlight > 0
        inFlight++
        await new Promise((resolve) => setTimeout(resolve, 30))
        seen.push(String((r.requestParameters as { userName?: string }).userName))
        inFlight--
      },
    })
    const iam = iamAs(sim)
    // Act
    const started = performance.now()
    await Promise.all(['u1', 'u2', 'u3'].map((UserName) => iam.send(new CreateUserCommand({ UserName }))))
    const answeredIn = performance.now() - started
    await iam.send(new ListUsersCommand({}))
    await sim.cloudTrail.idle()
    // Assess
    expect(answeredIn).toBeLessThan(90)
    expect(seen.sort()).toEqual(['u1', 'u2', 'u3'])
    expect(overlapped).toBe(false)
    expect(sim.cloudTrail.records.map((r) => r.eventName)).toEqual(['CreateUser', 'CreateUser', 'CreateUser'])
  })

  it('gives records that parse, and that the generated EventBridge rules route to the handler (and, signed with a user key, to the key-activity queue)', async () => {
    // Prepare
    const received = await withSink()
    const iam = iamAs(sim)
    // Act
    await iam.send(new CreateUserCommand({ UserName: 'mallory' }))
    await iam.send(new CreateAccessKeyCommand({ UserName: 'mallory' }))
    await sim.cloudTrail.idle()
    // Assess
    const rules = rulePatterns()
    for (const record of received) {
      const parsed = normalizeRecord(record)
      expect(parsed.ok, String(record.eventName)).toBe(true)
      const routed = rules.filter((r) => matchesPattern(r.pattern, toEventBridge(record, ACCOUNT)))
      const signedWithUserKey = String(
        (record.userIdentity as { accessKeyId?: string } | undefined)?.accessKeyId ?? '',
      ).startsWith('AKIA')
      expect(
        routed.map((r) => `${r.name}->${r.target}`),
        String(record.eventName),
      ).toEqual(['iam->handler', ...(signedWithUserKey ? ['access-keys->queue'] : [])])
    }
  })
})

describe('accounts and credentials', () => {
  it('serves each request from the account its access key belongs to', async () => {
    // Prepare: two accounts, each with its own administrator.
    const received = await withSink(adminAccount())
    const other = new AccountBuilder('210987654321')
      .user('ops', (u) => u.accessKey({ ageDays: 1, id: 'AKIAOTHERACCOUNTOPS1' }))
      .build()
    sim.addAccount(other)
    // Act
    await iamAs(sim, 'AKIAOTHERACCOUNTOPS1').send(new CreateUserCommand({ UserName: 'newcomer' }))
    const who = await stsAs(sim, 'AKIAOTHERACCOUNTOPS1').send(new GetCallerIdentityCommand({}))
    await sim.cloudTrail.idle()
    // Assess
    expect(other.getUser('newcomer')).toBeDefined()
    expect(sim.account.getUser('newcomer')).toBeUndefined()
    expect(who.Arn).toBe('arn:aws:iam::210987654321:user/ops')
    expect(received[0]).toMatchObject({
      recipientAccountId: '210987654321',
      userIdentity: { accountId: '210987654321', userName: 'ops' },
    })
  })

  it('refuses unknown keys, unsigned requests and a session without its token when strict, as AWS does', async () => {
    // Prepare
    const session = roleSession(ACCOUNT, 'Admin', 'alice')
    sim = await startIamSimulator(adminAccount(), { strictCredentials: true, credentials: [session] })
    // Act
    const unknown = await refusal(iamAs(sim, 'AKIANOBODYKNOWSTHIS1').send(new ListUsersCommand({})))
    const noToken = await refusal(
      iamAs(sim, { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }).send(
        new ListUsersCommand({}),
      ),
    )
    const unsigned = await fetch(sim.endpoint, {
      method: 'POST',
      body: 'Action=ListUsers&Version=2010-05-08',
    })
    const known = await iamAs(sim).send(new ListUsersCommand({}))
    // Assess
    expect(unknown).toMatchObject({ name: 'InvalidClientTokenId', status: 403 })
    expect(noToken).toMatchObject({ name: 'InvalidClientTokenId', status: 403 })
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>')
    expect(known.Users?.map((u) => u.UserName)).toEqual(['admin'])
  })
})

describe('the credential report cache and the admin endpoints', () => {
  it('keeps serving the cached report after a change until it is expired through POST /__admin/expire-report', async () => {
    // Prepare: a report generated before the change.
    sim = await startIamSimulator(adminAccount(), { reportDelayMs: 0 })
    const iam = iamAs(sim)
    await iam.send(new GenerateCredentialReportCommand({}))
    await iam.send(new CreateUserCommand({ UserName: 'late' }))
    const users = async () =>
      new TextDecoder()
        .decode((await iam.send(new GetCredentialReportCommand({}))).Content)
        .split('\n')
        .slice(2)
        .map((row) => row.split(',')[0])
        .filter(Boolean)
    // Act
    const cachedState = (await iam.send(new GenerateCredentialReportCommand({}))).State
    const cached = await users()
    const expired = await fetch(`${sim.endpoint}/__admin/expire-report`, { method: 'POST' })
    const regenerated = (await iam.send(new GenerateCredentialReportCommand({}))).State
    const fresh = await users()
    // Assess
    expect(cachedState).toBe('COMPLETE')
    expect(cached).toEqual(['admin'])
    expect(await expired.json()).toEqual({ expired: [ACCOUNT] })
    expect(regenerated).toBe('COMPLETE')
    expect(fresh).toEqual(['admin', 'late'])
  })

  it('lists the records it emitted at GET /__admin/cloudtrail, as JSON lines', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    await iamAs(sim).send(new CreateUserCommand({ UserName: 'listed' }))
    // Act
    const res = await fetch(`${sim.endpoint}/__admin/cloudtrail?limit=5`)
    // Assess
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((r) => [r.eventName, r.requestParameters.userName])).toEqual([['CreateUser', 'listed']])
  })
})
