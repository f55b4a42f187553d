/** Policy documents and other nested JSON sometimes arrive as strings (and IAM's as URL-encoded strings). */
export function asObject(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>
  if (typeof raw === 'string') {
    const parsed = parseJsonDocument(raw)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  }
  return {}
}

/** Parses a JSON document given as a string, URL-encoded or not; undefined when it is neither. */
export function parseJsonDocument(raw: string): unknown {
  for (const candidate of [raw, safeDecode(raw)]) {
    if (candidate === undefined) continue
    try {
      return JSON.parse(candidate)
    } catch {
      // try the next form
    }
  }
  return undefined
}

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
