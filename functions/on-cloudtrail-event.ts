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
  return middy<unknown, CloudTrailSummary>()
    .use(logFailure(() => deps().log))
    .handler((event) => handleCloudTrail(event, deps()))
}

export const handler = createHandler(once(cloudTrailDepsFromEnv))
