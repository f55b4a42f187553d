import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import type { Explanation } from '../../shared/policy/explain.ts'
import { startCliSimulator } from '../support/cli-account.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'

const ACCOUNT = '777788889999'
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`
const CI = `arn:aws:iam::${ACCOUNT}:role/ci`
let sim: IamSimulator

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement })

/**
 * The CLI account, with what `can` is asked about, set up through IAM's own API:
 * - alice, in group analysts (inline read-all: s3:GetObject on every bucket), holds the managed
 *   policy deny-payroll (Deny s3:* on the payroll bucket) and an inline Allow of iam:* under MFA;
 * - role ci holds AdministratorAccess within a boundary that allows only S3 and CloudFormation.
 */
async function shapeAccount(iam: IAMClient) {
  await iam.send(new CreateGroupCommand({ GroupName: 'analysts' }))
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'analysts',
      PolicyName: 'read-all',
      PolicyDocument: policy({
        Sid: 'ReadAll',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::*',
      }),
    }),
  )
  await iam.send(new CreateUserCommand({ UserName: 'alice' }))
  await iam.send(new AddUserToGroupCommand({ GroupName: 'analysts', UserName: 'alice' }))
  const denyPayroll = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'deny-payroll',
      PolicyDocument: policy({
        Sid: 'NoPayroll',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: 'arn:aws:s3:::payroll/*',
      }),
    }),
  )
  await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: denyPayroll.Policy!.Arn! }))
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'admin-with-mfa',
      PolicyDocument: policy({
        Sid: 'AdminWithMfa',
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    }),
  )
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ci',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { Service: 'codebuild.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    }),
  )
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'ci',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  )
  const boundary = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ci-boundary',
      PolicyDocument: policy({
        Sid: 'DeployOnly',
        Effect: 'Allow',
        Action: ['s3:*', 'cloudformation:*'],
        Resource: '*',
      }),
    }),
  )
  await iam.send(
    new PutRolePermissionsBoundaryCommand({ RoleName: 'ci', PermissionsBoundary: boundary.Policy!.Arn! }),
  )
}

beforeAll(async () => {
  sim = await startCliSimulator()
  await shapeAccount(iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }))
})
afterAll(async () => sim?.stop())

/** `iamwatch can` as a process configured only through the standard AWS variables. */
async function can(...args: string[]) {
  return runCli(['can', ...args], awsEnv({ iam: sim.endpoint, sts: sim.endpoint }))
}

describe('iamwatch can', () => {
  it('exits 0 for an allowed action and names the group policy statement that grants it', async () => {
    // Act
    const { code, stdout } = await can(ALICE, 's3:GetObject', 'arn:aws:s3:::reports/q1.csv')
    // Assess
    expect(code).toBe(0)
    expect(stdout.split('\n')[0]).toBe(`ALLOWED: ${ALICE} s3:GetObject on arn:aws:s3:::reports/q1.csv`)
    expect(stdout).toContain(
      'Allow  group inline policy group:analysts/read-all, statement 0 (Sid ReadAll): applies  <- decides',
    )
    expect(stdout).toContain('Action s3:GetObject')
    expect(stdout).toContain('Resource arn:aws:s3:::*')
    expect(stdout).toContain('permissions boundary: none')
  })

  it('exits 2 for an explicit Deny, naming the Deny that wins over the group Allow', async () => {
    // Act
    const { code, stdout } = await can(ALICE, 's3:GetObject', 'arn:aws:s3:::payroll/2026.csv')
    // Assess
    expect(code).toBe(2)
    expect(stdout.split('\n')[0]).toBe(
      `DENIED (explicit Deny): ${ALICE} s3:GetObject on arn:aws:s3:::payroll/2026.csv`,
    )
    expect(stdout).toContain(
      'Deny   managed policy deny-payroll, statement 0 (Sid NoPayroll): applies  <- decides',
    )
    expect(stdout).toContain(
      'Allow  group inline policy group:analysts/read-all, statement 0 (Sid ReadAll): applies\n',
    )
  })

  it('exits 2 for an implicit deny: no statement allows the action', async () => {
    // Act
    const { code, stdout } = await can(ALICE, 'ec2:RunInstances')
    // Assess
    expect(code).toBe(2)
    expect(stdout.split('\n')[0]).toBe(
      `DENIED (implicitly: no Allow applies): ${ALICE} ec2:RunInstances on *`,
    )
    expect(stdout).toContain('no identity policy statement matches ec2:RunInstances on *')
  })

  it('lets --context decide a conditional Allow: undetermined without the key, denied when false, allowed when true', async () => {
    // Act
    const unknown = await can(ALICE, 'iam:CreateUser')
    const withoutMfa = await can(ALICE, 'iam:CreateUser', '--context', 'aws:MultiFactorAuthPresent=false')
    const withMfa = await can(ALICE, 'iam:CreateUser', '--context', 'aws:MultiFactorAuthPresent=true')
    // Assess
    expect(unknown.code).toBe(2)
    expect(unknown.stdout.split('\n')[0]).toBe(
      `UNDETERMINED (not proven allowed): ${ALICE} iam:CreateUser on *`,
    )
    expect(unknown.stdout).toContain('not proven allowed: the Allow in inline policy admin-with-mfa')
    expect(unknown.stdout).toContain(
      'Condition Bool aws:MultiFactorAuthPresent ["true"]: cannot tell (aws:MultiFactorAuthPresent is not in the context, and Bool needs it; give it with --context aws:MultiFactorAuthPresent=...)',
    )
    expect(withoutMfa.code).toBe(2)
    expect(withoutMfa.stdout).toContain('DENIED (implicitly: no Allow applies)')
    expect(withoutMfa.stdout).toContain(
      'Condition Bool aws:MultiFactorAuthPresent ["true"]: not satisfied (context "false")',
    )
    expect(withMfa.code).toBe(0)
    expect(withMfa.stdout).toContain(
      'inline policy admin-with-mfa, statement 0 (Sid AdminWithMfa): applies  <- decides',
    )
    expect(withMfa.stdout).toContain(
      'Condition Bool aws:MultiFactorAuthPresent ["true"]: satisfied (context "true")',
    )
  })

  it('exits 2 when the permissions boundary does not allow what the role policy does', async () => {
    // Act
    const denied = await can(CI, 'iam:CreateUser')
    const allowed = await can(CI, 's3:PutObject', 'arn:aws:s3:::artifacts/build.zip')
    // Assess
    expect(denied.code).toBe(2)
    expect(denied.stdout.split('\n')[0]).toBe(
      `DENIED (by the permissions boundary): ${CI} iam:CreateUser on *`,
    )
    expect(denied.stdout).toContain('Allow  AWS-managed policy AdministratorAccess, statement 0: applies')
    expect(denied.stdout).toContain('permissions boundary boundary:ci-boundary: does not allow it')
    expect(allowed.code).toBe(0)
    expect(allowed.stdout).toContain('permissions boundary boundary:ci-boundary: allows it')
    expect(allowed.stdout).toContain(
      'Allow  permissions boundary boundary:ci-boundary, statement 0 (Sid DeployOnly): applies  <- decides',
    )
  })

  it('accepts a group ARN and an assumed-role session ARN', async () => {
    // Act
    const group = await can(
      `arn:aws:iam::${ACCOUNT}:group/analysts`,
      's3:GetObject',
      'arn:aws:s3:::reports/a',
    )
    const session = await can(
      `arn:aws:sts::${ACCOUNT}:assumed-role/ci/build-42`,
      'cloudformation:CreateStack',
    )
    // Assess
    expect(group.code).toBe(0)
    expect(group.stdout).toContain('inline policy read-all, statement 0 (Sid ReadAll): applies  <- decides')
    expect(session.code).toBe(0)
    expect(session.stdout.split('\n')[0]).toBe(`ALLOWED: ${CI} cloudformation:CreateStack on *`)
  })

  it('exits 1 for a principal the account does not have, suggesting the nearest', async () => {
    // Act
    const { code, stdout, stderr } = await can(`arn:aws:iam::${ACCOUNT}:user/alicia`, 's3:GetObject')
    // Assess
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(
      `error: no user arn:aws:iam::${ACCOUNT}:user/alicia in the account; nearest: ${ALICE}`,
    )
  })

  it('exits 1 for a principal of another account, saying which account the credentials reach', async () => {
    // Act
    const { code, stderr } = await can('arn:aws:iam::111122223333:user/alice', 's3:GetObject')
    // Assess
    expect(code).toBe(1)
    expect(stderr).toContain('is in account 111122223333, but the credentials reach account 777788889999')
  })

  it('exits 1 when IAM refuses the authorization details, naming the service', async () => {
    // Prepare
    sim.faults.failActions = { GetAccountAuthorizationDetails: 'AccessDenied' }
    // Act
    const { code, stdout, stderr } = await can(ALICE, 's3:GetObject').finally(() => {
      sim.faults.failActions = {}
    })
    // Assess
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^error: IAM \(us-east-1\): AccessDenied/)
  })

  it('exits 1 for arguments that are not a principal ARN, an action, a resource ARN or key=value', async () => {
    // Act
    const results = await Promise.all([
      can('alice', 's3:GetObject'),
      can(ALICE, 'GetObject'),
      can(ALICE, 's3:GetObject', 'reports/q1.csv'),
      can(ALICE, 's3:GetObject', '--context', 'MultiFactorAuthPresent'),
      can(ALICE, 's3:GetObject', '--context', 'aws:SourceIp=1.2.3.4', '--context', 'AWS:SourceIp=5.6.7.8'),
    ])
    // Assess
    expect(results.map((r) => r.code)).toEqual([1, 1, 1, 1, 1])
    expect(results[0]!.stderr).toContain('a user, role or group ARN')
    expect(results[1]!.stderr).toContain('an action as service:Action')
    expect(results[2]!.stderr).toContain('a resource ARN')
    expect(results[3]!.stderr).toContain('key=value with a condition key')
    expect(results[4]!.stderr).toContain('AWS:SourceIp is given twice')
  })

  it('warns on stderr about an action that looks malformed, and answers for it as written', async () => {
    // Act
    const { code, stdout, stderr } = await can(ALICE, 's3:Get*', 'arn:aws:s3:::reports/q1.csv')
    // Assess: no policy names the literal action s3:Get*
    expect(stderr).toContain('warning: s3:Get* has a wildcard: a request is for one action')
    expect(code).toBe(2)
    expect(stdout).toContain('DENIED (implicitly: no Allow applies)')
  })

  it('shows the context given apart from what it derives from the principal', async () => {
    // Act
    const { stdout } = await can(ALICE, 'ec2:RunInstances', '--context', 'aws:RequestedRegion=eu-west-1')
    // Assess
    expect(stdout.split('\n').slice(2, 4)).toEqual([
      'context: aws:RequestedRegion=eu-west-1',
      `  from the principal: aws:PrincipalArn=${ALICE}, aws:PrincipalAccount=${ACCOUNT}, aws:PrincipalType=User, aws:username=alice`,
    ])
  })

  it('prints the explanation as one JSON object with --json', async () => {
    // Act
    const { code, stdout } = await can(
      ALICE,
      's3:GetObject',
      'arn:aws:s3:::payroll/2026.csv',
      '--context',
      'aws:SecureTransport=true',
      '--json',
    )
    const e = JSON.parse(stdout) as Explanation
    // Assess
    expect(code).toBe(2)
    expect(Object.keys(e).sort()).toEqual(
      [
        'action',
        'boundary',
        'context',
        'decision',
        'explicitDeny',
        'identityAllows',
        'principal',
        'reason',
        'resource',
        'statements',
        'unreadable',
      ].sort(),
    )
    expect(e).toMatchObject({
      decision: 'explicit-deny',
      principal: ALICE,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::payroll/2026.csv',
      explicitDeny: 'yes',
      identityAllows: 'yes',
      boundary: null,
      unreadable: [],
    })
    expect(e.context).toEqual({
      'aws:PrincipalArn': ALICE,
      'aws:PrincipalAccount': ACCOUNT,
      'aws:PrincipalType': 'User',
      'aws:username': 'alice',
      'aws:SecureTransport': 'true',
    })
    expect(e.statements).toEqual([
      {
        policy: 'deny-payroll',
        kind: 'managed',
        statement: 0,
        sid: 'NoPayroll',
        effect: 'Deny',
        action: { element: 'Action', pattern: 's3:*' },
        resource: { element: 'Resource', pattern: 'arn:aws:s3:::payroll/*' },
        conditions: [],
        applies: 'yes',
        decisive: true,
      },
      {
        policy: 'group:analysts/read-all',
        kind: 'group-inline',
        statement: 0,
        sid: 'ReadAll',
        effect: 'Allow',
        action: { element: 'Action', pattern: 's3:GetObject' },
        resource: { element: 'Resource', pattern: 'arn:aws:s3:::*' },
        conditions: [],
        applies: 'yes',
        decisive: false,
      },
    ])
  })
})
