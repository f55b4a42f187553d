import type { CheckSources } from '../checks/sources.ts'
import type { AnyCheck, CheckDefinition } from '../checks/types.ts'
import { type IamwatchConfig, paramsFor } from '../config/config.ts'
import type { Outcome } from '../model/finding.ts'

export interface CheckError {
  checkId: string
  message: string
}

export interface EvaluationResult {
  outcomes: Outcome[]
  /** Checks that ran to completion: only these may resolve findings. */
  evaluatedChecks: string[]
  errors: CheckError[]
}

/**
 * Runs every check whose data source is present. A check that throws is recorded, not propagated:
 * its findings are neither opened nor resolved by this run, and the others still run.
 */
export function evaluateChecks(
  checks: readonly AnyCheck[],
  sources: Partial<CheckSources>,
  ctx: { now: Date; accountId: string; config: IamwatchConfig },
): EvaluationResult {
  const result: EvaluationResult = { outcomes: [], evaluatedChecks: [], errors: [] }
  for (const check of checks) {
    const input = sources[check.source]
    if (input === undefined) continue
    try {
      const run = check as CheckDefinition<typeof check.source, string>
      const outcomes = run.evaluate(input as never, {
        now: ctx.now,
        accountId: ctx.accountId,
        params: paramsFor(check, ctx.config),
      })
      for (const o of outcomes)
        if (o.checkId !== check.id) throw new Error(`returned an outcome for ${o.checkId}`)
      result.outcomes.push(...outcomes)
      result.evaluatedChecks.push(check.id)
    } catch (err) {
      result.errors.push({ checkId: check.id, message: (err as Error).message })
    }
  }
  return result
}
