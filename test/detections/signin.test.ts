import { describe, expect, it } from 'vitest'
import { countsToward, fires, roleSession, signin } from '../support/events.ts'

describe('console-login-no-mfa', () => {
  it('fires on an IAM user console sign-in without MFA', () => {
    expect(fires(signin('ConsoleLogin', 'Success', { additionalEventData: { MFAUsed: 'No' } }))).toEqual([
      'console-login-no-mfa',
    ])
  })

  it('does not fire with MFA, for a federated role session, or for a SAML sign-in', () => {
    expect(fires(signin('ConsoleLogin', 'Success', { additionalEventData: { MFAUsed: 'Yes' } }))).toEqual([])
    expect(
      fires(
        signin('ConsoleLogin', 'Success', {
          userIdentity: roleSession,
          additionalEventData: { MFAUsed: 'No' },
        }),
      ),
    ).toEqual([])
    expect(
      fires(
        signin('ConsoleLogin', 'Success', {
          additionalEventData: { MFAUsed: 'No', SamlProviderArn: 'arn:aws:iam::1:saml-provider/okta' },
        }),
      ),
    ).toEqual([])
  })
})

describe('console-login-failures', () => {
  it('counts every failed console sign-in, whoever it is, and fires nothing for one record', () => {
    const failed = signin('ConsoleLogin', 'Failure', { errorMessage: 'Failed authentication' })
    expect(fires(failed)).toEqual([])
    expect(countsToward(failed)).toEqual(['console-login-failures'])
    expect(countsToward(signin('ConsoleLogin', 'Failure', { userIdentity: roleSession }))).toEqual([
      'console-login-failures',
    ])
  })

  it('does not count a success', () => {
    expect(countsToward(signin('ConsoleLogin', 'Success'))).toEqual([])
  })
})
