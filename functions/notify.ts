import middy from '@middy/core'
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda'
import { logFailure } from '../shared/app/middleware.ts'
import { type NotifierDeps, notifyRecords, type StreamRecord } from '../shared/app/notifier.ts'
import { notifierDepsFromEnv, once } from '../shared/app/runtime.ts'

/** Driven by the findings table's stream (history inserts only); reports partial batch failures. */
export function createHandler(deps: () => NotifierDeps) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(logFailure(() => deps().log))
    .handler(async (event) => {
      const { batchItemFailures } = await notifyRecords((event.Records ?? []) as StreamRecord[], deps())
      return { batchItemFailures }
    })
}

export const handler = createHandler(once(notifierDepsFromEnv))
