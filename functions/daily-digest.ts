import {
  createDailyDigestHandler,
  type DailyDigestDeps,
  dailyDigestDepsFromEnv,
} from '../shared/app/daily-digest.ts'
import { once } from '../shared/app/runtime.ts'

/**
 * Daily, at `alerts.digest.time` in `alerts.digest.timeZone` (EventBridge Scheduler, see
 * dailyDigestSchedule): the daily digest of alerts (shared/app/daily-digest.ts), published once through
 * the alerts topic to every route that takes it and to the chat channels. Not the hourly signed digest
 * (functions/digest.ts).
 */
export const createHandler = (deps: () => DailyDigestDeps) => createDailyDigestHandler(deps)

export const handler = createHandler(once(() => dailyDigestDepsFromEnv()))
