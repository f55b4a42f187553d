import type { AccessJobFault } from './access-advisor.ts'
import { SimError } from './errors.ts'

/** Faults to inject: throttle or fail a fraction of calls, or make named actions fail. */
export interface Faults {
  throttleRate?: number
  /** Counted here: how many calls throttleRate has throttled so far. */
  throttled?: number
  serverErrorRate?: number
  /** Action name -> error code it answers with (e.g. { ListAccessKeys: 'ServiceFailure' }). */
  failActions?: Record<string, string>
  /** Fail only the next N calls of these actions (ServiceFailure, or the given code), then recover. */
  failNext?: Record<string, number | { times: number; code: string }>
  /**
   * Access Advisor jobs that end FAILED (GetServiceLastAccessedDetails answers JobStatus FAILED with an
   * Error): a number fails that many of the next jobs generated; a predicate, the jobs for ARNs it accepts.
   */
  failAccessJobs?: AccessJobFault
}

/**
 * Throws the fault injected for this call, if any. Faults are named as IAM names them (`Throttling`,
 * `ServiceFailure`); each service's error naming (wire.ts) renames them as that service does.
 */
export function injectFault(faults: Faults, action: string, random: () => number): void {
  const next = faults.failNext?.[action]
  const times = typeof next === 'number' ? next : (next?.times ?? 0)
  if (times > 0) {
    const code = typeof next === 'object' ? next.code : 'ServiceFailure'
    faults.failNext![action] = typeof next === 'object' ? { ...next, times: times - 1 } : times - 1
    throw new SimError(code, code === 'ServiceFailure' ? 500 : 400, `injected ${code} for ${action}`)
  }
  const code = faults.failActions?.[action]
  if (code) throw new SimError(code, code === 'ServiceFailure' ? 500 : 400, `injected ${code} for ${action}`)
  if (faults.throttleRate && random() < faults.throttleRate) {
    faults.throttled = (faults.throttled ?? 0) + 1
    throw new SimError('Throttling', 400, 'Rate exceeded')
  }
  if (faults.serverErrorRate && random() < faults.serverErrorRate)
    throw new SimError('ServiceFailure', 500, 'injected server error')
}
