import { DetectionIndex } from './engine.ts'
import { DETECTIONS } from './registry.ts'
import type { AnyDetection, Route } from './types.ts'

export const routeOf = (d: AnyDetection): Route => d.route ?? 'direct'

/** The detections EventBridge delivers to on-cloudtrail-event, one event per invocation. */
export const DIRECT_INDEX = new DetectionIndex(DETECTIONS.filter((d) => routeOf(d) === 'direct'))

/** The high-volume detections whose events come through the SQS queue to on-key-activity, in batches. */
export const QUEUE_DETECTIONS = DETECTIONS.filter((d) => routeOf(d) === 'queue')
export const QUEUE_INDEX = new DetectionIndex(QUEUE_DETECTIONS)
