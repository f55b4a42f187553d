import { describe, expect, it } from 'vitest'
import { getCheck } from '../../shared/checks/registry.ts'
import {
  ConfigError,
  configFromEnv,
  DEFAULT_MONITORED_REGIONS,
  detectionSettings,
  enabledChecks,
  monitoredRegions,
  paramsFor,
  parseConfig,
} from '../../shared/config/config.ts'
import { getDetection } from '../../shared/detections/registry.ts'

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

describe('detection settings that are strings', () => {
  it('take a string parameter where the detection declares one, with its default otherwise', () => {
    // Prepare
    const monitor = getDetection('monitor-tampered')!
    // Act
    const configured = detectionSettings(
      parseConfig({ detections: { 'monitor-tampered': { params: { resourcePrefix: 'secmon-' } } } }),
    )
    const defaults = detectionSettings(parseConfig({}))
    // Assess
    expect(configured.strings(monitor)).toEqual({ resourcePrefix: 'secmon-' })
    expect(defaults.strings(monitor)).toEqual({ resourcePrefix: 'iamwatch-' })
  })

  it('reject a number where a string is declared, a string where a number is, and an empty prefix', () => {
    expect(() =>
      parseConfig({ detections: { 'monitor-tampered': { params: { resourcePrefix: 3 } } } }),
    ).toThrow(/resourcePrefix: must be a string/)
    expect(() =>
      parseConfig({ detections: { 'unauthorized-api-calls': { params: { count: '50' } } } }),
    ).toThrow(/count: must be a number/)
    expect(() =>
      parseConfig({ detections: { 'monitor-tampered': { params: { resourcePrefix: '' } } } }),
    ).toThrow(/resourcePrefix/)
    expect(() => parseConfig({ checks: { 'access-key-rotation': { params: { maxAgeDays: 'x' } } } })).toThrow(
      /maxAgeDays: must be a number/,
    )
  })
})

describe('the monitor identity', () => {
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f'

  it('is read from the configuration, or from the environment the stack sets', () => {
    // Act
    const fromConfig = parseConfig({ monitor: { keyArn: KEY, stage: 'prod' } })
    const fromEnv = configFromEnv({ IAMWATCH_KEY_ARN: KEY, IAMWATCH_STAGE: 'prod' })
    const both = configFromEnv({
      IAMWATCH_CONFIG: JSON.stringify({ monitor: { stage: 'blue' } }),
      IAMWATCH_KEY_ARN: KEY,
      IAMWATCH_STAGE: 'prod',
    })
    // Assess
    expect(fromConfig.monitor).toEqual({ keyArn: KEY, stage: 'prod' })
    expect(fromEnv.monitor).toEqual({ keyArn: KEY, stage: 'prod' })
    expect(both.monitor).toEqual({ keyArn: KEY, stage: 'blue' })
    expect(parseConfig({}).monitor).toEqual({})
  })

  it('rejects a key ARN that is not one', () => {
    expect(() => parseConfig({ monitor: { keyArn: 'alias/iamwatch-prod' } })).toThrow(/monitor.keyArn/)
    expect(() => configFromEnv({ IAMWATCH_KEY_ARN: 'nope' })).toThrow(/monitor.keyArn/)
  })
})

describe('the monitored regions', () => {
  it('default to every region enabled by default in an AWS account', () => {
    // Act
    const regions = monitoredRegions(undefined)
    // Assess
    expect(regions).toEqual([...DEFAULT_MONITORED_REGIONS])
    expect(regions).toHaveLength(17)
    expect(regions).toContain('us-east-1')
    expect(regions).toContain('ap-northeast-3')
    for (const optIn of ['af-south-1', 'ap-east-1', 'eu-south-1', 'me-south-1', 'il-central-1'])
      expect(regions).not.toContain(optIn)
    expect(monitoredRegions('  ')).toEqual([...DEFAULT_MONITORED_REGIONS])
  })

  it('can be narrowed, or widened to an opt-in region, through IAMWATCH_REGIONS', () => {
    expect(monitoredRegions('us-east-1, eu-west-1')).toEqual(['us-east-1', 'eu-west-1'])
    expect(monitoredRegions('us-east-1,af-south-1,us-east-1')).toEqual(['us-east-1', 'af-south-1'])
  })

  it('rejects a name that is not a region', () => {
    expect(() => monitoredRegions('us-east-1,europe')).toThrow(
      /IAMWATCH_REGIONS: "europe" is not a region name/,
    )
  })
})
