import { describe, expect, it } from 'vitest'
import { roleUnused } from '../../../shared/checks/access/role-unused.ts'
import { assume, details, source, trustDoc } from '../../support/authorization.ts'
import { daysAgo, failingIds, failures, run } from '../../support/fixtures.ts'

const trust = trustDoc(assume({ Service: 'lambda.amazonaws.com' }))
const roles = (spec: Record<string, { createdAt?: Date; lastUsedAt?: Date; path?: string }>) =>
  source(details({ roles: Object.fromEntries(Object.entries(spec).map(([n, r]) => [n, { trust, ...r }])) }))

describe('role-unused', () => {
  it('fails when a role older than the window was last used before the window', () => {
    // Prepare
    const input = roles({ idle: { createdAt: daysAgo(400), lastUsedAt: daysAgo(91) } })
    // Act
    const outcomes = run(roleUnused, input)
    // Assess
    expect(failingIds(outcomes)).toEqual(['role/idle'])
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      lastUsedAt: daysAgo(91).toISOString(),
      windowDays: 90,
    })
  })

  it('fails when an old role was never used, saying never', () => {
    const outcomes = run(roleUnused, roles({ never: { createdAt: daysAgo(200) } }))
    expect(failures(outcomes)[0]!.evidence.lastUsedAt).toBe('never')
  })

  it('passes a role used within the window', () => {
    expect(
      failingIds(run(roleUnused, roles({ busy: { createdAt: daysAgo(400), lastUsedAt: daysAgo(89) } }))),
    ).toEqual([])
  })

  it('does not judge a role younger than window plus grace', () => {
    // 100 days old, never used: younger than 90 + 14 days
    const outcomes = run(roleUnused, roles({ young: { createdAt: daysAgo(100) } }))
    expect(failingIds(outcomes)).toEqual([])
    expect(outcomes[0]!.evidence.judgedFrom).toBe(
      new Date(daysAgo(100).getTime() + 104 * 86_400_000).toISOString(),
    )
  })

  it('reports an unused service-linked role at low severity and never recommends deleting it', () => {
    const input = roles({
      AWSServiceRoleForSupport: { createdAt: daysAgo(500), path: '/aws-service-role/support.amazonaws.com/' },
    })
    const [f] = failures(run(roleUnused, input))
    expect(f!.severity).toBe('low')
    expect(f!.evidence).toMatchObject({ serviceLinked: true })
    expect(String(f!.evidence.recommendation)).toMatch(/do not delete/)
  })

  it('follows a configured window', () => {
    const input = roles({ r: { createdAt: daysAgo(400), lastUsedAt: daysAgo(40) } })
    expect(failingIds(run(roleUnused, input, { windowDays: 30 }))).toEqual(['role/r'])
    expect(failingIds(run(roleUnused, input, { windowDays: 60 }))).toEqual([])
  })

  it('cannot judge a role without a creation date', () => {
    const outcomes = run(roleUnused, roles({ odd: {} }))
    expect(outcomes[0]!.status).toBe('unknown')
  })
})
