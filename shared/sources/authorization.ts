import type { AuthorizationSource, Reading } from '../checks/sources.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import { describeError, type SourceModule, sameActions, unreadable } from './types.ts'

/**
 * The least-privilege checks' data (A3): every page of GetAccountAuthorizationDetails and the server
 * certificates, live. Always read whole (inheritance and boundaries need it); for an event it covers
 * only what the event touched, widened by the engine to policy holders and group members.
 */
export const authorizationSource: SourceModule<'authorization'> = {
  name: 'authorization',
  actions: sameActions('iam:GetAccountAuthorizationDetails', 'iam:ListServerCertificates'),
  async collect(ctx, scope): Promise<Reading<AuthorizationSource>> {
    // Loaded on first use: a credential scan or a user's credential event never needs them.
    const [{ fetchAuthorizationDetails, listServerCertificates }, { normalizeAuthorization }] =
      await Promise.all([import('../aws/authorization.ts'), import('../normalize/authorization.ts')])
    const problems: string[] = []
    const failed = (what: string) => (err: unknown) => {
      problems.push(`${what} failed: ${describeError(err)}`)
      return undefined
    }
    const [pages, certificates] = await Promise.all([
      fetchAuthorizationDetails(ctx.iam).catch(failed('GetAccountAuthorizationDetails')),
      listServerCertificates(ctx.iam).catch(failed('ListServerCertificates')),
    ])
    if (!pages || !certificates) return { ...unreadable(ctx.now, problems.join('; ')), problems }
    const inventory = normalizeAuthorization(pages)
    // A policy that cannot be read leaves its principal only partly known: it passes nothing.
    const partial = new Map<string, string>()
    const mark = (id: string, why: string) => {
      partial.set(id, why)
      problems.push(`could not evaluate ${sanitizeForLog(id)}: ${why}`)
    }
    for (const [kind, list] of [
      ['user', inventory.users],
      ['group', inventory.groups],
      ['role', inventory.roles],
    ] as const)
      for (const p of list)
        for (const u of p.unreadable) mark(`${kind}/${p.name}`, `${sanitizeForLog(u.policy)}: ${u.reason}`)
    for (const r of inventory.roles) if (r.trustError) mark(`role/${r.name}`, `trust policy: ${r.trustError}`)
    for (const p of inventory.policies) if (p.error && p.attachmentCount > 0) mark(p.arn, p.error)
    return {
      data: { inventory, serverCertificates: certificates, trustedAccounts: ctx.trustedAccounts },
      ...(scope.kind === 'principals' ? { covers: scope.resourceIds } : {}),
      present: new Set([
        ...inventory.users.map((u) => `user/${u.name}`),
        ...inventory.groups.map((g) => `group/${g.name}`),
        ...inventory.roles.map((r) => `role/${r.name}`),
        ...inventory.policies.map((p) => p.arn),
      ]),
      complete: true,
      asOf: ctx.now,
      problems,
      partial,
    }
  },
}
