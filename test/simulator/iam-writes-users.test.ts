import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  GetAccessKeyLastUsedCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListUserTagsCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'
import { ACCOUNT, ALLOW_S3_READ, adminAccount, iamAs, refusal, stsAs } from './sdk.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())

describe('IAM users over the wire', () => {
  it('creates a user with a path and tags, tags it again, and deletes it', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    // Act
    const { User } = await iam.send(
      new CreateUserCommand({ UserName: 'carol', Path: '/ops/', Tags: [{ Key: 'team', Value: 'ops' }] }),
    )
    await iam.send(
      new TagUserCommand({
        UserName: 'carol',
        Tags: [
          { Key: 'team', Value: 'sre' },
          { Key: 'cost', Value: '42' },
        ],
      }),
    )
    const tags = (await iam.send(new ListUserTagsCommand({ UserName: 'carol' }))).Tags
    const fetched = (await iam.send(new GetUserCommand({ UserName: 'carol' }))).User
    await iam.send(new DeleteUserCommand({ UserName: 'carol' }))
    // Assess
    expect(User).toMatchObject({
      Path: '/ops/',
      UserName: 'carol',
      Arn: `arn:aws:iam::${ACCOUNT}:user/ops/carol`,
      UserId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/),
      Tags: [{ Key: 'team', Value: 'ops' }],
    })
    expect(User?.CreateDate).toBeInstanceOf(Date)
    expect(fetched?.UserId).toBe(User?.UserId)
    expect(tags).toEqual([
      { Key: 'team', Value: 'sre' },
      { Key: 'cost', Value: '42' },
    ])
    expect(await refusal(iam.send(new GetUserCommand({ UserName: 'carol' })))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    })
  })

  it('refuses a second user of the same name with EntityAlreadyExists (409), and unknown users with NoSuchEntity (404)', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateUserCommand({ UserName: 'dave' }))
    // Act
    const duplicate = await refusal(iam.send(new CreateUserCommand({ UserName: 'DAVE' })))
    const unknown = await refusal(iam.send(new DeleteUserCommand({ UserName: 'nobody' })))
    const badName = await refusal(iam.send(new CreateUserCommand({ UserName: 'no spaces' })))
    // Assess
    expect(duplicate).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'User with name DAVE already exists.',
    })
    expect(unknown).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name nobody cannot be found.',
    })
    expect(badName).toMatchObject({ name: 'ValidationError', status: 400 })
  })

  it('refuses to delete a user that still has a login profile, keys, MFA, policies or groups (DeleteConflict, 409)', async () => {
    // Prepare: a user with one of everything.
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    const UserName = 'erin'
    await iam.send(new CreateUserCommand({ UserName }))
    await iam.send(new CreateLoginProfileCommand({ UserName, Password: 'Correct-Horse-9' }))
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName }))).AccessKey!.AccessKeyId!
    await iam.send(
      new EnableMFADeviceCommand({
        UserName,
        SerialNumber: 'GAHT12345678',
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    )
    await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: 'read', PolicyDocument: ALLOW_S3_READ }))
    await iam.send(
      new AttachUserPolicyCommand({ UserName, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    )
    await iam.send(new CreateGroupCommand({ GroupName: 'devs' }))
    await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName }))
    // Act: delete, then remove what IAM names, until it succeeds.
    const removals = [
      () => iam.send(new DeleteLoginProfileCommand({ UserName })),
      () => iam.send(new DeleteAccessKeyCommand({ UserName, AccessKeyId: key })),
      () => iam.send(new DeactivateMFADeviceCommand({ UserName, SerialNumber: 'GAHT12345678' })),
      () => iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName: 'read' })),
      () =>
        iam.send(
          new DetachUserPolicyCommand({ UserName, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
        ),
      () => iam.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName })),
    ]
    const conflicts: string[] = []
    for (const remove of removals) {
      const r = await refusal(iam.send(new DeleteUserCommand({ UserName })))
      expect(r).toMatchObject({ name: 'DeleteConflictException', status: 409 })
      conflicts.push(r.message)
      await remove()
    }
    await iam.send(new DeleteUserCommand({ UserName }))
    // Assess
    expect(conflicts).toEqual([
      'Cannot delete entity, must delete login profile first.',
      'Cannot delete entity, must delete access keys first.',
      'Cannot delete entity, must delete MFA device first.',
      'Cannot delete entity, must delete policies first.',
      'Cannot delete entity, must detach all policies first.',
      'Cannot delete entity, must remove user from group first.',
    ])
    expect(sim.account.getUser(UserName)).toBeUndefined()
  })
})

describe('login profiles over the wire', () => {
  it("creates, updates and deletes a console password, checked against the account's password policy", async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    sim.account.passwordPolicy = { ...CIS_PASSWORD_POLICY }
    const iam = iamAs(sim)
    await iam.send(new CreateUserCommand({ UserName: 'frank' }))
    // Act
    const weak = await refusal(
      iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'short1!A' })),
    )
    const created = await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'frank',
        Password: 'A-long-enough-passw0rd',
        PasswordResetRequired: true,
      }),
    )
    const again = await refusal(
      iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'A-long-enough-passw0rd' })),
    )
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'frank', PasswordResetRequired: false }))
    const updated = await iam.send(new GetLoginProfileCommand({ UserName: 'frank' }))
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'frank' }))
    const gone = await refusal(
      iam.send(new UpdateLoginProfileCommand({ UserName: 'frank', PasswordResetRequired: true })),
    )
    // Assess
    expect(weak).toMatchObject({ name: 'PasswordPolicyViolationException', status: 400 })
    expect(created.LoginProfile).toMatchObject({ UserName: 'frank', PasswordResetRequired: true })
    expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date)
    expect(again).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'Login Profile for user frank already exists.',
    })
    expect(updated.LoginProfile?.PasswordResetRequired).toBe(false)
    expect(gone).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'Login Profile for User frank cannot be found.',
    })
  })
})

describe('access keys over the wire', () => {
  it('creates two access keys per user and refuses a third with LimitExceeded (409)', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateUserCommand({ UserName: 'grace' }))
    // Act
    const first = (await iam.send(new CreateAccessKeyCommand({ UserName: 'grace' }))).AccessKey
    await iam.send(new CreateAccessKeyCommand({ UserName: 'grace' }))
    const third = await refusal(iam.send(new CreateAccessKeyCommand({ UserName: 'grace' })))
    const listed = (await iam.send(new ListAccessKeysCommand({ UserName: 'grace' }))).AccessKeyMetadata
    // Assess
    expect(first).toMatchObject({
      UserName: 'grace',
      AccessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
      Status: 'Active',
      SecretAccessKey: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/),
    })
    expect(first?.CreateDate).toBeInstanceOf(Date)
    expect(third).toEqual({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    })
    expect(listed).toHaveLength(2)
  })

  it("signs with a new key as its user, acts on the caller's own keys without UserName, and refuses an inactive key", async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const admin = iamAs(sim)
    await admin.send(new CreateUserCommand({ UserName: 'heidi' }))
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'heidi' }))).AccessKey!
    const heidi = iamAs(sim, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
    // Act
    const who = await stsAs(sim, key.AccessKeyId!).send(new GetCallerIdentityCommand({}))
    const own = (await heidi.send(new CreateAccessKeyCommand({}))).AccessKey!
    await heidi.send(new UpdateAccessKeyCommand({ AccessKeyId: key.AccessKeyId!, Status: 'Inactive' }))
    const refused = await refusal(heidi.send(new ListAccessKeysCommand({})))
    const keys = (await admin.send(new ListAccessKeysCommand({ UserName: 'heidi' }))).AccessKeyMetadata
    await admin.send(new DeleteAccessKeyCommand({ UserName: 'heidi', AccessKeyId: own.AccessKeyId! }))
    const unknown = await refusal(
      admin.send(new DeleteAccessKeyCommand({ UserName: 'heidi', AccessKeyId: own.AccessKeyId! })),
    )
    // Assess
    expect(who).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/heidi` })
    expect(own.UserName).toBe('heidi')
    expect(refused).toMatchObject({ name: 'InvalidClientTokenId', status: 403 })
    expect(keys?.map((k) => [k.AccessKeyId, k.Status])).toEqual([
      [key.AccessKeyId, 'Inactive'],
      [own.AccessKeyId, 'Active'],
    ])
    expect(unknown).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })
})

describe('access key use', () => {
  it('notes when, where and for which service a key was last used, as GetAccessKeyLastUsed reports it', async () => {
    // Prepare: a key never used.
    sim = await startIamSimulator(adminAccount())
    const admin = iamAs(sim)
    await admin.send(new CreateUserCommand({ UserName: 'judy' }))
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'judy' }))).AccessKey!
    const before = (await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId! })))
      .AccessKeyLastUsed
    // Act
    await stsAs(sim, key.AccessKeyId!).send(new GetCallerIdentityCommand({}))
    const after = (await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId! })))
      .AccessKeyLastUsed
    // Assess
    expect(before).toEqual({ ServiceName: 'N/A', Region: 'N/A' })
    expect(after).toMatchObject({ ServiceName: 'sts', Region: 'us-east-1' })
    expect(Date.now() - after!.LastUsedDate!.getTime()).toBeLessThan(5000)
  })
})

describe('MFA devices over the wire', () => {
  it('creates a virtual MFA device, enables it for a user, and deletes it once deactivated', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    await iam.send(new CreateUserCommand({ UserName: 'ivan' }))
    const codes = { AuthenticationCode1: '123456', AuthenticationCode2: '234567' }
    // Act
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ivan' }),
    )
    const SerialNumber = VirtualMFADevice!.SerialNumber!
    const duplicate = await refusal(
      iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ivan' })),
    )
    const badCode = await refusal(
      iam.send(
        new EnableMFADeviceCommand({
          UserName: 'ivan',
          SerialNumber,
          AuthenticationCode1: '12',
          AuthenticationCode2: 'x',
        }),
      ),
    )
    await iam.send(new EnableMFADeviceCommand({ UserName: 'ivan', SerialNumber, ...codes }))
    const enabled = (await iam.send(new ListMFADevicesCommand({ UserName: 'ivan' }))).MFADevices
    const inUse = await refusal(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber })))
    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'ivan', SerialNumber }))
    const unassigned = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' })))
      .VirtualMFADevices
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber }))
    const deleted = await refusal(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber })))
    const neverCreated = await refusal(
      iam.send(
        new EnableMFADeviceCommand({
          UserName: 'ivan',
          SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/nope`,
          ...codes,
        }),
      ),
    )
    // Assess
    expect(SerialNumber).toBe(`arn:aws:iam::${ACCOUNT}:mfa/ivan`)
    expect(new TextDecoder().decode(VirtualMFADevice!.Base32StringSeed)).toMatch(/^[A-Z2-7]{64}$/)
    expect(duplicate).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 })
    expect(badCode).toMatchObject({ name: 'InvalidAuthenticationCodeException', status: 403 })
    expect(enabled?.map((d) => d.SerialNumber)).toEqual([SerialNumber])
    expect(inUse).toMatchObject({ name: 'DeleteConflictException', status: 409 })
    expect(unassigned?.map((d) => d.SerialNumber)).toEqual([SerialNumber])
    expect(deleted).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(neverCreated).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
  })
})

describe('groups over the wire', () => {
  it('creates a group, adds and removes a member, and refuses duplicates and unknown names', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const iam = iamAs(sim)
    // Act
    const { Group } = await iam.send(new CreateGroupCommand({ GroupName: 'admins', Path: '/it/' }))
    const duplicate = await refusal(iam.send(new CreateGroupCommand({ GroupName: 'admins' })))
    await iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'admin' }))
    const members = (await iam.send(new GetGroupCommand({ GroupName: 'admins' }))).Users
    const groups = (await iam.send(new ListGroupsForUserCommand({ UserName: 'admin' }))).Groups
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'admin' }))
    const notMember = await refusal(
      iam.send(new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'admin' })),
    )
    const noGroup = await refusal(
      iam.send(new AddUserToGroupCommand({ GroupName: 'nope', UserName: 'admin' })),
    )
    // Assess
    expect(Group).toMatchObject({
      GroupName: 'admins',
      Path: '/it/',
      Arn: `arn:aws:iam::${ACCOUNT}:group/it/admins`,
      GroupId: expect.stringMatching(/^AGPA/),
    })
    expect(duplicate).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 })
    expect(members?.map((u) => u.UserName)).toEqual(['admin'])
    expect(groups?.map((g) => g.GroupName)).toEqual(['admins'])
    expect(notMember).toMatchObject({ name: 'NoSuchEntityException', status: 404 })
    expect(noGroup).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The group with name nope cannot be found.',
    })
  })
})
