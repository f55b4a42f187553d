import { InvalidArgumentError } from 'commander'
import { SCAN_PARTS, type ScanPart } from '../shared/app/scan.ts'
import { CHECKS } from '../shared/checks/registry.ts'
import { DETECTIONS } from '../shared/detections/registry.ts'
import type { FindingStatus } from '../shared/model/finding.ts'
import { SEVERITIES, type Severity } from '../shared/model/severity.ts'

/**
 * Parsers for the CLI's flags. Numbers are positive numbers; names (severities, statuses, parts, ids)
 * are accepted in any case. Commander prefixes a refusal with the flag and the value it was given.
 */

export function positiveNumber(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`a positive number, not "${value}"`)
  return n
}

/** One of `allowed`, whatever the case of `value`; `described` says what they are when it is none. */
function oneOf<T extends string>(value: string, allowed: readonly T[], described: string): T {
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase())
  if (!found) throw new InvalidArgumentError(`${described}, not "${value}"`)
  return found
}

export function severityOption(value: string): Severity {
  return oneOf(value, SEVERITIES, `one of ${SEVERITIES.join(', ')}`)
}

export const STATUSES: readonly FindingStatus[] = ['OPEN', 'RESOLVED']

export function statusOption(value: string): FindingStatus {
  return oneOf(value, STATUSES, STATUSES.join(' or '))
}

export function partsOption(value: string): ScanPart[] {
  return value.split(',').map((p) => oneOf(p, SCAN_PARTS, `one or more of ${SCAN_PARTS.join(', ')}`))
}

/** Every id `findings --check` can filter on: the checks' and the detections' (a detection's findings carry its id). */
export const RULE_IDS: readonly string[] = [...CHECKS.map((c) => c.id), ...DETECTIONS.map((d) => d.id)]

export function checkOrDetectionId(value: string): string {
  const id = value.trim().toLowerCase()
  if (RULE_IDS.includes(id)) return id
  throw new InvalidArgumentError(
    `no check or detection "${value}": did you mean ${nearest(id, RULE_IDS).join(', ')}?`,
  )
}

/**
 * The `count` ids nearest to `typed`: those that contain it (shortest first), then those sharing the
 * most of its words (`root-login`: root-console-login), allowing a typo a word, then by edit distance.
 */
export function nearest(typed: string, ids: readonly string[], count = 3): string[] {
  const t = typed.toLowerCase()
  const words = t.split(/[-_\s]+/).filter(Boolean)
  const shared = (id: string) => {
    const own = id.split('-')
    return words.filter((w) => own.some((o) => editDistance(w, o) <= Math.floor(w.length / 4))).length
  }
  const score = (id: string) => (id.includes(t) ? [0, id.length, 0] : [1, -shared(id), editDistance(t, id)])
  const compare = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!
  return [...ids]
    .map((id) => ({ id, s: score(id) }))
    .sort((a, b) => compare(a.s, b.s) || a.id.localeCompare(b.id))
    .slice(0, count)
    .map((x) => x.id)
}

/** Edit distance (optimal string alignment): insertions, deletions, substitutions, adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  return d[a.length]![b.length]!
}

/**
 * Account ids, comma-separated, the flag repeatable (`--account 111111111111 --account 222222222222,...`):
 * 12 digits each, in the order given, each once.
 */
export function accountIdsOption(value: string, previous: string[] = []): string[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
  if (ids.length === 0) throw new InvalidArgumentError('one or more 12-digit account ids, comma-separated')
  for (const id of ids)
    if (!/^\d{12}$/.test(id)) throw new InvalidArgumentError(`a 12-digit account id, not "${id}"`)
  return [...new Set([...previous, ...ids])]
}

/** An IAM role's name (not its ARN): 1 to 64 of letters, digits and + = , . @ _ -. */
export function roleNameOption(value: string): string {
  const name = value.trim()
  if (!/^[\w+=,.@-]{1,64}$/.test(name))
    throw new InvalidArgumentError(
      `an IAM role name (1 to 64 letters, digits and + = , . @ _ -), not "${value}"${name.startsWith('arn:') ? ': the name, not the ARN' : ''}`,
    )
  return name
}

/** A whole number from 1 to `max`. */
export function wholeNumber(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`a whole number from 1 to ${max}, not "${value}"`)
    return n
  }
}
