import { globMatches } from './wildcard.ts'

/**
 * IAM's wildcard matching: `*` any run of characters, `?` one character. Actions compare
 * case-insensitively (service prefix and name); resources (ARNs) case-sensitively. Linear-time
 * matching (see wildcard.ts): policies are attacker-influenced input, and a pattern of many stars
 * must not stall the evaluation of every policy in the account.
 */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true)
}

export function resourceMatches(pattern: string, resource: string): boolean {
  return globMatches(pattern, resource, false)
}

/**
 * ArnLike / ArnEquals: the six colon-separated components of the ARN are compared one by one,
 * case-sensitively, each with `*` and `?` wildcards (the last component keeps any further colons), so
 * a wildcard never reaches across a component. `*` alone matches any value.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true
  const p = arnComponents(pattern)
  const a = arnComponents(arn)
  if (!p || !a) return false
  return p.every((component, i) => resourceMatches(component, a[i]!))
}

function arnComponents(arn: string): string[] | undefined {
  const parts = arn.split(':')
  if (parts.length < 6) return undefined
  return [...parts.slice(0, 5), parts.slice(5).join(':')]
}
