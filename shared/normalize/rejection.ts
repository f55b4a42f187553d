/** A piece of input that could not be used, with the reason. Logged and counted; never thrown. */
export interface Rejection {
  source: string
  reason: string
  /** 1-based line of the input, where there is one. */
  line?: number
  /** The principal or record it concerns, sanitized for logs. */
  subject?: string
}

/** Makes an attacker-controlled string safe to log: printable ASCII only, bounded length. */
export function sanitizeForLog(value: unknown, max = 128): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const printable = text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  return printable.length > max ? `${printable.slice(0, max)}…(${text.length} chars)` : printable
}
