import { isIP } from 'node:net'

/**
 * First-seen state: per subject (an access key, a user), the networks it was seen from and when. Pure
 * decisions here; the stores (memory, DynamoDB) keep the state.
 */

/** One network's record in a subject's baseline: first and last seen (ms), and the event that made it new. */
export interface NetworkSighting {
  first: number
  last: number
  /** The event whose sighting was new (it alerted): a redelivery of it alerts again, idempotently. */
  by?: string
}

export interface Baseline {
  networks: Record<string, NetworkSighting>
}

export interface Sighting {
  network: string
  eventId: string
  atMs: number
}

export interface BaselineLimits {
  windowMs: number
  maxNetworks: number
}

export interface SightingResult {
  /** The network was not seen for this subject within the window (and the subject had been seen before). */
  novel: boolean
  /** The subject's first sighting: it starts the baseline and never alerts. */
  baseline: boolean
  /** Networks known for the subject before this sighting. */
  known: number
  /** When the network was last seen before, if ever (outside the window, for a novel one). */
  lastSeenMs?: number
}

/**
 * Applies one sighting to a baseline (mutating it) and says what it means. A redelivered event gives the
 * same answer it gave the first time: its network is marked with the event that found it new.
 */
export function applySighting(state: Baseline, s: Sighting, limits: BaselineLimits): SightingResult {
  const entries = Object.keys(state.networks)
  const known = entries.length
  if (known === 0) {
    state.networks[s.network] = { first: s.atMs, last: s.atMs }
    return { novel: false, baseline: true, known }
  }
  const entry = state.networks[s.network]
  if (entry?.by === s.eventId) {
    entry.last = Math.max(entry.last, s.atMs)
    return { novel: true, baseline: false, known: known - 1 }
  }
  if (entry && entry.last >= s.atMs - limits.windowMs) {
    entry.last = Math.max(entry.last, s.atMs)
    entry.first = Math.min(entry.first, s.atMs)
    return { novel: false, baseline: false, known }
  }
  state.networks[s.network] = { first: s.atMs, last: s.atMs, by: s.eventId }
  prune(state, limits, s.network)
  return {
    novel: true,
    baseline: false,
    known: entry ? known - 1 : known,
    ...(entry ? { lastSeenMs: entry.last } : {}),
  }
}

/** Drops networks not seen in the window, then the least recently seen beyond the bound (never `keep`). */
export function prune(state: Baseline, limits: BaselineLimits, keep?: string): void {
  const newest = Math.max(...Object.values(state.networks).map((n) => n.last))
  for (const [k, n] of Object.entries(state.networks))
    if (k !== keep && n.last < newest - limits.windowMs) delete state.networks[k]
  const entries = Object.entries(state.networks)
  if (entries.length <= limits.maxNetworks) return
  const oldest = entries.filter(([k]) => k !== keep).sort((a, b) => a[1].last - b[1].last)
  for (const [k] of oldest.slice(0, entries.length - limits.maxNetworks)) delete state.networks[k]
}

/** The latest sighting of any network of the baseline (ms), for its expiry. */
export const lastSighting = (b: Baseline) => Math.max(0, ...Object.values(b.networks).map((n) => n.last))

export const emptyBaseline = (): Baseline => ({
  networks: Object.create(null) as Record<string, NetworkSighting>,
})

export interface SightingStore {
  /**
   * Applies a subject's sightings, in order, to its stored baseline, and answers for each. The same
   * sightings applied again (a redelivered batch) give the same novel answers.
   */
  sight(baselineId: string, sightings: readonly Sighting[], limits: BaselineLimits): Promise<SightingResult[]>
}

/** In memory: the CLI's replay and the tests. */
export class MemorySightings implements SightingStore {
  private readonly baselines = new Map<string, Baseline>()
  async sight(
    baselineId: string,
    sightings: readonly Sighting[],
    limits: BaselineLimits,
  ): Promise<SightingResult[]> {
    const state = this.baselines.get(baselineId) ?? emptyBaseline()
    const results = sightings.map((s) => applySighting(state, s, limits))
    this.baselines.set(baselineId, state)
    return results
  }
}

/**
 * The network an address belongs to: IPv4 /24 (`203.0.113.0/24`), IPv6 /48 (`2001:db8:1::/48`); an
 * IPv4-mapped IPv6 address is its IPv4. Anything that is not an IP address (an AWS service host such as
 * `lambda.amazonaws.com`, `AWS Internal`, an empty string) has no network.
 */
export function networkOf(address: string | undefined): string | null {
  if (!address) return null
  const v4 = ipv4Network(address)
  if (v4 !== undefined) return v4
  const ip = address.trim()
  // Without a colon it is no IPv6 address: an IPv4 one once trimmed, or a host name (a service's) or other
  // text, which has no network (node:net's parser, by patterns, costs more).
  if (!ip.includes(':')) return ip === address ? null : (ipv4Network(ip) ?? null)
  const family = isIP(ip)
  if (family === 4) return ipv4Network(ip) ?? null
  if (family !== 6) return null
  const groups = expandIpv6(ip)
  if (!groups) return null
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack endpoint.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.0/24`
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::/48`
}

/**
 * A dotted IPv4 address's /24, read in one pass (every API call with a long-term key comes here); undefined
 * when the text is not exactly four decimal octets (0-255, no leading zeros), for the general path to decide.
 */
function ipv4Network(s: string): string | null | undefined {
  let octet = 0
  let digits = 0
  let dots = 0
  let third = -1
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined
      octet = octet * 10 + (c - 48)
      if (++digits > 3 || octet > 255) return undefined
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined
      if (dots === 3) third = i
      octet = 0
      digits = 0
    } else return undefined
  }
  if (dots !== 3 || digits === 0) return undefined
  return `${s.slice(0, third)}.0/24`
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 read as two groups; a zone dropped). */
function expandIpv6(ip: string): number[] | null {
  let text = ip.split('%')[0]!
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number)
    text = `${text.slice(0, -v4[1]!.length)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)))
  const left = part(head)
  const right = tail === undefined ? [] : part(tail)
  const fill = tail === undefined ? 0 : 8 - left.length - right.length
  const groups = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right]
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : null
}
