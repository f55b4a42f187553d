import type { CloudTrailSummary } from '../shared/app/cloudtrail-events.ts'
import type { FindingsRepository } from '../shared/engine/repository.ts'
import { matchesPattern } from '../shared/eventbridge/match.ts'
import { type RulePattern, rulePatterns, toEventBridge } from '../shared/eventbridge/patterns.ts'
import type { BatchReport } from './queue-poller.ts'

/** What the on-cloudtrail-event Lambda returns for one invocation. */
export type HandlerSummary = Omit<CloudTrailSummary, 'perEvent'>

/** One CloudTrail record's way through the local event path. */
export interface Delivery {
  eventId: string
  eventName: string
  /** The account whose trail recorded it (its recipientAccountId): the envelope's `account`. */
  account: string
  /**
   * A record of another account of the organization: the rules of that account that forwarded it to the
   * central bus (empty: none did, and it never reached iamwatch). Undefined for the central account's own.
   */
  forwardedBy?: string[]
  /** The generated EventBridge rules targeting the handler that matched (none: the handler never sees it). */
  routed: string[]
  /** The handler's answer, when a rule routed the event to it. */
  summary?: HandlerSummary
  /** What the handler threw (EventBridge would retry, then dead-letter). */
  error?: unknown
  /**
   * When a rule targeting the key-activity queue matched: the rules, and the SQS message EventBridge sent
   * (or why sending failed). on-key-activity reads it later, in a batch.
   */
  queued?: { rules: string[]; messageId?: string; error?: unknown }
  /** From the record's delivery to the handler's answer (and the queue's acceptance). */
  ms: number
}

/**
 * CloudTrail -> EventBridge -> targets, locally: each record is put in the envelope EventBridge gives it (its
 * `account` the record's recipientAccountId) and matched against the rules generated from the detections
 * (shared/eventbridge/patterns.ts). A matching rule whose target is the handler passes the envelope to the
 * real on-cloudtrail-event handler (the handler rules are disjoint: one invocation per event, as in AWS); a
 * matching rule whose target is the queue sends the envelope to the key-activity SQS queue (`enqueue`: one
 * SendMessage per event, as EventBridge's SQS target does), which a poller drains into on-key-activity in
 * batches. Both targets get the same event, in parallel. `afterDelivery` runs after each record (the demo
 * and `npm run local` let the pollers run there).
 *
 * An organization: a record of another account (a member's) reaches this account's bus only through that
 * account's own rules (`forwarding`: the member template's `iamwatch-forward-*` rules that match it), and
 * then meets the same rules; a record no rule forwards stays in its account. EventBridge puts one copy on
 * the central bus per member rule that matched (a member's call signed with an access key matches its `iam`
 * and `access-keys` rules: two copies, which the handlers, idempotent on the event, record once); here it
 * arrives once.
 */
export function eventPath(options: {
  accountId: string
  handle: (envelope: Record<string, unknown>) => Promise<HandlerSummary>
  /** Sends an envelope to the key-activity queue; resolves with the SQS message id. */
  enqueue: (envelope: Record<string, unknown>) => Promise<string>
  rules?: RulePattern[]
  /**
   * An organization: given the envelope of another account's record, the names of that account's rules
   * that forward it to this account's default bus. Without it, every record reaches this account's bus.
   */
  forwarding?: (envelope: Record<string, unknown>) => string[]
  afterDelivery?: (delivery: Delivery) => Promise<void> | void
}): (record: Record<string, unknown>) => Promise<Delivery> {
  const rules = options.rules ?? rulePatterns()
  return async (record) => {
    const started = performance.now()
    const recipient = record.recipientAccountId
    const account =
      typeof recipient === 'string' && /^\d{12}$/.test(recipient) ? recipient : options.accountId
    const envelope = toEventBridge(record, account)
    // Forwarding keeps the event as it is (its account, its id): the central bus's rules match the same envelope.
    const forwardedBy =
      account !== options.accountId && options.forwarding ? options.forwarding(envelope) : undefined
    const matched = forwardedBy?.length === 0 ? [] : rules.filter((r) => matchesPattern(r.pattern, envelope))
    const routed = matched.filter((r) => r.target === 'handler').map((r) => r.name)
    const queueRules = matched.filter((r) => r.target === 'queue').map((r) => r.name)
    const delivery: Delivery = {
      eventId: String(record.eventID ?? ''),
      eventName: String(record.eventName ?? ''),
      account,
      ...(forwardedBy ? { forwardedBy } : {}),
      routed,
      ms: 0,
    }
    await Promise.all([
      routed.length > 0 &&
        options.handle(envelope).then(
          (summary) => {
            delivery.summary = summary
          },
          (err) => {
            delivery.error = err
          },
        ),
      queueRules.length > 0 &&
        options.enqueue(envelope).then(
          (messageId) => {
            delivery.queued = { rules: queueRules, messageId }
          },
          (error) => {
            delivery.queued = { rules: queueRules, error }
          },
        ),
    ])
    delivery.ms = performance.now() - started
    await options.afterDelivery?.(delivery)
    return delivery
  }
}

/**
 * "rule iam -> admin-policy-attached, iam-policy-change; posture of user/bob re-evaluated; rule access-keys
 * -> key-activity queue"
 */
export function describeDelivery(d: Delivery): string {
  if (d.forwardedBy?.length === 0)
    return `not forwarded: account ${d.account} has no rule that sends it to the central bus (iamwatch never sees it)`
  const via = d.forwardedBy ? `forwarded by account ${d.account}'s ${d.forwardedBy.join(', ')}; ` : ''
  if (d.routed.length === 0 && !d.queued) return `${via}no rule matches (the event reaches no target)`
  const parts: string[] = []
  if (d.routed.length > 0) {
    if (d.error)
      parts.push(
        `rule ${d.routed.join(', ')} -> handler failed: ${String((d.error as Error)?.message ?? d.error)}`,
      )
    else {
      const s = d.summary!
      const fired = s.fired.map((f) =>
        f.result === 'duplicate' ? `${f.detectionId} (duplicate: ignored)` : f.detectionId,
      )
      const posture = s.reevaluated.length ? `; posture of ${s.reevaluated.join(', ')} re-evaluated` : ''
      parts.push(`rule ${d.routed.join(', ')} -> ${fired.join(', ') || 'nothing'}${posture}`)
    }
  }
  if (d.queued) {
    const q = d.queued
    parts.push(
      q.error
        ? `rule ${q.rules.join(', ')} -> sending to the key-activity queue failed: ${String((q.error as Error)?.message ?? q.error)}`
        : `rule ${q.rules.join(', ')} -> key-activity queue`,
    )
  }
  return via + parts.join('; ')
}

/** What one on-key-activity invocation recorded: each detection's finding write, applied or a duplicate. */
export interface QueueOutcome {
  detectionId: string
  result: string
}

/**
 * Watches a findings store's detection writes (each transition a detection records, applied, or found to
 * be a duplicate of its event's) so the local tools can say what each on-key-activity batch recorded: the
 * handler answers only with its batch item failures. Give it the store of the key-activity deps alone.
 * Returns a function handing over (and forgetting) what was written since its last call.
 */
export function watchDetections(
  store: Pick<FindingsRepository, 'applyEventTransition'>,
): () => QueueOutcome[] {
  const seen: QueueOutcome[] = []
  const apply = store.applyEventTransition.bind(store)
  store.applyEventTransition = async (t, marker) => {
    const result = await apply(t, marker)
    if (result !== 'conflict') seen.push({ detectionId: t.finding.checkId, result })
    return result
  }
  return () => seen.splice(0)
}

/**
 * "batch 7: 1 message (GetCallerIdentity, received twice) -> on-key-activity: access-key-new-network
 * (duplicate: ignored); deleted (12 ms)" (batch n is the poller's n-th invocation of the handler)
 */
export function describeBatch(b: BatchReport, recorded: readonly QueueOutcome[] = []): string {
  const names = b.messages.map((m) => {
    const name = eventNameOf(m.body)
    return m.receiveCount > 1 ? `${name}, received ${times(m.receiveCount)}` : name
  })
  const n = b.messages.length
  const fired = recorded.map((r) =>
    r.result === 'duplicate' ? `${r.detectionId} (duplicate: ignored)` : r.detectionId,
  )
  const outcome = b.error
    ? `failed (${String((b.error as Error)?.message ?? b.error)}): left in the queue`
    : b.lost
      ? 'its answer is lost (the function timed out after its work): nothing deleted, the batch reappears after the visibility timeout'
      : b.failed.length > 0
        ? `${b.deleted.length} deleted, ${b.failed.length} left for redelivery`
        : 'deleted'
  return `batch ${b.invocation}: ${n} message${n === 1 ? '' : 's'} (${summarize(names)}) -> on-key-activity: ${fired.join(', ') || 'nothing new'}; ${outcome} (${b.ms.toFixed(0)} ms)`
}

function eventNameOf(body: string): string {
  try {
    const detail = (JSON.parse(body) as { detail?: { eventName?: unknown } }).detail
    return typeof detail?.eventName === 'string' ? detail.eventName : '?'
  } catch {
    return '?'
  }
}

const times = (n: number) => (n === 2 ? 'twice' : `${n} times`)

/** "DescribeInstances x2, GetCallerIdentity" */
function summarize(names: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1)
  return [...counts].map(([n, c]) => (c > 1 ? `${n} x${c}` : n)).join(', ')
}
