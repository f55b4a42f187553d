import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DETECTIONS } from '../../shared/detections/registry.ts'

const here = new URL('.', import.meta.url)
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts') && f !== 'registry.test.ts' && f !== 'corpus.test.ts')
  .map((f) => readFileSync(new URL(f, here), 'utf8'))
  .join('\n')

describe('the detection registry', () => {
  it('lists the 20 detections of catalog section B and the 22 of B2, with unique ids', () => {
    const ids = DETECTIONS.map((d) => d.id)
    expect(new Set(ids).size).toBe(42)
    expect(ids).toHaveLength(42)
    expect(ids).toEqual(expect.arrayContaining(['monitor-tampered', 'access-key-new-network', 'vpc-change']))
  })

  it('routes only the access-key detection through the queue, and gives first-seen ones a window and a bound', () => {
    expect(DETECTIONS.filter((d) => d.route === 'queue').map((d) => d.id)).toEqual(['access-key-new-network'])
    for (const d of DETECTIONS.filter((x) => x.firstSeen)) {
      expect(d.params[d.firstSeen!.windowDaysParam]?.default, d.id).toBe(30)
      expect(d.params[d.firstSeen!.maxNetworksParam]?.default, d.id).toBeGreaterThan(0)
    }
  })

  it('gives every detection events to subscribe to, a principal, a runbook, and a match, a threshold or a first-seen baseline', () => {
    for (const d of DETECTIONS) {
      expect(d.runbook.length, d.id).toBeGreaterThan(0)
      // A match and a threshold may go together (a failed root sign-in fires, and a burst of them fires higher).
      expect(d.match !== undefined || d.threshold !== undefined || d.firstSeen !== undefined, d.id).toBe(true)
      if (d.firstSeen) expect([d.match, d.threshold], d.id).toEqual([undefined, undefined])
      if (d.events.kind === 'names') expect(d.events.names.length, d.id).toBeGreaterThan(0)
      if (d.events.kind === 'services')
        for (const s of d.events.services) expect(s.names.length, `${d.id} ${s.source}`).toBeGreaterThan(0)
      expect(typeof d.context, `${d.id} declares no alert context`).toBe('function')
    }
  })

  it('has tests for every detection', () => {
    for (const d of DETECTIONS) expect(sources, `no describe('${d.id}')`).toContain(`describe('${d.id}'`)
  })
})
