import { AccessAnalyzerClient, paginateListAnalyzers } from '@aws-sdk/client-accessanalyzer'
import type { AnalyzerState } from '../checks/sources.ts'
import { awsClient, type ClientOverrides } from './clients.ts'

/** Access Analyzer is regional: one client per monitored region. */
export function accessAnalyzerClient(region: string, o: ClientOverrides = {}): AccessAnalyzerClient {
  return awsClient(AccessAnalyzerClient, 'Access Analyzer', { ...o, region })
}

export async function listAnalyzers(client: AccessAnalyzerClient): Promise<AnalyzerState[]> {
  const out: AnalyzerState[] = []
  for await (const page of paginateListAnalyzers({ client }, {})) {
    for (const a of page.analyzers ?? [])
      out.push({
        name: a.name ?? '',
        arn: a.arn ?? '',
        type: String(a.type ?? ''),
        status: String(a.status ?? ''),
      })
  }
  return out
}
