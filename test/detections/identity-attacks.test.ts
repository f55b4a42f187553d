import { describe, expect, it } from 'vitest'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { adminGroupMembership } from '../../shared/detections/admin-group-membership.ts'
import { centralizedRootAccess } from '../../shared/detections/centralized-root-access.ts'
import { type DetectionSettings, detect } from '../../shared/detections/engine.ts'
import { identityCenterChange } from '../../shared/detections/identity-center-change.ts'
import { identityProviderChange } from '../../shared/detections/identity-provider-change.ts'
import { rolesAnywhereChange } from '../../shared/detections/roles-anywhere-change.ts'
import type { PostureFacts } from '../../shared/detections/types.ts'
import {
  ACCOUNT,
  alice,
  event,
  fires,
  iam,
  record,
  roleSession,
  root,
  severityOf,
  signin,
} from '../support/events.ts'

/** A record of any service (the support helpers cover iam and signin). */
const call = (eventSource: string, eventName: string, fields: Record<string, unknown> = {}) =>
  record({ eventSource, eventName, ...fields })
const sts = (eventName: string, fields: Record<string, unknown> = {}) =>
  call('sts.amazonaws.com', eventName, fields)

/** The session of IAM Identity Center's service-linked role, as CloudTrail records it (Panther fixture 057). */
const identityCenterServiceRole = {
  type: 'AssumedRole',
  principalId: 'AROAT7BCMNLMONMOFFFFF:AWS-SSO',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForSSO/AWS-SSO`,
  accountId: ACCOUNT,
  invokedBy: 'sso.amazonaws.com',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO`,
      accountId: ACCOUNT,
      userName: 'AWSServiceRoleForSSO',
    },
    attributes: { mfaAuthenticated: 'false' },
  },
}

/** A GetFederationToken session of alice (Stratus Red Team's detonation shape). */
const federatedAlice = {
  type: 'FederatedUser',
  principalId: `${ACCOUNT}:alice-console`,
  arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice-console`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAFEDERATEDEXAMPLE',
  sessionContext: {
    sessionIssuer: { type: 'IAMUser', arn: alice.arn, accountId: ACCOUNT, userName: 'alice' },
    attributes: { mfaAuthenticated: 'false' },
  },
}

describe('identity-provider-change', () => {
  const ID = 'identity-provider-change'

  it('fires, high, when a SAML provider is created, naming the provider', () => {
    // Prepare
    const raw = iam('CreateSAMLProvider', {
      requestParameters: { name: 'okta', sAMLMetadataDocument: '<xml/>' },
      responseElements: { sAMLProviderArn: `arn:aws:iam::${ACCOUNT}:saml-provider/okta` },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
    expect(severityOf(raw, ID)).toBe('high')
    expect(identityProviderChange.context?.(event(raw))).toMatchObject({
      provider: `arn:aws:iam::${ACCOUNT}:saml-provider/okta`,
      protocol: 'SAML',
    })
  })

  it('fires on every OpenID Connect provider change the catalog lists', () => {
    // Prepare
    const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`
    const names = [
      'DeleteOpenIDConnectProvider',
      'UpdateOpenIDConnectProviderThumbprint',
      'AddClientIDToOpenIDConnectProvider',
    ]
    // Act
    const fired = names.map((n) => fires(iam(n, { requestParameters: { openIDConnectProviderArn: arn } })))
    // Assess
    for (const ids of fired) expect(ids).toContain(ID)
    expect(
      identityProviderChange.context?.(
        event(iam('DeleteOpenIDConnectProvider', { requestParameters: { openIDConnectProviderArn: arn } })),
      ),
    ).toMatchObject({ provider: arn, protocol: 'OIDC' })
  })

  it('fires when CloudFormation updates a SAML provider for a role session (no IaC exemption)', () => {
    // Prepare
    const raw = iam('UpdateSAMLProvider', {
      userIdentity: { ...roleSession, invokedBy: 'cloudformation.amazonaws.com' },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
  })

  it("does not fire when IAM Identity Center's service-linked role creates its own SAML provider", () => {
    // Prepare
    const raw = iam('CreateSAMLProvider', {
      userIdentity: identityCenterServiceRole,
      sourceIPAddress: 'sso.amazonaws.com',
      requestParameters: { name: 'AWSSSO_abdf34fd171b4a7e_DO_NOT_DELETE' },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('fires when a customer role merely named AWSServiceRoleForSSO (outside the service path) changes a provider', () => {
    // Prepare
    const { invokedBy: _service, ...withoutService } = identityCenterServiceRole
    const impostor = {
      ...withoutService,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/AWSServiceRoleForSSO`,
          accountId: ACCOUNT,
          userName: 'AWSServiceRoleForSSO',
        },
      },
    }
    // Act
    const ids = fires(iam('DeleteSAMLProvider', { userIdentity: impostor }))
    // Assess
    expect(ids).toContain(ID)
  })

  it('does not fire when the change failed', () => {
    // Act
    const ids = fires(iam('CreateOpenIDConnectProvider', { errorCode: 'AccessDenied' }))
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('roles-anywhere-change', () => {
  const ID = 'roles-anywhere-change'
  const rolesanywhere = (eventName: string, fields: Record<string, unknown> = {}) =>
    call('rolesanywhere.amazonaws.com', eventName, { awsRegion: 'eu-west-1', ...fields })

  it('fires, high, when a trust anchor is created, naming it and its source type', () => {
    // Prepare
    const arn = `arn:aws:rolesanywhere:eu-west-1:${ACCOUNT}:trust-anchor/3a21`
    const raw = rolesanywhere('CreateTrustAnchor', {
      requestParameters: { name: 'ta', enabled: true, source: { sourceType: 'CERTIFICATE_BUNDLE' } },
      responseElements: { trustAnchor: { trustAnchorArn: arn, name: 'ta' } },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
    expect(severityOf(raw, ID)).toBe('high')
    expect(rolesAnywhereChange.context?.(event(raw))).toMatchObject({
      trustAnchor: arn,
      sourceType: 'CERTIFICATE_BUNDLE',
      region: 'eu-west-1',
    })
  })

  it('fires when a profile is created, naming the roles it grants', () => {
    // Prepare
    const role = `arn:aws:iam::${ACCOUNT}:role/backdoor`
    const raw = rolesanywhere('CreateProfile', { requestParameters: { name: 'p', roleArns: [role] } })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
    expect(rolesAnywhereChange.context?.(event(raw))).toMatchObject({ profile: 'p', roleArns: role })
  })

  it('fires when a trust anchor is enabled or updated, or a profile updated', () => {
    // Act
    const fired = ['EnableTrustAnchor', 'UpdateTrustAnchor', 'UpdateProfile'].map((n) =>
      fires(rolesanywhere(n, { requestParameters: { trustAnchorId: 'x', profileId: 'y' } })),
    )
    // Assess
    for (const ids of fired) expect(ids).toContain(ID)
  })

  it('does not fire when a trust anchor is disabled or profiles are listed', () => {
    // Act
    const ids = [...fires(rolesanywhere('DisableTrustAnchor')), ...fires(rolesanywhere('ListProfiles'))]
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the change failed', () => {
    // Act
    const ids = fires(rolesanywhere('CreateTrustAnchor', { errorCode: 'ValidationException' }))
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('federation-token-created', () => {
  const ID = 'federation-token-created'
  const federationToken = {
    requestParameters: { name: 'stratus_red_team' },
    responseElements: {
      credentials: { accessKeyId: 'ASIASTJKC5GCM7ZE6LUP' },
      federatedUser: { arn: `arn:aws:sts::${ACCOUNT}:federated-user/stratus_red_team` },
    },
  }

  it('fires, medium, when an IAM user gets a federation token, naming the federated user', () => {
    // Prepare
    const raw = sts('GetFederationToken', {
      userIdentity: { ...alice, accessKeyId: 'AKIAALICEEXAMPLE' },
      ...federationToken,
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toEqual([ID])
    expect(severityOf(raw, ID)).toBe('medium')
  })

  it('does not fire when a role session or root asks (only IAM users persist this way)', () => {
    // Act
    const ids = [
      ...fires(sts('GetFederationToken', { userIdentity: roleSession, ...federationToken })),
      ...fires(sts('GetFederationToken', { userIdentity: root, ...federationToken })),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the call failed or is another STS call', () => {
    // Act
    const ids = [
      ...fires(sts('GetFederationToken', { errorCode: 'AccessDenied' })),
      ...fires(sts('GetSessionToken')),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('console-from-access-keys', () => {
  const ID = 'console-from-access-keys'
  /** The federation endpoint's record: an API call with no responseElements (Panther fixtures 058, 059). */
  const getSigninToken = (userIdentity: unknown, fields: Record<string, unknown> = {}) =>
    call('signin.amazonaws.com', 'GetSigninToken', {
      userIdentity,
      userAgent: 'python-requests/2.31',
      ...fields,
    })

  it('fires, high, when a GetFederationToken session turns into a console session', () => {
    // Prepare
    const raw = getSigninToken(federatedAlice)
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toEqual([ID])
    expect(severityOf(raw, ID)).toBe('high')
    expect(
      detect(event(raw), detectionSettings(parseConfig({}))).fired.find((f) => f.detection.id === ID)
        ?.details,
    ).toEqual({ sessionOrigin: 'federation-token' })
  })

  it("fires when an IAM user's session without MFA (from its AKIA key) gets a sign-in token", () => {
    // Prepare
    const raw = getSigninToken({
      ...alice,
      accessKeyId: 'ASIAALICESESSION',
      sessionContext: { attributes: { mfaAuthenticated: 'false' } },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
  })

  it('fires when the record states the outcome as Success (sign-in event form)', () => {
    // Act
    const ids = fires(signin('GetSigninToken', 'Success', { userIdentity: federatedAlice }))
    // Assess
    expect(ids).toContain(ID)
  })

  it("does not fire when the IAM user's session was authenticated with MFA", () => {
    // Prepare
    const raw = getSigninToken({
      ...alice,
      accessKeyId: 'ASIAALICESESSION',
      sessionContext: { attributes: { mfaAuthenticated: 'true' } },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when a role session or the Identity Center portal gets a sign-in token', () => {
    // Prepare
    const portal = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin/user@example.com`,
    }
    // Act
    const ids = [
      ...fires(getSigninToken({ ...roleSession, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' })),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the access portal's user agent, as recorded
      ...fires(getSigninToken(portal, { userAgent: 'Jersey/${project.version}' })),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the exchange failed (an errorCode, or a Failure outcome)', () => {
    // Act
    const ids = [
      ...fires(getSigninToken(federatedAlice, { errorCode: 'AccessDenied' })),
      ...fires(signin('GetSigninToken', 'Failure', { userIdentity: federatedAlice })),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('root-password-recovery', () => {
  const ID = 'root-password-recovery'

  it('fires, high, when root password recovery is requested or completed', () => {
    // Prepare
    const requested = signin('PasswordRecoveryRequested', 'Success', { userIdentity: root })
    const completed = signin('PasswordRecoveryCompleted', 'Success', { userIdentity: root })
    // Act
    const ids = [...fires(requested), ...fires(completed)]
    // Assess
    expect(ids.filter((id) => id === ID)).toHaveLength(2)
    expect(severityOf(requested, ID)).toBe('high')
    expect(severityOf(completed, ID)).toBe('high')
  })

  it('does not fire when the recovery step failed', () => {
    // Act
    const ids = fires(signin('PasswordRecoveryRequested', 'Failure', { userIdentity: root }))
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the event is not for root', () => {
    // Act
    const ids = fires(signin('PasswordRecoveryRequested', 'Success', { userIdentity: alice }))
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('centralized-root-access', () => {
  const ID = 'centralized-root-access'
  const assumeRoot = (fields: Record<string, unknown> = {}) =>
    sts('AssumeRoot', {
      awsRegion: 'us-west-2',
      userIdentity: roleSession,
      requestParameters: {
        targetPrincipal: '222222222222',
        taskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy' },
      },
      ...fields,
    })

  it('fires, high, when AssumeRoot opens a root session, naming the member account and task policy', () => {
    // Prepare
    const raw = assumeRoot()
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
    expect(severityOf(raw, ID)).toBe('high')
    expect(centralizedRootAccess.context?.(event(raw))).toEqual({
      change: 'AssumeRoot',
      targetAccount: '222222222222',
      taskPolicy: 'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy',
    })
  })

  it('reads the member account out of a target principal ARN', () => {
    // Prepare
    const raw = assumeRoot({
      requestParameters: {
        targetPrincipal: 'arn:aws:iam::333333333333:root',
        taskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials' },
      },
    })
    // Act
    const context = centralizedRootAccess.context?.(event(raw))
    // Assess
    expect(context?.targetAccount).toBe('333333333333')
  })

  it('fires when centralized root sessions or root credentials management are enabled or disabled', () => {
    // Act
    const fired = [
      'EnableOrganizationsRootSessions',
      'DisableOrganizationsRootSessions',
      'EnableOrganizationsRootCredentialsManagement',
      'DisableOrganizationsRootCredentialsManagement',
    ].map((n) => fires(iam(n, { userIdentity: roleSession })))
    // Assess
    for (const ids of fired) expect(ids).toContain(ID)
  })

  it('does not fire when AssumeRoot failed', () => {
    // Act
    const ids = fires(assumeRoot({ errorCode: 'AccessDenied' }))
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('mfa-device-registered-for-other-user', () => {
  const ID = 'mfa-device-registered-for-other-user'

  it('fires, medium, when a user enables an MFA device on another user', () => {
    // Prepare
    const raw = iam('EnableMFADevice', {
      requestParameters: { userName: 'bob', serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/bob` },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toEqual([ID])
    expect(severityOf(raw, ID)).toBe('medium')
  })

  it('does not fire when a user enables their own MFA device (user names compare case-insensitively)', () => {
    // Act
    const ids = [
      ...fires(iam('EnableMFADevice', { requestParameters: { userName: 'alice' } })),
      ...fires(iam('EnableMFADevice', { requestParameters: { userName: 'Alice' } })),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('fires when a role session enables a device on any user (it has no user of its own, B1.5)', () => {
    // Act
    const ids = fires(
      iam('EnableMFADevice', { userIdentity: roleSession, requestParameters: { userName: 'bob' } }),
    )
    // Assess
    expect(ids).toContain(ID)
  })

  it('fires when root enables a device on an IAM user, not when on itself (B1.6)', () => {
    // Act
    const forBob = fires(
      iam('EnableMFADevice', { userIdentity: root, requestParameters: { userName: 'bob' } }),
    )
    const forItself = fires(
      iam('EnableMFADevice', { userIdentity: root, requestParameters: { userName: 'AWS ROOT USER' } }),
    )
    // Assess
    expect(forBob).toContain(ID)
    expect(forItself).not.toContain(ID)
  })

  it("fires when a virtual MFA device is created under another user's name (the device name stands for its user)", () => {
    // Prepare
    const raw = iam('CreateVirtualMFADevice', {
      requestParameters: { virtualMFADeviceName: 'bob', path: '/' },
      responseElements: { virtualMFADevice: { serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/bob` } },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toContain(ID)
  })

  it('reads the device name from the serial number when the request does not carry it', () => {
    // Act
    const ids = fires(
      iam('CreateVirtualMFADevice', {
        userIdentity: roleSession,
        responseElements: { virtualMFADevice: { serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/team/bob` } },
      }),
    )
    // Assess
    expect(ids).toContain(ID)
  })

  it('does not fire when a user creates a virtual MFA device under their own name', () => {
    // Act
    const ids = fires(iam('CreateVirtualMFADevice', { requestParameters: { virtualMFADeviceName: 'alice' } }))
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when CreateVirtualMFADevice names no device (no target to judge)', () => {
    // Act
    const ids = fires(iam('CreateVirtualMFADevice', { userIdentity: roleSession }))
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when root creates a virtual MFA device (it names no user: root acting on itself, B1.6)', () => {
    // Act
    const ids = fires(
      iam('CreateVirtualMFADevice', {
        userIdentity: root,
        requestParameters: { virtualMFADeviceName: 'root-account-mfa-device' },
      }),
    )
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the registration failed', () => {
    // Act
    const ids = fires(
      iam('EnableMFADevice', { errorCode: 'EntityAlreadyExists', requestParameters: { userName: 'bob' } }),
    )
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('user-created-outside-iac', () => {
  const ID = 'user-created-outside-iac'
  const deployRole = {
    ...roleSession,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy-prod/run-42`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        arn: `arn:aws:iam::${ACCOUNT}:role/deploy-prod`,
        accountId: ACCOUNT,
        userName: 'deploy-prod',
      },
    },
  }
  const createUser = (fields: Record<string, unknown> = {}) =>
    iam('CreateUser', { requestParameters: { userName: 'mallory' }, ...fields })

  it('fires, medium, when a user is created by hand (no deployers configured)', () => {
    // Prepare
    const raw = createUser()
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toEqual([ID])
    expect(severityOf(raw, ID)).toBe('medium')
  })

  it("does not fire when a configured deployer's role session creates the user", () => {
    // Act
    const ids = fires(createUser({ userIdentity: deployRole }), {
      deployers: [`arn:aws:iam::${ACCOUNT}:role/deploy*`],
    })
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when the caller ARN itself matches a deployer pattern', () => {
    // Act
    const ids = fires(createUser(), { deployers: ['arn:aws:iam::*:user/alice'] })
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('fires when the caller matches no deployer pattern (a pattern matches the whole ARN)', () => {
    // Act
    const ids = fires(createUser({ userIdentity: roleSession }), {
      deployers: [`arn:aws:iam::${ACCOUNT}:role/deploy*`, `arn:aws:iam::${ACCOUNT}:role/Adm`],
    })
    // Assess
    expect(ids).toContain(ID)
  })

  it('does not fire when CloudFormation creates the user', () => {
    // Act
    const ids = fires(
      createUser({ userIdentity: { ...roleSession, invokedBy: 'cloudformation.amazonaws.com' } }),
    )
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire when CreateUser failed', () => {
    // Act
    const ids = fires(createUser({ errorCode: 'EntityAlreadyExists' }))
    // Assess
    expect(ids).not.toContain(ID)
  })
})

describe('admin-group-membership', () => {
  const ID = 'admin-group-membership'
  const addToGroup = (groupName: string, fields: Record<string, unknown> = {}) =>
    iam('AddUserToGroup', { requestParameters: { userName: 'bob', groupName }, ...fields })
  /** Detection settings whose posture says which groups of ACCOUNT are admin-capable (others unknown). */
  const withPosture = (groups: Record<string, boolean>): DetectionSettings => {
    const posture: PostureFacts = {
      groupIsAdmin: (accountId, groupName) => (accountId === ACCOUNT ? groups[groupName] : undefined),
    }
    return { ...detectionSettings(parseConfig({})), posture }
  }
  const hit = (raw: Record<string, unknown>, settings: DetectionSettings) =>
    detect(event(raw), settings).fired.find((f) => f.detection.id === ID)

  it('fires high when the latest authorization details show the group admin-capable', () => {
    // Act
    const fired = hit(addToGroup('admins'), withPosture({ admins: true }))
    // Assess
    expect(fired?.severity).toBe('high')
    expect(fired?.details).toMatchObject({ groupKnown: true, adminGroup: true })
  })

  it('fires medium when the group is not in the latest authorization details', () => {
    // Act
    const fired = hit(addToGroup('new-group'), withPosture({ admins: true }))
    // Assess
    expect(fired?.severity).toBe('medium')
    expect(fired?.details).toMatchObject({ groupKnown: false })
  })

  it('fires medium when no posture is loaded (replay)', () => {
    // Act
    const severity = severityOf(addToGroup('admin'), ID)
    // Assess
    expect(severity).toBe('medium')
  })

  it('does not fire when the group is known not to be admin-capable', () => {
    // Act
    const fired = hit(addToGroup('readers'), withPosture({ readers: false }))
    // Assess
    expect(fired).toBeUndefined()
  })

  it('asks about the account the record happened in', () => {
    // Prepare
    const asked: string[] = []
    const settings: DetectionSettings = {
      ...detectionSettings(parseConfig({})),
      posture: {
        groupIsAdmin: (accountId) => {
          asked.push(accountId)
          return true
        },
      },
    }
    // Act
    hit(addToGroup('admins', { recipientAccountId: '444455556666' }), settings)
    // Assess
    expect(asked).toEqual(['444455556666'])
    expect(adminGroupMembership.context?.(event(addToGroup('admins')))).toEqual({
      group: 'admins',
      addedUser: 'bob',
    })
  })

  it('does not fire when AddUserToGroup failed', () => {
    // Act
    const fired = hit(addToGroup('admins', { errorCode: 'NoSuchEntity' }), withPosture({ admins: true }))
    // Assess
    expect(fired).toBeUndefined()
  })
})

describe('identity-center-change', () => {
  const ID = 'identity-center-change'
  const sso = (eventName: string, fields: Record<string, unknown> = {}) =>
    call('sso.amazonaws.com', eventName, { userIdentity: roleSession, ...fields })
  const identitystore = (eventName: string, fields: Record<string, unknown> = {}) =>
    call('identitystore.amazonaws.com', eventName, { userIdentity: roleSession, ...fields })
  const permissionSetArn = 'arn:aws:sso:::permissionSet/ssoins-1111/ps-2222'

  it('fires, medium, when an account assignment is created, naming the account, permission set and assignee', () => {
    // Prepare
    const raw = sso('CreateAccountAssignment', {
      requestParameters: {
        instanceArn: 'arn:aws:sso:::instance/ssoins-1111',
        targetId: '222222222222',
        targetType: 'AWS_ACCOUNT',
        permissionSetArn,
        principalType: 'USER',
        principalId: '90676d0e-0001',
      },
    })
    // Act
    const ids = fires(raw)
    // Assess
    expect(ids).toEqual([ID])
    expect(severityOf(raw, ID)).toBe('medium')
    expect(identityCenterChange.context?.(event(raw))).toMatchObject({
      service: 'sso',
      targetAccount: '222222222222',
      permissionSet: permissionSetArn,
      assignedTo: 'USER 90676d0e-0001',
    })
  })

  it('fires on every permission set change the catalog lists, naming the policy attached', () => {
    // Prepare
    const names = [
      'CreatePermissionSet',
      'UpdatePermissionSet',
      'AttachManagedPolicyToPermissionSet',
      'PutInlinePolicyToPermissionSet',
      'AttachCustomerManagedPolicyReferenceToPermissionSet',
      'PutPermissionsBoundaryToPermissionSet',
      'DeleteAccountAssignment',
    ]
    const attach = sso('AttachManagedPolicyToPermissionSet', {
      requestParameters: {
        permissionSetArn,
        managedPolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
    })
    // Act
    const fired = names.map((n) => fires(sso(n, { requestParameters: { permissionSetArn } })))
    // Assess
    for (const ids of fired) expect(ids).toContain(ID)
    expect(identityCenterChange.context?.(event(attach))).toMatchObject({
      policy: 'arn:aws:iam::aws:policy/AdministratorAccess',
    })
  })

  it('fires when an identity store user or group membership is created', () => {
    // Act
    const ids = [
      ...fires(
        identitystore('CreateUser', { requestParameters: { identityStoreId: 'd-1', userName: 'eve' } }),
      ),
      ...fires(
        identitystore('CreateGroupMembership', {
          requestParameters: { identityStoreId: 'd-1', groupId: 'g-1', memberId: { userId: 'u-1' } },
        }),
      ),
    ]
    // Assess
    expect(ids.filter((id) => id === ID)).toHaveLength(2)
  })

  it('does not fire on iam CreateUser, which shares the identity store event name', () => {
    // Act
    const ids = fires(iam('CreateUser', { requestParameters: { userName: 'eve' } }))
    // Assess
    expect(ids).not.toContain(ID)
  })

  it('does not fire on read-only calls or failed changes', () => {
    // Act
    const ids = [
      ...fires(sso('ListPermissionSets')),
      ...fires(sso('CreateAccountAssignment', { errorCode: 'AccessDeniedException' })),
      ...fires(identitystore('CreateUser', { errorCode: 'ConflictException' })),
    ]
    // Assess
    expect(ids).not.toContain(ID)
  })
})
