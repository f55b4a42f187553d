import { parseJsonDocument } from '../cloudtrail/json.ts'

/**
 * A quick reading of a policy document carried in an event, for severity escalation. (The full policy
 * engine, with Deny subtraction and conditions, judges posture; an alert only needs to know whether the
 * new document is obviously dangerous.)
 */
type Statement = {
  Effect?: string
  Action?: unknown
  NotAction?: unknown
  Resource?: unknown
  Principal?: unknown
  Condition?: unknown
}

export function statements(doc: unknown): Statement[] {
  const parsed = typeof doc === 'string' ? parseJsonDocument(doc) : doc
  if (!parsed || typeof parsed !== 'object') return []
  const s = (parsed as { Statement?: unknown }).Statement
  const list = Array.isArray(s) ? s : s ? [s] : []
  return list.filter((x): x is Statement => !!x && typeof x === 'object')
}

const list = (x: unknown): string[] =>
  Array.isArray(x) ? x.filter((y) => typeof y === 'string') : typeof x === 'string' ? [x] : []

const ESCALATION_ACTIONS = [
  'iam:createpolicyversion',
  'iam:setdefaultpolicyversion',
  'iam:createloginprofile',
  'iam:updateloginprofile',
  'iam:createaccesskey',
  'iam:attachuserpolicy',
  'iam:attachgrouppolicy',
  'iam:attachrolepolicy',
  'iam:putuserpolicy',
  'iam:putgrouppolicy',
  'iam:putrolepolicy',
  'iam:addusertogroup',
  'iam:updateassumerolepolicy',
  'iam:passrole',
  'lambda:updatefunctioncode',
  'glue:updatedevendpoint',
]

const compiled = new Map<string, RegExp>()

function grants(pattern: string, action: string): boolean {
  let re = compiled.get(pattern)
  if (!re) {
    const source = pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
    re = new RegExp(`^${source}$`)
    if (compiled.size < 10_000) compiled.set(pattern, re)
  }
  return re.test(action)
}

/** 'admin' (Allow * on *), 'escalation' (grants a privilege-escalation action), or undefined. */
export function documentRisk(doc: unknown): 'admin' | 'escalation' | undefined {
  let risk: 'escalation' | undefined
  for (const s of statements(doc)) {
    if (s.Effect !== 'Allow') continue
    const resources = list(s.Resource)
    const actions = list(s.Action)
    if ((actions.includes('*') || s.NotAction !== undefined) && resources.includes('*')) return 'admin'
    if (actions.some((a) => ESCALATION_ACTIONS.some((x) => grants(a, x)))) risk = 'escalation'
  }
  return risk
}

/**
 * Who a trust policy lets assume the role: `*` (anyone, whatever the conditions: B1.9), and the AWS
 * accounts named. Service and federated principals are not accounts.
 */
export function trustedPrincipals(doc: unknown): { anyone: boolean; accounts: string[] } {
  const accounts = new Set<string>()
  let anyone = false
  for (const s of statements(doc)) {
    if (s.Effect !== 'Allow') continue
    const p = s.Principal
    if (p === '*') anyone = true
    const aws = p && typeof p === 'object' ? list((p as { AWS?: unknown }).AWS) : []
    for (const entry of aws) {
      if (entry === '*') anyone = true
      else if (/^\d{1,12}$/.test(entry)) accounts.add(entry)
      else {
        const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d+):/.exec(entry)
        if (m) accounts.add(m[1]!)
      }
    }
  }
  return { anyone, accounts: [...accounts] }
}

/**
 * Condition keys that pin a resource policy's grant to an organization, an account, a principal or a network
 * (lower-cased: IAM compares condition keys case-insensitively).
 */
const RESTRICTING_KEYS = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
])

/**
 * Operators under which such a key narrows the grant. The negated ones (StringNotEquals, NotIpAddress, ...),
 * Null, the ...IfExists forms (true when the key is absent) and ForAllValues: (true for an empty set) do not.
 */
const NARROWING_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
  'ipaddress',
])

const conditionValues = (x: unknown): string[] =>
  (Array.isArray(x) ? x : [x]).flatMap((v) =>
    typeof v === 'string' || typeof v === 'number' ? [String(v).trim()] : [],
  )

/** Whether one condition (operator, key, values) limits who or where: a value of only wildcards, or a /0 range, does not. */
function narrows(operator: string, key: string, values: unknown): boolean {
  if (!NARROWING_OPERATORS.has(operator.toLowerCase().replace(/^foranyvalue:/, ''))) return false
  const k = key.toLowerCase()
  if (!RESTRICTING_KEYS.has(k)) return false
  const vs = conditionValues(values)
  if (vs.length === 0 || vs.some((v) => v === '' || /^[*?]+$/.test(v))) return false
  return !(k === 'aws:sourceip' && vs.some((v) => v.endsWith('/0')))
}

function restricted(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false
  return Object.entries(condition as Record<string, unknown>).some(
    ([operator, block]) =>
      !!block &&
      typeof block === 'object' &&
      Object.entries(block as Record<string, unknown>).some(([key, values]) =>
        narrows(operator, key, values),
      ),
  )
}

/** `"*"` and `{"AWS": "*"}` (or a list holding it) are the same principal: everyone, anonymous callers included. */
function everyone(principal: unknown): boolean {
  if (principal === '*') return true
  return (
    !!principal && typeof principal === 'object' && list((principal as { AWS?: unknown }).AWS).includes('*')
  )
}

/**
 * The Allow statements of a resource policy (a bucket policy, ...) that open it to everyone: Principal `*` or
 * `{"AWS": "*"}`, or a NotPrincipal (everyone but the principals named), without a condition that narrows the
 * grant to an organization, account, principal or network (aws:PrincipalOrgID, aws:SourceVpc(e),
 * aws:SourceAccount, aws:SourceArn, aws:SourceIp, aws:PrincipalAccount, aws:PrincipalArn, ...). Lenient: a
 * document it cannot read has none.
 */
export function publicStatements(doc: unknown): Array<{ sid?: string; actions: string[] }> {
  return statements(doc)
    .filter((s) => s.Effect === 'Allow')
    .filter((s) => everyone(s.Principal) || (s as { NotPrincipal?: unknown }).NotPrincipal !== undefined)
    .filter((s) => !restricted(s.Condition))
    .map((s) => {
      const sid = (s as { Sid?: unknown }).Sid
      return {
        ...(typeof sid === 'string' && sid ? { sid } : {}),
        actions: s.Action !== undefined ? list(s.Action) : list(s.NotAction).map((a) => `NotAction ${a}`),
      }
    })
}
