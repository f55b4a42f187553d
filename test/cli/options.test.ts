import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import {
  accountIdsOption,
  checkOrDetectionId,
  editDistance,
  nearest,
  partsOption,
  positiveNumber,
  roleNameOption,
  severityOption,
  statusOption,
  wholeNumber,
} from '../../bin/options.ts'

const rejection = (parse: () => unknown) => {
  try {
    parse()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError)
    return (err as Error).message
  }
  throw new Error('accepted')
}

describe('number flags', () => {
  it('accepts positive numbers, decimals included', () => {
    // Act / Assess
    expect(positiveNumber('250')).toBe(250)
    expect(positiveNumber('0.5')).toBe(0.5)
  })

  it.each(['0', '-5', 'abc', '', ' ', 'Infinity', '1e999', '12ms'])(
    'rejects %j as not a positive number',
    (v) => {
      // Act
      const message = rejection(() => positiveNumber(v))
      // Assess
      expect(message).toBe(`a positive number, not "${v}"`)
    },
  )
})

describe('enum flags', () => {
  it('accepts severities, statuses and parts in any case', () => {
    // Act / Assess
    expect(severityOption('HIGH')).toBe('high')
    expect(severityOption('Critical')).toBe('critical')
    expect(statusOption('open')).toBe('OPEN')
    expect(statusOption('Resolved')).toBe('RESOLVED')
    expect(partsOption('Credentials, TRAILS')).toEqual(['credentials', 'trails'])
  })

  it('names the accepted values when one is wrong', () => {
    // Act / Assess
    expect(rejection(() => severityOption('severe'))).toBe(
      'one of critical, high, medium, low, info, not "severe"',
    )
    expect(rejection(() => statusOption('closed'))).toBe('OPEN or RESOLVED, not "closed"')
    expect(rejection(() => partsOption('credentials,everything'))).toBe(
      'one or more of credentials, authorization, trails, access-advisor, not "everything"',
    )
  })
})

describe('check ids', () => {
  it('accepts every check and detection id, in any case', () => {
    // Act / Assess
    expect(checkOrDetectionId('access-key-rotation')).toBe('access-key-rotation')
    expect(checkOrDetectionId('Root-Console-Login')).toBe('root-console-login')
  })

  it('suggests the nearest check and detection ids for an unknown one', () => {
    // Act
    const message = rejection(() => checkOrDetectionId('acess-key-rotaton'))
    // Assess
    expect(message).toMatch(/^no check or detection "acess-key-rotaton": did you mean access-key-rotation\b/)
  })

  it('suggests ids that contain what was typed before those that are merely close', () => {
    // Act / Assess
    expect(nearest('trust', ['trust-policy-changed', 'tost', 'role-trust-wildcard'])).toEqual([
      'role-trust-wildcard',
      'trust-policy-changed',
      'tost',
    ])
  })

  it('suggests ids that share the words typed, a typo allowed, before those merely short and close', () => {
    // Act / Assess
    expect(nearest('root-login', ['root-mfa', 'root-console-login-failed', 'root-console-login'])).toEqual([
      'root-console-login',
      'root-console-login-failed',
      'root-mfa',
    ])
    expect(nearest('mfa-deactvated', ['mfa-deactivated', 'root-mfa'], 1)).toEqual(['mfa-deactivated'])
  })

  it('measures edit distance with transpositions as one edit', () => {
    // Act / Assess
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('root-mfa', 'root-mfa')).toBe(0)
    expect(editDistance('root-mfa', 'roto-mfa')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
  })
})

describe('account, role and concurrency flags', () => {
  it('takes account ids comma-separated and repeated, each once, in the order given', () => {
    // Act
    const first = accountIdsOption(' 111111111111, 222222222222 ,')
    const both = accountIdsOption('222222222222,333333333333', first)
    // Assess
    expect(first).toEqual(['111111111111', '222222222222'])
    expect(both).toEqual(['111111111111', '222222222222', '333333333333'])
  })

  it.each([
    ['12345', 'a 12-digit account id, not "12345"'],
    ['111111111111,abc', 'a 12-digit account id, not "abc"'],
    [',', 'one or more 12-digit account ids, comma-separated'],
  ])('rejects %j as account ids', (value, message) => {
    expect(rejection(() => accountIdsOption(value))).toBe(message)
  })

  it('takes a role name and refuses an ARN or a path, saying which', () => {
    // Act / Assess
    expect(roleNameOption('iamwatch-reader')).toBe('iamwatch-reader')
    expect(roleNameOption('Audit+Read=1,x.y@z_')).toBe('Audit+Read=1,x.y@z_')
    expect(rejection(() => roleNameOption('arn:aws:iam::111111111111:role/x'))).toContain(
      ': the name, not the ARN',
    )
    expect(rejection(() => roleNameOption('team/reader'))).toContain('an IAM role name')
    expect(rejection(() => roleNameOption('r'.repeat(65)))).toContain('an IAM role name')
  })

  it.each(['0', '-1', '1.5', '1001', 'ten', ''])('rejects %j as a concurrency', (value) => {
    expect(rejection(() => wholeNumber(1000)(value))).toBe(`a whole number from 1 to 1000, not "${value}"`)
  })

  it('accepts a whole concurrency within its bounds', () => {
    expect(wholeNumber(1000)('1')).toBe(1)
    expect(wholeNumber(1000)('1000')).toBe(1000)
  })
})
