import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteGroupPolicyCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam'
import { afterEach, describe, expect, it } from 'vitest'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { ACCOUNT, ALLOW_S3_READ, adminAccount, iamAs, refusal, TRUST_EC2 } from './sdk.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess'
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
const doc = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [statement] })

describe('managed policy attachments over the wire', () => {
  it('attaches and detaches managed policies on users, groups and roles', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateGroupCommand({ GroupName: 'ops' }))
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST_EC2 }))
    // Act
    await iam.send(new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: ADMIN }))
    await iam.send(new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: ADMIN })) // idempotent, as in IAM
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'ops', PolicyArn: READ_ONLY }))
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: READ_ONLY }))
    const onUser = (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'admin' })))
      .AttachedPolicies
    const onGroup = (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'ops' })))
      .AttachedPolicies
    const onRole = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'app' }))).AttachedPolicies
    await iam.send(new DetachUserPolicyCommand({ UserName: 'admin', PolicyArn: ADMIN }))
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'ops', PolicyArn: READ_ONLY }))
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: READ_ONLY }))
    const notAttached = await refusal(
      iam.send(new DetachUserPolicyCommand({ UserName: 'admin', PolicyArn: ADMIN })),
    )
    const unknownPolicy = await refusal(
      iam.send(
        new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' }),
      ),
    )
    const unknownRole = await refusal(
      iam.send(new AttachRolePolicyCommand({ RoleName: 'nope', PolicyArn: ADMIN })),
    )
    // Assess
    expect(onUser).toEqual([{ PolicyName: 'AdministratorAccess', PolicyArn: ADMIN }])
    expect(onGroup).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }])
    expect(onRole).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }])
    expect(notAttached).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: `Policy ${ADMIN} was not found.`,
    })
    expect(unknownPolicy).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(unknownRole).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })

  it('refuses an eleventh managed policy on one user with LimitExceeded (409)', async () => {
    // Prepare: ten customer-managed policies attached.
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    for (let i = 0; i < 11; i++) {
      await iam.send(new CreatePolicyCommand({ PolicyName: `p${i}`, PolicyDocument: ALLOW_S3_READ }))
      if (i < 10)
        await iam.send(
          new AttachUserPolicyCommand({
            UserName: 'admin',
            PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p${i}`,
          }),
        )
    }
    // Act
    const eleventh = await refusal(
      iam.send(
        new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p10` }),
      ),
    )
    // Assess
    expect(eleventh).toEqual({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for PoliciesPerUser: 10',
    })
  })
})

describe('inline policies over the wire', () => {
  it('puts and deletes inline policies on users, groups and roles', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateGroupCommand({ GroupName: 'ops' }))
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST_EC2 }))
    // Act
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'admin', PolicyName: 'read', PolicyDocument: ALLOW_S3_READ }),
    )
    await iam.send(
      new PutGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'read', PolicyDocument: ALLOW_S3_READ }),
    )
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'read', PolicyDocument: ALLOW_S3_READ }),
    )
    const stored = await iam.send(new GetUserPolicyCommand({ UserName: 'admin', PolicyName: 'read' }))
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}))
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'admin', PolicyName: 'read' }))
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'read' }))
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'app', PolicyName: 'read' }))
    const again = await refusal(
      iam.send(new DeleteUserPolicyCommand({ UserName: 'admin', PolicyName: 'read' })),
    )
    // Assess
    expect(decodeURIComponent(stored.PolicyDocument!)).toBe(ALLOW_S3_READ)
    expect(details.GroupDetailList?.[0]?.GroupPolicyList?.map((p) => p.PolicyName)).toEqual(['read'])
    expect(details.RoleDetailList?.[0]?.RolePolicyList?.map((p) => p.PolicyName)).toEqual(['read'])
    expect(again).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user policy with name read cannot be found.',
    })
  })

  it('refuses malformed policy documents with MalformedPolicyDocument (400)', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    const put = (PolicyDocument: string) =>
      refusal(iam.send(new PutUserPolicyCommand({ UserName: 'admin', PolicyName: 'bad', PolicyDocument })))
    // Act
    const results = await Promise.all([
      put('{"Version": "2012-10-17", "Statement": ['),
      put(doc({ Effect: 'Allow', Action: '*' })),
      put(doc({ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' })),
      put(doc({ Effect: 'Maybe', Action: '*', Resource: '*' })),
      put(JSON.stringify({ Version: '2012-10-17' })),
    ])
    // Assess
    expect(results.map((r) => [r.name, r.status, r.message])).toEqual([
      ['MalformedPolicyDocumentException', 400, 'Syntax errors in policy.'],
      ['MalformedPolicyDocumentException', 400, 'Policy statement must contain resources.'],
      ['MalformedPolicyDocumentException', 400, 'Policy document should not specify a principal.'],
      ['MalformedPolicyDocumentException', 400, 'Invalid effect: Maybe'],
      ['MalformedPolicyDocumentException', 400, 'Syntax errors in policy.'],
    ])
    expect(sim.account.getUser('admin')?.policies?.inline.size ?? 0).toBe(0)
  })
})

describe('customer-managed policies over the wire', () => {
  it('creates a policy, adds versions up to five, sets the default, and deletes it once unused', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    const PolicyArn = `arn:aws:iam::${ACCOUNT}:policy/team/readers`
    // Act
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'readers', Path: '/team/', PolicyDocument: ALLOW_S3_READ }),
    )
    const duplicate = await refusal(
      iam.send(new CreatePolicyCommand({ PolicyName: 'readers', PolicyDocument: ALLOW_S3_READ })),
    )
    const v2 = (
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: ALLOW_S3_READ, SetAsDefault: true }),
      )
    ).PolicyVersion
    for (let i = 0; i < 3; i++)
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: ALLOW_S3_READ }))
    const sixth = await refusal(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: ALLOW_S3_READ })),
    )
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn, VersionId: 'v5' }))
    const noVersion = await refusal(
      iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn, VersionId: 'v9' })),
    )
    const afterDefault = (await iam.send(new GetPolicyCommand({ PolicyArn }))).Policy
    await iam.send(new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn }))
    const attached = await refusal(iam.send(new DeletePolicyCommand({ PolicyArn })))
    await iam.send(new DetachUserPolicyCommand({ UserName: 'admin', PolicyArn }))
    const versions = await refusal(iam.send(new DeletePolicyCommand({ PolicyArn })))
    const defaultVersion = await refusal(
      iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: 'v5' })),
    )
    for (const VersionId of ['v1', 'v2', 'v3', 'v4'])
      await iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId }))
    await iam.send(new DeletePolicyCommand({ PolicyArn }))
    const gone = await refusal(iam.send(new GetPolicyCommand({ PolicyArn })))
    const awsManaged = await refusal(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: ADMIN, PolicyDocument: ALLOW_S3_READ })),
    )
    // Assess
    expect(Policy).toMatchObject({
      PolicyName: 'readers',
      Arn: PolicyArn,
      Path: '/team/',
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      IsAttachable: true,
      PolicyId: expect.stringMatching(/^ANPA/),
    })
    expect(duplicate).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 })
    expect(v2).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true })
    expect(sixth).toMatchObject({ name: 'LimitExceededException', status: 409 })
    expect(noVersion).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(afterDefault?.DefaultVersionId).toBe('v5')
    expect(attached).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete a policy attached to entities.',
    })
    expect(versions).toMatchObject({ name: 'DeleteConflictException', status: 409 })
    expect(defaultVersion).toMatchObject({ name: 'DeleteConflictException', status: 409 })
    expect(gone).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(awsManaged).toMatchObject({ name: 'AccessDenied', status: 403 })
  })
})

describe('roles over the wire', () => {
  it('creates a role, replaces its trust policy, and deletes it once its policies are gone', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    const trustAccount = doc({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: 'sts:AssumeRole',
    })
    // Act
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: TRUST_EC2, Description: 'CI' }),
    )
    const duplicate = await refusal(
      iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: TRUST_EC2 })),
    )
    const withResource = await refusal(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'odd',
          AssumeRolePolicyDocument: doc({
            Effect: 'Allow',
            Principal: '*',
            Action: 'sts:AssumeRole',
            Resource: '*',
          }),
        }),
      ),
    )
    const noPrincipal = await refusal(
      iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: 'deployer',
          PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
        }),
      ),
    )
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trustAccount }))
    const updated = (await iam.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'deployer', PolicyArn: READ_ONLY }))
    const conflict = await refusal(iam.send(new DeleteRoleCommand({ RoleName: 'deployer' })))
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'deployer', PolicyArn: READ_ONLY }))
    await iam.send(new DeleteRoleCommand({ RoleName: 'deployer' }))
    const gone = await refusal(iam.send(new GetRoleCommand({ RoleName: 'deployer' })))
    // Assess
    expect(Role).toMatchObject({
      RoleName: 'deployer',
      Arn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      RoleId: expect.stringMatching(/^AROA/),
      Description: 'CI',
      MaxSessionDuration: 3600,
    })
    expect(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).toBe(TRUST_EC2)
    expect(duplicate).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 })
    expect(withResource).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Has prohibited field Resource',
    })
    expect(noPrincipal).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 })
    expect(decodeURIComponent(updated!.AssumeRolePolicyDocument!)).toBe(trustAccount)
    expect(conflict).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must detach all policies first.',
    })
    expect(gone).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })
})

describe('permissions boundaries over the wire', () => {
  it('sets and removes the permissions boundary of a user and a role', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST_EC2 }))
    // Act
    await iam.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'admin', PermissionsBoundary: READ_ONLY }),
    )
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'app', PermissionsBoundary: READ_ONLY }))
    const user = (await iam.send(new GetUserCommand({ UserName: 'admin' }))).User
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role
    const unknown = await refusal(
      iam.send(
        new PutUserPermissionsBoundaryCommand({
          UserName: 'admin',
          PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/none`,
        }),
      ),
    )
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'admin' }))
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'app' }))
    const cleared = (await iam.send(new GetUserCommand({ UserName: 'admin' }))).User
    const noUser = await refusal(iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'nobody' })))
    // Assess
    const boundary = { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: READ_ONLY }
    expect(user?.PermissionsBoundary).toEqual(boundary)
    expect(role?.PermissionsBoundary).toEqual(boundary)
    expect(unknown).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(cleared?.PermissionsBoundary).toBeUndefined()
    expect(sim.account.roles.get('app')?.boundary).toBeUndefined()
    expect(noUser).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })
})

describe('the account password policy over the wire', () => {
  it('replaces the whole policy (left-out settings take their defaults) and deletes it', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    // Act
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 14,
        RequireSymbols: true,
        MaxPasswordAge: 90,
      }),
    )
    const first = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy
    await iam.send(new UpdateAccountPasswordPolicyCommand({ PasswordReusePrevention: 24 }))
    const second = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy
    const outOfRange = await refusal(
      iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 })),
    )
    await iam.send(new DeleteAccountPasswordPolicyCommand({}))
    const gone = await refusal(iam.send(new GetAccountPasswordPolicyCommand({})))
    const again = await refusal(iam.send(new DeleteAccountPasswordPolicyCommand({})))
    // Assess
    expect(first).toMatchObject({
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: false,
      ExpirePasswords: true,
      MaxPasswordAge: 90,
    })
    expect(second).toMatchObject({
      MinimumPasswordLength: 6,
      RequireSymbols: false,
      ExpirePasswords: false,
      PasswordReusePrevention: 24,
    })
    expect(second?.MaxPasswordAge).toBeUndefined()
    expect(outOfRange).toMatchObject({ name: 'ValidationError', status: 400 })
    expect(gone).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(again).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The account policy with name PasswordPolicy cannot be found.',
    })
  })
})
