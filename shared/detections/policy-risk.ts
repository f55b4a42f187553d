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

const ESCALATION_SET: ReadonlySet<string> = new Set(ESCALATION_ACTIONS)

/**
 * Whether an action pattern of a policy grants a privilege-escalation action: the answer of `grants` against
 * each, remembered per pattern (bounded: policies repeat a few thousand actions). A pattern without a
 * wildcard grants exactly the action it names (case-insensitively), so it is looked up instead.
 */
export function escalates(pattern: string): boolean {
  let verdict = ESCALATES.get(pattern)
  if (verdict === undefined) {
    verdict =
      pattern.includes('*') || pattern.includes('?')
        ? grantsEscalationAction(pattern)
        : ESCALATION_SET.has(pattern.toLowerCase())
    if (pattern.length <= MAX_REMEMBERED_PATTERN) {
      if (ESCALATES.size >= 10_000) ESCALATES.clear()
      ESCALATES.set(pattern, verdict)
    }
  }
  return verdict
}
const ESCALATES = new Map<string, boolean>()
/** Actions are short: a longer pattern is judged each time rather than held. */
const MAX_REMEMBERED_PATTERN = 256

/** Whether an action pattern grants a privilege-escalation action, each tried in turn: the general test. */
export const grantsEscalationAction = (pattern: string): boolean =>
  ESCALATION_ACTIONS.some((x) => grants(pattern, x))

/**
 * A document's answer remembered by its text, for documents that come as text (IAM's, URL-encoded): the same
 * policy is often put again, and reading it costs a decode and a parse. Bounded by the characters held (the
 * answers are cleared when they exceed MAX_HELD_CHARS); a document longer than any policy is not held.
 */
class ByText<T> {
  private readonly answers = new Map<string, T>()
  private held = 0
  get(doc: unknown, read: (doc: unknown) => T): T {
    if (typeof doc !== 'string') return read(doc)
    const known = this.answers.get(doc)
    if (known !== undefined || this.answers.has(doc)) return known as T
    const answer = read(doc)
    if (doc.length <= MAX_POLICY_CHARS) {
      if (this.held + doc.length > MAX_HELD_CHARS) {
        this.answers.clear()
        this.held = 0
      }
      this.answers.set(doc, answer)
      this.held += doc.length
    }
    return answer
  }
}

/** The longest policy document held (S3 bucket policies go to 20 KB, IAM's below), and all held together. */
const MAX_POLICY_CHARS = 20_480
const MAX_HELD_CHARS = 1_000_000

const RISK_BY_TEXT = new ByText<'admin' | 'escalation' | undefined>()

/** 'admin' (Allow * on *), 'escalation' (grants a privilege-escalation action), or undefined. */
export function documentRisk(doc: unknown): 'admin' | 'escalation' | undefined {
  return RISK_BY_TEXT.get(doc, readRisk)
}

function readRisk(doc: unknown): 'admin' | 'escalation' | undefined {
  let risk: 'escalation' | undefined
  for (const s of statements(doc)) {
    if (s.Effect !== 'Allow') continue
    const resources = list(s.Resource)
    const actions = list(s.Action)
    if ((actions.includes('*') || s.NotAction !== undefined) && resources.includes('*')) return 'admin'
    if (risk === undefined && actions.some(escalates)) risk = 'escalation'
  }
  return risk
}

/**
 * Who a trust policy lets assume the role: `*` (anyone, whatever the conditions: B1.9), and the AWS
 * accounts named. Service and federated principals are not accounts.
 */
export function trustedPrincipals(doc: unknown): { anyone: boolean; accounts: string[] } {
  const { anyone, accounts } = TRUST_BY_TEXT.get(doc, readTrust)
  return { anyone, accounts: [...accounts] }
}

const TRUST_BY_TEXT = new ByText<{ anyone: boolean; accounts: readonly string[] }>()

function readTrust(doc: unknown): { anyone: boolean; accounts: string[] } {
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

/** An operator without its ForAnyValue: qualifier, lower-cased. */
function operatorName(operator: string): string {
  const o = operator.toLowerCase()
  return o.startsWith('foranyvalue:') ? o.slice('foranyvalue:'.length) : o
}

const ONLY_WILDCARDS = /^[*?]+$/

/**
 * Whether one condition (operator, key, values) limits who or where: its values are the strings and numbers
 * given (trimmed); none, an empty one, one of only wildcards, or for aws:SourceIp a /0 range, does not.
 */
function narrows(operator: string, key: string, values: unknown): boolean {
  if (!NARROWING_OPERATORS.has(operatorName(operator))) return false
  const k = key.toLowerCase()
  if (!RESTRICTING_KEYS.has(k)) return false
  const sourceIp = k === 'aws:sourceip'
  if (!Array.isArray(values)) return valueNarrows(values, sourceIp) === 1
  let some = false
  for (const v of values) {
    const verdict = valueNarrows(v, sourceIp)
    if (verdict === -1) return false
    if (verdict === 1) some = true
  }
  return some
}

/** One condition value: 1 narrows, -1 does not (empty, only wildcards, a /0 range), 0 not a value (ignored). */
function valueNarrows(x: unknown, sourceIp: boolean): -1 | 0 | 1 {
  if (typeof x !== 'string' && typeof x !== 'number') return 0
  const v = String(x).trim()
  return v === '' || ONLY_WILDCARDS.test(v) || (sourceIp && v.endsWith('/0')) ? -1 : 1
}

function restricted(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false
  const c = condition as Record<string, unknown>
  for (const operator of Object.keys(c)) {
    const block = c[operator]
    if (!block || typeof block !== 'object') continue
    const b = block as Record<string, unknown>
    for (const key of Object.keys(b)) if (narrows(operator, key, b[key])) return true
  }
  return false
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
  const open: Array<{ sid?: string; actions: string[] }> = []
  for (const s of statements(doc)) {
    if (s.Effect !== 'Allow') continue
    if (!everyone(s.Principal) && (s as { NotPrincipal?: unknown }).NotPrincipal === undefined) continue
    if (restricted(s.Condition)) continue
    const sid = (s as { Sid?: unknown }).Sid
    open.push({
      ...(typeof sid === 'string' && sid ? { sid } : {}),
      actions: s.Action !== undefined ? list(s.Action) : list(s.NotAction).map((a) => `NotAction ${a}`),
    })
  }
  return open
}
