import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FRAMEWORKS } from '../../shared/checks/frameworks.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { SEVERITIES } from '../../shared/model/severity.ts'

const here = new URL('.', import.meta.url)
/** Every test file of this folder, read once: each check must be named in a describe() of one of them. */
const testSources = (readdirSync(here, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts') && f !== 'registry.test.ts')
  .map((f) => readFileSync(new URL(f, here), 'utf8'))
  .join('\n')

describe('the check registry', () => {
  it('lists the 36 checks of catalog sections A1 to A5, policy-not-evaluable and the 2 organization checks, with unique kebab-case ids', () => {
    const ids = CHECKS.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(39)
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  it('gives every check a severity, a remediation, params with defaults and a framework mapping', () => {
    for (const c of CHECKS) {
      expect(SEVERITIES, c.id).toContain(c.severity)
      expect(c.remediation.length, c.id).toBeGreaterThan(20)
      for (const spec of Object.values(c.params) as Array<{ default: number }>)
        expect(typeof spec.default).toBe('number')
      expect(FRAMEWORKS[c.id], c.id).toBeDefined()
    }
    // Every check, and the detections that stand for a Security Hub control (CloudWatch.x)
    const detections = new Set(DETECTIONS.map((d) => d.id))
    expect(
      Object.keys(FRAMEWORKS)
        .filter((id) => !detections.has(id))
        .sort(),
    ).toEqual(CHECKS.map((c) => c.id).sort())
  })

  it('has tests for every check', () => {
    for (const c of CHECKS)
      expect(testSources, `no tests for ${c.id}`).toMatch(
        new RegExp(`(describe\\('${c.id}'|${c.id} fails|${c.id} )`),
      )
  })

  it('maps the CIS numbers of the catalog', () => {
    expect(FRAMEWORKS['root-access-key']).toMatchObject({ cis3: '1.4', cis5: '1.3', securityHub: ['IAM.4'] })
    expect(FRAMEWORKS['access-key-rotation']).toMatchObject({ cis3: '1.14', cis5: '1.13' })
  })
})
