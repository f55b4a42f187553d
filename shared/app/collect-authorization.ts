import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { IAMClient } from '@aws-sdk/client-iam'
import { fetchAuthorizationDetails, listServerCertificates } from '../aws/authorization.ts'
import { errorCode } from '../aws/clients.ts'
import type { AnalyzerState, AuthorizationSource } from '../checks/sources.ts'
import { normalizeAuthorization } from '../normalize/authorization.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'

export interface CollectedAuthorization {
  source?: Omit<AuthorizationSource, 'mfaUsers'>
  /** What could not be read or evaluated; any entry makes this part degraded. */
  incomplete: string[]
}

export interface AnalyzerAccess {
  regions: readonly string[]
  client: (region: string) => AccessAnalyzerClient
}

const describe = (err: unknown) => `${errorCode(err)}: ${sanitizeForLog((err as Error)?.message ?? err, 200)}`

/**
 * Reads what the A3 checks need: authorization details (all pages), server certificates, and the
 * Access Analyzer analyzers of each monitored region.
 */
export async function collectAuthorization(
  iam: IAMClient,
  trustedAccounts: ReadonlySet<string>,
  analyzers?: AnalyzerAccess,
): Promise<CollectedAuthorization> {
  const incomplete: string[] = []
  const failed = (what: string) => (err: unknown) => {
    incomplete.push(`${what} failed: ${describe(err)}`)
    return undefined
  }
  const byRegion = new Map<string, AnalyzerState[]>()
  // Loaded only when analyzers are asked for: the event handler's re-analysis never loads this client.
  const listAnalyzers = analyzers ? (await import('../aws/access-analyzer.ts')).listAnalyzers : undefined
  const readAnalyzers = Promise.all(
    (analyzers?.regions ?? []).map((region) =>
      listAnalyzers!(analyzers!.client(region)).then(
        (list) => void byRegion.set(region, list),
        failed(`ListAnalyzers in ${region}`),
      ),
    ),
  )
  const [pages, certificates] = await Promise.all([
    fetchAuthorizationDetails(iam).catch(failed('GetAccountAuthorizationDetails')),
    listServerCertificates(iam).catch(failed('ListServerCertificates')),
    readAnalyzers,
  ])
  if (!pages || !certificates) return { incomplete }
  const inventory = normalizeAuthorization(pages)
  // A policy that cannot be read leaves its principal's judgement incomplete: say so, resolve nothing.
  for (const p of [...inventory.users, ...inventory.groups, ...inventory.roles]) {
    for (const u of p.unreadable)
      incomplete.push(
        `could not evaluate ${sanitizeForLog(p.name)} / ${sanitizeForLog(u.policy)}: ${u.reason}`,
      )
  }
  for (const r of inventory.roles)
    if (r.trustError)
      incomplete.push(`could not evaluate the trust policy of ${sanitizeForLog(r.name)}: ${r.trustError}`)
  for (const p of inventory.policies)
    if (p.error && p.attachmentCount > 0)
      incomplete.push(`could not evaluate ${sanitizeForLog(p.name)}: ${p.error}`)
  const source = {
    inventory,
    serverCertificates: certificates,
    trustedAccounts,
    ...(analyzers ? { analyzers: byRegion } : {}),
  }
  return { source, incomplete }
}
