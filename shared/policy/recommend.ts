import type { ActionCatalog } from './catalog.ts'
import type { Statement } from './document.ts'
import {
  compileActionPattern,
  coversAllWithPrefix,
  effectiveView,
  type FoldedMatcher,
  literalService,
  mayMatchWithPrefix,
} from './effective.ts'
import type { HeldPolicy } from './evaluate.ts'
import { actionMatches } from './match.ts'
import { foldCase } from './wildcard.ts'

/**
 * The least-privilege recommendation: a principal's identity policies (its own, managed and inline,
 * and those it holds through groups) rewritten as one replacement set of policy documents without the
 * services and actions it does not use (Access Advisor's verdict).
 *
 * What it guarantees, for every action (`service:Name`, catalogued or not) and resource:
 * - it never allows what the originals did not: every Allow statement of the output is an original
 *   Allow statement with the same Resource/NotResource and Condition and an Action set that is a subset
 *   (as sets of strings) of the original's; every Deny statement is kept verbatim;
 * - it never allows a removed action (iam:PassRole excepted: never removed, Access Advisor cannot see
 *   it), nor any action of a removed service, whether or not the catalog lists it;
 * - every catalog action that is not removed gets the same decision as before, on every resource:
 *   it stays in every statement that covered it, unless the principal could never use it anyway
 *   (denied everywhere by a Deny or outside a permissions boundary: boundaries stay attached).
 *   An uncatalogued action may lose grants (a rewritten statement lists catalog actions), so, as
 *   evaluateAction labels an action granted both with and without conditions 'conditional', such an
 *   action may go from 'conditional' to 'allowed': no more is allowed, one conditional path is gone.
 *
 * Narrowing expands patterns against the catalog only when needed:
 * - a statement whose patterns touch nothing removed is kept verbatim, and so is every pattern of a
 *   rewritten statement that touches nothing removed;
 * - `*`, other patterns with a wildcard in the service part, and NotAction statements become the
 *   catalog's services they keep: `svc:*` when nothing of the service is removed and the original
 *   covered all of `svc:*`;
 * - a partially removed service becomes its kept catalog actions, compressed into prefix wildcards
 *   (`s3:Get*`) only where every catalog action under the prefix is kept, no removed name has the
 *   prefix, and an original pattern covers every string with that prefix; otherwise explicit names.
 *
 * What the caller must load into the catalog (see catalogNeeds):
 * - every service with removed actions (a partially removed service must be listed action by action;
 *   when it is missing, the patterns that allow it cannot be narrowed and are dropped, with a note);
 * - every service the principal should keep when a rewritten statement has a wildcard service part or
 *   NotAction: such a statement is rewritten into the catalog's services, so a service the catalog
 *   does not hold is no longer allowed by it (e.g. load every service Access Advisor reports).
 * Wholly removed services need not be loaded. A missing service never makes the output allow more.
 */

/** IAM's limit for a managed policy, whitespace not counted. */
export const MANAGED_POLICY_MAX_CHARS = 6144
/** Never removed: Access Advisor does not report them. */
export const NEVER_REMOVED: readonly string[] = ['iam:PassRole']

export interface StatementJson {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action?: string | string[]
  NotAction?: string | string[]
  Resource?: string | string[]
  NotResource?: string | string[]
  Principal?: Record<string, string | string[]>
  NotPrincipal?: Record<string, string | string[]>
  Condition?: Record<string, Record<string, unknown>>
}

export interface PolicyJson {
  Version: '2012-10-17'
  Statement: StatementJson[]
}

export interface Removal {
  /** Service prefixes (`s3`), any case. */
  services: readonly string[]
  /** `service:Action` names (any case); a name with wildcards is expanded against the catalog. */
  actions: readonly string[]
}

export interface RecommendInput {
  /** The principal's policies, boundaries included (kind 'boundary'): they cap, they are not rewritten. */
  policies: readonly HeldPolicy[]
  catalog: ActionCatalog
  remove: Removal
  /** Largest document, whitespace not counted; default MANAGED_POLICY_MAX_CHARS. */
  maxDocumentChars?: number
}

export interface Recommendation {
  /** The replacement policy documents, each within the size limit (JSON.stringify-ready). */
  documents: PolicyJson[]
  /** The services removed (lower case, sorted). */
  removedServices: string[]
  /** The actions removed (`service:Action`, sorted), iam:PassRole never among them. */
  removedActions: string[]
  notes: string[]
}

const VERSION = '2012-10-17'
const ENVELOPE = JSON.stringify({ Version: VERSION, Statement: [] }).length
const NEVER = new Set(NEVER_REMOVED.map(foldCase))
const serviceOf = (action: string) => action.slice(0, action.indexOf(':')).toLowerCase()

/** The size IAM counts for a document (JSON without whitespace; an upper bound, spaces in values counted). */
export function documentChars(doc: PolicyJson): number {
  return JSON.stringify(doc).length
}

const isWild = (p: string) => p.includes('*') || p.includes('?')
/** `prefix*` with no other wildcard: the prefix; else undefined. */
const prefixOf = (p: string) =>
  p.indexOf('*') === p.length - 1 && !p.includes('?') ? p.slice(0, -1) : undefined

/** The removal, normalized: whole services, and literal action names by service (folded). */
class RemovalSet {
  readonly services = new Set<string>()
  /** service -> folded `service:ACTION` -> the name as output. */
  readonly actions = new Map<string, Map<string, string>>()
  readonly passRoleAsked: boolean

  constructor(remove: Removal, catalog: ActionCatalog | undefined, notes: Set<string>) {
    for (const s of remove.services) {
      const service = s.trim().toLowerCase()
      if (service && !isWild(service) && !service.includes(':')) this.services.add(service)
    }
    let passRole = false
    const cases = new Map<string, Map<string, string>>()
    /** The catalog's spelling of the service's actions, by folded name. */
    const caseOf = (service: string) => {
      let map = cases.get(service)
      if (!map) {
        map = new Map((catalog?.actions(service) ?? []).map((a) => [foldCase(a), a]))
        cases.set(service, map)
      }
      return map
    }
    const add = (action: string) => {
      const folded = foldCase(action)
      if (NEVER.has(folded)) {
        passRole = true
        return
      }
      const service = serviceOf(action)
      let names = this.actions.get(service)
      if (!names) {
        names = new Map()
        this.actions.set(service, names)
      }
      if (!names.has(folded))
        names.set(
          folded,
          caseOf(service).get(folded) ?? `${service}:${action.slice(action.indexOf(':') + 1)}`,
        )
    }
    for (const raw of remove.actions) {
      const action = raw.trim()
      if (action.indexOf(':') <= 0) {
        notes.add(`"${action.slice(0, 80)}" is not a service:Action name: not removed.`)
        continue
      }
      if (!isWild(action)) {
        add(action)
        continue
      }
      const service = literalService(action)
      const services = service ? [service] : (catalog?.services() ?? [])
      for (const s of services)
        for (const a of catalog?.actions(s) ?? []) if (actionMatches(action, a)) add(a)
      notes.add(
        `Removed action "${action.slice(0, 80)}" has wildcards: the catalog's actions it matches are removed.`,
      )
    }
    // A name whose whole service is removed is implied by the service.
    for (const service of this.services) this.actions.delete(service)
    this.passRoleAsked = passRole || this.services.has('iam')
  }

  /** Whether the action (folded, of that service) is removed. */
  isRemoved(folded: string, service: string): boolean {
    if (NEVER.has(folded)) return false
    return this.services.has(service) || (this.actions.get(service)?.has(folded) ?? false)
  }

  /** Whether anything of the service is removed. */
  touchesService(service: string): boolean {
    return this.services.has(service) || this.actions.has(service)
  }

  /** Whether an Allow pattern may match a removed string (sound: false only when it cannot). */
  touchesPattern(pattern: string): boolean {
    if (!isWild(pattern)) return this.isRemoved(foldCase(pattern), serviceOf(pattern))
    const service = literalService(pattern)
    const matches = compileActionPattern(pattern)
    if (service !== undefined) {
      if (this.services.has(service)) return true
      const names = this.actions.get(service)
      if (names) for (const a of names.keys()) if (matches(a)) return true
      return false
    }
    for (const s of this.services) if (mayMatchWithPrefix(pattern, `${s}:`)) return true
    for (const names of this.actions.values()) for (const a of names.keys()) if (matches(a)) return true
    return false
  }

  /** Whether an Allow NotAction statement may allow a removed string. */
  touchesNotAction(notActions: readonly string[]): boolean {
    for (const s of this.services) if (!notActions.some((n) => coversAllWithPrefix(n, `${s}:`))) return true
    const excluded = notActions.map(compileActionPattern)
    for (const names of this.actions.values())
      for (const a of names.keys()) if (!excluded.some((m) => m(a))) return true
    return false
  }

  touchesStatement(s: Statement): boolean {
    return s.actions
      ? s.actions.some((p) => this.touchesPattern(p))
      : this.touchesNotAction(s.notActions ?? [])
  }
}

/** A catalog service's actions (catalog order, folded, removed or not) and its name-prefix index. */
interface ServiceIndex {
  actions: readonly string[]
  folded: readonly string[]
  removed: readonly boolean[]
  /** How many catalog actions have the (folded) name prefix. */
  count(prefix: string): number
  /** Whether a removed name (catalogued or not) has the (folded) name prefix. */
  removedUnder(prefix: string): boolean
}

/** Per catalog and service: the actions folded, and their names sorted (removal-independent). */
const foldedCatalogs = new WeakMap<
  ActionCatalog,
  Map<string, { folded: string[]; names: string[]; order: number[] }>
>()

function foldedService(catalog: ActionCatalog, service: string, actions: readonly string[]) {
  let byService = foldedCatalogs.get(catalog)
  if (!byService) {
    byService = new Map()
    foldedCatalogs.set(catalog, byService)
  }
  let entry = byService.get(service)
  if (!entry) {
    const cut = service.length + 1
    const folded = actions.map(foldCase)
    const order = folded.map((_, i) => i)
    order.sort((a, b) => (folded[a]! < folded[b]! ? -1 : folded[a]! > folded[b]! ? 1 : 0))
    entry = { folded, names: order.map((i) => folded[i]!.slice(cut)), order }
    byService.set(service, entry)
  }
  return entry
}

function serviceIndex(
  catalog: ActionCatalog,
  service: string,
  actions: readonly string[],
  removal: RemovalSet,
): ServiceIndex {
  const cut = service.length + 1
  const { folded, names, order } = foldedService(catalog, service, actions)
  const removed = folded.map((f) => removal.isRemoved(f, service))
  const removedBefore = new Int32Array(names.length + 1)
  order.forEach((i, k) => {
    removedBefore[k + 1] = removedBefore[k]! + (removed[i] ? 1 : 0)
  })
  const extra = [...(removal.actions.get(service)?.keys() ?? [])].map((a) => a.slice(cut))
  const whole = removal.services.has(service)
  const lowerBound = (key: string) => {
    let lo = 0
    let hi = names.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (names[mid]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const range = (prefix: string): [number, number] => [lowerBound(prefix), lowerBound(`${prefix}\uffff`)]
  return {
    actions,
    folded,
    removed,
    count(prefix) {
      const [lo, hi] = range(prefix)
      return hi - lo
    },
    removedUnder(prefix) {
      if (whole) return true
      const [lo, hi] = range(prefix)
      return removedBefore[hi]! - removedBefore[lo]! > 0 || extra.some((a) => a.startsWith(prefix))
    },
  }
}

/** A statement's action element, compiled to answer "does it cover every string this pattern matches". */
interface Cover {
  /** Action: its literal names (folded) and wildcard patterns; NotAction: the excluded patterns. */
  literals: ReadonlySet<string>
  wildcards: readonly string[]
  matchers: readonly FoldedMatcher[]
  not: boolean
}

function coverOf(s: { actions?: readonly string[]; notActions?: readonly string[] }): Cover {
  if (s.notActions)
    return {
      literals: new Set(),
      wildcards: s.notActions,
      matchers: s.notActions.map(compileActionPattern),
      not: true,
    }
  const list = s.actions ?? []
  const wildcards = list.filter(isWild)
  return {
    literals: new Set(list.filter((p) => !isWild(p)).map(foldCase)),
    wildcards,
    matchers: wildcards.map(compileActionPattern),
    not: false,
  }
}

/** Whether the cover matches every string the pattern matches (sound). */
function covers(c: Cover, p: string): boolean {
  if (!isWild(p)) {
    const f = foldCase(p)
    return c.not ? !c.matchers.some((m) => m(f)) : c.literals.has(f) || c.matchers.some((m) => m(f))
  }
  const prefix = prefixOf(p)
  if (prefix !== undefined)
    return c.not
      ? !c.wildcards.some((n) => mayMatchWithPrefix(n, prefix))
      : c.wildcards.some((q) => coversAllWithPrefix(q, prefix))
  const f = foldCase(p)
  return !c.not && c.wildcards.some((q) => foldCase(q) === f)
}

/** The patterns without duplicates (any case) and without those another kept pattern covers. */
function prune(patterns: readonly string[]): string[] {
  const seen = new Set<string>()
  const list: Array<{ p: string; f: string }> = []
  for (const p of patterns) {
    const f = foldCase(p)
    if (seen.has(f)) continue
    seen.add(f)
    list.push({ p, f })
  }
  const alive = list.map(() => true)
  // Wildcards by their literal service: only those of the same service, or of none, can cover.
  type Wild = { i: number; p: string; m: FoldedMatcher; prefix: string | undefined }
  const byService = new Map<string | undefined, Wild[]>()
  list.forEach(({ p, f }, i) => {
    if (!isWild(p)) return
    const service = literalService(p)
    let group = byService.get(service)
    if (!group) {
      group = []
      byService.set(service, group)
    }
    group.push({ i, p, m: compileActionPattern(p), prefix: prefixOf(f) })
  })
  const anyService = byService.get(undefined) ?? []
  list.forEach(({ p, f }, i) => {
    const prefix = isWild(p) ? prefixOf(f) : undefined
    if (isWild(p) && prefix === undefined) return
    const service = literalService(p)
    const candidates = service === undefined ? anyService : [...(byService.get(service) ?? []), ...anyService]
    alive[i] = !candidates.some(
      (w) =>
        w.i !== i &&
        alive[w.i] &&
        (prefix === undefined
          ? w.m(f)
          : w.prefix !== undefined
            ? prefix.startsWith(w.prefix)
            : coversAllWithPrefix(w.p, prefix)),
    )
  })
  return list.filter((_, i) => alive[i]).map(({ p }) => p)
}

const isUpper = (c: number) => c >= 65 && c <= 90

interface Draft {
  policy: HeldPolicy
  index: number
  statement: Statement
  rewritten: boolean
  actions?: string[]
  notActions?: string[]
  sid?: string
}

const one = (list: readonly string[]): string | string[] => (list.length === 1 ? list[0]! : [...list])

/** Recursively key-sorted JSON: equal Conditions compare equal whatever their key order. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(x) ?? 'null'
}

const scopeKey = (s: Statement) =>
  canonical([s.effect, s.resources, s.notResources, s.conditions, s.principal, s.notPrincipal])

function toJson(d: Draft): StatementJson {
  const s = d.statement
  const principal = (p: Record<string, string[]>) =>
    Object.fromEntries(Object.entries(p).map(([k, v]) => [k, one(v)]))
  return {
    ...(d.sid !== undefined ? { Sid: d.sid } : {}),
    Effect: s.effect,
    ...(d.actions ? { Action: one(d.actions) } : {}),
    ...(d.notActions ? { NotAction: one(d.notActions) } : {}),
    ...(s.resources ? { Resource: one(s.resources) } : {}),
    ...(s.notResources ? { NotResource: one(s.notResources) } : {}),
    ...(s.principal ? { Principal: principal(s.principal) } : {}),
    ...(s.notPrincipal ? { NotPrincipal: principal(s.notPrincipal) } : {}),
    ...(s.conditions ? { Condition: s.conditions } : {}),
  }
}

/** A readable Sid fragment from a policy name or ARN: its last path segment, alphanumerics only. */
const sidWord = (text: string) =>
  (text.split('/').at(-1) ?? text)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('') || 'Policy'

/** The statement's parts within `max` characters: its Action list, then its Resource list, split. */
function splitStatement(json: StatementJson, max: number): StatementJson[] {
  const size = JSON.stringify(json).length
  if (size <= max) return [json]
  for (const key of ['Action', 'Resource'] as const) {
    const list = json[key]
    if (!Array.isArray(list) || list.length < 2) continue
    const base = JSON.stringify({ ...json, [key]: [] }).length
    const chunks: string[][] = [[]]
    let used = base
    for (const item of list) {
      const cost = JSON.stringify(item).length + 1
      const current = chunks.at(-1)!
      if (current.length > 0 && used + cost > max) {
        chunks.push([item])
        used = base + cost
      } else {
        current.push(item)
        used += cost
      }
    }
    return chunks.flatMap((c) => splitStatement({ ...json, [key]: one(c) }, max))
  }
  return [json]
}

/**
 * What the catalog must hold for recommendPolicy to keep everything that is kept: `services` (every
 * service with removed actions), and, when `keptServices`, every service the principal should keep
 * (some rewritten statement has NotAction or a wildcard service part and is rewritten into the
 * catalog's services). Wholly removed services need not be loaded.
 */
export function catalogNeeds(
  policies: readonly HeldPolicy[],
  remove: Removal,
): { services: string[]; keptServices: boolean } {
  const removal = new RemovalSet(remove, undefined, new Set())
  const services = new Set(removal.actions.keys())
  let keptServices = false
  for (const a of remove.actions) {
    const s = literalService(a.trim())
    if (s === undefined) keptServices = true
    else if (!removal.services.has(s) && isWild(a)) services.add(s)
  }
  for (const p of policies) {
    if (p.kind === 'boundary') continue
    for (const s of p.document.statements) {
      if (s.effect !== 'Allow') continue
      if (s.notActions) keptServices ||= removal.touchesNotAction(s.notActions)
      else
        keptServices ||= (s.actions ?? []).some(
          (a) => literalService(a) === undefined && removal.touchesPattern(a),
        )
    }
  }
  return { services: [...services].sort(), keptServices }
}

/** The principal's identity policies rewritten without the removed services and actions. */
export function recommendPolicy(input: RecommendInput): Recommendation {
  const { policies, catalog } = input
  const max = input.maxDocumentChars ?? MANAGED_POLICY_MAX_CHARS
  const notes = new Set<string>()
  const removal = new RemovalSet(input.remove, catalog, notes)
  const view = effectiveView(policies, catalog)
  const universe = [...new Set([...catalog.services(), ...NEVER_REMOVED.map(serviceOf)])].sort()
  const indexes = new Map<string, ServiceIndex>()
  const indexOf = (service: string, actions: readonly string[]) => {
    let index = indexes.get(service)
    if (!index) {
      index = serviceIndex(catalog, service, actions, removal)
      indexes.set(service, index)
    }
    return index
  }

  if (removal.passRoleAsked)
    notes.add('iam:PassRole is never removed: Access Advisor does not report it, so unused cannot be told.')
  const boundaries = policies.filter((p) => p.kind === 'boundary').map((p) => p.name)
  if (boundaries.length)
    notes.add(
      `Permissions boundary ${boundaries.join(', ')} stays attached: it is not part of the replacement, which relies on it.`,
    )
  const groups = [...new Set(policies.filter((p) => p.kind.startsWith('group-')).map((p) => p.name))]
  if (groups.length)
    notes.add(
      `Includes what the principal holds through its groups (${groups.join(', ')}): the replacement stands in for them only once the principal leaves those groups.`,
    )

  /** The kept catalog actions of one service a statement allows, as few patterns as safely possible. */
  const expandService = (
    service: string,
    matches: FoldedMatcher,
    covers: (prefix: string) => boolean,
    where: string,
  ): string[] => {
    const exceptions = NEVER_REMOVED.filter((e) => serviceOf(e) === service && matches(foldCase(e)))
    const actions = catalog.actions(service)
    if (removal.services.has(service))
      return actions ? exceptions.filter((e) => view.grant(e) !== undefined) : exceptions
    if (!actions) {
      if (removal.actions.has(service))
        notes.add(
          `${where}: ${service} is not in the catalog, so its kept actions could not be listed and none is allowed; load ${service} into the catalog.`,
        )
      return exceptions
    }
    if (!removal.touchesService(service) && covers(`${service}:`))
      return view.anyAllowed(service) ? [`${service}:*`] : []
    const index = indexOf(service, actions)
    const kept = actions.filter(
      (a, i) => !index.removed[i] && matches(index.folded[i]!) && view.grant(a) !== undefined,
    )
    const valid = new Map<string, boolean>()
    const chosen = new Map<string, string>()
    const literals: string[] = []
    for (const action of kept) {
      const name = action.slice(service.length + 1)
      let picked: string | undefined
      for (let i = 0; i < name.length && picked === undefined; i++) {
        if (i > 0 && !isUpper(name.charCodeAt(i))) continue
        const prefix = name.slice(0, i)
        const folded = foldCase(prefix)
        let ok = valid.get(folded)
        if (ok === undefined) {
          ok = index.count(folded) >= 2 && !index.removedUnder(folded) && covers(`${service}:${prefix}`)
          valid.set(folded, ok)
        }
        if (ok) picked = prefix
      }
      if (picked === undefined) literals.push(action)
      else if (!chosen.has(foldCase(picked))) chosen.set(foldCase(picked), picked)
    }
    const prefixes = [...chosen.keys()]
      .sort((a, b) => a.length - b.length)
      .filter((p, i, all) => !all.slice(0, i).some((q) => p.startsWith(q)))
    const out = prefixes.map((p) => `${service}:${chosen.get(p)}*`)
    for (const action of literals) {
      const folded = foldCase(action.slice(service.length + 1))
      if (!prefixes.some((p) => folded.startsWith(p))) out.push(action)
    }
    return out
      .map((p) => ({ p, f: foldCase(p) }))
      .sort((a, b) => (a.f < b.f ? -1 : a.f > b.f ? 1 : 0))
      .map(({ p }) => p)
  }

  const memo = (f: (prefix: string) => boolean) => {
    const cache = new Map<string, boolean>()
    return (prefix: string) => {
      const key = foldCase(prefix)
      let v = cache.get(key)
      if (v === undefined) {
        v = f(prefix)
        cache.set(key, v)
      }
      return v
    }
  }

  const narrow = (s: Statement, where: string): string[] => {
    if (s.actions) {
      const patterns = s.actions
      const out: string[] = []
      const touched: string[] = []
      for (const p of patterns) (removal.touchesPattern(p) ? touched : out).push(p)
      const services = new Set<string>()
      for (const p of touched) {
        const service = literalService(p)
        if (service !== undefined) services.add(service)
        else {
          for (const u of universe) if (mayMatchWithPrefix(p, `${u}:`)) services.add(u)
          notes.add(
            `${where}: "${p.slice(0, 40)}" now lists the catalog's services it keeps; services not loaded in the catalog are no longer allowed by it.`,
          )
        }
      }
      const matchers = touched.map(compileActionPattern)
      const matches = (a: string) => matchers.some((m) => m(a))
      const covers = memo((prefix) => patterns.some((p) => coversAllWithPrefix(p, prefix)))
      for (const service of [...services].sort()) out.push(...expandService(service, matches, covers, where))
      return prune(out)
    }
    const notActions = s.notActions ?? []
    notes.add(
      `${where}: its NotAction now lists the catalog's services it keeps; services not loaded in the catalog are no longer allowed by it.`,
    )
    const excluded = notActions.map(compileActionPattern)
    const matches = (a: string) => !excluded.some((m) => m(a))
    const covers = memo((prefix) => !notActions.some((n) => mayMatchWithPrefix(n, prefix)))
    const out: string[] = []
    for (const service of universe) {
      if (notActions.some((n) => coversAllWithPrefix(n, `${service}:`))) continue
      out.push(...expandService(service, matches, covers, where))
    }
    return prune(out)
  }

  // 1. Every identity statement: Deny and untouched Allow verbatim, the others narrowed.
  let drafts: Draft[] = []
  for (const policy of policies) {
    if (policy.kind === 'boundary') continue
    for (const [index, statement] of policy.document.statements.entries()) {
      const base = {
        policy,
        index,
        statement,
        ...(statement.actions ? { actions: statement.actions } : {}),
        ...(statement.notActions ? { notActions: statement.notActions } : {}),
      }
      if (statement.effect === 'Deny' || !removal.touchesStatement(statement)) {
        drafts.push({ ...base, rewritten: false })
        continue
      }
      const where = `${policy.name} statement ${index + 1}${statement.sid ? ` (${statement.sid})` : ''}`
      const actions = narrow(statement, where)
      if (actions.length === 0) notes.add(`${where} allowed only removed actions: dropped.`)
      drafts.push({ policy, index, statement, rewritten: true, actions })
    }
  }

  // 2. Patterns of rewritten statements that a verbatim (or earlier rewritten) Allow statement with the
  //    same Resource, NotResource and Condition already covers.
  const byScope = new Map<string, Array<{ draft: Draft; cover?: Cover }>>()
  for (const d of drafts) {
    if (d.statement.effect !== 'Allow') continue
    const key = scopeKey(d.statement)
    let group = byScope.get(key)
    if (!group) {
      group = []
      byScope.set(key, group)
    }
    group.push({ draft: d })
  }
  for (const group of byScope.values()) {
    if (group.length < 2 || !group.some((g) => g.draft.rewritten)) continue
    const coverOfEntry = (g: { draft: Draft; cover?: Cover }) => {
      g.cover ??= coverOf(g.draft)
      return g.cover
    }
    group.forEach((g, j) => {
      const d = g.draft
      if (!d.rewritten || !d.actions?.length) return
      const others = group.filter((o, k) => k !== j && (!o.draft.rewritten || k < j))
      if (others.length === 0) return
      d.actions = d.actions.filter((p) => !others.some((o) => covers(coverOfEntry(o), p)))
      g.cover = undefined
    })
  }
  drafts = drafts.filter((d) => !d.rewritten || (d.actions?.length ?? 0) > 0)

  // 3. Identical statements once.
  const seen = new Set<string>()
  drafts = drafts.filter((d) => {
    const key = canonical([scopeKey(d.statement), d.actions, d.notActions])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })

  // 4. Sids: originals where unique, else derived from the policy's name.
  const usedSids = new Set<string>()
  const uniqueSid = (base: string) => {
    let sid = base
    for (let n = 2; usedSids.has(sid); n++) sid = `${base}${n}`
    usedSids.add(sid)
    return sid
  }
  const firstWithSid = new Map<string, Draft>()
  for (const d of drafts) {
    const sid = d.statement.sid
    if (sid !== undefined && !firstWithSid.has(sid)) {
      firstWithSid.set(sid, d)
      usedSids.add(sid)
    }
  }
  for (const d of drafts) {
    const sid = d.statement.sid
    if (sid === undefined) continue
    d.sid = firstWithSid.get(sid) === d ? sid : uniqueSid(`${sidWord(sid)}${sidWord(d.policy.name)}`)
  }

  // 5. Split what is too large for one document, then pack in order, first fit.
  const room = max - ENVELOPE
  const statements: StatementJson[] = []
  for (const d of drafts) {
    const json = toJson(d)
    if (JSON.stringify(json).length <= room) {
      statements.push(json)
      continue
    }
    const reserve = json.Sid !== undefined ? 16 : 0
    const parts = splitStatement(json, room - reserve)
    if (parts.length === 1) {
      notes.add(
        `${d.policy.name} statement ${d.index + 1} is larger than ${max} characters and cannot be split (NotAction, NotResource or Condition): its document exceeds the limit.`,
      )
      statements.push(json)
      continue
    }
    parts.forEach((part, k) => {
      statements.push(
        json.Sid !== undefined ? { ...part, Sid: uniqueSid(`${sidWord(json.Sid)}Part${k + 1}`) } : part,
      )
    })
  }
  const bins: Array<{ statements: StatementJson[]; size: number }> = []
  for (const st of statements) {
    const size = JSON.stringify(st).length
    const bin = bins.find((b) => b.size + 1 + size <= max)
    if (bin) {
      bin.statements.push(st)
      bin.size += 1 + size
    } else bins.push({ statements: [st], size: ENVELOPE + size })
  }
  const documents: PolicyJson[] = bins.map((b) => ({ Version: VERSION, Statement: b.statements }))
  if (documents.length === 0) notes.add('Nothing remains allowed: the principal needs no identity policy.')
  if (documents.length > 10)
    notes.add(
      `${documents.length} documents: more than the 10 managed policies IAM lets a principal have attached by default.`,
    )

  return {
    documents,
    removedServices: [...removal.services].sort(),
    removedActions: [...removal.actions.values()].flatMap((names) => [...names.values()]).sort(),
    notes: [...notes],
  }
}
