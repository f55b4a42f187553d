import { describe, expect, it } from 'vitest'
import { alice, fires, iam, record, roleSession, root, severityOf } from '../support/events.ts'

const admin = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
})
const passRole = JSON.stringify({ Statement: { Effect: 'Allow', Action: ['iam:Pass*'], Resource: '*' } })
const readOnly = JSON.stringify({
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
})

describe('iam-policy-change', () => {
  it('fires on a successful policy change at medium severity', () => {
    expect(
      fires(iam('DeleteGroupPolicy', { requestParameters: { groupName: 'ops', policyName: 'p' } })),
    ).toEqual(['iam-policy-change'])
    expect(
      severityOf(
        iam('PutUserPolicy', { requestParameters: { userName: 'bob', policyDocument: readOnly } }),
        'iam-policy-change',
      ),
    ).toBe('medium')
  })

  it('raises the severity when the new document is admin or escalation-capable, even URL-encoded', () => {
    expect(
      severityOf(
        iam('PutRolePolicy', { requestParameters: { roleName: 'r', policyDocument: admin } }),
        'iam-policy-change',
      ),
    ).toBe('high')
    expect(
      severityOf(
        iam('CreatePolicyVersion', { requestParameters: { policyDocument: encodeURIComponent(passRole) } }),
        'iam-policy-change',
      ),
    ).toBe('high')
  })

  it('does not fire on a failed change', () => {
    expect(fires(iam('DeleteGroupPolicy', { errorCode: 'NoSuchEntity' }))).toEqual([])
  })
})

describe('admin-policy-attached', () => {
  it('fires when AdministratorAccess is attached', () => {
    const attach = iam('AttachRolePolicy', {
      requestParameters: { roleName: 'r', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    })
    expect(fires(attach)).toEqual(['admin-policy-attached', 'iam-policy-change'])
  })

  it('does not fire for another managed policy', () => {
    expect(
      fires(
        iam('AttachRolePolicy', {
          requestParameters: { policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      ),
    ).toEqual(['iam-policy-change'])
  })
})

describe('compromised-key-quarantine', () => {
  it('fires when AWS attaches or puts the quarantine policy', () => {
    expect(
      fires(
        iam('AttachUserPolicy', {
          requestParameters: {
            userName: 'bob',
            policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
          },
        }),
      ),
    ).toContain('compromised-key-quarantine')
    expect(
      fires(
        iam('PutUserPolicy', {
          requestParameters: { userName: 'bob', policyName: 'AWSCompromisedKeyQuarantineV2' },
        }),
      ),
    ).toContain('compromised-key-quarantine')
  })

  it('does not fire for other policies', () => {
    expect(fires(iam('PutUserPolicy', { requestParameters: { policyName: 'mine' } }))).not.toContain(
      'compromised-key-quarantine',
    )
  })
})

describe('access-key-created-for-other-user', () => {
  it('fires when a user creates a key for someone else, and for any target of a role session', () => {
    const forBob = {
      requestParameters: { userName: 'bob' },
      responseElements: { accessKey: { userName: 'bob', accessKeyId: 'AKIA1' } },
    }
    expect(fires(iam('CreateAccessKey', forBob))).toEqual(['access-key-created-for-other-user'])
    const forAlice = {
      requestParameters: { userName: 'alice' },
      responseElements: { accessKey: { userName: 'alice' } },
    }
    expect(fires(iam('CreateAccessKey', { ...forAlice, userIdentity: roleSession }))).toEqual([
      'access-key-created-for-other-user',
    ])
  })

  it('does not fire when a user creates their own key, or when the call failed', () => {
    expect(
      fires(
        iam('CreateAccessKey', {
          userIdentity: alice,
          responseElements: { accessKey: { userName: 'alice' } },
        }),
      ),
    ).toEqual([])
    expect(
      fires(
        iam('CreateAccessKey', {
          requestParameters: { userName: 'bob' },
          errorCode: 'LimitExceededException',
        }),
      ),
    ).toEqual([])
  })
})

describe('login-profile-changed', () => {
  it('fires when a console password is set for someone else, reset-required or not', () => {
    expect(
      fires(
        iam('UpdateLoginProfile', { requestParameters: { userName: 'bob', passwordResetRequired: true } }),
      ),
    ).toEqual(['login-profile-changed'])
    expect(
      fires(iam('CreateLoginProfile', { userIdentity: roleSession, requestParameters: { userName: 'bob' } })),
    ).toEqual(['login-profile-changed'])
  })

  it('does not fire for a user changing their own, or for root (root-credential-change covers root)', () => {
    expect(fires(iam('UpdateLoginProfile', { requestParameters: { userName: 'alice' } }))).toEqual([])
    expect(fires(iam('CreateLoginProfile', { userIdentity: root }))).toEqual([
      'root-activity',
      'root-credential-change',
    ])
  })
})

describe('mfa-deactivated', () => {
  it("fires on a deactivated or deleted MFA device, the caller's own included", () => {
    expect(fires(iam('DeactivateMFADevice', { requestParameters: { userName: 'alice' } }))).toEqual([
      'mfa-deactivated',
    ])
    expect(
      fires(iam('DeleteVirtualMFADevice', { requestParameters: { serialNumber: 'arn:aws:iam::1:mfa/bob' } })),
    ).toEqual(['mfa-deactivated'])
  })

  it('does not fire when it failed', () => {
    expect(fires(iam('DeactivateMFADevice', { errorCode: 'AccessDenied' }))).toEqual([])
  })
})

describe('trust-policy-changed', () => {
  const trust = (principal: unknown, condition?: unknown) =>
    iam('UpdateAssumeRolePolicy', {
      requestParameters: {
        roleName: 'deploy',
        policyDocument: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: principal,
              Action: 'sts:AssumeRole',
              ...(condition ? { Condition: condition } : {}),
            },
          ],
        }),
      },
    })

  it('is critical when the role is opened to *, even with an external id', () => {
    expect(
      severityOf(trust({ AWS: '*' }, { StringEquals: { 'sts:ExternalId': 'x' } }), 'trust-policy-changed'),
    ).toBe('critical')
    expect(severityOf(trust('*'), 'trust-policy-changed')).toBe('critical')
  })

  it('is critical for an untrusted account, high for the own or a trusted account', () => {
    expect(severityOf(trust({ AWS: 'arn:aws:iam::999999999999:root' }), 'trust-policy-changed')).toBe(
      'critical',
    )
    expect(
      severityOf(trust({ AWS: 'arn:aws:iam::999999999999:root' }), 'trust-policy-changed', {
        trustedAccounts: ['999999999999'],
      }),
    ).toBe('high')
    expect(severityOf(trust({ AWS: '123456789012' }), 'trust-policy-changed')).toBe('high')
    expect(severityOf(trust({ Service: 'lambda.amazonaws.com' }), 'trust-policy-changed')).toBe('high')
  })

  it('skips AWS services changing trust', () => {
    expect(
      fires({
        ...trust('*'),
        userIdentity: { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' },
      }),
    ).toEqual([])
  })
})

describe('password-policy-changed', () => {
  it('fires when the password policy is updated or deleted', () => {
    expect(fires(iam('UpdateAccountPasswordPolicy'))).toEqual(['password-policy-changed'])
    expect(fires(iam('DeleteAccountPasswordPolicy'))).toEqual(['password-policy-changed'])
  })

  it('does not fire for reading it', () => {
    expect(fires(iam('GetAccountPasswordPolicy'))).toEqual([])
  })
})

describe('cross-account-role-assumption', () => {
  const assume = (callerAccount: string, fields: Record<string, unknown> = {}) =>
    record({
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      userIdentity: {
        type: 'IAMUser',
        accountId: callerAccount,
        arn: `arn:aws:iam::${callerAccount}:user/x`,
      },
      requestParameters: { roleArn: 'arn:aws:iam::123456789012:role/Deploy', roleSessionName: 's' },
      ...fields,
    })

  it('fires when a principal of another, untrusted account assumes a role here', () => {
    expect(fires(assume('999999999999'))).toEqual(['cross-account-role-assumption'])
    expect(fires(assume('999999999999', { recipientAccountId: undefined }))).toEqual([
      'cross-account-role-assumption',
    ])
  })

  it("does not fire for the monitor's own functions assuming an organization member's reader role", () => {
    // Prepare: org-dispatch of the central account assumes iamwatch-reader in this member account.
    const scan = assume('222222222222', {
      userIdentity: {
        type: 'AssumedRole',
        accountId: '222222222222',
        arn: 'arn:aws:sts::222222222222:assumed-role/iamwatch-prod-org-dispatch/iamwatch-org-dispatch',
      },
      requestParameters: { roleArn: 'arn:aws:iam::123456789012:role/iamwatch-reader', roleSessionName: 's' },
    })
    const human = assume('222222222222', {
      userIdentity: {
        type: 'IAMUser',
        accountId: '222222222222',
        arn: 'arn:aws:iam::222222222222:user/mallory',
      },
      requestParameters: { roleArn: 'arn:aws:iam::123456789012:role/iamwatch-reader', roleSessionName: 's' },
    })
    // Act, Assess: only in an organization deployment (the reader role is known), and only the monitor's roles.
    expect(fires(scan, { organization: {} })).toEqual([])
    expect(fires(scan)).toEqual(['cross-account-role-assumption'])
    expect(fires(human, { organization: {} })).toEqual(['cross-account-role-assumption'])
  })

  it('does not fire within the account, for a trusted account, or for an AWS service', () => {
    expect(fires(assume('123456789012'))).toEqual([])
    expect(fires(assume('999999999999'), { trustedAccounts: ['999999999999'] })).toEqual([])
    expect(
      fires(assume('999999999999', { userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' } })),
    ).toEqual([])
  })
})
