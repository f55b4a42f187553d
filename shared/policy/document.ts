import { parseJsonDocument } from '../cloudtrail/json.ts'

/**
 * IAM policy documents normalized once: Statement, Action, NotAction, Resource, NotResource, Principal
 * and NotPrincipal may each be a string or an array in the JSON; here they are always arrays (or absent).
 * Documents IAM returns are URL-encoded; already-decoded ones are accepted too.
 */
export interface Statement {
  sid?: string
  effect: 'Allow' | 'Deny'
  actions?: string[]
  notActions?: string[]
  resources?: string[]
  notResources?: string[]
  /** Principal as { AWS: [...], Service: [...], Federated: [...] }; `*` becomes { AWS: ['*'] }. */
  principal?: Record<string, string[]>
  notPrincipal?: Record<string, string[]>
  /** Carried, not evaluated: a grant under conditions is "conditional", not dropped. */
  conditions?: Record<string, Record<string, unknown>>
}

export interface PolicyDocument {
  statements: Statement[]
}

export type ParsedDocument = { ok: true; document: PolicyDocument } | { ok: false; reason: string }

/** Larger than any document IAM accepts (managed 6,144 characters; inline up to 10,240): refuse to evaluate. */
export const MAX_DOCUMENT_CHARS = 131_072
const DOCUMENT_KEYS = new Set(['Version', 'Id', 'Statement'])
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
])

const strings = (x: unknown): string[] | undefined => {
  if (x === undefined) return undefined
  const list = Array.isArray(x) ? x : [x]
  if (!list.every((s) => typeof s === 'string')) throw new Error('expected a string or a list of strings')
  return list as string[]
}

function principals(x: unknown): Record<string, string[]> | undefined {
  if (x === undefined) return undefined
  if (x === '*') return { AWS: ['*'] }
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error('Principal must be "*" or an object')
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, strings(v) ?? []]))
}

/** Parses a policy document (object, JSON string, or URL-encoded JSON string). Never throws. */
export function parsePolicyDocument(raw: unknown): ParsedDocument {
  if (typeof raw === 'string' && raw.length > MAX_DOCUMENT_CHARS)
    return { ok: false, reason: `document of ${raw.length} characters is larger than IAM allows` }
  const doc = typeof raw === 'string' ? parseJsonDocument(raw) : raw
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, reason: 'not a JSON object' }
  const o = doc as Record<string, unknown>
  const unknownKeys = Object.keys(o).filter((k) => !DOCUMENT_KEYS.has(k))
  if (unknownKeys.length)
    return { ok: false, reason: `unknown element ${unknownKeys.join(', ').slice(0, 80)}` }
  const list = Array.isArray(o.Statement) ? o.Statement : o.Statement !== undefined ? [o.Statement] : []
  if (list.length === 0) return { ok: false, reason: 'no Statement' }
  const statements: Statement[] = []
  for (const [i, s] of list.entries()) {
    if (!s || typeof s !== 'object' || Array.isArray(s))
      return { ok: false, reason: `Statement[${i}] is not an object` }
    const st = s as Record<string, unknown>
    const unknown = Object.keys(st).filter((k) => !STATEMENT_KEYS.has(k))
    if (unknown.length)
      return { ok: false, reason: `Statement[${i}]: unknown element ${unknown.join(', ').slice(0, 80)}` }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      return { ok: false, reason: `Statement[${i}]: Effect must be Allow or Deny` }
    if ((st.Action === undefined) === (st.NotAction === undefined))
      return { ok: false, reason: `Statement[${i}]: needs exactly one of Action and NotAction` }
    try {
      const condition = st.Condition
      if (
        condition !== undefined &&
        (!condition || typeof condition !== 'object' || Array.isArray(condition))
      )
        throw new Error('Condition must be an object')
      statements.push({
        ...(typeof st.Sid === 'string' ? { sid: st.Sid } : {}),
        effect: st.Effect,
        ...(st.Action !== undefined ? { actions: strings(st.Action) } : {}),
        ...(st.NotAction !== undefined ? { notActions: strings(st.NotAction) } : {}),
        ...(st.Resource !== undefined ? { resources: strings(st.Resource) } : {}),
        ...(st.NotResource !== undefined ? { notResources: strings(st.NotResource) } : {}),
        ...(st.Principal !== undefined ? { principal: principals(st.Principal) } : {}),
        ...(st.NotPrincipal !== undefined ? { notPrincipal: principals(st.NotPrincipal) } : {}),
        ...(condition && Object.keys(condition).length
          ? { conditions: condition as Record<string, Record<string, unknown>> }
          : {}),
      })
    } catch (err) {
      return { ok: false, reason: `Statement[${i}]: ${(err as Error).message}` }
    }
  }
  return { ok: true, document: { statements } }
}
