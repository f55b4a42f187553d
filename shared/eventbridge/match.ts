/**
 * EventBridge event-pattern matching, as the EventBridge user guide specifies it ("Event patterns",
 * "Content filtering"): exact values (any of a list), prefix, suffix, equals-ignore-case, wildcard,
 * anything-but (values, prefix, suffix, equals-ignore-case, wildcard), numeric ranges, exists, cidr,
 * $or, nested objects, and array-valued event fields (match when any element matches).
 * No maintained npm library evaluates patterns; this one is tested against the guide's examples.
 */
export type Pattern = { [key: string]: Pattern | readonly unknown[] }

export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  return matchObject(pattern, event)
}

function matchObject(pattern: Pattern, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => matchObject(pattern, v))
  const obj = value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Pattern[]).some((p) => matchObject(p, value))) return false
      continue
    }
    const field = obj?.[key]
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field, obj !== undefined && key in obj)) return false
    } else if (!matchObject(sub as Pattern, field)) return false
  }
  return true
}

function matchLeaf(matchers: readonly unknown[], field: unknown, present: boolean): boolean {
  const values = Array.isArray(field) ? field : [field]
  return matchers.some((m) => {
    if (m && typeof m === 'object' && 'exists' in (m as object)) {
      const exists =
        present &&
        field !== undefined &&
        !(field !== null && typeof field === 'object' && !Array.isArray(field))
      return (m as { exists: boolean }).exists ? exists : !present || field === undefined
    }
    if (!present) return false
    return values.some((v) => matchValue(m, v))
  })
}

function matchValue(m: unknown, v: unknown): boolean {
  if (m === null || typeof m !== 'object') return m === v
  const [op, arg] = Object.entries(m as Record<string, unknown>)[0] ?? []
  switch (op) {
    case 'prefix':
      return (
        typeof v === 'string' &&
        stringOp(arg, (s, ci) => (ci ? v.toLowerCase().startsWith(s.toLowerCase()) : v.startsWith(s)))
      )
    case 'suffix':
      return (
        typeof v === 'string' &&
        stringOp(arg, (s, ci) => (ci ? v.toLowerCase().endsWith(s.toLowerCase()) : v.endsWith(s)))
      )
    case 'equals-ignore-case':
      return typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase()
    case 'wildcard':
      return typeof v === 'string' && typeof arg === 'string' && wildcard(arg).test(v)
    case 'anything-but':
      return anythingBut(arg, v)
    case 'numeric':
      return typeof v === 'number' && numeric(arg as unknown[], v)
    case 'cidr':
      return typeof v === 'string' && typeof arg === 'string' && inCidr(v, arg)
    default:
      return false
  }
}

function stringOp(arg: unknown, test: (s: string, ignoreCase: boolean) => boolean): boolean {
  if (typeof arg === 'string') return test(arg, false)
  const ci = (arg as { 'equals-ignore-case'?: unknown } | null)?.['equals-ignore-case']
  return typeof ci === 'string' && test(ci, true)
}

function anythingBut(arg: unknown, v: unknown): boolean {
  if (Array.isArray(arg)) return !arg.includes(v)
  if (arg && typeof arg === 'object') {
    const [op, inner] = Object.entries(arg as Record<string, unknown>)[0] ?? []
    if (typeof v !== 'string') return true
    const values = Array.isArray(inner) ? inner : [inner]
    if (op === 'prefix') return !values.some((p) => typeof p === 'string' && v.startsWith(p))
    if (op === 'suffix') return !values.some((p) => typeof p === 'string' && v.endsWith(p))
    if (op === 'equals-ignore-case')
      return !values.some((p) => typeof p === 'string' && p.toLowerCase() === v.toLowerCase())
    if (op === 'wildcard') return !values.some((p) => typeof p === 'string' && wildcard(p).test(v))
    return false
  }
  return arg !== v
}

function numeric(spec: readonly unknown[], v: number): boolean {
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i]
    const n = spec[i + 1] as number
    const ok =
      op === '='
        ? v === n
        : op === '<'
          ? v < n
          : op === '<='
            ? v <= n
            : op === '>'
              ? v > n
              : op === '>='
                ? v >= n
                : false
    if (!ok) return false
  }
  return true
}

const wildcards = new Map<string, RegExp>()
function wildcard(p: string): RegExp {
  let re = wildcards.get(p)
  if (!re) {
    let src = ''
    for (let i = 0; i < p.length; i++) {
      const c = p[i]!
      if (c === '\\' && i + 1 < p.length) src += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      else if (c === '*') src += '.*'
      else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }
    re = new RegExp(`^${src}$`, 's')
    wildcards.set(p, re)
  }
  return re
}

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => {
    const parts = a.split('.').map(Number)
    return parts.length === 4 && parts.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)
      ? parts.reduce((n, x) => n * 256 + x, 0)
      : undefined
  }
  const [base, bitsText] = cidr.split('/')
  const bits = Number(bitsText)
  const a = toInt(ip)
  const b = toInt(base ?? '')
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false
  const size = 2 ** (32 - bits)
  return Math.floor(a / size) === Math.floor(b / size)
}
