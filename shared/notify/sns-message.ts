import type { AlertMessage } from './message.ts'

/** SNS's limit for one published message: the message and every attribute's name, type and value (bytes). */
export const SNS_MAX_BYTES = 262_144

/** The SNS Publish request of an alert, without the topic. */
export interface SnsAlertMessage {
  subject: string
  /** `MessageStructure: 'json'`: a JSON object with a string per protocol. */
  message: string
  attributes: Record<string, string>
  /** True when parts were cut to fit {@link SNS_MAX_BYTES}. */
  truncated: boolean
}

/**
 * The machine form as SQS and Lambda subscribers receive it: the alert's JSON detail (verbatim strings),
 * with the subject and the readable text, so a consumer that forwards alerts (a ticket, a log) has them.
 */
export function machineBody(alert: Pick<AlertMessage, 'json' | 'subject' | 'text'>): Record<string, unknown> {
  return { ...alert.json, subject: alert.subject, text: alert.text }
}

const TRUNCATED_TEXT =
  "[truncated to fit SNS's 256 KB message limit: the full finding is in the findings table (iamwatch history)]"

/**
 * One publish, a body per protocol (SNS `MessageStructure: 'json'`; SNS requires the `default` key, and
 * sends it to every protocol without a key of its own):
 * - `default`: the machine JSON ({@link machineBody}). It is what `sqs`, `lambda`, `http`, `email-json`
 *   (inside its JSON envelope), `firehose` and `application` subscribers get: programs, that parse it.
 *   Not repeated under `sqs` / `lambda`: SNS gives them `default`, and each copy counts against the
 *   256 KB.
 * - `email`: the readable text, as before.
 * - `https`: the AWS Chatbot custom notification (Chatbot subscribes to the topic over HTTPS). Any other
 *   HTTPS endpoint subscribed to the topic receives the card too.
 * - `sms`: the subject (one line, printable ASCII, at most 100 characters), not a JSON document split
 *   into ten text messages.
 * The subject and the message attributes are as before (subscriptions filter on the attributes;
 * `detail` still carries the JSON detail for existing raw-delivery consumers).
 *
 * The whole (message and attributes) is kept under SNS's 256 KB: when it would not fit, long strings
 * and long lists of the JSON detail are cut with a marker, the text is cut with a note, and
 * `truncated: true` is set in the JSON; the finding itself is whole in the findings table.
 */
export function snsAlertMessage(alert: AlertMessage, maxBytes: number = SNS_MAX_BYTES): SnsAlertMessage {
  for (const level of LEVELS) {
    const candidate = render(alert, level)
    if (size(candidate) <= maxBytes) return candidate
  }
  return render(minimal(alert), LEVELS[LEVELS.length - 1]!)
}

/** How hard to cut: the longest string kept, the most entries of an object or array, the longest text. */
interface Level {
  string: number
  items: number
  text: number
}

const LEVELS: readonly (Level | undefined)[] = [
  undefined,
  { string: 8192, items: 200, text: 64_000 },
  { string: 2048, items: 100, text: 32_000 },
  { string: 512, items: 40, text: 16_000 },
  { string: 128, items: 20, text: 8000 },
  { string: 64, items: 10, text: 2000 },
] as const

function render(alert: AlertMessage, level: Level | undefined): SnsAlertMessage {
  const json = level
    ? { ...(capJson(alert.json, level) as Record<string, unknown>), truncated: true }
    : alert.json
  const text = level ? capText(alert.text, level.text) : alert.text
  const body = JSON.stringify(machineBody({ json, subject: alert.subject, text }))
  const message = JSON.stringify({
    default: body,
    email: text,
    https: JSON.stringify(alert.chatbot),
    sms: alert.subject,
  })
  return {
    subject: alert.subject,
    message,
    attributes: { ...alert.attributes, detail: JSON.stringify(json) },
    truncated: level !== undefined,
  }
}

/** The bytes SNS counts: the message, and each attribute's name, data type (`String`) and value. */
export function size(m: Pick<SnsAlertMessage, 'message' | 'attributes'>): number {
  let total = Buffer.byteLength(m.message, 'utf8')
  for (const [name, value] of Object.entries(m.attributes))
    total += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8')
  return total
}

/** The identifying fields only: what is left when even the most cut form does not fit. */
function minimal(alert: AlertMessage): AlertMessage {
  const keep = [
    'schema',
    'transitionId',
    'transition',
    'findingId',
    'seq',
    'at',
    'checkId',
    'detectionId',
    'severity',
    'accountId',
    'region',
  ]
  return {
    ...alert,
    json: Object.fromEntries(Object.entries(alert.json).filter(([k]) => keep.includes(k))),
    attributes: Object.fromEntries(Object.entries(alert.attributes).map(([k, v]) => [k, cutString(v, 256)])),
  }
}

function cutString(s: string, max: number): string {
  if (s.length <= max) return s
  let end = max
  if (/[\uD800-\uDBFF]/.test(s[end - 1]!)) end--
  return `${s.slice(0, end)}... [truncated ${s.length - end} characters]`
}

function capJson(value: unknown, level: Level): unknown {
  if (typeof value === 'string') return cutString(value, level.string)
  if (Array.isArray(value)) {
    const kept = value.slice(0, level.items).map((v) => capJson(v, level))
    return value.length > level.items ? [...kept, `... [${value.length - level.items} more truncated]`] : kept
  }
  if (value && typeof value === 'object') {
    const all = Object.entries(value)
    const kept = all.slice(0, level.items).map(([k, v]) => [cutString(k, level.string), capJson(v, level)])
    if (all.length > level.items) kept.push(['...', `${all.length - level.items} more entries truncated`])
    return Object.fromEntries(kept)
  }
  return value
}

/** The text with long lines cut, and cut as a whole with a note. */
function capText(text: string, max: number): string {
  const lineMax = Math.max(Math.floor(max / 8), 200)
  const lines = text.split('\n').map((l) => cutString(l, lineMax))
  let joined = lines.join('\n')
  if (joined.length > max) joined = cutString(joined, max)
  return `${joined}\n\n${TRUNCATED_TEXT}`
}
