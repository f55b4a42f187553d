import { analyzeUnused } from '../checks/access/analysis.ts'
import { type AdvisedPrincipal, day } from '../checks/access/common.ts'
import { CHECKS, getCheck } from '../checks/registry.ts'
import type { AccessAdvisorSource, AuthorizationSource } from '../checks/sources.ts'
import { type IamwatchConfig, paramsFor } from '../config/config.ts'
import type { Judgement } from '../engine/evaluate.ts'
import { evaluate } from '../engine/pipeline.ts'
import { ACCOUNT_SCOPE, arnsOf, type SourceScope } from '../engine/scope.ts'
import type { EntityAccess } from '../model/access.ts'
import type { Outcome } from '../model/finding.ts'
import type { Severity } from '../model/severity.ts'
import type { AuthorizationInventory } from '../normalize/authorization.ts'
import { evaluateAction } from '../policy/evaluate.ts'
import type { Recommendation } from '../policy/recommend.ts'
import { collectSource } from '../sources/index.ts'
import { pipelineContext, type ScanDeps, sourceContext } from './scan.ts'

/** The catalog A5 checks. */
export const UNUSED_CHECKS = [
  'role-unused',
  'user-unused',
  'unused-service-access',
  'unused-action-access',
  'unused-permissions-policy',
] as const

/** Access Advisor's tracking period: a longer window cannot be judged. */
export const MAX_WINDOW_DAYS = 400

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

/** The user, role or customer managed policy an ARN names in this account, exactly; an error says why not. */
function target(arn: string, accountId: string, inv: AuthorizationInventory): string {
  const id = resourceIdOf(arn)
  if (!id) throw new Error(`not an IAM user, role or customer managed policy ARN: "${arn}"`)
  if (id.startsWith('group/'))
    throw new Error(`groups are not judged (their members are): give a user, role or policy ARN, not ${arn}`)
  if (arn.split(':')[4] !== accountId)
    throw new Error(`${arn} is not in account ${accountId}, which the credentials reach`)
  const known = arnsOf(inv, new Set([id])).get(id)
  if (known !== arn) {
    const kind = id.startsWith('arn:') ? 'customer managed policy' : id.slice(0, 4)
    throw new Error(
      `no such ${kind} in account ${accountId}: ${arn}${known ? ` (did you mean ${known}?)` : ''}`,
    )
  }
  return id
}

/** One line of the answer: what is unused, of which principal or policy, and when it was last used. */
export interface UnusedRow {
  kind: 'role' | 'user' | 'service' | 'action' | 'policy'
  principal: string
  arn: string
  what: string
  /** YYYY-MM-DD, or `never`. */
  lastAccessed: string
  severity: Severity
}

export interface UnusedReport {
  rows: UnusedRow[]
  /** Principals and policies too new to judge yet, with the day they will be. */
  notYet: Array<{ resource: string; judgedFrom: string }>
  problems: string[]
  notEvaluated: string[]
  degraded: boolean
  /** Whether grant times from a findings table were known (else new attachments count from creation). */
  grantTimesKnown: boolean
}

type UnusedDeps = Omit<ScanDeps, 'parts'> & { accountId: string }

/**
 * The unused roles, users, services, actions and policies of the account (or of one principal), judged
 * by the same checks and pipeline as the scheduled scans, in memory: nothing is written, even given a
 * findings table (whose grant times it reads).
 */
export async function findUnused(
  deps: UnusedDeps,
  options: { windowDays?: number; principalArn?: string } = {},
): Promise<UnusedReport> {
  const now = deps.now?.() ?? new Date()
  const config = unusedConfig(deps.config, options.windowDays)
  const ctx = pipelineContext({ ...deps, config }, deps.accountId, now)
  delete (ctx as { repository?: unknown }).repository
  // One authorization read serves every part; an account that cannot be read is an error, not "nothing unused".
  const authorization = await ctx.collect('authorization', ACCOUNT_SCOPE)
  if (!authorization.data)
    throw new Error(`could not read the account: ${[...new Set(authorization.problems)].join('; ')}`)
  const inv = authorization.data.inventory
  let scope: SourceScope = ACCOUNT_SCOPE
  if (options.principalArn !== undefined) {
    const id = target(options.principalArn, deps.accountId, inv)
    scope = { kind: 'principals', resourceIds: new Set([id]), arns: arnsOf(inv, new Set([id])) }
  }
  const covered = { ...authorization, ...(scope.kind === 'principals' ? { covers: scope.resourceIds } : {}) }
  const collect = ctx.collect
  ctx.collect = ((name, s) =>
    name === 'authorization' ? Promise.resolve(covered) : collect(name, s)) as typeof collect
  const runs = await Promise.all(
    (['credentials', 'authorization', 'access-advisor'] as const).map((part) =>
      evaluate(ctx, { kind: 'schedule', parts: [part], runId: `unused-${part}`, scope }),
    ),
  )
  const judgements = runs.flatMap((r) => r?.judgements ?? [])
  const advisor = runs[2]?.readings.accessAdvisor?.data
  const rows: UnusedRow[] = []
  const notYet: UnusedReport['notYet'] = []
  for (const j of judgements)
    for (const o of within(j)) {
      if (o.status === 'pass' && typeof o.evidence.judgedFrom === 'string')
        notYet.push({ resource: o.resource.id, judgedFrom: o.evidence.judgedFrom.slice(0, 10) })
      if (o.status === 'fail')
        rows.push(...rowsOf(o, { config, now, authorization: authorization.data, advisor }))
    }
  const problems = [...new Set(runs.flatMap((r) => r?.problems ?? []))]
  const notEvaluated = [...new Set(runs.flatMap((r) => r?.notEvaluated ?? []))]
  return {
    rows,
    notYet: [...new Map(notYet.map((n) => [n.resource, n])).values()],
    problems,
    notEvaluated,
    degraded: runs.some((r) => r?.status === 'degraded'),
    grantTimesKnown: deps.store !== undefined,
  }
}

/** The outcomes of a judgement within what it covered (the whole account, or the one principal asked about). */
const within = (j: Judgement): Outcome[] =>
  j.outcomes.filter((o) => j.resourceIds === undefined || j.resourceIds.has(o.resource.id))

const SEVERITY = (o: Outcome): Severity => o.severity ?? getCheck(o.checkId)?.severity ?? 'low'
const last = (d?: Date) => (d ? day(d) : 'never')

/** Every unused thing a failing outcome stands for, in full (the finding's evidence lists are capped). */
function rowsOf(
  o: Outcome,
  x: { config: IamwatchConfig; now: Date; authorization: AuthorizationSource; advisor?: AccessAdvisorSource },
): UnusedRow[] {
  const principal = o.resource.id.startsWith('arn:') ? o.resource.id.split(':').at(-1)! : o.resource.id
  const base = { principal, arn: o.resource.arn, severity: SEVERITY(o) }
  const e = o.evidence
  if (o.checkId === 'role-unused' || o.checkId === 'user-unused') {
    const kind = o.checkId === 'role-unused' ? ('role' as const) : ('user' as const)
    const what = kind === 'role' && e.serviceLinked ? 'service-linked role unused' : `${kind} unused`
    return [{ kind, ...base, what, lastAccessed: String(e.lastUsedAt ?? 'never').slice(0, 10) }]
  }
  const report = x.advisor?.reports.get(o.resource.id)
  if (!report || !x.advisor) return []
  if (o.checkId === 'unused-permissions-policy') {
    const dates = report.services.flatMap((s) => (s.lastAccessed ? [s.lastAccessed.getTime()] : []))
    return [
      {
        kind: 'policy',
        ...base,
        what: e.attachments === 0 ? 'policy attached to nothing' : 'policy unused',
        lastAccessed: dates.length ? day(new Date(Math.max(...dates))) : 'never',
      },
    ]
  }
  const inv = x.authorization.inventory
  const [kind, name] = [o.resource.id.slice(0, 4), o.resource.id.slice(5)]
  const found =
    kind === 'user' ? inv.users.find((u) => u.name === name) : inv.roles.find((r) => r.name === name)
  const check = getCheck(o.checkId)
  if (!found || !check) return []
  const params = paramsFor(check, x.config) as { windowDays: number; graceDays: number }
  const a = analyzeUnused(
    { ...found, kind: kind as 'user' | 'role' },
    report,
    inv,
    x.advisor.catalog,
    x.now,
    params,
    x.advisor.grants,
  )
  return o.checkId === 'unused-service-access'
    ? a.unusedServices.map((s) => ({
        kind: 'service',
        ...base,
        what: s.namespace,
        lastAccessed: last(s.lastAccessed),
      }))
    : a.unusedActions.map((s) => ({
        kind: 'action',
        ...base,
        what: s.action,
        lastAccessed: last(s.lastAccessed),
      }))
}

export interface PrincipalRecommendation {
  arn: string
  recommendation: Recommendation
  unusedServices: Array<{ namespace: string; lastAccessed?: Date }>
  unusedActions: Array<{ action: string; lastAccessed?: Date }>
  usedServices: string[]
  recentGrants: string[]
  /** The principal may pass roles (kept whatever Access Advisor says). */
  passesRoles: boolean
  windowDays: number
  grantTimesKnown: boolean
  /** Younger than window + grace: nothing is judged unused yet. */
  judgedFrom?: string
}

/** The recommended least-privilege replacement of one user's or role's policies, from a live Access Advisor read. */
export async function recommendFor(
  deps: UnusedDeps,
  principalArn: string,
  windowDays?: number,
): Promise<PrincipalRecommendation> {
  const now = deps.now?.() ?? new Date()
  const sources = sourceContext(deps, deps.accountId, now)
  const authorization = await collectSource(sources, 'authorization', ACCOUNT_SCOPE)
  if (!authorization.data)
    throw new Error(`could not read the account: ${[...new Set(authorization.problems)].join('; ')}`)
  const inv = authorization.data.inventory
  const id = target(principalArn, deps.accountId, inv)
  if (id.startsWith('arn:'))
    throw new Error(`a recommendation is for a user or role, not a policy: ${principalArn}`)
  const [kind, name] = [id.slice(0, 4), id.slice(5)]
  const found = (
    kind === 'user' ? inv.users.find((u) => u.name === name) : inv.roles.find((r) => r.name === name)
  )!
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
  const configured = paramsFor(getCheck('unused-service-access')!, deps.config) as {
    windowDays: number
    graceDays: number
  }
  const params = { ...configured, ...(windowDays ? { windowDays } : {}) }
  const judgedFrom = found.createdAt
    ? new Date(found.createdAt.getTime() + (params.windowDays + params.graceDays) * 86_400_000)
    : undefined
  const young = judgedFrom !== undefined && judgedFrom > now
  const a = young
    ? { unusedServices: [], unusedActions: [], usedServices: [], recentGrants: [], recommendation: undefined }
    : analyzeUnused(principal, report, inv, advisor.data.catalog, now, params, advisor.data.grants)
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
    passesRoles: evaluateAction(principal.policies, 'iam:PassRole').decision !== 'denied',
    windowDays: params.windowDays,
    grantTimesKnown: deps.store !== undefined,
    ...(young && judgedFrom ? { judgedFrom: day(judgedFrom) } : {}),
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
