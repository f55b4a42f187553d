import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FRAMEWORKS } from '../../shared/checks/frameworks.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import {
  COMPLIANCE_FRAMEWORKS,
  FRAMEWORK_IDS,
  type Framework,
  getFramework,
  requirementsOf,
} from '../../shared/compliance/frameworks.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'

const CIS5 = COMPLIANCE_FRAMEWORKS['cis-aws-5.0']
const CIS3 = COMPLIANCE_FRAMEWORKS['cis-aws-3.0']
const FSBP = COMPLIANCE_FRAMEWORKS.fsbp
const ALL: Framework[] = FRAMEWORK_IDS.map((id) => getFramework(id)!)
const RULES = new Set([...CHECKS.map((c) => c.id), ...DETECTIONS.map((d) => d.id)])
const ids = (f: Framework, prefix: string) =>
  f.requirements.filter((r) => r.id.startsWith(prefix)).map((r) => r.id)
const range = (section: number, last: number) => Array.from({ length: last }, (_, i) => `${section}.${i + 1}`)

describe('the compliance frameworks', () => {
  it('lists cis-aws-5.0, cis-aws-3.0 and fsbp, each under its own id', () => {
    // Assess
    expect(FRAMEWORK_IDS).toEqual(['cis-aws-5.0', 'cis-aws-3.0', 'fsbp'])
    for (const id of FRAMEWORK_IDS) expect(getFramework(id)?.id).toBe(id)
    expect(getFramework('cis-aws-4.0')).toBeUndefined()
    expect(getFramework('toString')).toBeUndefined()
  })

  it('names only checks and detections that exist', () => {
    for (const f of ALL)
      for (const r of f.requirements)
        for (const id of r.checks) expect(RULES.has(id), `${f.id} ${r.id} names ${id}`).toBe(true)
  })

  it('gives every requirement a unique id, a title, a section of its framework, and checks or a manual step', () => {
    for (const f of ALL) {
      expect(new Set(f.requirements.map((r) => r.id)).size, f.id).toBe(f.requirements.length)
      for (const r of f.requirements) {
        expect(r.title.length, `${f.id} ${r.id}`).toBeGreaterThan(10)
        expect(f.sections, `${f.id} ${r.id}`).toContain(r.section)
        expect(r.checks.length > 0 || (r.manual?.length ?? 0) > 20, `${f.id} ${r.id}`).toBe(true)
      }
    }
  })

  it('covers every recommendation of CIS sections 1, 3 and 4, numbered without gaps', () => {
    // Assess: v5.0 dropped v3.0's 1.3 (security questions), so its section 1 ends at 1.21.
    expect(ids(CIS5, '1.')).toEqual(range(1, 21))
    expect(ids(CIS3, '1.')).toEqual(range(1, 22))
    for (const f of [CIS5, CIS3]) {
      expect(ids(f, '3.'), f.id).toEqual(range(3, 9))
      expect(ids(f, '4.'), f.id).toEqual(range(4, 16))
      expect(f.requirements).toHaveLength(ids(f, '1.').length + 9 + 16)
    }
  })

  it("numbers v3.0's section 1 one above v5.0's from 1.3 on, with the same checks; sections 3 and 4 alike", () => {
    // Prepare
    const v3 = new Map(CIS3.requirements.map((r) => [r.id, r]))
    // Assess
    for (const r of CIS5.requirements) {
      const [section, n] = r.id.split('.').map(Number) as [number, number]
      const same = section === 1 && n >= 3 ? `1.${n + 1}` : r.id
      expect(v3.get(same)?.checks, `v5 ${r.id} / v3 ${same}`).toEqual(r.checks)
    }
    expect(v3.get('1.3')).toMatchObject({
      title: 'Ensure security questions are registered in the AWS account',
    })
  })

  it('maps a check to at most one requirement of each CIS framework (its number)', () => {
    for (const f of [CIS5, CIS3])
      for (const c of CHECKS) expect(requirementsOf(f, c.id).length, `${f.id} ${c.id}`).toBeLessThanOrEqual(1)
  })

  it('lists the FSBP controls of the Account, IAM and CloudTrail sections', () => {
    expect(FSBP.requirements.map((r) => r.id)).toEqual([
      'Account.1',
      'IAM.1',
      'IAM.2',
      'IAM.3',
      'IAM.4',
      'IAM.5',
      'IAM.6',
      'IAM.7',
      'IAM.8',
      'IAM.21',
      'CloudTrail.1',
      'CloudTrail.2',
      'CloudTrail.4',
      'CloudTrail.5',
    ])
  })

  it('maps each Security Hub CloudWatch.x control (CIS standards, not FSBP) to the detection that watches its events', () => {
    // Prepare
    const expected: Record<string, string> = {
      'CloudWatch.1': 'root-activity',
      'CloudWatch.2': 'unauthorized-api-calls',
      'CloudWatch.3': 'console-login-no-mfa',
      'CloudWatch.4': 'iam-policy-change',
      'CloudWatch.5': 'cloudtrail-tampering',
      'CloudWatch.6': 'console-login-failures',
      'CloudWatch.7': 'kms-key-disabled',
      'CloudWatch.8': 's3-bucket-policy-change',
      'CloudWatch.9': 'config-change',
      'CloudWatch.10': 'security-group-change',
      'CloudWatch.11': 'network-acl-change',
      'CloudWatch.12': 'network-gateway-change',
      'CloudWatch.13': 'route-table-change',
      'CloudWatch.14': 'vpc-change',
    }
    // Act
    const mapped = Object.entries(FRAMEWORKS).flatMap(([id, m]) =>
      (m.securityHub ?? []).filter((c) => c.startsWith('CloudWatch.')).map((c) => [c, id] as const),
    )
    // Assess
    for (const [control, detection] of Object.entries(expected))
      expect(mapped, control).toContainEqual([control, detection])
    expect(new Set(mapped.map(([c]) => c)).size).toBe(14)
    expect(mapped.every(([, id]) => DETECTIONS.some((d) => d.id === id))).toBe(true)
    expect(FSBP.requirements.some((r) => r.id.startsWith('CloudWatch.'))).toBe(false)
  })

  it('maps CIS 4.7 to 4.14 and 4.16 to the section 4 parity detections, in v5.0 and v3.0 alike', () => {
    // Prepare
    const expected: Record<string, string[]> = {
      '4.7': ['kms-key-disabled'],
      '4.8': ['s3-bucket-policy-change'],
      '4.9': ['security-service-disabled', 'config-change'],
      '4.10': ['security-group-change'],
      '4.11': ['network-acl-change'],
      '4.12': ['network-gateway-change'],
      '4.13': ['route-table-change'],
      '4.14': ['vpc-change'],
      '4.16': ['security-hub-disabled'],
    }
    // Act / Assess
    for (const f of [CIS5, CIS3])
      for (const [id, checks] of Object.entries(expected)) {
        const r = f.requirements.find((q) => q.id === id)!
        expect(r.checks, `${f.id} ${id}`).toEqual(checks)
        // Fully covered but 4.16: that Security Hub is enabled is not scanned, only its disabling watched.
        expect(r.manual === undefined, `${f.id} ${id}`).toBe(id !== '4.16')
      }
  })

  it('leaves no CIS section 4 control without a detection', () => {
    for (const f of [CIS5, CIS3])
      for (const r of f.requirements.filter((q) => q.id.startsWith('4.')))
        expect(r.checks.length, `${f.id} ${r.id}`).toBeGreaterThan(0)
  })
})

describe('the mapping by check (shared/checks/frameworks.ts) against the frameworks', () => {
  it('puts every CIS number of a check in the framework file, as a requirement that names the check', () => {
    for (const c of CHECKS) {
      const m = FRAMEWORKS[c.id]!
      for (const [f, n] of [
        [CIS3, m.cis3],
        [CIS5, m.cis5],
      ] as const) {
        if (!n) continue
        const r = f.requirements.find((q) => q.id === n)
        expect(r?.checks, `${c.id}: ${f.id} ${n}`).toContain(c.id)
      }
    }
  })

  it('gives a check named by a CIS requirement that requirement as its number', () => {
    for (const [f, key] of [
      [CIS3, 'cis3'],
      [CIS5, 'cis5'],
    ] as const)
      for (const r of f.requirements)
        for (const id of r.checks.filter((x) => FRAMEWORKS[x])) expect(FRAMEWORKS[id]![key], id).toBe(r.id)
  })

  it('agrees with fsbp.ts on the FSBP controls of each check, both ways', () => {
    // Prepare
    const fsbpIds = new Set(FSBP.requirements.map((r) => r.id))
    // Assess
    for (const c of CHECKS)
      for (const control of (FRAMEWORKS[c.id]!.securityHub ?? []).filter((s) => fsbpIds.has(s)))
        expect(
          requirementsOf(FSBP, c.id).map((r) => r.id),
          `${c.id} ${control}`,
        ).toContain(control)
    for (const r of FSBP.requirements)
      for (const id of r.checks) expect(FRAMEWORKS[id]?.securityHub, `${r.id} ${id}`).toContain(r.id)
  })
})

const catalog = new URL('../../../shared/reference/checks.md', import.meta.url)

if (!existsSync(catalog))
  console.warn(`catalog tests skipped: ${catalog.pathname} (../shared/reference/checks.md) is absent`)

describe.skipIf(!existsSync(catalog))(
  'the frameworks against the catalog (../shared/reference/checks.md)',
  () => {
    it('hold every CIS number the catalog gives a check or a shipped detection', () => {
      // Prepare: table rows, first cell the id; checks give "v3 / v5" in a cell, detections "CIS v3 / v5".
      const rows = readFileSync(catalog, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| id'))
        .map((l) => l.split('|').map((c) => c.trim()))
      let seen = 0
      // Act / Assess
      for (const cells of rows) {
        const id = cells[1]!
        if (!RULES.has(id)) continue
        const cell = cells.find(
          (c) => /^(CIS )?\d+\.\d+ \/ \d+\.\d+$/.test(c) || /CIS \d+\.\d+ \/ \d+\.\d+/.test(c),
        )
        const m = cell && /(\d+\.\d+) \/ (\d+\.\d+)/.exec(cell)
        if (!m) continue
        seen++
        expect(
          requirementsOf(CIS3, id).map((r) => r.id),
          `${id} v3`,
        ).toContain(m[1])
        expect(
          requirementsOf(CIS5, id).map((r) => r.id),
          `${id} v5`,
        ).toContain(m[2])
      }
      expect(seen).toBeGreaterThan(25)
    })
  },
)
