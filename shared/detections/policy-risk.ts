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
