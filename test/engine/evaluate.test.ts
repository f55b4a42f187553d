import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { defineCheck } from '../../shared/checks/types.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { evaluateChecks } from '../../shared/engine/evaluate.ts'
import { ACCOUNT, inventory, NOW, policy } from '../support/fixtures.ts'

const exploding = defineCheck({
  id: 'exploding',
  title: 'x',
  description: 'x',
  severity: 'low',
  resourceType: 'x',
  source: 'credentials',
  params: {},
  triggers: { schedule: 'credentials', events: [] },
  remediation: 'x',
  evaluate() {
    throw new Error('boom')
  },
})

describe('evaluateChecks', () => {
  it('runs only the checks whose data source was collected', () => {
    const result = evaluateChecks(
      CHECKS,
      { passwordPolicy: policy(null) },
      { now: NOW, accountId: ACCOUNT, config: parseConfig({}) },
    )
    expect(result.evaluatedChecks.every((id) => id.startsWith('password-policy-'))).toBe(true)
    expect(result.evaluatedChecks).toHaveLength(4)
  })

  it('records a throwing check as an error and keeps evaluating the others', () => {
    const checks = [exploding, ...CHECKS.filter((c) => c.id === 'user-no-mfa')]
    const result = evaluateChecks(
      checks,
      { credentials: inventory() },
      { now: NOW, accountId: ACCOUNT, config: parseConfig({}) },
    )
    expect(result.errors).toEqual([{ checkId: 'exploding', message: 'boom' }])
    expect(result.evaluatedChecks).toEqual(['user-no-mfa'])
  })
})
