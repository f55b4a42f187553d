import middy from '@middy/core'
import {
  type CloudTrailDeps,
  type CloudTrailSummary,
  handleCloudTrail,
} from '../shared/app/cloudtrail-events.ts'
import { logFailure } from '../shared/app/middleware.ts'
import { cloudTrailDepsFromEnv, once } from '../shared/app/runtime.ts'

/** Invoked by the EventBridge rules generated from the detections; idempotent on the CloudTrail eventID. */
export function createHandler(deps: () => CloudTrailDeps) {
  return middy<unknown, Omit<CloudTrailSummary, 'perEvent'>>()
    .use(logFailure(() => deps().log))
    .handler(async (event) => {
      const { perEvent: _perEvent, ...summary } = await handleCloudTrail(event, deps())
      return summary
    })
}

export const handler = createHandler(once(cloudTrailDepsFromEnv))
