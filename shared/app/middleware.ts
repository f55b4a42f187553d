import type { MiddlewareObj } from '@middy/core'
import type { Log } from './log.ts'

/** Logs a failed invocation once, with the request id, before the platform retries it. */
export function logFailure(log: () => Log): MiddlewareObj {
  return {
    onError: async (request) => {
      log().error('invocation failed', {
        requestId: (request.context as { awsRequestId?: string } | undefined)?.awsRequestId,
        error: String((request.error as Error | undefined)?.message ?? request.error),
      })
    },
  }
}
