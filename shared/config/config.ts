import * as v from 'valibot'
import { CHECKS, getCheck } from '../checks/registry.ts'
import type { AnyCheck, Params } from '../checks/types.ts'
import { getDetection } from '../detections/registry.ts'
import type { AnyDetection } from '../detections/types.ts'
import { SEVERITIES } from '../model/severity.ts'

/**
 * Operator configuration: thresholds per check and detection, rules switched off, trusted accounts.
 * Validated with valibot against the registries, so a typo in an id or a parameter name is an error
 * rather than a silent default.
 */
const Override = v.strictObject({
  enabled: v.optional(v.boolean()),
  params: v.optional(v.record(v.string(), v.pipe(v.number(), v.finite()))),
})
const ConfigSchema = v.strictObject({
  checks: v.optional(v.record(v.string(), Override), {}),
  detections: v.optional(v.record(v.string(), Override), {}),
  /** Accounts whose principals are expected here: their role use and trust in them are not alerted. */
  trustedAccounts: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit account id'))),
    [],
  ),
  /** Regions to check for regional services (Access Analyzer); empty: the home region only. */
  regions: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name'))),
    [],
  ),
  /** Minimum severity that is alerted; lower-severity transitions are still stored. */
  alertMinSeverity: v.optional(v.picklist(SEVERITIES), 'info'),
})
export type IamwatchConfig = v.InferOutput<typeof ConfigSchema>

export class ConfigError extends Error {}

type Rule = { params: Record<string, { min?: number }> }
const SECTIONS = [
  ['checks', 'check', getCheck],
  ['detections', 'detection', getDetection],
] as const

export function parseConfig(raw: unknown): IamwatchConfig {
  const result = v.safeParse(ConfigSchema, raw ?? {})
  if (!result.success) {
    throw new ConfigError(result.issues.map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`).join('; '))
  }
  const config = result.output
  for (const [section, noun, lookup] of SECTIONS) {
    for (const [id, override] of Object.entries(config[section])) {
      const rule = lookup(id) as Rule | undefined
      if (!rule) throw new ConfigError(`${section}.${id}: no such ${noun}`)
      for (const [name, value] of Object.entries(override.params ?? {})) {
        const spec = rule.params[name]
        const has = Object.keys(rule.params).join(', ') || 'none'
        if (!spec) throw new ConfigError(`${section}.${id}.params.${name}: no such parameter (has: ${has})`)
        if (spec.min !== undefined && value < spec.min) {
          throw new ConfigError(`${section}.${id}.params.${name}: must be at least ${spec.min}`)
        }
      }
    }
  }
  return config
}

/** Reads configuration from the IAMWATCH_CONFIG environment variable (JSON). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): IamwatchConfig {
  const text = env.IAMWATCH_CONFIG
  if (!text) return parseConfig({})
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`IAMWATCH_CONFIG is not JSON: ${(err as Error).message}`)
  }
  return parseConfig(raw)
}

function withDefaults(specs: Record<string, { default: number }>, overrides: Params | undefined): Params {
  const defaults = Object.fromEntries(Object.entries(specs).map(([k, spec]) => [k, spec.default]))
  return { ...defaults, ...(overrides ?? {}) }
}

export function paramsFor(check: AnyCheck, config: IamwatchConfig): Params {
  return withDefaults(check.params, config.checks[check.id]?.params)
}

export function enabledChecks(config: IamwatchConfig, checks: readonly AnyCheck[] = CHECKS): AnyCheck[] {
  return checks.filter((c) => config.checks[c.id]?.enabled !== false)
}

type DetectionSettings = ReturnType<typeof buildDetectionSettings>
const settingsByConfig = new WeakMap<IamwatchConfig, DetectionSettings>()

/**
 * What the detection engine needs of the configuration, built once per configuration object: the
 * engine caches each detection's context per settings object, so a fresh one per event would miss.
 */
export function detectionSettings(config: IamwatchConfig): DetectionSettings {
  let settings = settingsByConfig.get(config)
  if (!settings) {
    settings = buildDetectionSettings(config)
    settingsByConfig.set(config, settings)
  }
  return settings
}

function buildDetectionSettings(config: IamwatchConfig) {
  const cache = new Map<string, Params>()
  return {
    params: (d: AnyDetection) => {
      let p = cache.get(d.id)
      if (!p) {
        p = withDefaults(d.params, config.detections[d.id]?.params)
        cache.set(d.id, p)
      }
      return p
    },
    enabled: (d: AnyDetection) => config.detections[d.id]?.enabled !== false,
    trustedAccounts: new Set(config.trustedAccounts),
  }
}
