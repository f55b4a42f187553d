import { SimError } from '../errors.ts'
import { renderCredentialReport } from '../report.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/** The report becomes ready `reportDelayMs` (wall clock) after generation started; it is a snapshot of that moment. */
function settle(ctx: ActionContext): void {
  const report = ctx.account.report
  if (report && !report.csv && Date.now() - report.startedAtWall >= ctx.settings.reportDelayMs) {
    report.snapshotAt = ctx.account.now()
    const csv = renderCredentialReport(ctx.account)
    report.csv = ctx.account.reportTransform ? ctx.account.reportTransform(csv) : csv
  }
}

function expired(ctx: ActionContext): boolean {
  const at = ctx.account.report?.snapshotAt
  return at !== undefined && ctx.account.now().getTime() - at.getTime() > ctx.settings.reportTtlMs
}

export const GenerateCredentialReport: ActionHandler = (ctx) => {
  settle(ctx)
  const report = ctx.account.report
  if (report?.csv && !expired(ctx)) return { State: 'COMPLETE' }
  if (report && !report.csv) return { State: 'INPROGRESS', Description: 'Report generation in progress' }
  ctx.account.report = { startedAtWall: Date.now() }
  settle(ctx)
  return ctx.account.report.csv
    ? { State: 'COMPLETE' }
    : { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' }
}

export const GetCredentialReport: ActionHandler = (ctx) => {
  settle(ctx)
  const report = ctx.account.report
  if (!report)
    throw new SimError('ReportNotPresent', 410, 'Credential report not present. Please generate a report.')
  if (!report.csv) throw new SimError('ReportInProgress', 404, 'Credential report is being generated.')
  if (expired(ctx))
    throw new SimError('ReportExpired', 410, 'Credential report is expired. Please generate a new report.')
  return {
    Content: Buffer.from(report.csv).toString('base64'),
    ReportFormat: 'text/csv',
    GeneratedTime: report.snapshotAt,
  }
}
