import * as v from 'valibot'
import { CHECKS, getCheck } from '../checks/registry.ts'
import type { AnyCheck, Params } from '../checks/types.ts'
import { SEVERITIES } from '../model/severity.ts'

/**
 * Operator configuration: thresholds per check, checks switched off. Validated with valibot against
 * the registry, so a typo in a check id or a parameter name is an error rather than a silent default.
 */
const CheckOverride = v.strictObject({
  enabled: v.optional(v.boolean()),
  params: v.optional(v.record(v.string(), v.pipe(v.number(), v.finite()))),
})
const ConfigSchema = v.strictObject({
  checks: v.optional(v.record(v.string(), CheckOverride), {}),
  /** Minimum severity that is alerted; lower-severity transitions are still stored. */
  alertMinSeverity: v.optional(v.picklist(SEVERITIES), 'info'),
})
export type IamwatchConfig = v.InferOutput<typeof ConfigSchema>

export class ConfigError extends Error {}

export function parseConfig(raw: unknown): IamwatchConfig {
  const result = v.safeParse(ConfigSchema, raw ?? {})
  if (!result.success) {
    throw new ConfigError(result.issues.map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`).join('; '))
  }
  const config = result.output
  for (const [id, override] of Object.entries(config.checks)) {
    const check = getCheck(id)
    if (!check) throw new ConfigError(`checks.${id}: no such check`)
    for (const [name, value] of Object.entries(override.params ?? {})) {
      const spec = (check.params as Record<string, { min?: number }>)[name]
      if (!spec)
        throw new ConfigError(
          `checks.${id}.params.${name}: no such parameter (has: ${Object.keys(check.params).join(', ') || 'none'})`,
        )
      if (spec.min !== undefined && value < spec.min)
        throw new ConfigError(`checks.${id}.params.${name}: must be at least ${spec.min}`)
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

export function paramsFor(check: AnyCheck, config: IamwatchConfig): Params {
  const defaults = Object.fromEntries(
    Object.entries(check.params).map(([k, spec]) => [k, (spec as { default: number }).default]),
  )
  return { ...defaults, ...(config.checks[check.id]?.params ?? {}) }
}

export function enabledChecks(config: IamwatchConfig, checks: readonly AnyCheck[] = CHECKS): AnyCheck[] {
  return checks.filter((c) => config.checks[c.id]?.enabled !== false)
}
