import middy from '@middy/core'
import { type BatchResponse, handleKeyActivity, type KeyActivityDeps } from '../shared/app/key-activity.ts'
import { logFailure } from '../shared/app/middleware.ts'
import { keyActivityDepsFromEnv, once } from '../shared/app/runtime.ts'

/**
 * Invoked by the SQS event source mapping of the key-activity queue (EventBridge puts every call made with a
 * long-term access key there): batches, partial-batch failures, idempotent on the CloudTrail eventID.
 */
export function createHandler(deps: () => KeyActivityDeps) {
  return middy<unknown, BatchResponse>()
    .use(logFailure(() => deps().log))
    .handler(async (event) => {
      const summary = await handleKeyActivity(event, deps())
      deps().log.info('key activity batch', {
        messages: summary.messages,
        processed: summary.processed,
        rejected: summary.rejected,
        failed: summary.failed,
        fired: summary.fired.length,
      })
      return summary.response
    })
}

export const handler = createHandler(once(keyActivityDepsFromEnv))
