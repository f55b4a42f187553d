import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import { evaluateResourcePolicy, type ResourceRequest } from '../../shared/policy/resource.ts'
import { evidenceOptionsFromEnv } from '../../stacks/evidence.ts'
import type { Statement } from '../../stacks/permissions.ts'
import { ACCOUNT, type MockResource, REGION, runStack } from './pulumi-mocks.ts'

/**
 * Tamper evidence as deployed (Pulumi mocks): the Object Lock bucket, the signing and MAC keys, the
 * digest function and the auditor role, their exact statements, and what the project's own policy
 * engine says they allow and deny.
 */
let resources: MockResource[]
const APP = 'iamwatch-ci'
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:${APP}Findings`
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:${APP}Key`
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${APP}DeadLetters`
// The mocks name every resource's ARN after its logical name.
const BUCKET_ARN = `arn:aws:s3:${REGION}:${ACCOUNT}:DigestBucket`
const SIGNING_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:DigestSigningKey`
const MAC_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:ItemMacKey`
const DIGEST_ROLE = `arn:aws:iam::${ACCOUNT}:role/${APP}-digest`
const AUDITOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/${APP}-auditor`
const OPS = [`arn:aws:sns:${REGION}:${ACCOUNT}:${APP}-ops`]
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` },
})

const ofType = (type: string, rs = resources) => rs.filter((r) => r.type === type)
// biome-ignore lint/suspicious/noExplicitAny: Pulumi inputs are untyped JSON; the assertions give them shape
const named = (name: string, rs = resources): Record<string, any> => {
  const found = rs.filter((r) => r.name === name)
  expect(found, name).toHaveLength(1)
  return found[0]!.inputs
}
const statements = (name: string) => JSON.parse(named(name).policy as string).Statement as Statement[]
const parsed = (json: unknown): PolicyDocument => {
  const p = parsePolicyDocument(json)
  if (!p.ok) throw new Error(p.reason)
  return p.document
}
const held = (name: string): HeldPolicy[] => [{ name, kind: 'inline', document: parsed(named(name).policy) }]
/** A request by a role's session, with the aws:PrincipalArn IAM puts in the context, over TLS. */
const asRole = (roleArn: string, action: string, resource: string, secure = true): ResourceRequest => ({
  principal: { type: 'AWS', id: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/session` },
  action,
  resource,
  context: { 'aws:SecureTransport': secure, 'aws:PrincipalArn': roleArn },
})

beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

describe('the digest bucket', () => {
  it('has Object Lock in COMPLIANCE mode for 7 years by default, and versioning', () => {
    expect(named('DigestBucket')).toMatchObject({
      bucket: `${APP}-digests-${ACCOUNT}`,
      objectLockEnabled: true,
      forceDestroy: false,
    })
    expect(named('DigestBucketVersioning')).toMatchObject({
      bucket: 'DigestBucket-id',
      versioningConfiguration: { status: 'Enabled' },
    })
    expect(named('DigestBucketObjectLock')).toEqual({
      bucket: 'DigestBucket-id',
      rule: { defaultRetention: { mode: 'COMPLIANCE', years: 7 } },
    })
  })

  describe('with IAMWATCH_DIGEST_RETENTION_DAYS and IAMWATCH_AUDITOR_PRINCIPALS', () => {
    afterEach(() => {
      delete process.env.IAMWATCH_DIGEST_RETENTION_DAYS
      delete process.env.IAMWATCH_AUDITOR_PRINCIPALS
    })

    it('keeps every digest for the days configured, and trusts only the auditors named', async () => {
      // Prepare
      process.env.IAMWATCH_DIGEST_RETENTION_DAYS = '30'
      process.env.IAMWATCH_AUDITOR_PRINCIPALS =
        'arn:aws:iam::210987654321:role/audit, arn:aws:iam::111122223333:root'
      // Act
      const { resources: configured } = await runStack('ci')
      // Assess
      expect(named('DigestBucketObjectLock', configured).rule).toEqual({
        defaultRetention: { mode: 'COMPLIANCE', days: 30 },
      })
      expect(JSON.parse(named('AuditorRole', configured).assumeRolePolicy).Statement).toEqual([
        {
          Sid: 'AuditorsAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::210987654321:role/audit', 'arn:aws:iam::111122223333:root'] },
          Action: 'sts:AssumeRole',
        },
      ])
    }, 120_000)

    it('refuses a retention that is not a whole number of days, and principals that are not ARNs', () => {
      expect(() => evidenceOptionsFromEnv({ IAMWATCH_DIGEST_RETENTION_DAYS: '7y' })).toThrow(
        'IAMWATCH_DIGEST_RETENTION_DAYS must be a whole number of days',
      )
      expect(() => evidenceOptionsFromEnv({ IAMWATCH_DIGEST_RETENTION_DAYS: '0' })).toThrow()
      expect(() => evidenceOptionsFromEnv({ IAMWATCH_AUDITOR_PRINCIPALS: 'auditor@example.com' })).toThrow(
        'is not an IAM principal ARN',
      )
      expect(evidenceOptionsFromEnv({})).toEqual({})
    })
  })

  it("encrypts with the stack's key, blocks public access, and owns every object", () => {
    expect(named('DigestBucketEncryption').rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY_ARN },
        bucketKeyEnabled: true,
      },
    ])
    expect(named('DigestBucketPublicAccessBlock')).toEqual({
      bucket: 'DigestBucket-id',
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    })
    expect(named('DigestBucketOwnership').rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' })
  })

  it('has exactly this bucket policy: TLS only, only the digest function writes, nobody deletes', () => {
    expect(statements('DigestBucketPolicy')).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'OnlyTheDigestFunctionWrites',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${BUCKET_ARN}/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': DIGEST_ROLE } },
      },
      {
        Sid: 'NoDigestIsDeleted',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: `${BUCKET_ARN}/*`,
      },
    ])
  })

  it('denies, by its policy, any write but the digest function’s, any delete, and plain HTTP', () => {
    // Prepare
    const bucketPolicy = parsed(named('DigestBucketPolicy').policy)
    const object = `${BUCKET_ARN}/digests/${ACCOUNT}/2026/03/01/2026-03-01T10:00:00.000Z.json`
    const admin = `arn:aws:iam::${ACCOUNT}:role/Admin`
    const decide = (r: ResourceRequest) => evaluateResourcePolicy(bucketPolicy, r)
    // Act / Assess: the digest function writes and reads; the bucket policy leaves that to its role
    expect(decide(asRole(DIGEST_ROLE, 's3:PutObject', object))).toBe('implicit-deny')
    expect(decide(asRole(AUDITOR_ROLE, 's3:GetObject', object))).toBe('implicit-deny')
    // Nobody else writes, not even an administrator of the account, and nobody deletes
    for (const role of [AUDITOR_ROLE, admin])
      expect(decide(asRole(role, 's3:PutObject', object)), role).toBe('denied')
    for (const role of [DIGEST_ROLE, AUDITOR_ROLE, admin])
      for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion'])
        expect(decide(asRole(role, action, object)), `${role} ${action}`).toBe('denied')
    // No plain HTTP
    expect(decide(asRole(AUDITOR_ROLE, 's3:GetObject', object, false))).toBe('denied')
    expect(decide(asRole(DIGEST_ROLE, 's3:ListBucket', BUCKET_ARN, false))).toBe('denied')
  })
})

describe('the keys', () => {
  it('signs with an ECC_NIST_P256 key and MACs with an HMAC_256 key, each with an alias', () => {
    expect(named('DigestSigningKey')).toMatchObject({
      customerMasterKeySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
      deletionWindowInDays: 30,
    })
    expect(named('ItemMacKey')).toMatchObject({
      customerMasterKeySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      deletionWindowInDays: 30,
    })
    expect(named('DigestSigningKeyAlias').name).toBe(`alias/${APP}-digest-signing`)
    expect(named('ItemMacKeyAlias').name).toBe(`alias/${APP}-item-mac`)
  })

  it('lets only the digest function sign, and neither the auditor nor anyone outside the stack generate MACs', () => {
    // Prepare
    const signing = parsed(named('DigestSigningKey').policy)
    const mac = parsed(named('ItemMacKey').policy)
    const admin = `arn:aws:iam::${ACCOUNT}:role/Admin`
    const scan = `arn:aws:iam::${ACCOUNT}:role/${APP}-scan-credentials`
    // Act / Assess: the key policies delegate to IAM, and deny the rest outright
    expect(evaluateResourcePolicy(signing, asRole(DIGEST_ROLE, 'kms:Sign', SIGNING_KEY_ARN))).toBe('allowed')
    for (const role of [AUDITOR_ROLE, admin, scan])
      expect(evaluateResourcePolicy(signing, asRole(role, 'kms:Sign', SIGNING_KEY_ARN)), role).toBe('denied')
    expect(evaluateResourcePolicy(signing, asRole(AUDITOR_ROLE, 'kms:Verify', SIGNING_KEY_ARN))).toBe(
      'allowed',
    )
    expect(evaluateResourcePolicy(mac, asRole(scan, 'kms:GenerateMac', MAC_KEY_ARN))).toBe('allowed')
    const event = `arn:aws:iam::${ACCOUNT}:role/${APP}-on-cloudtrail-event`
    expect(evaluateResourcePolicy(mac, asRole(event, 'kms:GenerateMac', MAC_KEY_ARN))).toBe('allowed')
    // Roles that read the table (or update its notification markers) but write no transition: never
    const notify = `arn:aws:iam::${ACCOUNT}:role/${APP}-notify`
    for (const role of [AUDITOR_ROLE, DIGEST_ROLE, notify, admin])
      expect(evaluateResourcePolicy(mac, asRole(role, 'kms:GenerateMac', MAC_KEY_ARN)), role).toBe('denied')
    expect(evaluateResourcePolicy(mac, asRole(AUDITOR_ROLE, 'kms:VerifyMac', MAC_KEY_ARN))).toBe('allowed')
    const outsider = {
      principal: { type: 'AWS' as const, id: 'arn:aws:iam::210987654321:root' },
      action: 'kms:Verify',
    }
    expect(evaluateResourcePolicy(signing, { ...outsider, resource: SIGNING_KEY_ARN })).toBe('implicit-deny')
  })
})

describe('the digest function', () => {
  it('runs hourly from the scheduler, with retries, a dead-letter queue, its table, bucket and key', () => {
    expect(named('DigestSchedule')).toMatchObject({
      name: `${APP}-digest`,
      scheduleExpression: 'rate(1 hour)',
      target: {
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${APP}-digest`,
        roleArn: `arn:aws:iam:${REGION}:${ACCOUNT}:SchedulerRole`,
        retryPolicy: { maximumRetryAttempts: 2 },
        deadLetterConfig: { arn: DLQ_ARN },
      },
    })
    expect(JSON.parse(named('SchedulerPolicy').policy).Statement[0].Resource).toContain(
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${APP}-digest`,
    )
    expect(named('DigestFunction')).toMatchObject({
      name: `${APP}-digest`,
      runtime: 'nodejs24.x',
      reservedConcurrentExecutions: 1,
      environment: {
        variables: {
          FINDINGS_TABLE: `${APP}-findings`,
          ACCOUNT_ID: ACCOUNT,
          DIGEST_BUCKET: `${APP}-digests-${ACCOUNT}`,
          DIGEST_SIGNING_KEY_ARN: SIGNING_KEY_ARN,
          IAMWATCH_STAGE: 'ci',
        },
      },
    })
    expect(named('DigestInvokeConfig')).toMatchObject({
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: DLQ_ARN } },
    })
  })

  it('alarms to ops on its errors and when no digest was written for two hours', () => {
    const alarms = ofType('aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) =>
      String(a.inputs.name).startsWith(`${APP}-digest-`),
    )
    expect(alarms.map((a) => [a.inputs.name, a.inputs.metricName, a.inputs.alarmActions]).sort()).toEqual([
      [`${APP}-digest-errors`, 'Errors', OPS],
      [`${APP}-digest-heartbeat`, 'ScanFinished', OPS],
    ])
    expect(named('DigestHeartbeatAlarm')).toMatchObject({
      namespace: 'iamwatch',
      dimensions: { FunctionName: `${APP}-digest`, Part: 'digest' },
      period: 7200,
      treatMissingData: 'breaching',
    })
  })

  it('has exactly these statements', () => {
    expect(statements('DigestPolicy')).toEqual([
      {
        Sid: 'ReadFindingsHistory',
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: [TABLE_ARN, `${TABLE_ARN}/index/history-by-time`],
      },
      {
        Sid: 'UseTableKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
      },
      { Sid: 'SignDigests', Effect: 'Allow', Action: ['kms:Sign'], Resource: [SIGNING_KEY_ARN] },
      {
        Sid: 'ListDigests',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [BUCKET_ARN],
        Condition: { StringLike: { 's3:prefix': ['digests/*'] } },
      },
      {
        Sid: 'ReadAndCreateDigests',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`${BUCKET_ARN}/digests/*`],
      },
      {
        Sid: 'EncryptDigests',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('s3'),
      },
      {
        Sid: 'SendFailuresToDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [DLQ_ARN],
      },
      {
        Sid: 'EncryptDeadLetters',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('sqs'),
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/iamwatch/${APP}-digest:*`],
      },
    ])
  })

  it('cannot write the table, delete or re-lock a digest, or sign with any other key', () => {
    // Prepare
    const policies = held('DigestPolicy')
    const digest = `${BUCKET_ARN}/digests/${ACCOUNT}/2026/03/01/2026-03-01T10:00:00.000Z.json`
    const may = (action: string, resource: string) => evaluateAction(policies, action, resource).decision
    // Act / Assess
    expect(may('s3:PutObject', digest)).toBe('allowed')
    expect(may('kms:Sign', SIGNING_KEY_ARN)).toBe('allowed')
    expect(may('dynamodb:Query', `${TABLE_ARN}/index/history-by-time`)).toBe('allowed')
    for (const action of [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutObjectRetention',
      's3:PutObjectLegalHold',
      's3:BypassGovernanceRetention',
      's3:PutBucketObjectLockConfiguration',
      's3:PutBucketPolicy',
    ])
      expect(may(action, action.includes('Bucket') ? BUCKET_ARN : digest), action).toBe('denied')
    expect(may('s3:PutObject', `${BUCKET_ARN}/elsewhere.json`)).toBe('denied')
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      expect(may(action, TABLE_ARN), action).toBe('denied')
    expect(may('kms:Sign', MAC_KEY_ARN)).toBe('denied')
    expect(may('kms:Sign', KEY_ARN)).toBe('denied')
    expect(may('kms:GenerateMac', MAC_KEY_ARN)).toBe('denied')
  })
})

describe('the auditor role', () => {
  it('is trusted by this account (its IAM policies decide who) when no auditors are configured', () => {
    expect(named('AuditorRole')).toMatchObject({ name: `${APP}-auditor`, maxSessionDuration: 3600 })
    expect(JSON.parse(named('AuditorRole').assumeRolePolicy).Statement).toEqual([
      {
        Sid: 'AuditorsAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`] },
        Action: 'sts:AssumeRole',
      },
    ])
  })

  it('has exactly these statements', () => {
    expect(statements('AuditorPolicy')).toEqual([
      {
        Sid: 'ReadFindings',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
        Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`],
      },
      {
        Sid: 'DescribeFindingsTable',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeTable'],
        Resource: [TABLE_ARN],
      },
      {
        Sid: 'DecryptFindings',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: [KEY_ARN],
        Condition: viaService('dynamodb'),
      },
      { Sid: 'VerifyItemMacs', Effect: 'Allow', Action: ['kms:VerifyMac'], Resource: [MAC_KEY_ARN] },
      {
        Sid: 'VerifyDigestSignatures',
        Effect: 'Allow',
        Action: ['kms:GetPublicKey', 'kms:Verify'],
        Resource: [SIGNING_KEY_ARN],
      },
      { Sid: 'ListDigests', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [BUCKET_ARN] },
      {
        Sid: 'ReadDigests',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${BUCKET_ARN}/digests/*`],
      },
      {
        Sid: 'DecryptDigests',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY_ARN],
        Condition: viaService('s3'),
      },
    ])
  })

  it('reads the table, the digests and the public key, and can write, delete, sign or MAC nothing', () => {
    // Prepare
    const policies = held('AuditorPolicy')
    const digest = `${BUCKET_ARN}/digests/${ACCOUNT}/2026/03/01/2026-03-01T10:00:00.000Z.json`
    const may = (action: string, resource: string) => evaluateAction(policies, action, resource).decision
    // Act / Assess: what auditing needs
    for (const [action, resource] of [
      ['dynamodb:Query', `${TABLE_ARN}/index/history-as-of`],
      ['dynamodb:GetItem', TABLE_ARN],
      ['dynamodb:Scan', TABLE_ARN],
      ['dynamodb:DescribeTable', TABLE_ARN],
      ['s3:ListBucket', BUCKET_ARN],
      ['s3:GetObject', digest],
      ['kms:GetPublicKey', SIGNING_KEY_ARN],
      ['kms:Verify', SIGNING_KEY_ARN],
      ['kms:VerifyMac', MAC_KEY_ARN],
    ] as const)
      expect(may(action, resource), action).toBe('allowed')
    // The keys' data only through DynamoDB and S3
    expect(may('kms:Decrypt', KEY_ARN)).toBe('conditional')
    // Nothing that changes the table or the bucket
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTable',
    ])
      expect(may(action, TABLE_ARN), action).toBe('denied')
    for (const action of [
      's3:PutObject',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutObjectRetention',
    ])
      expect(may(action, digest), action).toBe('denied')
    for (const action of ['s3:PutBucketPolicy', 's3:PutBucketObjectLockConfiguration', 's3:DeleteBucket'])
      expect(may(action, BUCKET_ARN), action).toBe('denied')
    // Nothing that makes evidence
    expect(may('kms:Sign', SIGNING_KEY_ARN)).toBe('denied')
    expect(may('kms:GenerateMac', MAC_KEY_ARN)).toBe('denied')
    expect(may('kms:Encrypt', KEY_ARN)).toBe('denied')
    expect(may('kms:GenerateDataKey', KEY_ARN)).toBe('denied')
  })
})
