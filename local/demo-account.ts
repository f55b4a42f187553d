import {
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam'
import { CIS_PASSWORD_POLICY } from '../shared/checks/password-policy/policy.ts'
import type { Step } from './demo-attack.ts'
import { AccountBuilder } from './iam-sim/builder.ts'
import type { SimAccount } from './iam-sim/model.ts'

/**
 * The access keys the demo signs its IAM calls with (the simulator knows whose each is): the root user's
 * old key, alice.admin's (the security team), and bob.dev's (which the attacker stole).
 */
export const DEMO_KEYS = {
  root: 'AKIAEXAMPLEROOTKEY01',
  admin: 'AKIAALICEADMINKEY001',
  bob: 'AKIABOBDEVSTOLEN0001',
} as const

const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
}
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({
  Effect: 'Allow',
  Action,
  Resource,
})
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement })

/** The policy app-backend was given on day one: more than it ever used (see the unused-access section). */
export const APP_BACKEND_POLICY = doc(
  allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::example-corp-uploads/*'),
  allow(
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    'arn:aws:dynamodb:*:123456789012:table/orders',
  ),
  allow('sqs:*'),
  allow('sns:Publish'),
)

/** The demo company's account: in the demo organization (local/demo-organization.ts), its security account. */
export const DEMO_ACCOUNT_ID = '123456789012'

/** "Example Corp": a small company's account with the usual IAM drift. */
export function demoAccount(now = new Date()): SimAccount {
  const b = new AccountBuilder(DEMO_ACCOUNT_ID, now)
  const deployTools = b.managedPolicy(
    'deploy-tools',
    doc(
      allow(['cloudformation:*', 's3:*', 'lambda:*']),
      allow('iam:PassRole', 'arn:aws:iam::123456789012:role/app-*'),
    ),
  )
  const reporting = b.managedPolicy('legacy-reporting', doc(allow(['glue:*', 'athena:*'])))
  const account = b
    // Roles, and what Access Advisor knows they used (catalog A5).
    .role('app-backend', lambdaTrust, (r) =>
      r
        .createdDaysAgo(400)
        .inline('app', APP_BACKEND_POLICY)
        .usage('s3', { daysAgo: 1 })
        .usage('dynamodb', { daysAgo: 1 }),
    )
    .role('ci-deploy', lambdaTrust, (r) =>
      r
        .createdDaysAgo(500)
        .attach(deployTools)
        .usage('cloudformation', { daysAgo: 1 })
        .usage('lambda', { daysAgo: 1, actions: { UpdateFunctionCode: 1, GetFunction: 1 } })
        .usage('s3', { daysAgo: 1, actions: { PutBucketPolicy: 200, GetBucketLocation: 1 } }),
    )
    .role('legacy-etl', lambdaTrust, (r) => r.createdDaysAgo(700).attach(reporting))
    .role(
      'AWSServiceRoleForSupport',
      {
        ...lambdaTrust,
        Statement: [{ ...lambdaTrust.Statement[0], Principal: { Service: 'support.amazonaws.com' } }],
      },
      (r) => r.createdDaysAgo(900),
    )
    .root((r) =>
      r
        .mfa('virtual')
        .passwordUsedDaysAgo(40)
        .accessKey({ ageDays: 900, lastUsedDaysAgo: 200, region: 'us-east-1', id: DEMO_KEYS.root }),
    )
    .passwordPolicy({
      minimumPasswordLength: 8,
      requireLowercaseCharacters: true,
      allowUsersToChangePassword: true,
    })
    .user('alice.admin', (u) =>
      u
        .createdDaysAgo(800)
        .console({ lastUsedDaysAgo: 1 })
        .mfa('hardware')
        .accessKey({ ageDays: 30, lastUsedDaysAgo: 1, id: DEMO_KEYS.admin }),
    )
    .user('bob.dev', (u) =>
      u
        .createdDaysAgo(600)
        .console({ lastUsedDaysAgo: 2 })
        .accessKey({ ageDays: 200, lastUsedDaysAgo: 1, service: 'ec2', id: DEMO_KEYS.bob }),
    )
    .user('carol.ops', (u) => u.createdDaysAgo(500).console({ lastUsedDaysAgo: 3 }))
    .user('dave.ci', (u) =>
      u
        .createdDaysAgo(400)
        .accessKey({ ageDays: 60, lastUsedDaysAgo: 0, service: 'ecr' })
        .accessKey({ ageDays: 120, lastUsedDaysAgo: 100 }),
    )
    .user('erin.finance', (u) => u.createdDaysAgo(300).console({ lastUsedDaysAgo: 5 }).mfa('hardware'))
    .user('frank.contractor', (u) =>
      u.createdDaysAgo(100).console().accessKey({ ageDays: 100, atUserCreation: true }),
    )
    .user('grace.data', (u) =>
      u.createdDaysAgo(700).accessKey({ ageDays: 400, lastUsedDaysAgo: 60, service: 's3' }),
    )
    .user('heidi.support', (u) => u.createdDaysAgo(200).console({ lastUsedDaysAgo: 2 }).mfa('virtual'))
    .user('ivan.intern', (u) => u.createdDaysAgo(5).console())
    .user('judy.audit', (u) => u.createdDaysAgo(350).console({ lastUsedDaysAgo: 10 }).mfa('hardware'))
    .user('mallory.legacy', (u) =>
      u.createdDaysAgo(1200).mfa('virtual').accessKey({ ageDays: 1100, status: 'Inactive' }),
    )
    .user('ci-deploy', (u) =>
      u
        .createdDaysAgo(90)
        .mfa('virtual')
        .accessKey({ ageDays: 20, lastUsedDaysAgo: 0, service: 'cloudformation' }),
    )
    .user('backup-bot', (u) =>
      u.createdDaysAgo(400).mfa('virtual').accessKey({ ageDays: 150, lastUsedDaysAgo: 1, service: 'backup' }),
    )
    .user('sam.sre', (u) =>
      u
        .createdDaysAgo(250)
        .console({ lastUsedDaysAgo: 1 })
        .mfa('hardware')
        .accessKey({ ageDays: 10, lastUsedDaysAgo: 0 }),
    )
    .user('terraform', (u) => u.createdDaysAgo(80).mfa('virtual').accessKey({ ageDays: 80 }))
    .build()
  account.roles.get('AWSServiceRoleForSupport')!.path = '/aws-service-role/support.amazonaws.com/'
  return account
}

const DAY = 86_400_000

/**
 * What the demo's security team fixes between the two scans, through IAM's API as anyone would: the root
 * user deletes its own access key (only root can), and alice.admin does the rest. The simulator records
 * each call in CloudTrail.
 */
export function fixes(): Step[] {
  return [
    {
      say: 'the root user deletes its own access key (the last time it is used)',
      act: async ({ root }) => {
        const { AccessKeyMetadata = [] } = await root.send(new ListAccessKeysCommand({}))
        for (const k of AccessKeyMetadata)
          await root.send(new DeleteAccessKeyCommand({ AccessKeyId: k.AccessKeyId }))
      },
    },
    {
      say: 'alice.admin gives bob.dev a hardware MFA device',
      act: ({ admin }) =>
        admin.send(
          new EnableMFADeviceCommand({
            UserName: 'bob.dev',
            SerialNumber: 'GAHT-BOB-0001',
            AuthenticationCode1: '284913',
            AuthenticationCode2: '730564',
          }),
        ),
    },
    {
      say: "alice.admin deletes dave.ci's access key unused for 30 days",
      act: async ({ admin }) => {
        const { AccessKeyMetadata = [] } = await admin.send(
          new ListAccessKeysCommand({ UserName: 'dave.ci' }),
        )
        for (const k of AccessKeyMetadata) {
          const used = (await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId })))
            .AccessKeyLastUsed?.LastUsedDate
          if (!used || Date.now() - used.getTime() >= 30 * DAY)
            await admin.send(new DeleteAccessKeyCommand({ UserName: 'dave.ci', AccessKeyId: k.AccessKeyId }))
        }
      },
    },
    {
      say: 'alice.admin sets a CIS-strength password policy (14 chars, 24 remembered, complexity, 90-day expiry)',
      act: ({ admin }) => {
        const p = CIS_PASSWORD_POLICY
        return admin.send(
          new UpdateAccountPasswordPolicyCommand({
            MinimumPasswordLength: p.minimumPasswordLength,
            PasswordReusePrevention: p.passwordReusePrevention,
            RequireSymbols: p.requireSymbols,
            RequireNumbers: p.requireNumbers,
            RequireUppercaseCharacters: p.requireUppercaseCharacters,
            RequireLowercaseCharacters: p.requireLowercaseCharacters,
            MaxPasswordAge: p.maxPasswordAge,
            AllowUsersToChangePassword: true,
          }),
        )
      },
    },
  ]
}
