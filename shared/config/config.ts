import * as v from 'valibot'
import { CHECKS, getCheck } from '../checks/registry.ts'
import type { AnyCheck, Params } from '../checks/types.ts'
import { getDetection } from '../detections/registry.ts'
import type { AnyDetection } from '../detections/types.ts'
import { DEFAULT_MAX_DAYS, parseUntil } from '../engine/suppression.ts'
import { SEVERITIES } from '../model/severity.ts'
import { RouteError, routeFilterPolicies } from '../notify/routes.ts'
import { DEFAULT_READER_ROLE } from '../organization/model.ts'
import { AlertsSchema } from './alerts.ts'

/**
 * Operator configuration: thresholds per check and detection, rules switched off, trusted accounts.
 * Validated with valibot against the registries, so a typo in an id or a parameter name is an error
 * rather than a silent default.
 */
const Override = v.strictObject({
  enabled: v.optional(v.boolean()),
  /** Numbers for thresholds; strings for the parameters a detection declares as strings (a name prefix). */
  params: v.optional(v.record(v.string(), v.union([v.pipe(v.number(), v.finite()), v.string()]))),
})
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/
/** What the deployment says about the monitor itself (the stack sets it; see configFromEnv). */
const Monitor = v.strictObject({
  /** The deployed KMS key: changes to it are monitor-tampered whatever it is called in the request. */
  keyArn: v.optional(v.pipe(v.string(), v.regex(KEY_ARN, 'must be a KMS key ARN'))),
  /** The SST stage deployed: resources tagged sst:app=iamwatch and sst:stage=<stage> are the monitor's. */
  stage: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be a stage name'))),
})
/** One line of visible text: a reason, an owner, a resource pattern. */
const Line = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.trim(),
    v.minLength(1, `${what} is required`),
    v.maxLength(1000, `${what} is longer than 1000 characters`),
    v.regex(
      /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/,
      `${what} must be one line without control characters`,
    ),
  )
/**
 * A suppression rule of the configuration: the findings of `check` whose resource id or ARN matches the
 * glob `resource` are suppressed when they open, until `until` (checked against suppressions.maxDays
 * when the rule is used). A reason and an expiry are required.
 */
const ConfigSuppressionRule = v.strictObject({
  check: Line('check'),
  resource: Line('resource'),
  reason: Line('reason'),
  until: v.pipe(
    v.string('until (the expiry) is required'),
    v.trim(),
    v.check(
      (t) => parseUntil(t) !== undefined,
      'until must be a date (YYYY-MM-DD) or an ISO 8601 time with its zone',
    ),
    v.transform((t) => parseUntil(t)!.toISOString()),
  ),
  owner: v.optional(Line('owner')),
})
/**
 * `suppressions`: the rules, or `{ maxDays, rules }`. maxDays (default 365) bounds how far ahead any
 * suppression may expire, from the CLI or the configuration.
 */
const Suppressions = v.pipe(
  v.unknown(),
  // The short form, a list of rules, is read as { rules } (so a problem is named by its path).
  v.transform((s) => (Array.isArray(s) ? { rules: s } : s)),
  v.strictObject({
    maxDays: v.optional(
      v.pipe(v.number(), v.integer('must be a whole number of days'), v.minValue(1), v.maxValue(3650)),
      DEFAULT_MAX_DAYS,
    ),
    rules: v.optional(v.array(ConfigSuppressionRule), []),
  }),
)
const AccountId = v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit account id'))
/**
 * `organization`: one deployment watches every account of an AWS Organization (discovered from
 * Organizations, or the `accounts` listed here), each read through its reader role.
 */
const Organization = v.strictObject({
  /** The member accounts' role the central scans assume (the StackSet creates it). */
  readerRoleName: v.optional(
    v.pipe(v.string(), v.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name')),
    DEFAULT_READER_ROLE,
  ),
  /** Accounts scanned at once (the account-scans queue's maximum concurrency in the stack). */
  concurrency: v.optional(
    v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1), v.maxValue(1000)),
    20,
  ),
  /** A configured list instead of discovery (no Organizations access): ids, with names and OU paths. */
  accounts: v.optional(
    v.array(
      v.strictObject({
        id: AccountId,
        name: v.optional(v.pipe(v.string(), v.maxLength(50))),
        ouPath: v.optional(v.pipe(v.string(), v.maxLength(1000))),
      }),
    ),
  ),
})
const ConfigSchema = v.strictObject({
  organization: v.optional(Organization),
  checks: v.optional(v.record(v.string(), Override), {}),
  detections: v.optional(v.record(v.string(), Override), {}),
  /** Accounts whose principals are expected here: their role use and trust in them are not alerted. */
  trustedAccounts: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit account id'))),
    [],
  ),
  /**
   * Principals expected to create IAM users (CI/CD and infrastructure-as-code roles): ARN patterns, `*`
   * matching any run of characters, e.g. arn:aws:iam::123456789012:role/github-deploy*.
   */
  deployers: v.optional(
    v.array(
      v.pipe(
        v.string(),
        v.regex(/^arn:aws[a-z-]*:(iam|sts)::[0-9*]{0,12}:[^\s]{1,512}$/, 'must be an IAM or STS ARN pattern'),
      ),
    ),
    [],
  ),
  /** Regions to check for regional services (Access Analyzer); empty: the home region only. */
  regions: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name'))),
    [],
  ),
  /** Minimum severity that is alerted; lower-severity transitions are still stored. */
  alertMinSeverity: v.optional(v.picklist(SEVERITIES), 'info'),
  monitor: v.optional(Monitor, {}),
  /** Suppression rules, and the longest a suppression may last (see Suppressions). */
  suppressions: v.optional(Suppressions, []),
  /** Routes, chat channels, grouping, the daily digest, escalation, Security Hub (see ./alerts.ts). */
  alerts: v.optional(AlertsSchema, {}),
})
export type IamwatchConfig = v.InferOutput<typeof ConfigSchema>

export class ConfigError extends Error {}

type Rule = {
  params: Record<string, { min?: number }>
  stringParams?: Record<string, { pattern?: RegExp; patternMessage?: string }>
}
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
        const at = `${section}.${id}.params.${name}`
        const spec = rule.params[name]
        const text = rule.stringParams?.[name]
        const has =
          [...Object.keys(rule.params), ...Object.keys(rule.stringParams ?? {})].join(', ') || 'none'
        if (!spec && !text) throw new ConfigError(`${at}: no such parameter (has: ${has})`)
        if (text) {
          if (typeof value !== 'string') throw new ConfigError(`${at}: must be a string`)
          if (text.pattern && !text.pattern.test(value))
            throw new ConfigError(`${at}: ${text.patternMessage ?? `must match ${text.pattern}`}`)
          continue
        }
        if (typeof value !== 'number') throw new ConfigError(`${at}: must be a number`)
        if (spec!.min !== undefined && value < spec!.min) {
          throw new ConfigError(`${at}: must be at least ${spec!.min}`)
        }
      }
    }
  }
  const routes = new Set<string>()
  const addresses = new Map<string, string>()
  for (const [i, route] of config.alerts.routes.entries()) {
    if (routes.has(route.name))
      throw new ConfigError(`alerts.routes.${i}.name: a second route named ${route.name}`)
    routes.add(route.name)
    for (const [j, address] of route.email.entries()) {
      // SNS keeps one subscription per topic, protocol and address: one address, one route.
      const key = address.toLowerCase()
      const other = addresses.get(key)
      if (other !== undefined)
        throw new ConfigError(
          `alerts.routes.${i}.email.${j}: ${address} is already in route ${other}; an address can be in one route (SNS subscribes it once per topic)`,
        )
      addresses.set(key, route.name)
    }
    for (const [j, id] of (route.checks ?? []).entries())
      if (!getCheck(id) && !getDetection(id))
        throw new ConfigError(`alerts.routes.${i}.checks.${j}: no such check or detection "${id}"`)
  }
  const pagers = config.alerts.escalation.email.map((a) => a.toLowerCase())
  for (const [i, address] of pagers.entries())
    if (pagers.indexOf(address) < i)
      throw new ConfigError(`alerts.escalation.email.${i}: ${address} is listed twice`)
  try {
    routeFilterPolicies(config.alerts.routes)
  } catch (e) {
    if (e instanceof RouteError) throw new ConfigError(`alerts.routes: ${e.message}`)
    throw e
  }
  const seen = new Set<string>()
  for (const [i, rule] of config.suppressions.rules.entries()) {
    const at = `suppressions.rules.${i}`
    if (!getCheck(rule.check) && !getDetection(rule.check))
      throw new ConfigError(`${at}.check: no such check or detection "${rule.check}"`)
    const key = `${rule.check}\u0000${rule.resource}`
    if (seen.has(key))
      throw new ConfigError(`${at}: a second rule for check ${rule.check} and resource ${rule.resource}`)
    seen.add(key)
  }
  return config
}

/**
 * Reads configuration from the IAMWATCH_CONFIG environment variable (JSON). The stack tells the functions what
 * the monitor itself is through IAMWATCH_KEY_ARN (the deployed key) and IAMWATCH_STAGE; they fill `monitor`
 * where IAMWATCH_CONFIG does not set it.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): IamwatchConfig {
  const text = env.IAMWATCH_CONFIG
  let raw: unknown = {}
  if (text) {
    try {
      raw = JSON.parse(text)
    } catch (err) {
      throw new ConfigError(`IAMWATCH_CONFIG is not JSON: ${(err as Error).message}`)
    }
  }
  const fromStack = {
    ...(env.IAMWATCH_KEY_ARN ? { keyArn: env.IAMWATCH_KEY_ARN } : {}),
    ...(env.IAMWATCH_STAGE ? { stage: env.IAMWATCH_STAGE } : {}),
  }
  if (Object.keys(fromStack).length > 0 && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const r = raw as { monitor?: unknown }
    const own = r.monitor && typeof r.monitor === 'object' ? r.monitor : {}
    raw = { ...r, monitor: { ...fromStack, ...own } }
  }
  return parseConfig(raw)
}

/**
 * The regions enabled by default in every AWS account (the commercial partition), watched unless
 * IAMWATCH_REGIONS narrows (or widens) the list. Source: AWS Account Management Reference Guide, "Enable or
 * disable AWS Regions in your account" (docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html):
 * regions launched before March 20, 2019 are enabled by default and cannot be disabled, later ones are opt-in;
 * the list of those regions as the AWS assistant user guide gives it under "Regions that are enabled by
 * default" (docs.aws.amazon.com/assistant/latest/userguide/regions.html), and as EC2 DescribeRegions reports
 * them (OptInStatus "opt-in-not-required"). Opt-in regions (af-south-1, ap-east-1, eu-south-1, me-south-1,
 * il-central-1, ...) must be enabled in the account before they can be watched.
 */
export const DEFAULT_MONITORED_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
] as const

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/

/** The regions to watch: IAMWATCH_REGIONS (comma-separated) when set, else every default-enabled region. */
export function monitoredRegions(value: string | undefined): string[] {
  const listed = (value ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  if (listed.length === 0) return [...DEFAULT_MONITORED_REGIONS]
  for (const r of listed) {
    if (!REGION.test(r)) throw new ConfigError(`IAMWATCH_REGIONS: "${r}" is not a region name`)
  }
  return [...new Set(listed)]
}

function withDefaults(
  specs: Record<string, { default: number }>,
  overrides: Record<string, number | string> | undefined,
): Params {
  const values = Object.entries(specs).map(([k, spec]) => {
    const v = overrides?.[k]
    return [k, typeof v === 'number' ? v : spec.default] as const
  })
  return Object.fromEntries(values)
}

function stringsWithDefaults(
  specs: Record<string, { default: string }> | undefined,
  overrides: Record<string, number | string> | undefined,
): Record<string, string> {
  const values = Object.entries(specs ?? {}).map(([k, spec]) => {
    const v = overrides?.[k]
    return [k, typeof v === 'string' ? v : spec.default] as const
  })
  return Object.fromEntries(values)
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
  const strings = new Map<string, Record<string, string>>()
  return {
    params: (d: AnyDetection) => {
      let p = cache.get(d.id)
      if (!p) {
        p = withDefaults(d.params, config.detections[d.id]?.params)
        cache.set(d.id, p)
      }
      return p
    },
    strings: (d: AnyDetection) => {
      let s = strings.get(d.id)
      if (!s) {
        s = stringsWithDefaults(d.stringParams, config.detections[d.id]?.params)
        strings.set(d.id, s)
      }
      return s
    },
    enabled: (d: AnyDetection) => config.detections[d.id]?.enabled !== false,
    trustedAccounts: new Set(config.trustedAccounts),
    monitor: config.organization
      ? { ...config.monitor, readerRoleName: config.organization.readerRoleName }
      : config.monitor,
    deployers: config.deployers,
  }
}
