import type { ActionCatalog } from './catalog.ts'
import type { Statement } from './document.ts'
import { evaluateAction, type HeldPolicy } from './evaluate.ts'
import { foldCase, globMatches } from './wildcard.ts'

/**
 * What a principal can actually do, service by service: the catalog's actions its policies allow on
 * some resource once Deny statements have subtracted and permissions boundaries have capped
 * (evaluateAction without a resource). A grant under conditions counts as granted ('conditional').
 *
 * Also the pattern algebra the recommendation needs: whether an IAM action pattern can match some
 * action that starts with a given prefix, and whether it matches every such action.
 */
export type Granted = 'allowed' | 'conditional'

const STAR = 42 // '*'
const QUESTION = 63 // '?'

/**
 * The positions of `pattern` (folded) that are live after reading `text` (folded) with IAM's glob
 * semantics: a Thompson simulation, O(pattern × text), whatever the number of stars.
 */
function liveStates(pattern: string, text: string): Set<number> {
  const m = pattern.length
  const close = (set: Set<number>, start: number) => {
    for (let i = start; !set.has(i); i++) {
      set.add(i)
      if (i >= m || pattern.charCodeAt(i) !== STAR) return
    }
  }
  let current = new Set<number>()
  close(current, 0)
  for (let k = 0; k < text.length && current.size > 0; k++) {
    const c = text.charCodeAt(k)
    const next = new Set<number>()
    for (const i of current) {
      if (i === m) continue
      const pc = pattern.charCodeAt(i)
      if (pc === STAR) close(next, i)
      else if (pc === QUESTION || pc === c) close(next, i + 1)
    }
    current = next
  }
  return current
}

/**
 * Whether the action pattern matches at least one action that starts with `prefix` (exact). Actions
 * are `service:Name` with one colon: when the prefix already holds the colon, only continuations
 * without another colon count (so `*:List*` can match no action that starts with `s3:Get`).
 */
export function mayMatchWithPrefix(pattern: string, prefix: string): boolean {
  if (pattern === '*') return true
  const p = foldCase(pattern)
  const l = foldCase(prefix)
  const pastColon = l.includes(':')
  const shape = simpleShape(p)
  if (shape === 'literal') return p.startsWith(l) && !(pastColon && p.slice(l.length).includes(':'))
  if (shape === 'prefix') {
    const stem = p.slice(0, -1)
    return l.startsWith(stem) || (stem.startsWith(l) && !(pastColon && stem.slice(l.length).includes(':')))
  }
  const live = liveStates(p, l)
  if (!pastColon) return live.size > 0
  const lastColon = p.lastIndexOf(':')
  for (const i of live) if (i > lastColon) return true
  return false
}

/** `literal` (no wildcard), `prefix` (one trailing star, no `?`), or anything else. */
function simpleShape(p: string): 'literal' | 'prefix' | 'other' {
  if (p.includes('?')) return 'other'
  const star = p.indexOf('*')
  return star < 0 ? 'literal' : star === p.length - 1 ? 'prefix' : 'other'
}

/**
 * Whether the action pattern matches every string that starts with `prefix` (sound: true only when it
 * does, for any string, one colon or more; `s3:*` covers `s3:Get`, `*` covers everything,
 * `s3:Get*Object` covers no prefix `s3:Get`).
 */
export function coversAllWithPrefix(pattern: string, prefix: string): boolean {
  if (pattern === '*') return true
  const p = foldCase(pattern)
  const shape = simpleShape(p)
  if (shape === 'literal') return false
  if (shape === 'prefix') return foldCase(prefix).startsWith(p.slice(0, -1))
  let trailing = p.length
  while (trailing > 0 && p.charCodeAt(trailing - 1) === STAR) trailing--
  if (trailing === p.length) return false
  for (const i of liveStates(p, foldCase(prefix))) if (i >= trailing && i < p.length) return true
  return false
}

/** A matcher of action strings already folded (foldCase) against one pattern. */
export type FoldedMatcher = (foldedAction: string) => boolean

/**
 * The pattern compiled for folded action strings: the same answers as actionMatches(pattern, action)
 * for `foldCase(action)`, with the common shapes (`*`, a literal, `prefix*`) answered without glob.
 */
export function compileActionPattern(pattern: string): FoldedMatcher {
  if (pattern === '*') return () => true
  const p = foldCase(pattern)
  const star = p.indexOf('*')
  if (!p.includes('?')) {
    if (star < 0) return (a) => a === p
    if (star === p.length - 1) {
      const prefix = p.slice(0, -1)
      return (a) => a.startsWith(prefix)
    }
  }
  return (a) => globMatches(p, a, false)
}

/** The service of a pattern whose service part has no wildcard (`s3:Get*` -> `s3`); else undefined. */
export function literalService(pattern: string): string | undefined {
  const colon = pattern.indexOf(':')
  if (colon <= 0) return undefined
  const service = pattern.slice(0, colon)
  return /[*?]/.test(service) ? undefined : service.toLowerCase()
}

/** Whether the statement can cover any action of the service (sound: false only when it cannot). */
export function statementMayCoverService(s: Statement, service: string): boolean {
  const prefix = `${service}:`
  if (s.actions) return s.actions.some((p) => mayMatchWithPrefix(p, prefix))
  return !(s.notActions ?? []).some((p) => coversAllWithPrefix(p, prefix))
}

/** Effective permissions of one principal, memoized per service. */
export interface EffectiveView {
  /** The service's catalog actions allowed on some resource (empty when the service is not loaded). */
  allowed(service: string): ReadonlyMap<string, Granted>
  /** Whether any catalog action of the service is allowed (stops at the first). */
  anyAllowed(service: string): boolean
  /** One action (`service:Action`, catalogued or not) allowed on some resource, or undefined. */
  grant(action: string): Granted | undefined
}

const views = new WeakMap<readonly HeldPolicy[], WeakMap<ActionCatalog, EffectiveView>>()

/**
 * The effective view of `policies` (identity policies and boundaries, as evaluateAction takes them)
 * against `catalog`. Memoized on the identity of both: policies and their documents are treated as
 * immutable.
 */
export function effectiveView(policies: readonly HeldPolicy[], catalog: ActionCatalog): EffectiveView {
  let byCatalog = views.get(policies)
  if (!byCatalog) {
    byCatalog = new WeakMap()
    views.set(policies, byCatalog)
  }
  let view = byCatalog.get(catalog)
  if (!view) {
    view = createView(policies, catalog)
    byCatalog.set(catalog, view)
  }
  return view
}

function createView(policies: readonly HeldPolicy[], catalog: ActionCatalog): EffectiveView {
  const relevant = new Map<string, HeldPolicy[]>()
  const allowedMaps = new Map<string, ReadonlyMap<string, Granted>>()
  const any = new Map<string, boolean>()
  /** Only the statements that can touch the service: the same decisions for its actions, fewer matches. */
  const policiesFor = (service: string): HeldPolicy[] => {
    let list = relevant.get(service)
    if (!list) {
      list = policies.map((p) => ({
        ...p,
        document: { statements: p.document.statements.filter((s) => statementMayCoverService(s, service)) },
      }))
      relevant.set(service, list)
    }
    return list
  }
  const decisions = new Map<string, Map<string, Granted | null>>()
  const decide = (service: string, action: string): Granted | undefined => {
    let byAction = decisions.get(service)
    if (!byAction) {
      byAction = new Map()
      decisions.set(service, byAction)
    }
    let granted = byAction.get(action)
    if (granted === undefined) {
      const decision = evaluateAction(policiesFor(service), action).decision
      granted = decision === 'denied' ? null : decision
      byAction.set(action, granted)
    }
    return granted ?? undefined
  }
  return {
    allowed(service) {
      const key = service.toLowerCase()
      let map = allowedMaps.get(key)
      if (!map) {
        const m = new Map<string, Granted>()
        for (const action of catalog.actions(key) ?? []) {
          const granted = decide(key, action)
          if (granted) m.set(action, granted)
        }
        map = m
        allowedMaps.set(key, map)
        any.set(key, m.size > 0)
      }
      return map
    },
    anyAllowed(service) {
      const key = service.toLowerCase()
      let result = any.get(key)
      if (result === undefined) {
        result = (catalog.actions(key) ?? []).some((action) => decide(key, action) !== undefined)
        any.set(key, result)
      }
      return result
    },
    grant(action) {
      const colon = action.indexOf(':')
      return colon > 0 ? decide(action.slice(0, colon).toLowerCase(), action) : undefined
    },
  }
}

/**
 * The service's catalog actions the policies allow on some resource, after Deny subtraction and
 * boundary caps: action (`s3:GetObject`) to 'allowed' or 'conditional'. Empty when the catalog does
 * not hold the service.
 */
export function allowedActions(
  policies: readonly HeldPolicy[],
  catalog: ActionCatalog,
  service: string,
): Map<string, Granted> {
  return new Map(effectiveView(policies, catalog).allowed(service))
}

/** The catalog's services of which the policies allow at least one action, sorted. */
export function allowedServices(policies: readonly HeldPolicy[], catalog: ActionCatalog): string[] {
  const view = effectiveView(policies, catalog)
  return catalog
    .services()
    .filter((s) => view.anyAllowed(s))
    .sort()
}
