import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FRAMEWORKS } from '../../shared/checks/frameworks.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
/** Markdown table rows as trimmed cells. */
const rows = readme
  .split('\n')
  .filter((l) => l.startsWith('|'))
  .map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  )

describe('the README', () => {
  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm start')
    expect(readme).toContain('npm test')
    expect(readme).toContain('npx sst deploy --stage prod')
  })

  it('documents every check with its severity, CIS numbers and parameters with their defaults', () => {
    for (const check of CHECKS) {
      const cells = rows.find((r) => r[0] === `\`${check.id}\``)
      expect(cells, check.id).toBeDefined()
      const [, severity, cis, params] = cells!
      expect(severity).toBe(check.severity)
      const mapping = FRAMEWORKS[check.id]
      expect(cis).toBe(mapping?.cis3 ? `${mapping.cis3} / ${mapping.cis5}` : '–')
      for (const [name, spec] of Object.entries(check.params) as Array<[string, { default: number }]>) {
        expect(params).toContain(`\`${name}\` (${spec.default})`)
      }
    }
  })

  it('documents every detection with its severity and parameters with their defaults', () => {
    for (const d of DETECTIONS) {
      const cells = rows.find((r) => r[0] === `\`${d.id}\``)
      expect(cells, d.id).toBeDefined()
      expect(cells![1]).toBe(d.severity)
      for (const [name, spec] of Object.entries(d.params) as Array<[string, { default: number }]>) {
        expect(cells![3]).toContain(`\`${name}\` (${spec.default})`)
      }
    }
  })
})
