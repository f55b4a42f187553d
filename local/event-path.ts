import type { CloudTrailSummary } from '../shared/app/cloudtrail-events.ts'
import { matchesPattern } from '../shared/eventbridge/match.ts'
import { type RulePattern, rulePatterns, toEventBridge } from '../shared/eventbridge/patterns.ts'

/** What the on-cloudtrail-event Lambda returns for one invocation. */
export type HandlerSummary = Omit<CloudTrailSummary, 'perEvent'>

/** One CloudTrail record's way through the local event path. */
export interface Delivery {
  eventId: string
  eventName: string
  /** The generated EventBridge rules that matched (none: the event reaches no target, as in AWS). */
  routed: string[]
  /** The handler's answer, when a rule routed the event to it. */
  summary?: HandlerSummary
  /** What the handler threw (EventBridge would retry, then dead-letter). */
  error?: unknown
  /** From the record's delivery to the handler's answer. */
  ms: number
}

/**
 * CloudTrail -> EventBridge -> on-cloudtrail-event, locally: each record is put in the envelope EventBridge
 * gives it, matched against the rules generated from the detections (shared/eventbridge/patterns.ts), and,
 * when one matches, passed to the real handler. The rules are disjoint, so a matched event invokes the
 * handler once, as in AWS. `afterDelivery` runs after each invocation (the demo and `npm run local` let
 * the notifier consume the table's stream there).
 */
export function eventPath(options: {
  accountId: string
  handle: (envelope: Record<string, unknown>) => Promise<HandlerSummary>
  rules?: RulePattern[]
  afterDelivery?: (delivery: Delivery) => Promise<void> | void
}): (record: Record<string, unknown>) => Promise<Delivery> {
  const rules = options.rules ?? rulePatterns()
  return async (record) => {
    const started = performance.now()
    const envelope = toEventBridge(record, options.accountId)
    const routed = rules.filter((r) => matchesPattern(r.pattern, envelope)).map((r) => r.name)
    const delivery: Delivery = {
      eventId: String(record.eventID ?? ''),
      eventName: String(record.eventName ?? ''),
      routed,
      ms: 0,
    }
    if (routed.length > 0) {
      try {
        delivery.summary = await options.handle(envelope)
      } catch (err) {
        delivery.error = err
      }
    }
    delivery.ms = performance.now() - started
    await options.afterDelivery?.(delivery)
    return delivery
  }
}

/** "rule iam -> admin-policy-attached, iam-policy-change; posture of user/bob re-evaluated" */
export function describeDelivery(d: Delivery): string {
  if (d.routed.length === 0) return 'no rule matches (the event reaches no target)'
  if (d.error)
    return `rule ${d.routed.join(', ')} -> handler failed: ${String((d.error as Error)?.message ?? d.error)}`
  const s = d.summary!
  const fired = s.fired.map((f) =>
    f.result === 'duplicate' ? `${f.detectionId} (duplicate: ignored)` : f.detectionId,
  )
  const posture = s.reevaluated.length ? `; posture of ${s.reevaluated.join(', ')} re-evaluated` : ''
  return `rule ${d.routed.join(', ')} -> ${fired.join(', ') || 'nothing'}${posture}`
}
