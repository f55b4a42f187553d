/**
 * IAM's wildcard matching: `*` any run of characters, `?` one character. Actions compare
 * case-insensitively (service prefix and name); resources (ARNs) case-sensitively.
 */
const cache = new Map<string, RegExp>()

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`
  let re = cache.get(key)
  if (!re) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
    re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
    if (cache.size < 50_000) cache.set(key, re)
  }
  return re
}

export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true
  return compile(pattern, true).test(action)
}

export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true
  return compile(pattern, false).test(resource)
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
