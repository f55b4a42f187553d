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
