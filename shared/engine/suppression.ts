import type { Log } from '../app/log.ts'
import type { IamwatchConfig } from '../config/config.ts'
import { getDetection } from '../detections/registry.ts'
import { sha256Hex } from '../model/canonical.ts'
import {
  CONFIG_ACTOR,
  EXPIRED_REASON,
  type Finding,
  GENESIS_HASH,
  type HistoryEntry,
  type Occurrence,
  type Suppression,
  SYSTEM_ACTOR,
  type TransitionKind,
} from '../model/finding.ts'
import { globMatches } from '../policy/wildcard.ts'
import { advance, isExpired, type PlannedTransition, unsuppressExpired } from './reconcile.ts'
import type { FindingsRepository } from './repository.ts'

/**
 * Suppressions: a known and accepted finding muted, with an owner, a reason and an expiry; rules that
 * suppress the findings of a check on matching resources (stored in the table, or in the
 * configuration); acknowledging a detection finding. Pure rules and transitions, and the few services
 * that apply them through a FindingsRepository (each write conditioned on the finding's sequence).
 */

/** How far ahead a suppression may expire unless `suppressions.maxDays` says otherwise. */
export const DEFAULT_MAX_DAYS = 365
const DAY = 86_400_000
/** The longest reason, owner or resource pattern accepted. */
export const MAX_TEXT = 1000

export class SuppressionError extends Error {}

/**
 * A rule: the findings of `check` whose resource (its id or ARN) matches the glob `resource` are
 * suppressed, when they open, until `until`. Table rules belong to an account; configuration rules
 * apply to every account.
 */
export interface SuppressionRule {
  id: string
  source: 'table' | 'config'
  /** The account whose findings it applies to; absent (configuration rules): every account. */
  accountId?: string
  check: string
  /** A glob (`*`, `?`) matched, ignoring case, against the finding's resource id and its ARN. */
  resource: string
  reason: string
  owner: string
  until: string
  /** Who stored it: the caller's ARN, or `config`. */
  by: string
  createdAt?: string
}

// ---- validation -------------------------------------------------------------------------------------

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** A required piece of text: trimmed, not empty, one line, at most MAX_TEXT characters. */
export function requiredText(what: string, value: string | undefined, needs = 'a suppression'): string {
  const text = value?.trim() ?? ''
  if (!text) throw new SuppressionError(`${needs} needs ${what}`)
  if (CONTROL.test(text)) throw new SuppressionError(`${what} must be one line without control characters`)
  if (text.length > MAX_TEXT) throw new SuppressionError(`${what} is longer than ${MAX_TEXT} characters`)
  return text
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/
const DAYS = /^(\d{1,5})d$/

/**
 * When a suppression expires, from what was typed: a date (`2027-01-31`: midnight UTC as that day
 * begins), an ISO 8601 time with its zone (`2027-01-31T18:00:00Z`), or a number of days from today
 * (`30d`: midnight UTC as the 30th day from today begins, so the same command repeated that day gives
 * the same expiry). Undefined: not one of those.
 */
export function parseUntil(text: string, now?: Date): Date | undefined {
  const t = text.trim()
  const days = DAYS.exec(t)
  if (days) return now ? new Date(Math.floor(now.getTime() / DAY) * DAY + Number(days[1]) * DAY) : undefined
  if (!DATE_ONLY.test(t) && !DATE_TIME.test(t)) return undefined
  const date = new Date(DATE_ONLY.test(t) ? `${t}T00:00:00Z` : t)
  if (Number.isNaN(date.getTime())) return undefined
  // 2027-02-30 parses to March: a date that is not the one typed is not accepted.
  if (DATE_ONLY.test(t) && date.toISOString().slice(0, 10) !== t) return undefined
  return date
}

/** The expiry a suppression may have at `now`: in the future, and at most `maxDays` ahead. */
export function checkExpiry(until: Date, now: Date, maxDays: number): void {
  if (until.getTime() <= now.getTime())
    throw new SuppressionError(`the expiry ${until.toISOString()} has already passed`)
  const limit = now.getTime() + maxDays * DAY
  if (until.getTime() > limit)
    throw new SuppressionError(
      `the expiry ${until.toISOString()} is more than ${maxDays} days away (suppressions.maxDays); at most ${new Date(limit).toISOString()}`,
    )
}

/** What a new suppression or rule is given, validated: a reason and an expiry are required. */
export function validateSuppression(
  input: { reason?: string; until?: string; owner?: string },
  options: { now: Date; maxDays: number; defaultOwner: string },
): { reason: string; until: string; owner: string } {
  const reason = requiredText('a reason (--reason)', input.reason)
  if (!input.until?.trim()) throw new SuppressionError('a suppression needs an expiry (--until)')
  const until = parseUntil(input.until, options.now)
  if (!until)
    throw new SuppressionError(
      `the expiry "${input.until}" is not a date (YYYY-MM-DD), an ISO 8601 time with its zone, or a number of days (30d)`,
    )
  checkExpiry(until, options.now, options.maxDays)
  const owner =
    input.owner === undefined ? options.defaultOwner : requiredText('an owner (--owner)', input.owner)
  return { reason, until: until.toISOString(), owner }
}

/** The maximum number of days a suppression may last, from the configuration. */
export function maxDaysOf(config: IamwatchConfig): number {
  return config.suppressions?.maxDays ?? DEFAULT_MAX_DAYS
}

// ---- rules ------------------------------------------------------------------------------------------

/**
 * A rule's id: stable for its account, check and resource pattern, so storing the same rule again
 * updates it rather than adding a second one.
 */
export function ruleId(source: SuppressionRule['source'], check: string, resource: string, accountId = '') {
  const prefix = source === 'config' ? 'cfg-' : 'sr-'
  return `${prefix}${sha256Hex([accountId, check, resource].join('\u0000')).slice(0, 12)}`
}

/** The same rule but for who stored it and when. */
export function sameRule(a: SuppressionRule, b: SuppressionRule): boolean {
  return (
    a.id === b.id &&
    a.accountId === b.accountId &&
    a.check === b.check &&
    a.resource === b.resource &&
    a.reason === b.reason &&
    a.owner === b.owner &&
    a.until === b.until
  )
}

/** The configuration's rules (validated when the configuration was read). */
export function configRules(config: IamwatchConfig): SuppressionRule[] {
  return (config.suppressions?.rules ?? []).map((r) => ({
    id: ruleId('config', r.check, r.resource),
    source: 'config' as const,
    check: r.check,
    resource: r.resource,
    reason: r.reason,
    owner: r.owner ?? CONFIG_ACTOR,
    until: r.until,
    by: CONFIG_ACTOR,
  }))
}

/** Does the rule speak for this finding: its account, its check, and its resource id or ARN? */
export function ruleMatches(
  rule: Pick<SuppressionRule, 'accountId' | 'check' | 'resource'>,
  f: Pick<Finding, 'accountId' | 'checkId' | 'resourceId' | 'resourceArn'>,
): boolean {
  return (
    rule.check === f.checkId &&
    (rule.accountId === undefined || rule.accountId === f.accountId) &&
    (globMatches(rule.resource, f.resourceId, true) || globMatches(rule.resource, f.resourceArn, true))
  )
}

/** Whether a rule can be applied at `now`: not expired, and expiring within `maxDays`. */
export function ruleStanding(
  rule: Pick<SuppressionRule, 'until'>,
  now: Date,
  maxDays: number,
): 'usable' | 'expired' | 'too-long' {
  const until = Date.parse(rule.until)
  if (!(until > now.getTime())) return 'expired'
  return until > now.getTime() + maxDays * DAY ? 'too-long' : 'usable'
}

/** Of the rules that match, the one that expires first (attention comes back soonest); then by id. */
export function ruleFor(
  rules: readonly SuppressionRule[],
  f: Pick<Finding, 'accountId' | 'checkId' | 'resourceId' | 'resourceArn'>,
): SuppressionRule | undefined {
  return rules
    .filter((r) => ruleMatches(r, f))
    .sort((a, b) => Date.parse(a.until) - Date.parse(b.until) || a.id.localeCompare(b.id))[0]
}

/** The suppression a rule puts on a finding at `at`. */
export function suppressionOf(rule: SuppressionRule, at: string): Suppression {
  return { reason: rule.reason, owner: rule.owner, until: rule.until, by: rule.by, at, rule: rule.id }
}

/**
 * The rules that may be applied to an account's findings at `now`: the configuration's and the
 * table's, minus the expired ones and those whose expiry is beyond `suppressions.maxDays` (refused,
 * with a warning: the limit is checked when a rule is used).
 */
export async function rulesInForce(
  repository: Pick<FindingsRepository, 'rules'> | undefined,
  config: IamwatchConfig,
  accountId: string,
  now: Date,
  log?: Log,
): Promise<SuppressionRule[]> {
  const maxDays = maxDaysOf(config)
  const stored = (await repository?.rules?.listRules(accountId)) ?? []
  return [...configRules(config), ...stored].filter((rule) => {
    const standing = ruleStanding(rule, now, maxDays)
    if (standing === 'too-long')
      log?.warn('suppression rule not applied: it expires beyond suppressions.maxDays', {
        rule: rule.id,
        until: rule.until,
        maxDays,
      })
    return standing === 'usable'
  })
}

// ---- what alerts ------------------------------------------------------------------------------------

/**
 * Whether a history item is alerted. Nothing is alerted for a finding suppressed at that transition
 * (the item carries the suppression in force), nor for SUPPRESSED, UNSUPPRESSED and ACKNOWLEDGED
 * themselves, but one: iamwatch lifting an expired suppression from a finding that is still open
 * brings it back to attention.
 */
export function alertable(
  entry: Pick<HistoryEntry, 'transition' | 'status' | 'suppression' | 'actor' | 'reason'>,
): boolean {
  if (entry.suppression) return false
  switch (entry.transition) {
    case 'SUPPRESSED':
    case 'ACKNOWLEDGED':
      return false
    case 'UNSUPPRESSED':
      return entry.actor === SYSTEM_ACTOR && entry.reason === EXPIRED_REASON && entry.status === 'OPEN'
    default:
      return true
  }
}

// ---- manual transitions (pure) ----------------------------------------------------------------------

const sameSuppression = (a: Suppression | undefined, b: Suppression) =>
  a !== undefined && a.reason === b.reason && a.owner === b.owner && a.until === b.until && a.rule === b.rule

/**
 * SUPPRESSED: the finding keeps its status and its last transition's time; only the suppression in
 * force changes. Undefined when the same suppression (reason, owner, expiry, rule) is already in force.
 */
export function suppressTransition(
  f: Finding,
  s: Suppression,
  scanId: string,
): PlannedTransition | undefined {
  if (sameSuppression(f.suppression, s)) return undefined
  return advance({ ...f, suppression: s }, 'SUPPRESSED', scanId, s.at, undefined, {
    actor: s.by,
    reason: s.reason,
  })
}

/** UNSUPPRESSED by someone (sends no alert). Undefined when the finding is not suppressed. */
export function unsuppressTransition(
  f: Finding,
  actor: string,
  reason: string,
  scanId: string,
  at: string,
): PlannedTransition | undefined {
  if (!f.suppression) return undefined
  const { suppression, ...rest } = f
  return advance(rest, 'UNSUPPRESSED', scanId, at, undefined, { actor, reason, lifted: suppression })
}

/** Is this finding a real-time detection's (only those can be acknowledged)? */
export const isDetectionFinding = (f: Pick<Finding, 'checkId'>) => getDetection(f.checkId) !== undefined

/**
 * ACKNOWLEDGED: an open detection finding closed by hand (RESOLVED, resolution `acknowledged`, who and
 * why kept on the state); the next occurrence of the detection reopens it. Undefined when it is already
 * closed by an acknowledgement.
 */
export function acknowledgeTransition(
  f: Finding,
  actor: string,
  reason: string,
  scanId: string,
  at: string,
): PlannedTransition | undefined {
  if (!isDetectionFinding(f))
    throw new SuppressionError(
      `finding ${f.id} is a posture finding (${f.checkId}): it resolves when its check passes; suppress it to mute it`,
    )
  if (f.status === 'RESOLVED') {
    if (f.resolution === 'acknowledged') return undefined
    throw new SuppressionError(`finding ${f.id} is not open`)
  }
  return advance(
    {
      ...f,
      status: 'RESOLVED',
      resolution: 'acknowledged',
      resolvedAt: at,
      lastTransitionAt: at,
      acknowledged: { by: actor, reason, at },
    },
    'ACKNOWLEDGED',
    scanId,
    at,
    undefined,
    { actor, reason },
  )
}

// ---- services ---------------------------------------------------------------------------------------

export type ChangeOutcome = 'applied' | 'unchanged'
export interface FindingChange {
  outcome: ChangeOutcome
  /** The finding as it now stands. */
  finding: Finding
  entry?: HistoryEntry
}

const MAX_ATTEMPTS = 4

/**
 * Reads a finding, plans a transition on it, and writes it conditioned on the sequence read; a
 * finding moved meanwhile is read again and the plan made again, so a command repeated or racing a
 * scan adds one history item or none.
 */
export async function changeFinding(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions'>,
  id: string,
  plan: (f: Finding) => PlannedTransition | undefined,
): Promise<FindingChange> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await repository.getFinding(id)
    if (!current) throw new SuppressionError(`no finding ${id}`)
    const t = plan(current)
    if (!t) return { outcome: 'unchanged', finding: current }
    const conflicts = await repository.applyTransitions([t])
    if (conflicts.length === 0) return { outcome: 'applied', finding: t.finding, entry: t.entry }
  }
  throw new SuppressionError(`finding ${id} kept changing; nothing written after ${MAX_ATTEMPTS} attempts`)
}

/** Suppresses one finding (validated beforehand: see validateSuppression). */
export function suppressFinding(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions'>,
  id: string,
  s: Suppression,
  scanId: string,
): Promise<FindingChange> {
  return changeFinding(repository, id, (f) => suppressTransition(f, s, scanId))
}

export function unsuppressFinding(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions'>,
  id: string,
  actor: string,
  reason: string,
  scanId: string,
  at: string,
): Promise<FindingChange> {
  return changeFinding(repository, id, (f) => unsuppressTransition(f, actor, reason, scanId, at))
}

export function acknowledgeFinding(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions'>,
  id: string,
  actor: string,
  reason: string,
  scanId: string,
  at: string,
): Promise<FindingChange> {
  return changeFinding(repository, id, (f) => acknowledgeTransition(f, actor, reason, scanId, at))
}

/**
 * Applies a rule at once to the open findings of its check that match it (in its account); each is
 * suppressed unless the rule's suppression is already in force on it.
 */
export async function applyRuleToOpen(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions' | 'listOpenByCheck'>,
  rule: SuppressionRule,
  accountId: string,
  scanId: string,
  at: string,
): Promise<FindingChange[]> {
  const open = await repository.listOpenByCheck(accountId, rule.check)
  const out: FindingChange[] = []
  for (const f of open.filter((f) => ruleMatches(rule, f)).sort((a, b) => a.id.localeCompare(b.id)))
    out.push(
      await changeFinding(repository, f.id, (current) =>
        current.status === 'OPEN' ? suppressTransition(current, suppressionOf(rule, at), scanId) : undefined,
      ),
    )
  return out
}

/** Lifts a removed rule's suppression from the findings it suppressed (among `candidates`). */
export async function liftRule(
  repository: Pick<FindingsRepository, 'getFinding' | 'applyTransitions'>,
  rule: Pick<SuppressionRule, 'id'>,
  candidates: readonly Finding[],
  actor: string,
  scanId: string,
  at: string,
): Promise<FindingChange[]> {
  const out: FindingChange[] = []
  for (const f of candidates.filter((c) => c.suppression?.rule === rule.id))
    out.push(
      await changeFinding(repository, f.id, (current) =>
        current.suppression?.rule === rule.id
          ? unsuppressTransition(current, actor, `rule ${rule.id} removed`, scanId, at)
          : undefined,
      ),
    )
  return out
}

// ---- detections -------------------------------------------------------------------------------------

/** One occurrence of a detection, as the event path plans it (shared/app/on-event.ts). */
export interface OccurrenceInput {
  /** The finding as stored, if it exists. */
  current?: Finding
  /** Its new state as the event path built it (status OPEN, the occurrence's evidence). */
  finding: Finding
  kind: Extract<TransitionKind, 'OPENED' | 'REOPENED' | 'OCCURRED'>
  scanId: string
  at: string
  occurrence: Occurrence
  /** The event marker that makes a redelivered event a duplicate. */
  marker: string
}

/**
 * Records one occurrence of a detection with what suppression asks of it: an expired suppression is
 * lifted first (UNSUPPRESSED by iamwatch, alerted while the finding is open), a suppression in force is
 * carried (the occurrence is recorded, not alerted), and a finding that opens unsuppressed takes a
 * matching rule's suppression. The occurrence itself is written with its event marker, so a
 * redelivered event changes nothing; 'conflict': re-read the finding and call again.
 */
export async function recordOccurrence(
  repository: FindingsRepository,
  config: IamwatchConfig,
  input: OccurrenceInput,
  log?: Log,
): Promise<'applied' | 'duplicate' | 'conflict'> {
  let current = input.current
  if (current?.suppression && isExpired(current.suppression, new Date(input.at))) {
    const lift = unsuppressExpired(current, input.scanId, input.at)
    if ((await repository.applyTransitions([lift])).length > 0) return 'conflict'
    current = lift.finding
  }
  const { suppression: _ignored, ...base } = input.finding
  const next: Finding = { ...base, seq: current?.seq ?? 0, headHash: current?.headHash ?? GENESIS_HASH }
  let suppression = current?.suppression
  if (!suppression && input.kind !== 'OCCURRED') {
    const rules = await rulesInForce(repository, config, next.accountId, new Date(input.at), log)
    const rule = ruleFor(rules, next)
    if (rule) suppression = suppressionOf(rule, input.at)
  }
  const t = advance(
    suppression ? { ...next, suppression } : next,
    input.kind,
    input.scanId,
    input.at,
    input.occurrence,
  )
  return repository.applyEventTransition(t, input.marker)
}
