import type { Statement } from '../../policy/document.ts'

/** Condition keys present in a statement, lower-cased (IAM compares them case-insensitively). */
export function conditionKeys(s: Statement): Set<string> {
  const keys = new Set<string>()
  for (const block of Object.values(s.conditions ?? {}))
    for (const key of Object.keys(block ?? {})) keys.add(key.toLowerCase())
  return keys
}

/** Conditions that pin who may assume the role to an organization, account or principal. */
const RESTRICTING = [
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
  'aws:principalorgpaths',
]

export function restricts(s: Statement): boolean {
  const keys = conditionKeys(s)
  return RESTRICTING.some((k) => keys.has(k))
}

export const allowsAssume = (s: Statement) =>
  s.effect === 'Allow' && (s.actions ?? []).some((a) => /^sts:(AssumeRole|\*)/i.test(a) || a === '*')

export function accountOfPrincipal(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) return p
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p)?.[1]
}

export const TRUST_EVENTS = ['UpdateAssumeRolePolicy', 'CreateRole'] as const
