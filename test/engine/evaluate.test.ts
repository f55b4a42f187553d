import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import { wholeReading } from '../../shared/checks/sources.ts'
import { defineCheck } from '../../shared/checks/types.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { evaluateChecks } from '../../shared/engine/evaluate.ts'
import { details, source } from '../support/authorization.ts'
import { ACCOUNT, inventory, NOW, policy, user } from '../support/fixtures.ts'

const exploding = defineCheck({
  id: 'exploding',
  title: 'x',
  description: 'x',
  severity: 'low',
  resourceType: 'x',
  reads: ['credentials'],
  params: {},
  triggers: { schedule: 'credentials', events: {} },
  remediation: 'x',
  evaluate() {
    throw new Error('boom')
  },
})

const ctx = { now: NOW, accountId: ACCOUNT, config: parseConfig({}) }
const judged = (js: ReturnType<typeof evaluateChecks>) =>
  js.filter((j) => j.status === 'judged').map((j) => j.checkId)

describe('evaluateChecks', () => {
  it('judges only the checks whose every source was read', () => {
    const result = evaluateChecks(CHECKS, { passwordPolicy: wholeReading(policy(null), NOW) }, ctx)
    expect(judged(result).every((id) => id.startsWith('password-policy-'))).toBe(true)
    expect(judged(result)).toHaveLength(4)
  })

  it('does not evaluate a check one of whose sources is missing, and says which', () => {
    // Prepare: admin-without-mfa reads authorization and credentials; the credential report failed
    const check = CHECKS.find((c) => c.id === 'admin-without-mfa')!
    const credentials = {
      complete: false,
      asOf: NOW,
      problems: ['credential report unavailable: Throttling'],
      partial: new Map(),
    }
    // Act
    const [j] = evaluateChecks([check], { credentials }, ctx)
    // Assess
    expect(j).toMatchObject({ status: 'not-evaluated', outcomes: [] })
    expect(j!.reason).toContain('credentials not read (credential report unavailable: Throttling)')
    expect(j!.reason).toContain('authorization not read')
  })

  it('records a throwing check as not evaluated and keeps evaluating the others', () => {
    const checks = [exploding, ...CHECKS.filter((c) => c.id === 'user-no-mfa')]
    const result = evaluateChecks(checks, { credentials: wholeReading(inventory(), NOW) }, ctx)
    expect(result[0]).toMatchObject({ status: 'not-evaluated', reason: 'check failed: boom' })
    expect(judged(result)).toEqual(['user-no-mfa'])
  })

  it('turns a pass on a partly read resource into unknown, keeps its failure, and dates the judgement by its oldest source', () => {
    // Prepare: bob's keys could not be listed; the report is two hours old
    const reportAt = new Date(NOW.getTime() - 2 * 3_600_000)
    const reading = {
      ...wholeReading(inventory({ users: [user('alice'), user('bob', { mfaActive: true })] }), reportAt),
      partial: new Map([['user/bob', 'ListAccessKeys failed']]),
    }
    const check = CHECKS.find((c) => c.id === 'user-no-mfa')!
    // Act
    const [j] = evaluateChecks([check], { credentials: reading }, ctx)
    // Assess
    expect(j!.outcomes.map((o) => [o.resource.id, o.status])).toEqual([
      ['user/alice', 'fail'],
      ['user/bob', 'unknown'],
    ])
    expect(j!.unknown.get('user/bob')).toBe('credentials: ListAccessKeys failed')
    expect(j!.asOf).toEqual(reportAt)
  })

  it('dates an outcome decided by fewer sources than its check reads by those sources', () => {
    // Prepare: carol is no administrator; the credential report is two hours older than the details
    const check = CHECKS.find((c) => c.id === 'admin-without-mfa')!
    const reportAt = new Date(NOW.getTime() - 2 * 3_600_000)
    const readings = {
      authorization: wholeReading(source(details({ users: { carol: {} } })), NOW),
      credentials: wholeReading(inventory({ users: [user('carol')] }), reportAt),
    }
    // Act
    const [j] = evaluateChecks([check], readings, ctx)
    // Assess
    expect(j!.asOf).toEqual(reportAt)
    expect(j!.outcomes[0]).toMatchObject({ status: 'pass', asOf: NOW.toISOString() })
  })
})
