import { randomUUID } from 'node:crypto'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { coversAction } from '../../shared/policy/evaluate.ts'
import { awsManagedPolicy } from './aws-managed.ts'
import { type CatalogService, loadService, serviceKeys, servicesNamedBy } from './catalog.ts'
import { invalidInput, noSuchEntity } from './errors.ts'
import type {
  SimAccount,
  SimGroup,
  SimManagedPolicy,
  SimPolicies,
  SimRole,
  SimServiceUsage,
  SimUsage,
  SimUser,
} from './model.ts'
import type { XmlNode } from './xml.ts'

/**
 * IAM's service last accessed data (Access Advisor): GenerateServiceLastAccessedDetails starts a job for a
 * user, role, group or managed policy; the job completes after a while (wall clock) and is a snapshot of
 * that moment; GetServiceLastAccessedDetails and GetServiceLastAccessedDetailsWithEntities read it.
 *
 * What a report lists, as AWS documents it:
 * - the services the entity's permissions policies allow (user: its own inline and attached policies and
 *   its groups'; role, group: its own; policy: its default version). A service is listed when some Allow
 *   statement covers at least one of its actions in the Service Authorization Reference. Deny statements
 *   and permissions boundaries do not remove services: "Service last accessed data does not use other
 *   policy types [...] IAM permissions boundaries [...]. It only applies permissions policy logic", and
 *   the list is of what the policies grant, each with when it was last used, not an evaluation;
 * - for each service, the latest authenticated attempt (denied ones count) by the user or role, or, for a
 *   group or policy, by any of its holders (LastAuthenticatedEntity: the one that attempted it last;
 *   TotalAuthenticatedEntities: how many did). A service never used within the tracking period has no
 *   LastAuthenticated and TotalAuthenticatedEntities 0 (as the API reference's example answers);
 * - only usage older than the reporting lag (AWS: "Recent activity usually appears within four hours")
 *   and within the tracking period (at least 400 days) is reported;
 * - for ACTION_LEVEL jobs and services IAM tracks at action level (catalog.ts), every tracked action the
 *   policies allow, with when it was last used. iam:PassRole is never reported, even when the model says
 *   a principal used it: usage of iam only through PassRole is no usage.
 */

export type Granularity = 'SERVICE_LEVEL' | 'ACTION_LEVEL'
export type JobStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'
type EntityType = 'USER' | 'ROLE' | 'GROUP' | 'POLICY'

/** AWS: "IAM reports activity for at least the last 400 days". */
export const TRACKING_PERIOD_MS = 400 * 86_400_000

/**
 * Fault injection: jobs that end FAILED (JobStatus FAILED with an Error). A number fails that many of
 * the next jobs generated; a predicate fails the jobs for the ARNs it accepts.
 */
export type AccessJobFault = number | ((arn: string) => boolean)

export interface AccessAdvisorSettings {
  /** Wall-clock time from GenerateServiceLastAccessedDetails to the job's completion. */
  jobDelayMs: number
  /** Usage younger than this (account time) is not reported yet. */
  lagMs: number
  /** Read at each generation, so tests can set and reset it while the simulator runs. */
  faults: () => { failAccessJobs?: AccessJobFault }
}

/** A user or role whose usage a report aggregates. */
interface Principal {
  arn: string
  usage: SimUsage | undefined
}

/** An entity GetServiceLastAccessedDetailsWithEntities lists: a user or role, or a group (its members). */
interface ListedEntity {
  info: { Arn: string; Name: string; Type: EntityType; Id: string; Path: string }
  principals: Principal[]
}

interface Target {
  documents: string[]
  principals: Principal[]
  entities: ListedEntity[]
}

interface Snapshot {
  services: XmlNode[]
  /** Per listed entity, when it (a group: any member) last accessed each reported service. */
  entities: Array<{ info: ListedEntity['info']; seen: Map<string, Date> }>
}

export interface AccessJob {
  id: string
  accountId: string
  /** The caller that generated it: AWS serves a JobId only to the same user, or the same role session. */
  owner: string
  arn: string
  granularity: Granularity
  status: JobStatus
  /** Account time. */
  created: Date
  completed?: Date
  error?: { Message: string; Code: string }
  snapshot?: Snapshot
  fail: boolean
}

/** Jobs kept per simulator; the oldest are forgotten past this many. */
const MAX_JOBS = 10_000

const ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):(user|role|group|policy)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/

/** The Access Advisor jobs of one simulator, for every account it serves. */
export class AccessAdvisor {
  private readonly settings: AccessAdvisorSettings
  private readonly jobs = new Map<string, AccessJob>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(settings: AccessAdvisorSettings) {
    this.settings = settings
  }

  /** Starts a job, or refuses an ARN IAM refuses: malformed (InvalidInput), unknown (NoSuchEntity). */
  generate(account: SimAccount, owner: string, arn: string, granularity: Granularity): AccessJob {
    if (!ARN.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`)
    if (!exists(account, arn)) throw noSuchEntity(notFound(arn))
    const job: AccessJob = {
      id: randomUUID(),
      accountId: account.accountId,
      owner,
      arn,
      granularity,
      status: 'IN_PROGRESS',
      created: account.now(),
      fail: this.injectedFailure(arn),
    }
    this.jobs.set(job.id, job)
    for (const old of this.jobs.keys()) {
      if (this.jobs.size <= MAX_JOBS) break
      this.jobs.delete(old)
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.complete(account, job)
    }, this.settings.jobDelayMs)
    timer.unref()
    this.timers.add(timer)
    return job
  }

  /** A job of this account's caller, or NoSuchEntity (unknown, another caller's, or forgotten). */
  job(account: SimAccount, owner: string, id: string): AccessJob {
    const job = this.jobs.get(id)
    if (!job || job.accountId !== account.accountId || job.owner !== owner)
      throw noSuchEntity(`No report job with JobId ${id} exists.`)
    return job
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private injectedFailure(arn: string): boolean {
    const faults = this.settings.faults()
    const fault = faults.failAccessJobs
    if (typeof fault === 'function') return fault(arn)
    if (typeof fault === 'number' && fault > 0) {
      faults.failAccessJobs = fault - 1
      return true
    }
    return false
  }

  private async complete(account: SimAccount, job: AccessJob): Promise<void> {
    try {
      if (job.fail) return this.fail(account, job, 'ServiceFailure', 'The report job failed (injected).')
      const target = findTarget(account, job.arn)
      if (!target)
        return this.fail(
          account,
          job,
          'NoSuchEntity',
          `${notFound(job.arn)} It was deleted while the job ran.`,
        )
      const allowed = await allowedServices(target.documents)
      if (this.stopped) return
      const now = account.now().getTime()
      const window = { from: now - TRACKING_PERIOD_MS, to: now - this.settings.lagMs }
      job.snapshot = snapshot(target, allowed, job.granularity, window)
      job.status = 'COMPLETED'
      job.completed = account.now()
    } catch (err) {
      this.fail(account, job, 'ServiceFailure', `The report job failed: ${(err as Error)?.message ?? err}`)
    }
  }

  private fail(account: SimAccount, job: AccessJob, Code: string, Message: string): void {
    job.status = 'FAILED'
    job.completed = account.now()
    job.error = { Message, Code }
  }
}

function notFound(arn: string): string {
  const [, , kind, , name] = ARN.exec(arn) ?? []
  return kind === 'policy'
    ? `Policy ${arn} does not exist or is not attachable.`
    : `The ${kind} with name ${name} cannot be found.`
}

/** Does the ARN name an entity of this account (or an AWS-managed policy the simulator models)? */
function exists(account: SimAccount, arn: string): boolean {
  const [, owner, kind, , name] = ARN.exec(arn) ?? []
  if (kind === 'policy')
    return owner === account.accountId || owner === 'aws'
      ? policyNamed(account, arn, name!) !== undefined
      : false
  if (owner !== account.accountId) return false
  if (kind === 'user') {
    const u = account.users.get(name!)
    return u !== undefined && account.userArn(u) === arn
  }
  if (kind === 'role') {
    const r = account.roles.get(name!)
    return r !== undefined && account.roleArn(r) === arn
  }
  const g = account.groups.get(name!)
  return g !== undefined && account.groupArn(g) === arn
}

/** A managed policy: the account's, or an AWS-managed one the simulator models (whether used or not). */
function policyNamed(account: SimAccount, arn: string, name: string): SimManagedPolicy | undefined {
  const known = account.managedPolicies.get(arn)
  if (known || !arn.startsWith('arn:aws:iam::aws:policy/')) return known
  try {
    const policy = awsManagedPolicy(name)
    return policy.arn === arn ? policy : undefined
  } catch {
    return undefined // not one the simulator models
  }
}

const managedDocument = (p: SimManagedPolicy | undefined): string[] => {
  const v = p?.versions.find((x) => x.id === p.defaultVersionId)
  return v ? [v.document] : []
}

function documentsOf(account: SimAccount, p: SimPolicies | undefined): string[] {
  return [
    ...(p?.inline.values() ?? []),
    ...(p?.attached ?? []).flatMap((arn) => managedDocument(account.managedPolicies.get(arn))),
  ]
}

const userPrincipal = (account: SimAccount, u: SimUser): Principal => ({
  arn: account.userArn(u),
  usage: u.usage,
})
const rolePrincipal = (account: SimAccount, r: SimRole): Principal => ({
  arn: account.roleArn(r),
  usage: r.usage,
})
const userEntity = (account: SimAccount, u: SimUser): ListedEntity => ({
  info: { Arn: account.userArn(u), Name: u.name, Type: 'USER', Id: u.userId, Path: u.path },
  principals: [userPrincipal(account, u)],
})
const roleEntity = (account: SimAccount, r: SimRole): ListedEntity => ({
  info: { Arn: account.roleArn(r), Name: r.name, Type: 'ROLE', Id: r.roleId, Path: r.path },
  principals: [rolePrincipal(account, r)],
})
const members = (account: SimAccount, g: SimGroup) =>
  [...account.users.values()].filter((u) => u.groups.includes(g.name))

/** The entity an ARN names in this account, with what its report is made of; undefined if there is none. */
function findTarget(account: SimAccount, arn: string): Target | undefined {
  const m = ARN.exec(arn)
  if (!m) return undefined
  const [, owner, kind, , name] = m as unknown as [string, string, string, string, string]
  if (kind === 'policy') {
    if (owner !== 'aws' && owner !== account.accountId) return undefined
    const policy = policyNamed(account, arn, name)
    if (!policy) return undefined
    const holds = (p: SimPolicies | undefined) => p?.attached.includes(arn) ?? false
    const users = [...account.users.values()].filter((u) => holds(u.policies))
    const groups = [...account.groups.values()].filter((g) => holds(g.policies))
    const roles = [...account.roles.values()].filter((r) => holds(r))
    // Usage aggregates every principal that holds the policy: directly, or through a group.
    const viaGroups = groups.flatMap((g) => members(account, g))
    const principals = [...new Set([...users, ...viaGroups])].map((u) => userPrincipal(account, u))
    principals.push(...roles.map((r) => rolePrincipal(account, r)))
    return {
      documents: managedDocument(policy),
      principals,
      // The holders: users, groups (their members' usage) and roles it is attached to.
      entities: [
        ...users.map((u) => userEntity(account, u)),
        ...groups.map((g) => ({
          info: {
            Arn: account.groupArn(g),
            Name: g.name,
            Type: 'GROUP' as const,
            Id: g.groupId,
            Path: g.path,
          },
          principals: members(account, g).map((u) => userPrincipal(account, u)),
        })),
        ...roles.map((r) => roleEntity(account, r)),
      ],
    }
  }
  if (owner !== account.accountId) return undefined
  if (kind === 'user') {
    const u = account.users.get(name)
    if (!u || account.userArn(u) !== arn) return undefined
    const groups = u.groups.map((g) => account.groups.get(g)).filter((g) => g !== undefined)
    return {
      documents: [
        ...documentsOf(account, u.policies),
        ...groups.flatMap((g) => documentsOf(account, g.policies)),
      ],
      principals: [userPrincipal(account, u)],
      entities: [userEntity(account, u)],
    }
  }
  if (kind === 'role') {
    const r = account.roles.get(name)
    if (!r || account.roleArn(r) !== arn) return undefined
    return {
      documents: documentsOf(account, r),
      principals: [rolePrincipal(account, r)],
      entities: [roleEntity(account, r)],
    }
  }
  const g = account.groups.get(name)
  if (!g || account.groupArn(g) !== arn) return undefined
  const users = members(account, g)
  return {
    documents: documentsOf(account, g.policies),
    principals: users.map((u) => userPrincipal(account, u)),
    entities: users.map((u) => userEntity(account, u)),
  }
}

type Grants = Map<string, { service: CatalogService; allowed: Set<string> }>

/** Each service some Allow statement of these documents grants, with the actions granted. */
export async function allowedServices(documents: readonly string[]): Promise<Grants> {
  const out: Grants = new Map()
  for (const grants of await Promise.all(documents.map(documentGrants)))
    for (const [ns, { service, allowed }] of grants) {
      const entry = out.get(ns)
      if (!entry) out.set(ns, { service, allowed: new Set(allowed) })
      else for (const a of allowed) entry.allowed.add(a)
    }
  return out
}

/** Documents are immutable strings, mostly shared by many principals: their grants are computed once. */
const grantsCache = new Map<string, Promise<Grants>>()
const MAX_CACHED_DOCUMENTS = 20_000

function documentGrants(document: string): Promise<Grants> {
  let grants = grantsCache.get(document)
  if (!grants) {
    if (grantsCache.size >= MAX_CACHED_DOCUMENTS) grantsCache.clear()
    grants = computeGrants(document).catch((err) => {
      grantsCache.delete(document)
      throw err
    })
    grantsCache.set(document, grants)
  }
  return grants
}

async function computeGrants(document: string): Promise<Grants> {
  const out: Grants = new Map()
  const parsed = parsePolicyDocument(document)
  if (!parsed.ok) return out // IAM would not have stored it; nothing to list
  for (const s of parsed.document.statements) {
    if (s.effect !== 'Allow') continue
    const named = s.notActions
      ? await serviceKeys()
      : [...new Set((await Promise.all((s.actions ?? []).map(servicesNamedBy))).flat())]
    for (const service of await Promise.all(named.map(loadService))) {
      if (!service) continue
      const ns = service.namespace
      const entry = out.get(ns) ?? { service, allowed: new Set<string>() }
      const everything = s.actions?.some((p) => p === '*' || p.toLowerCase() === `${ns}:*`)
      for (const action of service.actions)
        if (everything || coversAction(s, `${ns}:${action}`)) entry.allowed.add(action)
      if (entry.allowed.size > 0) out.set(ns, entry)
    }
  }
  return out
}

interface Seen {
  date: Date
  region: string
  /** Visible usage per action, by lower-case action name. */
  actions: Map<string, { date: Date; region: string }>
}

/**
 * What a report may show of one principal's usage of one service: attempts inside the window (older than
 * the lag, within the tracking period), never iam:PassRole. The service's date is its latest attempt in
 * the window: the recorded last access if it is, else the latest action that is.
 */
function visible(u: SimServiceUsage | undefined, ns: string, window: { from: number; to: number }) {
  if (!u) return undefined
  const inside = (d: Date) => d.getTime() >= window.from && d.getTime() <= window.to
  const actions = new Map<string, { date: Date; region: string }>()
  let latest: { date: Date; region: string } | undefined =
    u.lastAccessed && inside(u.lastAccessed) ? { date: u.lastAccessed, region: u.region } : undefined
  for (const [name, a] of u.actions) {
    if (ns === 'iam' && name.toLowerCase() === 'passrole') continue
    if (!inside(a.date)) continue
    actions.set(name.toLowerCase(), a)
    if (!latest || a.date > latest.date) latest = a
  }
  return latest ? ({ ...latest, actions } satisfies Seen) : undefined
}

function snapshot(
  target: Target,
  allowed: Grants,
  granularity: Granularity,
  window: { from: number; to: number },
): Snapshot {
  // Each principal's visible usage of the reported services, read once (usage maps are sparse).
  const seen = new Map<Principal, Map<string, Seen>>()
  for (const p of new Set([...target.principals, ...target.entities.flatMap((e) => e.principals)])) {
    const mine = new Map<string, Seen>()
    for (const [ns, u] of p.usage ?? []) {
      const key = ns.toLowerCase()
      if (!allowed.has(key)) continue
      const v = visible(u, key, window)
      if (v) mine.set(key, v)
    }
    seen.set(p, mine)
  }
  const services = [...allowed.keys()].sort().map((ns): XmlNode => {
    const { service, allowed: actions } = allowed.get(ns)!
    const users = target.principals
      .map((p) => ({ arn: p.arn, v: seen.get(p)?.get(ns) }))
      .filter((x): x is { arn: string; v: Seen } => x.v !== undefined)
    const last = users.reduce<(typeof users)[number] | undefined>(
      (a, b) => (!a || b.v.date > a.v.date ? b : a),
      undefined,
    )
    const tracked =
      granularity === 'ACTION_LEVEL'
        ? [...actions]
            .filter((a) => service.tracked.has(a))
            .sort()
            .map((name): XmlNode => {
              let best: { arn: string; date: Date; region: string } | undefined
              for (const x of users) {
                const a = x.v.actions.get(name.toLowerCase())
                if (a && (!best || a.date > best.date)) best = { arn: x.arn, ...a }
              }
              // ActionName: the action's name alone, as the reference spells it (CreateBucket), the
              // service being the member's ServiceNamespace.
              return {
                ActionName: name,
                LastAccessedEntity: best?.arn,
                LastAccessedTime: best?.date,
                LastAccessedRegion: best?.region,
              }
            })
        : []
    return {
      ServiceName: service.name,
      LastAuthenticated: last?.v.date,
      ServiceNamespace: ns,
      LastAuthenticatedEntity: last?.arn,
      LastAuthenticatedRegion: last?.v.region,
      TotalAuthenticatedEntities: users.length,
      TrackedActionsLastAccessed: tracked.length > 0 ? tracked : undefined,
    }
  })
  const entities = target.entities.map((e) => {
    const dates = new Map<string, Date>()
    for (const p of e.principals)
      for (const [ns, v] of seen.get(p) ?? []) {
        const known = dates.get(ns)
        if (!known || v.date > known) dates.set(ns, v.date)
      }
    return { info: e.info, seen: dates }
  })
  return { services, entities }
}

/** The WithEntities list for one service: most recent access first, then those that never accessed it. */
export function entitiesFor(job: AccessJob, namespace: string): XmlNode[] {
  const ns = namespace.toLowerCase()
  return (job.snapshot?.entities ?? [])
    .map((e) => ({ info: e.info, date: e.seen.get(ns) }))
    .sort(
      (a, b) =>
        (b.date?.getTime() ?? Number.NEGATIVE_INFINITY) - (a.date?.getTime() ?? Number.NEGATIVE_INFINITY) ||
        a.info.Arn.localeCompare(b.info.Arn),
    )
    .map((e) => ({ EntityInfo: { ...e.info }, LastAuthenticated: e.date }))
}
