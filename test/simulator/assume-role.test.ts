import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail'
import { GetAccountSummaryCommand, ListUsersCommand } from '@aws-sdk/client-iam'
import { ListAccountsCommand } from '@aws-sdk/client-organizations'
import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  GetCallerIdentityCommand,
} from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import type { AccountBuilder } from '../../local/iam-sim/builder.ts'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import type { TrailRecord } from '../../local/iam-sim/trail.ts'
import {
  credentialsOf,
  type Key,
  MEMBER,
  MEMBER_KEY,
  ORG_ID,
  OUTSIDER,
  organizationsAs,
  READER_ROLE_ARN,
  SCAN_ROLE_ARN,
  SECURITY,
  startOrganization,
} from './organization.ts'
import { iamAs, refusal, stsAs } from './sdk.ts'

/** STS AssumeRole across the organization's accounts, through the real SDK clients. */
let sim: IamSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

const session = (out: AssumeRoleCommandOutput) => ({
  accessKeyId: out.Credentials!.AccessKeyId!,
  secretAccessKey: out.Credentials!.SecretAccessKey!,
  sessionToken: out.Credentials!.SessionToken!,
})

const assume = (key: Key, input: { RoleArn?: string; ExternalId?: string; DurationSeconds?: number } = {}) =>
  stsAs(sim!, key).send(
    new AssumeRoleCommand({ RoleArn: READER_ROLE_ARN, RoleSessionName: 'scan', ...input }),
  )

const denial = (callerArn: string, roleArn = READER_ROLE_ARN) => ({
  name: 'AccessDenied',
  status: 403,
  message: `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
})

/** The organization, with a CloudTrail sink that collects every record, and the member account shaped as given. */
async function organization(member?: (b: AccountBuilder) => AccountBuilder) {
  const received: TrailRecord[] = []
  const world = await startOrganization(
    { cloudTrail: (r) => void received.push(r) },
    member ? { member } : {},
  )
  sim = world.sim
  return { ...world, received }
}

describe('STS AssumeRole into a member account', () => {
  it('gives the central scan role a session in the member account that IAM, STS and CloudTrail answer for', async () => {
    // Prepare
    const { scan } = await organization()
    const role = sim!.accounts.get(MEMBER)!.roles.get('iamwatch-reader')!
    // Act
    const out = await assume(scan)
    const identity = await stsAs(sim!, session(out)).send(new GetCallerIdentityCommand({}))
    const users = await iamAs(sim!, session(out)).send(new ListUsersCommand({}))
    const trails = await new CloudTrailClient({
      endpoint: sim!.endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: session(out),
    }).send(new DescribeTrailsCommand({}))
    // Assess
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000)
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(3600_000)
    expect(out.AssumedRoleUser).toEqual({
      AssumedRoleId: `${role.roleId}:scan`,
      Arn: `arn:aws:sts::${MEMBER}:assumed-role/iamwatch-reader/scan`,
    })
    expect(out.PackedPolicySize).toBeUndefined()
    expect(identity).toMatchObject({
      Account: MEMBER,
      Arn: `arn:aws:sts::${MEMBER}:assumed-role/iamwatch-reader/scan`,
      UserId: `${role.roleId}:scan`,
    })
    expect(users.Users!.map((u) => u.UserName).sort()).toEqual(['admin', 'alice', 'bob'])
    expect(trails.trailList!.map((t) => t.TrailARN)).toEqual([
      `arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/member-trail`,
    ])
    expect(role.lastUsed?.region).toBe('us-east-1')
  })

  it('records AssumeRole in the role account’s CloudTrail, with the caller in its own account', async () => {
    // Prepare
    const { scan, received } = await organization()
    // Act
    const out = await assume(scan, { DurationSeconds: 900 })
    await sim!.cloudTrail.idle()
    // Assess
    const record = received.at(-1)!
    expect(record).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      awsRegion: 'us-east-1',
      recipientAccountId: MEMBER,
      readOnly: true,
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${SECURITY}:assumed-role/iamwatch-scan/scan`,
        accountId: SECURITY,
        accessKeyId: scan.accessKeyId,
        sessionContext: { sessionIssuer: { arn: SCAN_ROLE_ARN, accountId: SECURITY } },
      },
      requestParameters: { roleArn: READER_ROLE_ARN, roleSessionName: 'scan', durationSeconds: 900 },
      responseElements: {
        credentials: { accessKeyId: out.Credentials!.AccessKeyId, sessionToken: expect.any(String) },
        assumedRoleUser: { arn: `arn:aws:sts::${MEMBER}:assumed-role/iamwatch-reader/scan` },
      },
      resources: [{ accountId: MEMBER, type: 'AWS::IAM::Role', ARN: READER_ROLE_ARN }],
    })
    expect(JSON.stringify(record)).not.toContain(out.Credentials!.SecretAccessKey!)
    expect(record).not.toHaveProperty('errorCode')
  })

  it('accepts a trust that names the caller’s account, or its exact user ARN', async () => {
    // Prepare
    const { scan } = await organization((b) =>
      b
        .role('by-account', { Statement: [allow({ AWS: SECURITY })] })
        .role('by-user', { Statement: [allow({ AWS: `arn:aws:iam::${MEMBER}:user/admin` })] }),
    )
    // Act
    const byAccount = await assume(scan, { RoleArn: `arn:aws:iam::${MEMBER}:role/by-account` })
    const byUser = await assume(MEMBER_KEY, { RoleArn: `arn:aws:iam::${MEMBER}:role/by-user` })
    // Assess
    expect(byAccount.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/by-account/scan`)
    expect(byUser.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/by-user/scan`)
  })

  it('serves the session’s Organizations calls as its role’s account: a plain member, refused', async () => {
    // Prepare
    const { scan } = await organization()
    // Act
    const memberSession = session(await assume(scan))
    const refused = await refusal(organizationsAs(sim!, memberSession).send(new ListAccountsCommand({})))
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDeniedException' })
  })

  it('reports the member root’s MFA, access keys and signing certificates in GetAccountSummary', async () => {
    // Prepare
    const { scan } = await organization((b) =>
      b.root((r) => r.mfa('virtual').accessKey({ ageDays: 400 }).signingCertificate({ ageDays: 30 })),
    )
    // Act
    const { SummaryMap } = await iamAs(sim!, session(await assume(scan))).send(
      new GetAccountSummaryCommand({}),
    )
    // Assess
    expect(SummaryMap).toMatchObject({
      AccountMFAEnabled: 1,
      AccountAccessKeysPresent: 1,
      AccountSigningCertificatesPresent: 1,
      Users: 3,
    })
  })
})

const allow = (principal: Record<string, string>, condition?: Record<string, unknown>) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRole',
  ...(condition ? { Condition: condition } : {}),
})

describe('STS AssumeRole refusals', () => {
  it('answers a missing role with the same AccessDenied as a role whose trust refuses', async () => {
    // Prepare
    const { scan } = await organization((b) =>
      b.role('other-trust', { Statement: [allow({ AWS: `arn:aws:iam::${OUTSIDER}:root` })] }),
    )
    const scanArn = `arn:aws:sts::${SECURITY}:assumed-role/iamwatch-scan/scan`
    const missing = `arn:aws:iam::${MEMBER}:role/not-there`
    const refusing = `arn:aws:iam::${MEMBER}:role/other-trust`
    const unserved = 'arn:aws:iam::999999999999:role/iamwatch-reader'
    // Act
    const noRole = await refusal(assume(scan, { RoleArn: missing }))
    const otherAccount = await refusal(assume(scan, { RoleArn: refusing }))
    const noAccount = await refusal(assume(scan, { RoleArn: unserved }))
    // Assess
    expect(noRole).toEqual(denial(scanArn, missing))
    expect(otherAccount).toEqual(denial(scanArn, refusing))
    expect(noAccount).toEqual(denial(scanArn, unserved))
  })

  it('refuses a role of the same name outside the organization when the trust requires aws:PrincipalOrgID', async () => {
    // Prepare
    const { outsiderScan } = await organization((b) =>
      b.role('open-to-role-name', {
        Statement: [
          allow(
            { AWS: '*' },
            {
              ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/iamwatch-scan' },
              StringEquals: { 'aws:PrincipalOrgID': ORG_ID },
            },
          ),
        ],
      }),
    )
    // Act
    const refused = await refusal(
      assume(outsiderScan, { RoleArn: `arn:aws:iam::${MEMBER}:role/open-to-role-name` }),
    )
    sim!.organization!.addAccount({ id: OUTSIDER })
    const once = await assume(outsiderScan, { RoleArn: `arn:aws:iam::${MEMBER}:role/open-to-role-name` })
    // Assess
    expect(refused).toEqual(
      denial(
        `arn:aws:sts::${OUTSIDER}:assumed-role/iamwatch-scan/scan`,
        `arn:aws:iam::${MEMBER}:role/open-to-role-name`,
      ),
    )
    expect(once.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/open-to-role-name/scan`)
  })

  it('requires the ExternalId the trust names', async () => {
    // Prepare
    const { scan } = await organization((b) =>
      b.role('vendor', {
        Statement: [allow({ AWS: SCAN_ROLE_ARN }, { StringEquals: { 'sts:ExternalId': 'x-7f3a9' } })],
      }),
    )
    const RoleArn = `arn:aws:iam::${MEMBER}:role/vendor`
    // Act
    const wrong = await refusal(assume(scan, { RoleArn, ExternalId: 'x-0000' }))
    const none = await refusal(assume(scan, { RoleArn }))
    const right = await assume(scan, { RoleArn, ExternalId: 'x-7f3a9' })
    // Assess
    expect(wrong).toMatchObject({ name: 'AccessDenied', status: 403 })
    expect(none).toMatchObject({ name: 'AccessDenied', status: 403 })
    expect(right.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/vendor/scan`)
  })

  it('lets an explicit Deny win over the Allow', async () => {
    // Prepare
    const { scan } = await organization((b) =>
      b.role('denied', {
        Statement: [
          allow({ AWS: SCAN_ROLE_ARN }),
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sts:*',
            Condition: { StringEquals: { 'aws:PrincipalAccount': SECURITY } },
          },
        ],
      }),
    )
    // Act
    const refused = await refusal(assume(scan, { RoleArn: `arn:aws:iam::${MEMBER}:role/denied` }))
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 })
  })

  it('records a refused AssumeRole in the role account’s CloudTrail with errorCode AccessDenied', async () => {
    // Prepare
    const { outsiderScan, received } = await organization()
    // Act
    await refusal(assume(outsiderScan))
    await sim!.cloudTrail.idle()
    // Assess
    expect(received.at(-1)).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      errorCode: 'AccessDenied',
      errorMessage: denial(`arn:aws:sts::${OUTSIDER}:assumed-role/iamwatch-scan/scan`).message,
      recipientAccountId: MEMBER,
      userIdentity: { accountId: OUTSIDER },
      responseElements: null,
      resources: [{ accountId: MEMBER, type: 'AWS::IAM::Role', ARN: READER_ROLE_ARN }],
    })
  })

  it('validates RoleSessionName and DurationSeconds as STS does, against the role’s MaxSessionDuration', async () => {
    // Prepare
    const admin = `arn:aws:iam::${MEMBER}:user/admin`
    const { scan } = await organization((b) =>
      b
        .role('long', { Statement: [allow({ AWS: SCAN_ROLE_ARN }), allow({ AWS: admin })] }, (r) =>
          r.maxSessionDuration(7200),
        )
        .role('short', { Statement: [allow({ AWS: admin })] }),
    )
    const long = `arn:aws:iam::${MEMBER}:role/long`
    const sts = stsAs(sim!, scan)
    // Act
    const shortName = await refusal(sts.send(new AssumeRoleCommand({ RoleArn: long, RoleSessionName: 'x' })))
    const badName = await refusal(sts.send(new AssumeRoleCommand({ RoleArn: long, RoleSessionName: 'a b' })))
    const tooShort = await refusal(assume(scan, { RoleArn: long, DurationSeconds: 899 }))
    const aboveRole = await refusal(
      assume(MEMBER_KEY, { RoleArn: `arn:aws:iam::${MEMBER}:role/short`, DurationSeconds: 7200 }),
    )
    const chained = await refusal(assume(scan, { RoleArn: long, DurationSeconds: 7200 }))
    const direct = await assume(MEMBER_KEY, { RoleArn: long, DurationSeconds: 7200 })
    // Assess
    for (const refused of [shortName, badName, tooShort, aboveRole, chained])
      expect(refused).toMatchObject({ name: 'ValidationError', status: 400 })
    expect(aboveRole.message).toBe(
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    )
    expect(chained.message).toMatch(/1 hour session limit for roles assumed by role chaining/)
    expect(direct.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(7190_000)
  })

  it('refuses the root user, whatever the trust says', async () => {
    // Prepare
    const { sim: s } = await organization((b) =>
      b
        .root((r) => r.accessKey({ ageDays: 5, id: 'AKIAMEMBERROOT000001' }))
        .role('open', {
          Statement: [allow({ AWS: MEMBER })],
        }),
    )
    // Act
    const refused = await refusal(
      stsAs(s, 'AKIAMEMBERROOT000001').send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/open`, RoleSessionName: 'root' }),
      ),
    )
    // Assess
    expect(refused).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: 'Roles may not be assumed by root accounts.',
    })
  })
})

describe('STS sessions expire', () => {
  it('refuses an expired session with ExpiredToken on Query services and ExpiredTokenException on JSON ones', async () => {
    // Prepare
    const { scan } = await organization()
    const memberSession = session(await assume(scan, { DurationSeconds: 900 }))
    await iamAs(sim!, memberSession).send(new ListUsersCommand({}))
    // Act
    sim!.accounts.get(MEMBER)!.advance(901_000)
    const iam = await refusal(iamAs(sim!, memberSession).send(new ListUsersCommand({})))
    const sts = await refusal(stsAs(sim!, memberSession).send(new GetCallerIdentityCommand({})))
    const cloudTrail = await refusal(
      new CloudTrailClient({
        endpoint: sim!.endpoint,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: credentialsOf(memberSession),
      }).send(new DescribeTrailsCommand({})),
    )
    // Assess
    expect(iam).toMatchObject({ name: 'ExpiredToken', status: 400 })
    expect(sts).toMatchObject({ name: 'ExpiredToken', status: 400 })
    expect(cloudTrail).toMatchObject({ name: 'ExpiredTokenException', status: 400 })
  })
})
