import type { AccessAdvisorSource, Reading } from '../checks/sources.ts'
import { arnsOf, type SourceScope } from '../engine/scope.ts'
import type { AccessReport } from '../model/access.ts'
import type { AuthorizationInventory } from '../normalize/authorization.ts'
import { describeError, type SourceContext, type SourceModule } from './types.ts'

/** Live Access Advisor jobs per event: more touched principals than this are left to the daily cycle. */
export const MAX_LIVE_PRINCIPALS = 25

/** What Access Advisor is read for: users, roles and customer managed policies (groups are not judged). */
export function isAdvisorTarget(resourceId: string): boolean {
  return (
    resourceId.startsWith('user/') ||
    resourceId.startsWith('role/') ||
    (/^arn:aws[a-z-]*:iam::\d{12}:policy\//.test(resourceId) && !resourceId.includes(':iam::aws:'))
  )
}

/** Every Access Advisor target of the account, by resource id, in a stable order (the cycle's order). */
export function advisorTargets(inv: AuthorizationInventory): Array<{ resourceId: string; arn: string }> {
  const ids = new Set<string>([
    ...inv.users.map((u) => `user/${u.name}`),
    ...inv.roles.map((r) => `role/${r.name}`),
    ...inv.policies.filter((p) => !p.awsManaged).map((p) => p.arn),
  ])
  const arns = arnsOf(inv, ids)
  return [...arns]
    .map(([resourceId, arn]) => ({ resourceId, arn }))
    .sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0))
}

/**
 * The unused-access checks' data (A5): Access Advisor's service-last-accessed report (ACTION_LEVEL) of
 * each principal and customer managed policy in scope, read through IAM's asynchronous jobs, and the
 * action catalog for the services those reports list. Scheduled runs give it one batch of the daily
 * cycle at a time (a `principals` scope with ARNs); for the whole account it lists the targets from the
 * authorization details itself. A target whose job could not be read is partial: nothing about it is
 * judged. A resource id in scope with no ARN no longer exists: covered, with no report.
 */
export const accessAdvisorSource: SourceModule<'accessAdvisor'> = {
  name: 'accessAdvisor',
  actions: {
    account: [
      'iam:GetAccountAuthorizationDetails',
      'iam:GenerateServiceLastAccessedDetails',
      'iam:GetServiceLastAccessedDetails',
    ],
    principals: ['iam:GenerateServiceLastAccessedDetails', 'iam:GetServiceLastAccessedDetails'],
  },
  async collect(ctx, scope): Promise<Reading<AccessAdvisorSource>> {
    const problems: string[] = []
    const partial = new Map<string, string>()
    const { targets, covers } = await targetsOf(ctx, scope, problems, partial)
    const [{ readAccessReports }, { loadActionCatalog }] = await Promise.all([
      import('../aws/access-advisor.ts'),
      import('../policy/catalog-data.ts'),
    ])
    const result = await readAccessReports(ctx.iam, targets, {
      ...ctx.advisor?.options,
      ...(ctx.advisor?.deadline ? { deadline: ctx.advisor.deadline } : {}),
    })
    const reports = new Map<string, AccessReport>()
    for (const t of targets) {
      const report = result.reports.get(t.arn)
      if (report) reports.set(t.resourceId, report)
      else {
        const why = `Access Advisor: ${result.failures.get(t.arn) ?? 'not read'}`
        partial.set(t.resourceId, why)
        problems.push(`could not read ${t.resourceId}: ${why}`)
      }
    }
    ctx.advisor?.onStats?.(result.stats)
    const services = new Set([...reports.values()].flatMap((r) => r.services.map((s) => s.namespace)))
    // Removed services and the services kept statements expand into are all in the reports.
    const [catalog, grants] = await Promise.all([
      loadActionCatalog(services),
      ctx.records?.grantLedger(ctx.accountId),
    ])
    const dates = [...reports.values()].map((r) => r.generatedAt.getTime())
    return {
      data: { reports, catalog, ...(grants ? { grants } : {}) },
      ...(covers ? { covers } : {}),
      complete: true,
      asOf: dates.length ? new Date(Math.min(...dates)) : ctx.now,
      problems,
      partial,
      ...(result.rejected.length
        ? {
            rejections: result.rejected.map((reason) => ({
              source: 'access-advisor',
              reason,
            })),
          }
        : {}),
    }
  },
}

async function targetsOf(
  ctx: SourceContext,
  scope: SourceScope,
  problems: string[],
  partial: Map<string, string>,
): Promise<{ targets: Array<{ resourceId: string; arn: string }>; covers?: ReadonlySet<string> }> {
  if (scope.kind === 'account') {
    const [{ fetchAuthorizationDetails }, { normalizeAuthorization }] = await Promise.all([
      import('../aws/authorization.ts'),
      import('../normalize/authorization.ts'),
    ])
    try {
      return { targets: advisorTargets(normalizeAuthorization(await fetchAuthorizationDetails(ctx.iam))) }
    } catch (err) {
      throw new Error(`listing the principals failed: ${describeError(err)}`)
    }
  }
  const cap = ctx.advisor?.maxTargets ?? MAX_LIVE_PRINCIPALS
  const wanted = [...scope.resourceIds].filter(isAdvisorTarget)
  if (!scope.arns) {
    // Without the authorization details nothing says which of them exist: judge none.
    for (const id of wanted) partial.set(id, 'no ARN known for it')
    return { targets: [], covers: new Set(wanted) }
  }
  const known = wanted.filter((id) => scope.arns?.has(id))
  const read = known.slice(0, cap)
  for (const id of known.slice(cap))
    partial.set(id, `left to the daily cycle (live reads are capped at ${cap})`)
  if (known.length > cap)
    problems.push(`${known.length - cap} more principals are left to the daily Access Advisor cycle`)
  return {
    targets: read.map((resourceId) => ({ resourceId, arn: scope.arns!.get(resourceId)! })),
    covers: new Set([...read, ...wanted.filter((id) => !scope.arns?.has(id)), ...known.slice(cap)]),
  }
}
