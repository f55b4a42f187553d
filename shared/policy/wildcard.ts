/**
 * Glob matching for IAM's `*` (any run of characters, none included) and `?` (exactly one), without
 * backtracking and without building a regular expression from the pattern.
 *
 * The pattern is split at its stars into segments (a run of stars is one star). The first segment must
 * match at the start of the text and the last at its end; each segment in between is matched at its
 * leftmost occurrence after the previous one. Leftmost is always right: a later occurrence leaves less
 * text for the segments that follow and gains nothing. Each text position is examined for at most one
 * segment, so the cost is O(pattern + text) for segments without `?` (found with String#indexOf) and at
 * most O(pattern + text × shortest of (segment, text)) for segments with `?` — never exponential,
 * whatever the number of stars.
 *
 * Characters are UTF-16 code units, as the regular expressions this replaces compared them.
 */
export function globMatches(pattern: string, text: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true
  const p = ignoreCase ? foldCase(pattern) : pattern
  const s = ignoreCase ? foldCase(text) : text
  const segments = p.split('*')
  const first = segments[0]!
  if (segments.length === 1) return first.length === s.length && segmentAt(first, s, 0)
  const last = segments[segments.length - 1]!
  const end = s.length - last.length
  if (first.length > end) return false
  if (!segmentAt(first, s, 0) || !segmentAt(last, s, end)) return false
  let from = first.length
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i]!
    if (segment.length === 0) continue // between two adjacent stars
    const at = leftmost(segment, s, from, end)
    if (at < 0) return false
    from = at + segment.length
  }
  return true
}

/** Whether `segment` (literal characters and `?`) matches `text` at `at`; the caller checks bounds. */
function segmentAt(segment: string, text: string, at: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (c !== QUESTION && c !== text.charCodeAt(at + i)) return false
  }
  return true
}

/** The leftmost position in [from, end - segment.length] where `segment` matches, or -1. */
function leftmost(segment: string, text: string, from: number, end: number): number {
  const lastStart = end - segment.length
  if (lastStart < from) return -1
  if (!segment.includes('?')) {
    const at = text.indexOf(segment, from)
    return at >= 0 && at <= lastStart ? at : -1
  }
  for (let at = from; at <= lastStart; at++) if (segmentAt(segment, text, at)) return at
  return -1
}

const QUESTION = '?'.charCodeAt(0)

/**
 * Case folding one code unit at a time, as a case-insensitive (non-Unicode) regular expression
 * canonicalises: the upper case of a code unit when that is one code unit, except that a non-ASCII
 * character never folds onto an ASCII one (so the Kelvin sign is not `K`). Length is preserved, so
 * `?` keeps meaning one code unit. `*` and `?` fold to themselves.
 */
export function foldCase(s: string): string {
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false
      break
    }
  }
  if (ascii) return s.toUpperCase()
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const ch = String.fromCharCode(c)
    const upper = ch.toUpperCase()
    out += upper.length === 1 && !(c > 0x7f && upper.charCodeAt(0) <= 0x7f) ? upper : ch
  }
  return out
}
