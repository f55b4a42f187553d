import { describe, expect, it } from 'vitest'
import { getCheck } from '../../shared/checks/registry.ts'
import {
  ConfigError,
  configFromEnv,
  enabledChecks,
  paramsFor,
  parseConfig,
} from '../../shared/config/config.ts'

describe('configuration', () => {
  it('uses the catalog defaults when nothing is configured', () => {
    expect(paramsFor(getCheck('access-key-rotation')!, parseConfig({}))).toEqual({ maxAgeDays: 90 })
    expect(paramsFor(getCheck('credential-unused')!, parseConfig({}))).toEqual({
      maxUnusedDays: 45,
      graceDays: 45,
    })
  })

  it('overrides a threshold and switches a check off', () => {
    const config = parseConfig({
      checks: { 'access-key-rotation': { params: { maxAgeDays: 30 } }, 'user-no-mfa': { enabled: false } },
    })
    expect(paramsFor(getCheck('access-key-rotation')!, config)).toEqual({ maxAgeDays: 30 })
    expect(enabledChecks(config).map((c) => c.id)).not.toContain('user-no-mfa')
  })

  it('rejects an unknown check, an unknown parameter, a value below the minimum and a wrong type', () => {
    expect(() => parseConfig({ checks: { 'no-such-check': {} } })).toThrow(/no such check/)
    expect(() => parseConfig({ checks: { 'access-key-rotation': { params: { maxAge: 3 } } } })).toThrow(
      /no such parameter \(has: maxAgeDays\)/,
    )
    expect(() => parseConfig({ checks: { 'access-key-rotation': { params: { maxAgeDays: 0 } } } })).toThrow(
      /at least 1/,
    )
    expect(() =>
      parseConfig({ checks: { 'access-key-rotation': { params: { maxAgeDays: '90' } } } }),
    ).toThrow(ConfigError)
  })

  it('reads IAMWATCH_CONFIG and says when it is not JSON', () => {
    expect(configFromEnv({ IAMWATCH_CONFIG: '{"alertMinSeverity":"high"}' }).alertMinSeverity).toBe('high')
    expect(() => configFromEnv({ IAMWATCH_CONFIG: '{oops' })).toThrow(/not JSON/)
  })
})
