import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DETECTIONS } from '../../shared/detections/registry.ts'

const here = new URL('.', import.meta.url)
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts') && f !== 'registry.test.ts' && f !== 'corpus.test.ts')
  .map((f) => readFileSync(new URL(f, here), 'utf8'))
  .join('\n')

describe('the detection registry', () => {
  it('lists the 20 detections of catalog section B and monitor-tampered of B2, with unique ids', () => {
    const ids = DETECTIONS.map((d) => d.id)
    expect(new Set(ids).size).toBe(21)
    expect(ids).toHaveLength(21)
    expect(ids).toContain('monitor-tampered')
  })

  it('gives every detection events to subscribe to, a principal, a runbook, and either a match or a threshold', () => {
    for (const d of DETECTIONS) {
      expect(d.runbook.length, d.id).toBeGreaterThan(0)
      expect(d.match !== undefined || d.threshold !== undefined, d.id).toBe(true)
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
