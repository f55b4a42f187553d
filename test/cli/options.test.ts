import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import {
  checkOrDetectionId,
  editDistance,
  nearest,
  partsOption,
  positiveNumber,
  severityOption,
  statusOption,
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
