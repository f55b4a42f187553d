import { isIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { detect } from '../../shared/detections/engine.ts'
import { evaluateEvent, judgeSightings } from '../../shared/detections/evaluate.ts'
import {
  applySighting,
  emptyBaseline,
  MemorySightings,
  networkOf,
} from '../../shared/detections/first-seen.ts'
import { MemoryCounters } from '../../shared/detections/thresholds.ts'
import { alice, event, record, root, signin } from '../support/events.ts'

const DAY = 86_400_000
const settings = detectionSettings(parseConfig({}))

const keyCall = (ip: string, fields: Record<string, unknown> = {}) =>
  record({
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    readOnly: true,
    sourceIPAddress: ip,
    userIdentity: { ...alice, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
    ...fields,
  })

/** Runs records, in order, through every detection with one state; the ids fired per record. */
async function replay(
  raws: Array<Record<string, unknown>>,
  state = { counters: new MemoryCounters(), sightings: new MemorySightings() },
  config: unknown = {},
): Promise<string[][]> {
  const s = detectionSettings(parseConfig(config))
  const out: string[][] = []
  for (const raw of raws) {
    const { fired } = await evaluateEvent(event(raw), s, state)
    out.push(fired.map((f) => f.detection.id).filter((id) => id.endsWith('new-network')))
  }
  return out
}

describe('access-key-new-network', () => {
  it("does not fire on a key's first sighting: it is the baseline", async () => {
    // Act
    const fired = await replay([keyCall('198.51.100.7')])
    // Assess
    expect(fired).toEqual([[]])
  })

  it('fires when a known key calls from a network not seen for it, once per network', async () => {
    // Act
    const fired = await replay([
      keyCall('198.51.100.7', { eventTime: '2026-11-20T10:00:00Z' }),
      keyCall('198.51.100.9', { eventTime: '2026-11-20T11:00:00Z' }),
      keyCall('185.220.101.47', { eventTime: '2026-11-21T10:00:00Z' }),
      keyCall('185.220.101.48', { eventTime: '2026-11-21T10:01:00Z' }),
    ])
    // Assess: .9 is in the baseline's /24; .48 is in the attacker's /24, already seen
    expect(fired).toEqual([[], [], ['access-key-new-network'], []])
  })

  it('says which network, how many were known and the window in the alert', async () => {
    // Prepare
    const sightings = new MemorySightings()
    const state = { counters: new MemoryCounters(), sightings }
    await evaluateEvent(event(keyCall('198.51.100.7')), settings, state)
    // Act
    const { fired } = await evaluateEvent(event(keyCall('2001:db8:aa:1::5')), settings, state)
    // Assess
    expect(fired).toHaveLength(1)
    expect(fired[0]!.details).toEqual({
      network: '2001:db8:aa::/48',
      knownNetworks: 1,
      windowDays: 30,
      lastSeenHere: null,
    })
    expect(fired[0]!.detection.context!(event(keyCall('2001:db8:aa:1::5')))).toMatchObject({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      call: 's3:ListBuckets',
      network: '2001:db8:aa::/48',
    })
  })

  it('fires again for a network last seen longer ago than the window', async () => {
    // Act
    const fired = await replay([
      keyCall('203.0.113.5', { eventTime: '2026-09-01T10:00:00Z' }),
      keyCall('198.51.100.7', { eventTime: '2026-11-01T10:00:00Z' }),
      keyCall('203.0.113.5', { eventTime: '2026-11-02T10:00:00Z' }),
    ])
    // Assess
    expect(fired).toEqual([[], ['access-key-new-network'], ['access-key-new-network']])
  })

  it('honours a configured window', async () => {
    // Act
    const fired = await replay(
      [
        keyCall('203.0.113.5', { eventTime: '2026-11-01T10:00:00Z' }),
        keyCall('198.51.100.7', { eventTime: '2026-11-01T11:00:00Z' }),
        keyCall('203.0.113.5', { eventTime: '2026-11-10T10:00:00Z' }),
      ],
      undefined,
      { detections: { 'access-key-new-network': { params: { windowDays: 7 } } } },
    )
    // Assess
    expect(fired).toEqual([[], ['access-key-new-network'], ['access-key-new-network']])
  })

  it('ignores AWS service hosts, temporary (ASIA) keys and records without a key', async () => {
    // Prepare
    const asia = keyCall('185.220.101.47', { userIdentity: { ...alice, accessKeyId: 'ASIAEXAMPLE' } })
    // Act
    const results = [
      keyCall('lambda.amazonaws.com'),
      keyCall('AWS Internal'),
      asia,
      record({
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        sourceIPAddress: '185.220.101.47',
      }),
    ].map((r) => detect(event(r), settings).sightings)
    // Assess
    expect(results).toEqual([[], [], [], []])
  })

  it('judges failed calls too: a stolen key is often denied first', () => {
    expect(
      detect(event(keyCall('185.220.101.47', { errorCode: 'AccessDenied' })), settings).sightings.map(
        (s) => s.network,
      ),
    ).toEqual(['185.220.101.0/24'])
  })

  it('fires again for a redelivered event that found a network new, and not for a later call from it', async () => {
    // Prepare
    const state = { counters: new MemoryCounters(), sightings: new MemorySightings() }
    const first = keyCall('198.51.100.7')
    const attack = keyCall('185.220.101.47')
    // Act
    const fired = await replay([first, attack, attack, keyCall('185.220.101.47')], state)
    // Assess: the redelivery fires again (its finding write is idempotent on the event); a new event does not
    expect(fired).toEqual([[], ['access-key-new-network'], ['access-key-new-network'], []])
  })

  it('never fires on one record alone, as the corpus labels say', () => {
    expect(detect(event(keyCall('185.220.101.47')), settings).fired).toEqual([])
  })

  it('lets the earliest record of a batch from a new network fire, whatever the batch order', async () => {
    // Prepare
    const sightings = new MemorySightings()
    await evaluateEvent(event(keyCall('198.51.100.7', { eventTime: '2026-11-20T09:00:00Z' })), settings, {
      counters: new MemoryCounters(),
      sightings,
    })
    const later = event(keyCall('185.220.101.47', { eventID: 'later', eventTime: '2026-11-20T10:05:00Z' }))
    const earlier = event(
      keyCall('185.220.101.47', { eventID: 'earlier', eventTime: '2026-11-20T10:00:00Z' }),
    )
    // Act
    const fired = await judgeSightings(
      [later, earlier].map((e) => ({ event: e, result: detect(e, settings) })),
      settings,
      sightings,
    )
    // Assess
    expect(fired.map((f) => f.length)).toEqual([0, 1])
  })
})

describe('console-login-new-network', () => {
  const login = (ip: string, fields: Record<string, unknown> = {}) =>
    signin('ConsoleLogin', 'Success', {
      sourceIPAddress: ip,
      additionalEventData: { MFAUsed: 'Yes' },
      ...fields,
    })

  it("fires when a user signs in from a network new for them, after their first sign-in's baseline", async () => {
    expect(await replay([login('198.51.100.7'), login('198.51.100.200'), login('185.220.101.47')])).toEqual([
      [],
      [],
      ['console-login-new-network'],
    ])
  })

  it('keeps a baseline per user', async () => {
    // Prepare
    const bob = { ...alice, arn: 'arn:aws:iam::123456789012:user/bob', userName: 'bob' }
    // Act + Assess: bob's first sign-in, from alice's usual network or not, is his baseline
    expect(await replay([login('198.51.100.7'), login('185.220.101.47', { userIdentity: bob })])).toEqual([
      [],
      [],
    ])
  })

  it('does not judge failed sign-ins, root, or federated sign-ins', () => {
    for (const r of [
      signin('ConsoleLogin', 'Failure', { sourceIPAddress: '185.220.101.47' }),
      login('185.220.101.47', { userIdentity: root }),
      login('185.220.101.47', {
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/SSO/alice' },
      }),
    ])
      expect(detect(event(r), settings).sightings).toEqual([])
  })
})

describe('a first-seen baseline', () => {
  const limits = { windowMs: 30 * DAY, maxNetworks: 3 }

  it('keeps at most maxNetworks networks, dropping the least recently seen', () => {
    // Prepare
    const b = emptyBaseline()
    // Act
    for (const [i, net] of ['a', 'b', 'c', 'd'].entries())
      applySighting(b, { network: net, eventId: net, atMs: i * 1000 }, limits)
    applySighting(b, { network: 'e', eventId: 'e', atMs: 5000 }, limits)
    // Assess
    expect(Object.keys(b.networks).sort()).toEqual(['c', 'd', 'e'])
  })

  it('forgets networks not seen within the window of the latest sighting', () => {
    // Prepare
    const b = emptyBaseline()
    applySighting(b, { network: 'old', eventId: '1', atMs: 0 }, limits)
    // Act
    const r = applySighting(b, { network: 'new', eventId: '2', atMs: 40 * DAY }, limits)
    // Assess
    expect(r).toMatchObject({ novel: true, known: 1 })
    expect(Object.keys(b.networks)).toEqual(['new'])
  })

  it('does not mistake an old, out-of-order record from a known network for a new one', () => {
    // Prepare
    const b = emptyBaseline()
    applySighting(b, { network: 'home', eventId: '1', atMs: 10 * DAY }, limits)
    // Act
    const r = applySighting(b, { network: 'home', eventId: '0', atMs: 9 * DAY }, limits)
    // Assess
    expect(r.novel).toBe(false)
    expect(b.networks.home).toEqual({ first: 9 * DAY, last: 10 * DAY })
  })

  it('treats a hostile network or event id as an ordinary key', () => {
    const b = emptyBaseline()
    applySighting(b, { network: '__proto__', eventId: 'constructor', atMs: 0 }, limits)
    expect(applySighting(b, { network: 'x', eventId: '__proto__', atMs: 1 }, limits).novel).toBe(true)
    expect(Object.keys(b.networks).sort()).toEqual(['__proto__', 'x'])
  })
})

describe('the network of an address', () => {
  it.each([
    ['198.51.100.7', '198.51.100.0/24'],
    ['10.0.0.255', '10.0.0.0/24'],
    ['2001:db8:aa:1::5', '2001:db8:aa::/48'],
    ['2001:0db8:00aa:ffff:0:0:0:1', '2001:db8:aa::/48'],
    ['::1', '0:0:0::/48'],
    ['::ffff:203.0.113.9', '203.0.113.0/24'],
    ['fe80::1%eth0', 'fe80:0:0::/48'],
  ])('%s is in %s', (address, network) => {
    expect(networkOf(address)).toBe(network)
  })

  it('reads dotted IPv4 exactly as node:net does, whatever the text', () => {
    // Prepare: the reference, from node:net's parser
    const reference = (s: string) =>
      isIP(s.trim()) === 4 ? `${s.trim().split('.').slice(0, 3).join('.')}.0/24` : null
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('01', '00', '', '1a', ' 1'),
    )
    // Act + Assess
    fc.assert(
      fc.property(fc.array(octet, { minLength: 2, maxLength: 5 }), (parts) => {
        const s = parts.join('.')
        if (isIP(s.trim()) === 6) return
        expect(networkOf(s)).toBe(reference(s))
      }),
      { numRuns: 2000 },
    )
  })

  it('reads any text without a colon as node:net does (property)', () => {
    // Prepare: host names, words, dotted numbers, spaces around
    const reference = (s: string) =>
      isIP(s.trim()) === 4 ? `${s.trim().split('.').slice(0, 3).join('.')}.0/24` : null
    const text = fc.oneof(
      fc.string({
        unit: fc.constantFrom('1', '0', '9', '2', '5', '.', ' ', '\t', 'a', 'Z', '-', '%'),
        maxLength: 20,
      }),
      fc.string({ maxLength: 20 }).filter((s) => !s.includes(':')),
      fc.ipV4().map((ip) => ` ${ip}\n`),
      fc.domain(),
    )
    // Act + Assess
    fc.assert(
      fc.property(text, (s) => {
        expect(networkOf(s)).toBe(reference(s))
      }),
      { numRuns: 3000 },
    )
  })

  it.each([
    'lambda.amazonaws.com',
    'AWS Internal',
    '',
    '999.1.1.1',
    '1.2.3',
    '::gggg',
    '1::2::3',
    `${'1'.repeat(10_000)}`,
  ])('%j has none', (address) => {
    expect(networkOf(address)).toBeNull()
  })
})
