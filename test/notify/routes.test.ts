import { describe, expect, it } from 'vitest'
import type { Route } from '../../shared/config/alerts.ts'
import { ConfigError, parseConfig } from '../../shared/config/config.ts'
import { RouteError, routeFilterPolicy, validateFilterPolicy } from '../../shared/notify/routes.ts'

const route = (r: Partial<Route> & { name?: string }): Route => ({
  name: 'r',
  email: ['sec@example.com'],
  ...r,
})

describe('routes become SNS filter policies', () => {
  it('selects every alert, and the digest, for a route without conditions', () => {
    // Act
    const policy = routeFilterPolicy(route({}))
    // Assess
    expect(policy).toEqual({
      $or: [{ severity: ['critical', 'high', 'medium', 'low', 'info'] }, { messageType: ['digest'] }],
    })
  })

  it('turns a minimum severity, checks and a kind into conditions that must all hold', () => {
    // Act
    const policy = routeFilterPolicy(
      route({ minSeverity: 'high', checks: ['root-activity', 'root-mfa'], kind: 'detection', digest: false }),
    )
    // Assess
    expect(policy).toEqual({
      severity: ['critical', 'high'],
      checkId: ['root-activity', 'root-mfa'],
      ruleType: ['detection'],
    })
  })

  it('matches an account listed or an account in a listed OU or below it', () => {
    // Act
    const policy = routeFilterPolicy(
      route({ minSeverity: 'critical', accounts: ['333333333333'], ous: ['Workloads/Prod/'], digest: false }),
    )
    // Assess
    expect(policy).toEqual({
      $or: [
        { severity: ['critical'], accountId: ['333333333333'] },
        { severity: ['critical'], ouPath: ['Workloads/Prod', { prefix: 'Workloads/Prod/' }] },
      ],
    })
  })

  it('refuses a route whose policy would need more than five attributes', () => {
    // Prepare
    const wide = route({
      minSeverity: 'low',
      checks: ['root-activity'],
      kind: 'detection',
      accounts: ['333333333333'],
      ous: ['Workloads'],
      digest: true,
    })
    // Act / Assess
    expect(() => routeFilterPolicy(wide)).toThrow(RouteError)
    expect(() => routeFilterPolicy(wide)).toThrow(
      /needs 6 attributes .* SNS allows 5: split the route in two/,
    )
  })

  it('refuses a route with more than 150 combinations of values', () => {
    // Prepare: 4 severities x 40 checks
    const checks = Array.from({ length: 40 }, (_, i) => `check-${i}`)
    // Act / Assess
    expect(() => routeFilterPolicy(route({ minSeverity: 'low', checks, digest: false }))).toThrow(
      /160 combinations of values; SNS allows 150/,
    )
  })

  it('refuses values that are neither strings nor prefixes, and empty lists', () => {
    expect(() => validateFilterPolicy({ severity: [{ numeric: ['>', 1] }] }, 'p')).toThrow(
      /not a string or a prefix/,
    )
    expect(() => validateFilterPolicy({ severity: [] }, 'p')).toThrow(/non-empty list/)
    expect(() => validateFilterPolicy({ $or: [{ $or: [] }] }, 'p')).toThrow(/nested \$or/)
  })

  it('is part of validating the configuration: a route SNS would refuse is a configuration error', () => {
    // Prepare
    const checks = Array.from({ length: 40 }, () => 'root-activity')
    // Act / Assess
    expect(() =>
      parseConfig({
        alerts: { routes: [{ name: 'x', minSeverity: 'low', checks, email: ['a@example.com'] }] },
      }),
    ).toThrow(ConfigError)
    expect(() =>
      parseConfig({
        alerts: { routes: [{ name: 'x', checks: ['no-such-check'], email: ['a@example.com'] }] },
      }),
    ).toThrow(/alerts.routes.0.checks.0: no such check or detection "no-such-check"/)
    expect(() =>
      parseConfig({
        alerts: {
          routes: [
            { name: 'x', email: ['a@example.com'] },
            { name: 'x', email: ['b@example.com'] },
          ],
        },
      }),
    ).toThrow(/a second route named x/)
    expect(() => parseConfig({ alerts: { routes: [{ name: 'x', email: ['not-an-address'] }] } })).toThrow(
      /alerts.routes.0.email.0: must be an email address/,
    )
  })

  it('fills the alerts defaults: grouping 15 minutes, digest 08:00 UTC, escalation after 30 minutes, Security Hub off', () => {
    // Act
    const { alerts } = parseConfig({})
    // Assess
    expect(alerts).toMatchObject({
      routes: [],
      grouping: { windowMinutes: 15 },
      digest: { enabled: true, time: '08:00', timeZone: 'UTC' },
      escalation: { enabled: true, afterMinutes: 30, email: [] },
      securityHub: { enabled: false },
    })
    expect(() => parseConfig({ alerts: { digest: { timeZone: 'Mars/Olympus' } } })).toThrow(/IANA time zone/)
    expect(() => parseConfig({ alerts: { digest: { time: '25:00' } } })).toThrow(/HH:MM/)
  })

  it('sends the digest, which covers every account, to a route limited to accounts or OUs only when it asks', () => {
    // Act
    const scoped = routeFilterPolicy(route({ accounts: ['333333333333'], digest: undefined }))
    const asked = routeFilterPolicy(route({ accounts: ['333333333333'], digest: true }))
    // Assess
    expect(JSON.stringify(scoped)).not.toContain('digest')
    expect(JSON.stringify(asked)).toContain('"messageType":["digest"]')
  })

  it('refuses one address in two routes: SNS subscribes an address once per topic', () => {
    expect(() =>
      parseConfig({
        alerts: {
          routes: [
            { name: 'a', email: ['Sec@example.com'] },
            { name: 'b', minSeverity: 'high', email: ['sec@example.com'] },
          ],
        },
      }),
    ).toThrow(/alerts.routes.1.email.0: sec@example.com is already in route a/)
  })
})
