import { createAlertsTickHandler, tickDepsFromEnv } from '../shared/app/alerts-tick.ts'
import { once } from '../shared/app/runtime.ts'

/** Every 5 minutes: occurrence follow-ups that are due, and escalation of unacknowledged critical findings. */
export const handler = createAlertsTickHandler(once(() => tickDepsFromEnv()))
