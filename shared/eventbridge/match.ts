/**
 * EventBridge event-pattern matching, as the EventBridge user guide specifies it ("Event patterns",
 * "Content filtering"): exact values (any of a list), prefix, suffix, equals-ignore-case, wildcard,
 * anything-but (values, prefix, suffix, equals-ignore-case, wildcard), numeric ranges, exists (leaf nodes
 * only), cidr (IPv4 and IPv6),
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
    // Exists works on leaf nodes only: a field that holds an object has no value at that path, so it does
    // not exist for `true` and matches `false` (user guide, content filtering, "Exists matching").
    if (m && typeof m === 'object' && 'exists' in (m as object))
      return (m as { exists: boolean }).exists === (present && hasLeaf(field))
    if (!present) return false
    return values.some((v) => matchValue(m, v))
  })
}

/** A value at this path: anything but an object, or an array holding one. */
function hasLeaf(field: unknown): boolean {
  if (field === undefined) return false
  if (Array.isArray(field)) return field.some(hasLeaf)
  return field === null || typeof field !== 'object'
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

/** IPv4 and IPv6 (the user guide: "You can use IP address matching for IPv4 and IPv6 addresses"). */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/')
  const bits = Number(bitsText)
  const a = toAddress(ip)
  const b = toAddress(base ?? '')
  if (!a || !b || a.width !== b.width || !Number.isInteger(bits) || bits < 0 || bits > a.width) return false
  const shift = BigInt(a.width - bits)
  return a.value >> shift === b.value >> shift
}

function toAddress(text: string): { value: bigint; width: 32 | 128 } | undefined {
  const v4 = ipv4(text)
  if (v4 !== undefined) return { value: v4, width: 32 }
  const v6 = ipv6(text)
  return v6 === undefined ? undefined : { value: v6, width: 128 }
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n)
}

function ipv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return undefined
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const left = groups(head ?? '')
  const right = tail === undefined ? [] : groups(tail)
  // An embedded IPv4 address (::ffff:192.0.2.1) stands for the last two groups.
  const last = (tail === undefined ? left : right).at(-1)
  const embedded = last?.includes('.') ? ipv4(last) : undefined
  if (last?.includes('.') && embedded === undefined) return undefined
  const words = (list: string[]) =>
    embedded !== undefined && list.at(-1) === last ? list.slice(0, -1) : list
  const l = tail === undefined ? words(left) : left
  const r = tail === undefined ? [] : words(right)
  const fixed = l.length + r.length + (embedded !== undefined ? 2 : 0)
  if (tail === undefined ? fixed !== 8 : fixed > 7) return undefined
  const all = [...l, ...Array<string>(8 - fixed).fill('0'), ...r]
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
  let value = all.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n)
  if (embedded !== undefined) value = (value << 32n) | embedded
  return value
}
