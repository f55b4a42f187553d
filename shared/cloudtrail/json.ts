/** The document of a record that has none (most have no additionalEventData): one for all, never written. */
const NO_DOCUMENT: Readonly<Record<string, unknown>> = Object.freeze({})

/**
 * Policy documents and other nested JSON sometimes arrive as strings (and IAM's as URL-encoded strings).
 * What is not an object reads as an empty one (shared and frozen: documents are read, never written).
 */
export function asObject(raw: unknown): Readonly<Record<string, unknown>> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>
  if (typeof raw === 'string') {
    const parsed = parseJsonDocument(raw)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  }
  return NO_DOCUMENT
}

/** Parses a JSON document given as a string, URL-encoded or not; undefined when it is neither. */
export function parseJsonDocument(raw: string): unknown {
  // URL-encoded text (IAM's policies: "%7B%22Version...") is never JSON as it is: decode it without trying.
  if (!urlEncodedStart(raw)) {
    try {
      return JSON.parse(raw)
    } catch {
      // try the decoded form
    }
  }
  const decoded = safeDecode(raw)
  if (decoded === undefined) return undefined
  try {
    return JSON.parse(decoded)
  } catch {
    return undefined
  }
}

/** The first character that is not JSON whitespace is `%`. */
function urlEncodedStart(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c === 0x25
  }
  return false
}

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
