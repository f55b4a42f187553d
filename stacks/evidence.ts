import { TABLE } from '../shared/aws/findings-table.ts'
import { DIGEST_PART, DIGEST_ROOT } from '../shared/engine/digest.ts'
import { heartbeatAlarms } from './heartbeat.ts'
import { functionResourceName, lambdaFunction } from './lambda.ts'
import { type Arns, kmsVia, type PolicyDocument, policy } from './permissions.ts'

/**
 * Tamper evidence for the findings history (shared/engine/digest.ts): the Object Lock bucket the
 * signed digests go to, the KMS signing key (ECC_NIST_P256, SIGN_VERIFY) and item MAC key (HMAC_256,
 * GENERATE_VERIFY_MAC), the hourly digest function with its schedule, errors and heartbeat alarms, and
 * the read-only `auditor` role. Everything is named `<app>-...` like the rest of the stack.
 */

/** Hourly, like CloudTrail's digest files. */
export const DIGEST_SCHEDULE = 'rate(1 hour)'
export const DIGEST_PERIOD_SECONDS = 3600

/** Seven years (SEC 17a-4 and most audit regimes keep records that long) unless IAMWATCH_DIGEST_RETENTION_DAYS says otherwise. */
export const DEFAULT_DIGEST_RETENTION = { years: 7 } as const

export interface EvidenceOptions {
  /** Object Lock COMPLIANCE retention of every digest version, in days (default: 7 years). */
  retentionDays?: number
  /** Who may assume the auditor role (IAM principal ARNs); default: this account, through its IAM policies. */
  auditorPrincipals?: readonly string[]
}

/**
 * The options from the deploy's environment: IAMWATCH_DIGEST_RETENTION_DAYS (a whole number of days,
 * at least 1) and IAMWATCH_AUDITOR_PRINCIPALS (IAM principal ARNs, separated by commas or spaces).
 */
export function evidenceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EvidenceOptions {
  const days = env.IAMWATCH_DIGEST_RETENTION_DAYS?.trim()
  if (days && !/^[1-9]\d*$/.test(days))
    throw new Error(
      `IAMWATCH_DIGEST_RETENTION_DAYS must be a whole number of days, at least 1, not "${days}"`,
    )
  const principals = (env.IAMWATCH_AUDITOR_PRINCIPALS ?? '').split(/[\s,]+/).filter((p) => p !== '')
  for (const p of principals)
    if (!/^arn:aws[\w-]*:(iam|sts)::\d{12}:(root|(user|role|assumed-role)\/.+)$/.test(p))
      throw new Error(`IAMWATCH_AUDITOR_PRINCIPALS: "${p}" is not an IAM principal ARN`)
  return {
    ...(days ? { retentionDays: Number(days) } : {}),
    ...(principals.length > 0 ? { auditorPrincipals: principals } : {}),
  }
}

/** What the digest function's and the auditor's statements name. */
export interface EvidenceArns extends Arns {
  bucketArn: string
  signingKeyArn: string
  macKeyArn: string
}

/** What the auditor's statements name. */
export type AuditorArns = Pick<
  EvidenceArns,
  'region' | 'tableArn' | 'keyArn' | 'bucketArn' | 'signingKeyArn' | 'macKeyArn'
>

const digestObjects = (a: Pick<EvidenceArns, 'bucketArn'>) => `${a.bucketArn}/${DIGEST_ROOT}/*`

/**
 * The digest function: reads the history-by-time index and, when a finding's items in a window leave a
 * gap, that finding's own items (Query on the table); signs with the signing key; lists, reads and
 * creates digests (no delete, no retention change); the stack's key encrypts them (SSE-KMS) and the
 * table. No write to the table, no other key.
 */
export function digestPolicy(a: EvidenceArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadFindingsHistory',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: [a.tableArn, `${a.tableArn}/index/${TABLE.byTimeIndex}`],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:DescribeKey']),
    { Sid: 'SignDigests', Effect: 'Allow', Action: ['kms:Sign'], Resource: [a.signingKeyArn] },
    {
      Sid: 'ListDigests',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [a.bucketArn],
      Condition: { StringLike: { 's3:prefix': [`${DIGEST_ROOT}/*`] } },
    },
    {
      Sid: 'ReadAndCreateDigests',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [digestObjects(a)],
    },
    kmsVia(a, 's3', 'EncryptDigests', ['kms:GenerateDataKey', 'kms:Decrypt']),
    {
      Sid: 'SendFailuresToDeadLetterQueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [a.dlqArn],
    },
    kmsVia(a, 'sqs', 'EncryptDeadLetters', ['kms:GenerateDataKey', 'kms:Decrypt']),
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [`${a.logGroupArn}:*`],
    },
  )
}

/**
 * The auditor: reads the findings table (what `iamwatch verify` and the history commands read: items,
 * queries of the table and its indexes, the scan of a whole-table verification, its description),
 * through DynamoDB's use of the table key; verifies item MACs and digest signatures (and reads the
 * signing key's public key to verify offline); lists and reads the digests, through S3's use of the
 * stack's key. Nothing that writes, deletes, signs or generates a MAC.
 */
export function auditorPolicy(a: AuditorArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadFindings',
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
      Resource: [a.tableArn, `${a.tableArn}/index/*`],
    },
    {
      Sid: 'DescribeFindingsTable',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable'],
      Resource: [a.tableArn],
    },
    kmsVia(a, 'dynamodb', 'DecryptFindings', ['kms:Decrypt', 'kms:DescribeKey']),
    { Sid: 'VerifyItemMacs', Effect: 'Allow', Action: ['kms:VerifyMac'], Resource: [a.macKeyArn] },
    {
      Sid: 'VerifyDigestSignatures',
      Effect: 'Allow',
      Action: ['kms:GetPublicKey', 'kms:Verify'],
      Resource: [a.signingKeyArn],
    },
    { Sid: 'ListDigests', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [a.bucketArn] },
    { Sid: 'ReadDigests', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [digestObjects(a)] },
    kmsVia(a, 's3', 'DecryptDigests', ['kms:Decrypt']),
  )
}

/** Trust of the auditor role: the principals named, to assume it (an account root: its IAM policies decide who). */
export function auditorTrust(principals: readonly string[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AuditorsAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: [...principals] },
        Action: 'sts:AssumeRole',
      },
    ],
  }
}

/**
 * The digest bucket's policy: TLS only; only the digest function's role writes objects (whatever an
 * identity policy elsewhere in the account says); nobody deletes an object or a version, so a digest
 * cannot even be hidden behind a delete marker (Object Lock keeps every version anyway).
 */
export function digestBucketPolicy(a: { bucketArn: string; digestRoleArn: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [a.bucketArn, `${a.bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'OnlyTheDigestFunctionWrites',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${a.bucketArn}/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': a.digestRoleArn } },
      },
      {
        Sid: 'NoDigestIsDeleted',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: `${a.bucketArn}/*`,
      },
    ],
  }
}

/** Key administration stays with the account's IAM, as for the stack's key (stacks/trust-policies.ts). */
const administeredThroughIam = (a: Pick<Arns, 'partition' | 'accountId'>) => ({
  Sid: 'AccountAdministersKeyThroughIam',
  Effect: 'Allow',
  Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` },
  Action: 'kms:*',
  Resource: '*',
})

/** The signing key: only the digest function's role signs with it, whatever identity policies say. */
export function signingKeyPolicy(a: Pick<Arns, 'partition' | 'accountId'> & { digestRoleArn: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      administeredThroughIam(a),
      {
        Sid: 'OnlyTheDigestFunctionSigns',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': a.digestRoleArn } },
      },
    ],
  }
}

/**
 * The item MAC key: only the stack's own roles generate MACs with it (those that write transitions hold
 * kms:GenerateMac in their identity policy), and never a role that only reads or digests the table (the
 * auditor, the digest function, the notifier, the alerts' tick, the daily digest), whatever its identity
 * policy says.
 */
export function macKeyPolicy(
  a: Pick<Arns, 'partition' | 'accountId'> & { app: string; readerRoleArns: readonly string[] },
) {
  return {
    Version: '2012-10-17',
    Statement: [
      administeredThroughIam(a),
      {
        Sid: 'OnlyStackRolesGenerateMacs',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:GenerateMac',
        Resource: '*',
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': `arn:${a.partition}:iam::${a.accountId}:role/${a.app}-*` },
        },
      },
      {
        Sid: 'ReadersNeverGenerateMacs',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:GenerateMac',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': [...a.readerRoleArns] } },
      },
    ],
  }
}

/**
 * The item MAC key (HMAC_256, GENERATE_VERIFY_MAC) and its alias: made before the functions that write
 * transitions, which are given its ARN (IAMWATCH_MAC_KEY_ARN) and kms:GenerateMac on it.
 */
export function itemMacKey(args: Pick<EvidenceArgs, 'app' | 'account'>) {
  const { app, account } = args
  // The roles that read the table but never write a transition (roles are named like their functions).
  const readers = [
    `${app}-auditor`,
    functionResourceName(app, 'digest'),
    functionResourceName(app, 'notify'),
    // The alerts' tick and the daily digest write items of their own, never a transition (stacks/alerts.ts).
    functionResourceName(app, 'alerts-tick'),
    functionResourceName(app, 'daily-digest'),
  ].map((name) => $interpolate`arn:${account.partition}:iam::${account.accountId}:role/${name}`)
  const macKey = new aws.kms.Key('ItemMacKey', {
    description: 'iamwatch: MACs of the findings items',
    customerMasterKeySpec: 'HMAC_256',
    keyUsage: 'GENERATE_VERIFY_MAC',
    deletionWindowInDays: 30,
    policy: $resolve([account.partition, account.accountId, ...readers]).apply(
      ([partition, accountId, ...roles]) =>
        JSON.stringify(
          macKeyPolicy({
            app,
            partition: partition!,
            accountId: accountId!,
            readerRoleArns: roles as string[],
          }),
        ),
    ),
  })
  new aws.kms.Alias('ItemMacKeyAlias', { name: `alias/${app}-item-mac`, targetKeyId: macKey.keyId })
  return macKey
}

export interface EvidenceArgs {
  app: string
  account: { accountId: $util.Output<string>; region: $util.Output<string>; partition: $util.Output<string> }
  buildDir: string
  table: { arn: $util.Output<string>; name: $util.Output<string> }
  /** The stack's customer managed key: the table, logs, dead letters, and the digests at rest. */
  key: { arn: $util.Output<string> }
  dlq: { arn: $util.Output<string> }
  ops: { arn: $util.Output<string> }
  /** The stack's scheduler role (the schedule of the digest function uses it; its policy must list the function). */
  schedulerRoleArn: $util.Output<string>
  /** The item MAC key (itemMacKey), made before the functions that write transitions. */
  macKey: { arn: $util.Output<string> }
  reserveConcurrency: boolean
  options?: EvidenceOptions
}

/** The digest bucket, keys, function, schedule, alarms and auditor role. */
export function evidenceResources(args: EvidenceArgs) {
  const { app, account } = args
  const options = args.options ?? {}
  const roleArn = (name: string) =>
    $interpolate`arn:${account.partition}:iam::${account.accountId}:role/${name}`
  // The function's role is named like the function (stacks/lambda.ts); policies name roles by ARN in
  // conditions, so they need not wait for the roles.
  const digestRoleArn = roleArn(functionResourceName(app, 'digest'))

  const signingKey = new aws.kms.Key('DigestSigningKey', {
    description: 'iamwatch: signs the digests of the findings history',
    customerMasterKeySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    deletionWindowInDays: 30,
    policy: $resolve([account.partition, account.accountId, digestRoleArn]).apply(
      ([partition, accountId, role]) =>
        JSON.stringify(
          signingKeyPolicy({ partition: partition!, accountId: accountId!, digestRoleArn: role! }),
        ),
    ),
  })
  new aws.kms.Alias('DigestSigningKeyAlias', {
    name: `alias/${app}-digest-signing`,
    targetKeyId: signingKey.keyId,
  })
  const macKey = args.macKey

  // The bucket: Object Lock (COMPLIANCE: no one, root included, shortens or lifts it), versioned,
  // encrypted with the stack's key, never public, TLS only. Never deleted with the stack: it is evidence.
  const bucket = new aws.s3.Bucket(
    'DigestBucket',
    {
      bucket: account.accountId.apply((id) => `${app}-digests-${id}`.toLowerCase()),
      objectLockEnabled: true,
      forceDestroy: false,
    },
    { retainOnDelete: true },
  )
  const versioning = new aws.s3.BucketVersioning('DigestBucketVersioning', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  })
  new aws.s3.BucketObjectLockConfiguration(
    'DigestBucketObjectLock',
    {
      bucket: bucket.id,
      rule: {
        defaultRetention: {
          mode: 'COMPLIANCE',
          ...(options.retentionDays !== undefined
            ? { days: options.retentionDays }
            : DEFAULT_DIGEST_RETENTION),
        },
      },
    },
    { dependsOn: [versioning] },
  )
  new aws.s3.BucketServerSideEncryptionConfiguration('DigestBucketEncryption', {
    bucket: bucket.id,
    rules: [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: args.key.arn },
        bucketKeyEnabled: true,
      },
    ],
  })
  const publicAccess = new aws.s3.BucketPublicAccessBlock('DigestBucketPublicAccessBlock', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  })
  new aws.s3.BucketOwnershipControls('DigestBucketOwnership', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  })
  new aws.s3.BucketPolicy(
    'DigestBucketPolicy',
    {
      bucket: bucket.id,
      policy: $resolve([bucket.arn, digestRoleArn]).apply(([bucketArn, role]) =>
        JSON.stringify(digestBucketPolicy({ bucketArn: bucketArn!, digestRoleArn: role! })),
      ),
    },
    { dependsOn: [publicAccess] },
  )

  const arns = (logGroupArn: string) =>
    $resolve([
      account.accountId,
      account.region,
      account.partition,
      args.table.arn,
      args.key.arn,
      args.dlq.arn,
      bucket.arn,
      signingKey.arn,
      macKey.arn,
    ]).apply(
      ([
        accountId,
        region,
        partition,
        tableArn,
        keyArn,
        dlqArn,
        bucketArn,
        signingKeyArn,
        macKeyArn,
      ]): EvidenceArns => ({
        accountId: accountId!,
        region: region!,
        partition: partition!,
        tableArn: tableArn!,
        keyArn: keyArn!,
        dlqArn: dlqArn!,
        alertTopicArn: '',
        logGroupArn,
        bucketArn: bucketArn!,
        signingKeyArn: signingKeyArn!,
        macKeyArn: macKeyArn!,
      }),
    )

  const digest = lambdaFunction(
    {
      app,
      name: 'digest',
      accountId: account.accountId,
      keyArn: args.key.arn,
      dlqArn: args.dlq.arn,
      reserveConcurrency: args.reserveConcurrency,
      async: true,
      codeDir: `${args.buildDir}/digest`,
      environment: {
        FINDINGS_TABLE: args.table.name,
        ACCOUNT_ID: account.accountId,
        DIGEST_BUCKET: bucket.bucket,
        DIGEST_SIGNING_KEY_ARN: signingKey.arn,
        IAMWATCH_STAGE: $app.stage,
      },
      policy: (logGroupArn) => arns(logGroupArn).apply(digestPolicy),
    },
    args.ops.arn,
  )
  new aws.scheduler.Schedule('DigestSchedule', {
    name: `${app}-digest`,
    scheduleExpression: DIGEST_SCHEDULE,
    flexibleTimeWindow: { mode: 'OFF' },
    target: {
      arn: digest.fn.arn,
      roleArn: args.schedulerRoleArn,
      input: JSON.stringify({ source: 'iamwatch.schedule', scan: 'digest' }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: args.dlq.arn },
    },
  })
  // Ops hear of digests that stopped: no digest run finished within two hours.
  heartbeatAlarms({
    app,
    opsTopicArn: args.ops.arn,
    scans: [
      {
        name: 'digest',
        part: DIGEST_PART,
        periodSeconds: DIGEST_PERIOD_SECONDS,
        functionName: digest.fn.name,
      },
    ],
  })

  const auditor = new aws.iam.Role('AuditorRole', {
    name: `${app}-auditor`,
    description: 'iamwatch: read-only evidence of the findings history, for auditors',
    maxSessionDuration: 3600,
    assumeRolePolicy: $resolve([account.partition, account.accountId]).apply(([partition, accountId]) =>
      JSON.stringify(auditorTrust(options.auditorPrincipals ?? [`arn:${partition}:iam::${accountId}:root`])),
    ),
  })
  new aws.iam.RolePolicy('AuditorPolicy', {
    role: auditor.name,
    policy: arns('').apply((a) => JSON.stringify(auditorPolicy(a))),
  })

  return { bucket, signingKey, macKey, digestFunction: digest.fn, auditorRole: auditor }
}
