import { analyzeUnused } from '../checks/access/analysis.ts'
import { type AdvisedPrincipal, WINDOW_PARAMS } from '../checks/access/common.ts'
import { CHECKS } from '../checks/registry.ts'
import type { IamwatchConfig } from '../config/config.ts'
import { evaluate } from '../engine/pipeline.ts'
import { ACCOUNT_SCOPE, arnsOf, type SourceScope } from '../engine/scope.ts'
import type { EntityAccess } from '../model/access.ts'
import type { Outcome } from '../model/finding.ts'
import type { Recommendation } from '../policy/recommend.ts'
import { collectSource } from '../sources/index.ts'
import { pipelineContext, type ScanDeps, sourceContext } from './scan.ts'

/** The catalog A5 checks, by the scan part that runs each. */
export const UNUSED_CHECKS = [
  'role-unused',
  'user-unused',
  'unused-service-access',
  'unused-action-access',
  'unused-permissions-policy',
] as const

/** The configuration with only the A5 checks on, at this window (days), the operator's settings kept. */
export function unusedConfig(config: IamwatchConfig, windowDays?: number): IamwatchConfig {
  const checks = { ...config.checks }
  for (const c of CHECKS) {
    const mine = (UNUSED_CHECKS as readonly string[]).includes(c.id)
    const own = checks[c.id]
    checks[c.id] = mine
      ? { ...own, params: { ...own?.params, ...(windowDays ? { windowDays } : {}) } }
      : { ...own, enabled: false }
  }
  return { ...config, checks }
}

/** A principal's or policy's resource id from its ARN: `user/<name>`, `role/<name>`, or the policy ARN. */
export function resourceIdOf(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:(user|role|group|policy)\/(?:.*\/)?([^/]+)$/.exec(arn)
  if (!m) return undefined
  return m[1] === 'policy' ? arn : `${m[1]}/${m[2]}`
}

export interface UnusedReport {
  outcomes: Outcome[]
  problems: string[]
  notEvaluated: string[]
  degraded: boolean
}

/**
 * The unused roles, users, services, actions and policies of the account (or of one principal), judged
 * by the same checks and pipeline as the scheduled scans, in memory (nothing is stored).
 */
export async function findUnused(
  deps: Omit<ScanDeps, 'parts' | 'store'> & { accountId: string },
  options: { windowDays?: number; principalArn?: string } = {},
): Promise<UnusedReport> {
  const now = deps.now?.() ?? new Date()
  const config = unusedConfig(deps.config, options.windowDays)
  let scope: SourceScope = ACCOUNT_SCOPE
  if (options.principalArn) {
    const id = resourceIdOf(options.principalArn)
    if (!id) throw new Error(`not an IAM user, role or policy ARN: ${options.principalArn}`)
    scope = { kind: 'principals', resourceIds: new Set([id]) }
  }
  const ctx = pipelineContext({ ...deps, config }, deps.accountId, now)
  if (scope.kind === 'principals') {
    // One authorization read serves every part, and names the principal's ARN for Access Advisor.
    const authorization = await ctx.collect('authorization', ACCOUNT_SCOPE)
    if (authorization.data) {
      scope = { ...scope, arns: arnsOf(authorization.data.inventory, scope.resourceIds) }
      const covered = { ...authorization, covers: scope.resourceIds }
      const collect = ctx.collect
      ctx.collect = ((name, s) =>
        name === 'authorization' ? Promise.resolve(covered) : collect(name, s)) as typeof collect
    }
  }
  const runs = await Promise.all(
    (['credentials', 'authorization', 'access-advisor'] as const).map((part) =>
      evaluate(ctx, { kind: 'schedule', parts: [part], runId: `unused-${part}`, scope }),
    ),
  )
  // Within what each judgement covered (the whole account, or the one principal asked about).
  const outcomes = runs.flatMap((r) =>
    (r?.judgements ?? []).flatMap((j) =>
      j.outcomes.filter((o) => j.resourceIds === undefined || j.resourceIds.has(o.resource.id)),
    ),
  )
  const problems = runs.flatMap((r) => r?.problems ?? [])
  const notEvaluated = runs.flatMap((r) => r?.notEvaluated ?? [])
  return { outcomes, problems, notEvaluated, degraded: runs.some((r) => r?.status === 'degraded') }
}

export interface PrincipalRecommendation {
  arn: string
  recommendation: Recommendation
  unusedServices: Array<{ namespace: string; lastAccessed?: Date }>
  unusedActions: Array<{ action: string; lastAccessed?: Date }>
  usedServices: string[]
  recentGrants: string[]
}

/** The recommended least-privilege replacement of one user's or role's policies, from a live Access Advisor read. */
export async function recommendFor(
  deps: Omit<ScanDeps, 'parts' | 'store'> & { accountId: string },
  principalArn: string,
  windowDays = WINDOW_PARAMS.windowDays.default,
): Promise<PrincipalRecommendation> {
  const now = deps.now?.() ?? new Date()
  const id = resourceIdOf(principalArn)
  if (!id || !(id.startsWith('user/') || id.startsWith('role/')))
    throw new Error(`not an IAM user or role ARN: ${principalArn}`)
  const sources = sourceContext(deps, deps.accountId, now)
  const authorization = await collectSource(sources, 'authorization', ACCOUNT_SCOPE)
  if (!authorization.data)
    throw new Error(`could not read the authorization details: ${authorization.problems.join('; ')}`)
  const inv = authorization.data.inventory
  const [kind, name] = [id.slice(0, 4), id.slice(5)]
  const found =
    kind === 'user' ? inv.users.find((u) => u.name === name) : inv.roles.find((r) => r.name === name)
  if (!found) throw new Error(`no such ${kind} in the account: ${principalArn}`)
  const principal: AdvisedPrincipal = { ...found, kind: kind as 'user' | 'role' }
  const advisor = await collectSource(sources, 'accessAdvisor', {
    kind: 'principals',
    resourceIds: new Set([id]),
    arns: new Map([[id, found.arn]]),
  })
  const report = advisor.data?.reports.get(id)
  if (!advisor.data || !report)
    throw new Error(
      `could not read Access Advisor for ${principalArn}: ${advisor.problems.join('; ') || 'no report'}`,
    )
  const params = { windowDays, graceDays: WINDOW_PARAMS.graceDays.default }
  const a = analyzeUnused(principal, report, inv, advisor.data.catalog, now, params, advisor.data.grants)
  const { recommendPolicy } = await import('../policy/recommend.ts')
  return {
    arn: found.arn,
    recommendation:
      a.recommendation ??
      recommendPolicy({
        policies: principal.policies,
        catalog: advisor.data.catalog,
        remove: { services: [], actions: [] },
      }),
    unusedServices: a.unusedServices.map((s) => ({
      namespace: s.namespace,
      ...(s.lastAccessed ? { lastAccessed: s.lastAccessed } : {}),
    })),
    unusedActions: a.unusedActions.map((x) => ({
      action: x.action,
      ...(x.lastAccessed ? { lastAccessed: x.lastAccessed } : {}),
    })),
    usedServices: a.usedServices,
    recentGrants: a.recentGrants,
  }
}

/** Who, of a customer managed policy's holders, last used each service it allows (GetServiceLastAccessedDetailsWithEntities). */
export async function policyHolders(
  deps: Pick<ScanDeps, 'iam'>,
  policyArn: string,
): Promise<Array<{ service: string; lastAccessed?: Date; holders: EntityAccess[] }>> {
  const { readAccessReports, readServiceEntities } = await import('../aws/access-advisor.ts')
  const { reports, failures } = await readAccessReports(deps.iam, [{ arn: policyArn, resourceId: policyArn }])
  const report = reports.get(policyArn)
  if (!report?.jobId)
    throw new Error(
      `could not read Access Advisor for ${policyArn}: ${failures.get(policyArn) ?? 'no report'}`,
    )
  return Promise.all(
    report.services.map(async (s) => ({
      service: s.namespace,
      ...(s.lastAccessed ? { lastAccessed: s.lastAccessed } : {}),
      holders: await readServiceEntities(deps.iam, report.jobId!, s.namespace),
    })),
  )
}
