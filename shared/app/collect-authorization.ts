import type { IAMClient } from '@aws-sdk/client-iam'
import { fetchAuthorizationDetails, listServerCertificates } from '../aws/authorization.ts'
import { errorCode } from '../aws/clients.ts'
import type { AuthorizationSource } from '../checks/sources.ts'
import { normalizeAuthorization } from '../normalize/authorization.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'

export interface CollectedAuthorization {
  source?: Omit<AuthorizationSource, 'mfaUsers'>
  /** What could not be read or evaluated; any entry makes the scan degraded. */
  incomplete: string[]
}

const describe = (err: unknown) => `${errorCode(err)}: ${sanitizeForLog((err as Error)?.message ?? err, 200)}`

/** Reads what the A3 checks need: authorization details (all pages) and server certificates. */
export async function collectAuthorization(
  iam: IAMClient,
  trustedAccounts: ReadonlySet<string>,
): Promise<CollectedAuthorization> {
  const incomplete: string[] = []
  const [pages, certificates] = await Promise.all([
    fetchAuthorizationDetails(iam).catch((err) => {
      incomplete.push(`GetAccountAuthorizationDetails failed: ${describe(err)}`)
      return undefined
    }),
    listServerCertificates(iam).catch((err) => {
      incomplete.push(`ListServerCertificates failed: ${describe(err)}`)
      return undefined
    }),
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
  return { source: { inventory, serverCertificates: certificates, trustedAccounts }, incomplete }
}
