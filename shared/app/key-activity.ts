import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { parseCloudTrail } from '../cloudtrail/input.ts'
import { detect } from '../detections/engine.ts'
import { judgeSightings } from '../detections/evaluate.ts'
import type { SightingStore } from '../detections/first-seen.ts'
import { QUEUE_INDEX } from '../detections/routes.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import { type EventDeps, type FiredResult, recordFired, settingsFor } from './on-event.ts'

export interface KeyActivityDeps extends EventDeps {
  sightings: SightingStore
}

/** One SQS message of the batch (what the event source mapping delivers). */
interface SqsMessage {
  messageId: string
  body: string
}

/** Lambda's partial-batch response: the messages to deliver again (the others are deleted). */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>
}

export interface KeyActivitySummary {
  messages: number
  processed: number
  rejected: number
  /** Messages whose processing failed: delivered again by SQS, and dead-lettered after maxReceiveCount. */
  failed: number
  fired: FiredResult[]
  response: BatchResponse
}

/** The SQS event's messages; anything else is not an SQS batch (thrown: a wiring error, not bad data). */
function messagesOf(input: unknown): SqsMessage[] {
  const records = (input as { Records?: unknown } | null)?.Records
  if (!Array.isArray(records)) throw new Error('on-key-activity expects an SQS event ({"Records": [...]})')
  return records.map((r, i) => {
    const m = (r ?? {}) as Record<string, unknown>
    return {
      messageId: typeof m.messageId === 'string' ? m.messageId : `#${i}`,
      body: typeof m.body === 'string' ? m.body : '',
    }
  })
}

/**
 * The queue's detections for events judged outside a queue batch (`iamwatch replay --table`): what each
 * event fired, in order; a failure is thrown.
 */
export async function recordQueueDetections(
  events: readonly CloudTrailEvent[],
  deps: Omit<KeyActivityDeps, 'sightings'> & { sightings?: SightingStore },
): Promise<FiredResult[][]> {
  if (!deps.sightings) return events.map(() => [])
  const settings = settingsFor(deps)
  const judged = events.map((event) => ({ event, result: detect(event, settings, QUEUE_INDEX) }))
  const fired = await judgeSightings(judged, settings, deps.sightings)
  const out: FiredResult[][] = []
  for (const [i, event] of events.entries()) out.push(await recordFired(event, fired[i] ?? [], deps))
  return out
}

/**
 * A batch of CloudTrail events from the key-activity queue (EventBridge -> SQS -> here): every API call made
 * with a long-term access key. Each message is parsed on its own (a bad one is logged, counted and deleted:
 * retrying cannot fix it); the batch's sightings are judged together, each key's baseline read and written
 * once; what fired is recorded like any detection, idempotent on the event. A message whose judgement or
 * recording failed is reported back for redelivery; the rest of the batch is done.
 */
export async function handleKeyActivity(input: unknown, deps: KeyActivityDeps): Promise<KeyActivitySummary> {
  const messages = messagesOf(input)
  const settings = settingsFor(deps)
  const failed = new Set<string>()
  const summary: KeyActivitySummary = {
    messages: messages.length,
    processed: 0,
    rejected: 0,
    failed: 0,
    fired: [],
    response: { batchItemFailures: [] },
  }
  const judged: Array<{ messageId: string; event: CloudTrailEvent; result: ReturnType<typeof detect> }> = []
  for (const m of messages) {
    const parsed = parseCloudTrail(m.body)
    for (const r of parsed.rejections)
      deps.log.warn('cloudtrail record rejected', { ...r, messageId: sanitizeForLog(m.messageId) })
    summary.rejected += parsed.rejections.length
    for (const event of parsed.events)
      judged.push({ messageId: m.messageId, event, result: detect(event, settings, QUEUE_INDEX) })
  }
  let fired: Awaited<ReturnType<typeof judgeSightings>>
  try {
    fired = await judgeSightings(judged, settings, deps.sightings)
  } catch (err) {
    // The baselines could not be read or written: the whole batch comes back (idempotent on each event).
    deps.log.error('first-seen judgement failed; the batch will be delivered again', {
      error: String((err as Error)?.message ?? err),
    })
    return fail(
      summary,
      messages.map((m) => m.messageId),
    )
  }
  for (const [i, { messageId, event }] of judged.entries()) {
    if (failed.has(messageId)) continue
    try {
      summary.fired.push(...(await recordFired(event, fired[i] ?? [], deps)))
      summary.processed++
    } catch (err) {
      deps.log.error('recording a detection failed; the message will be delivered again', {
        messageId: sanitizeForLog(messageId),
        eventKey: event.eventKey,
        error: String((err as Error)?.message ?? err),
      })
      failed.add(messageId)
    }
  }
  const now = (deps.now?.() ?? new Date()).toISOString()
  await deps.store.records.countEvents(now.slice(0, 10), summary.processed, summary.rejected, now)
  return fail(summary, [...failed])
}

function fail(summary: KeyActivitySummary, messageIds: readonly string[]): KeyActivitySummary {
  summary.failed = messageIds.length
  summary.response = { batchItemFailures: messageIds.map((itemIdentifier) => ({ itemIdentifier })) }
  return summary
}
