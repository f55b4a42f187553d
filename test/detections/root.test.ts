import { describe, expect, it } from 'vitest'
import { countsToward, fires, iam, record, root, signin } from '../support/events.ts'

describe('root-console-login', () => {
  it('fires on a successful root console sign-in, with or without MFA', () => {
    expect(
      fires(
        signin('ConsoleLogin', 'Success', { userIdentity: root, additionalEventData: { MFAUsed: 'Yes' } }),
      ),
    ).toEqual(['root-console-login'])
    expect(
      fires(
        signin('ConsoleLogin', 'Success', { userIdentity: root, additionalEventData: { MFAUsed: 'No' } }),
      ),
    ).toEqual(['root-console-login'])
  })

  it('does not fire for an IAM user or a failed sign-in', () => {
    expect(fires(signin('ConsoleLogin', 'Success', { additionalEventData: { MFAUsed: 'Yes' } }))).toEqual([])
    expect(fires(signin('ConsoleLogin', 'Failure', { userIdentity: root }))).not.toContain(
      'root-console-login',
    )
  })
})

describe('root-console-login-failed', () => {
  it('fires on each failed root sign-in and counts it toward the burst and the failures counter', () => {
    const failed = signin('ConsoleLogin', 'Failure', {
      userIdentity: root,
      errorMessage: 'Failed authentication',
    })
    expect(fires(failed)).toEqual(['root-console-login-failed'])
    expect(countsToward(failed)).toEqual(['console-login-failures', 'root-console-login-failed'])
  })

  it('does not fire on a successful root sign-in', () => {
    expect(fires(signin('ConsoleLogin', 'Success', { userIdentity: root }))).not.toContain(
      'root-console-login-failed',
    )
  })
})

describe('root-activity', () => {
  it('fires on a root API call, read-only or not, and on a root console action (invokedBy signin)', () => {
    expect(
      fires(record({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketTagging', userIdentity: root })),
    ).toEqual(['root-activity'])
    expect(fires(iam('ListUsers', { userIdentity: root, readOnly: true }))).toEqual(['root-activity'])
    expect(fires(iam('ListUsers', { userIdentity: { ...root, invokedBy: 'signin.amazonaws.com' } }))).toEqual(
      ['root-activity'],
    )
  })

  it('does not fire for an AWS service acting for root, service events, failures or the sign-in itself', () => {
    expect(
      fires(iam('ListUsers', { userIdentity: { ...root, invokedBy: 'cloudformation.amazonaws.com' } })),
    ).toEqual([])
    expect(fires(iam('ListUsers', { userIdentity: root, eventType: 'AwsServiceEvent' }))).toEqual([])
    expect(fires(iam('ListUsers', { userIdentity: root, errorCode: 'ThrottlingException' }))).toEqual([])
  })
})

describe('root-access-key-created', () => {
  it('fires when root creates its own key (no userName, or "AWS ROOT USER")', () => {
    expect(fires(iam('CreateAccessKey', { userIdentity: root }))).toContain('root-access-key-created')
    expect(
      fires(iam('CreateAccessKey', { userIdentity: root, requestParameters: { userName: 'AWS ROOT USER' } })),
    ).toContain('root-access-key-created')
  })

  it('does not fire when root creates a key for an IAM user, which is a key for another user', () => {
    const forUser = iam('CreateAccessKey', {
      userIdentity: root,
      requestParameters: { userName: 'bob' },
      responseElements: { accessKey: { userName: 'bob' } },
    })
    expect(fires(forUser)).toEqual(['access-key-created-for-other-user', 'root-activity'])
  })
})

describe('root-credential-change', () => {
  it('fires on a root password change and on root enabling or removing its own MFA', () => {
    expect(fires(signin('PasswordUpdated', 'Success', { userIdentity: root }))).toEqual([
      'root-activity',
      'root-credential-change',
    ])
    expect(
      fires(
        iam('DeactivateMFADevice', { userIdentity: root, requestParameters: { userName: 'AWS ROOT USER' } }),
      ),
    ).toContain('root-credential-change')
  })

  it("does not fire when root changes an IAM user's MFA, or when the change failed", () => {
    expect(
      fires(iam('EnableMFADevice', { userIdentity: root, requestParameters: { userName: 'bob' } })),
    ).not.toContain('root-credential-change')
    expect(fires(signin('PasswordUpdated', 'Failure', { userIdentity: root }))).toEqual([])
  })
})
