import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam'
import { errorCode, sleep } from './clients.ts'

export interface ReportOptions {
  pollIntervalMs?: number
  timeoutMs?: number
}

export class CredentialReportUnavailable extends Error {}

const IN_PROGRESS = new Set(['ReportInProgress', 'CredentialReportNotReadyException'])
const REGENERATE = new Set([
  'ReportNotPresent',
  'CredentialReportNotPresentException',
  'ReportExpired',
  'CredentialReportExpiredException',
])
const BACK_OFF = new Set(['LimitExceeded', 'LimitExceededException'])

/**
 * Generates (if needed) and downloads the credential report. GenerateCredentialReport answers
 * COMPLETE when a report younger than four hours exists; otherwise we poll until it is ready,
 * regenerating on ReportNotPresent/ReportExpired and backing off on LimitExceeded.
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  { pollIntervalMs = 2000, timeoutMs = 120_000 }: ReportOptions = {},
): Promise<{ csv: string; generatedAt: Date }> {
  const deadline = Date.now() + timeoutMs
  let needGenerate = true
  let delay = pollIntervalMs
  while (Date.now() < deadline) {
    try {
      if (needGenerate) {
        const generated = await iam.send(new GenerateCredentialReportCommand({}))
        needGenerate = false
        if (generated.State !== 'COMPLETE') {
          await sleep(pollIntervalMs)
          continue
        }
      }
      const report = await iam.send(new GetCredentialReportCommand({}))
      if (!report.Content) throw new CredentialReportUnavailable('GetCredentialReport returned no content')
      if (report.ReportFormat && report.ReportFormat !== 'text/csv') {
        throw new CredentialReportUnavailable(`unexpected report format ${report.ReportFormat}`)
      }
      return {
        csv: new TextDecoder().decode(report.Content),
        generatedAt: report.GeneratedTime ?? new Date(),
      }
    } catch (err) {
      const code = errorCode(err)
      if (IN_PROGRESS.has(code)) await sleep(pollIntervalMs)
      else if (REGENERATE.has(code)) needGenerate = true
      else if (BACK_OFF.has(code)) {
        await sleep(delay)
        delay = Math.min(delay * 2, 30_000)
      } else throw err
    }
  }
  throw new CredentialReportUnavailable(`credential report not ready after ${timeoutMs} ms`)
}
