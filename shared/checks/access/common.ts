import type { AccessAdvisorSource, AuthorizationSource } from '../../checks/sources.ts'
import type { AccessReport, GrantLedger, ServiceAccess } from '../../model/access.ts'
import type { ResourceRef } from '../../model/finding.ts'
import type {
  AuthorizationInventory,
  RoleAuthorization,
  UserAuthorization,
} from '../../normalize/authorization.ts'
import type { ActionCatalog } from '../../policy/catalog.ts'
import type { PolicyDocument } from '../../policy/document.ts'
import { coversAction, type HeldPolicy } from '../../policy/evaluate.ts'
import { DAY_MS, type ParamSpec } from '../types.ts'

/** The window and the grace every A5 check takes (catalog: defaults 90 and 14 days). */
export const WINDOW_PARAMS = {
  windowDays: { default: 90, description: 'Days of no use after which access is unused', min: 1 },
  graceDays: {
    default: 14,
    description: 'Days beyond the window a new principal or grant is given before it is judged',
    min: 0,
  },
} satisfies Record<string, ParamSpec>

export interface Window {
  windowDays: number
  graceDays: number
}

/** Used within the window: on or after now - window. */
export const usedWithin = (at: Date | undefined, now: Date, p: Window) =>
  at !== undefined && at.getTime() >= now.getTime() - p.windowDays * DAY_MS

/** Younger than window + grace: not judged yet (catalog A5). */
export const tooNew = (since: Date, now: Date, p: Window) =>
  since.getTime() > now.getTime() - (p.windowDays + p.graceDays) * DAY_MS

/** When it becomes judgeable. */
export const judgedFrom = (since: Date, p: Window) =>
  new Date(since.getTime() + (p.windowDays + p.graceDays) * DAY_MS).toISOString()

export const day = (d: Date) => d.toISOString().slice(0, 10)

/** "s3: never" / "s3: last 2026-03-01". */
export const lastUse = (label: string, at: Date | undefined) =>
  `${label}: ${at ? `last ${day(at)}` : 'never'}`

/** AWS does not report iam:PassRole in Access Advisor: it is never judged unused. */
export const UNTRACKED_ACTIONS = new Set(['iam:passrole'])

export type AdvisedPrincipal = (UserAuthorization | RoleAuthorization) & { kind: 'user' | 'role' }

/** The users and roles with an Access Advisor report, with their authorization details. */
export function advisedPrincipals(
  authorization: AuthorizationSource,
  advisor: AccessAdvisorSource,
): Array<{ principal: AdvisedPrincipal; report: AccessReport; resource: ResourceRef }> {
  const out: Array<{ principal: AdvisedPrincipal; report: AccessReport; resource: ResourceRef }> = []
  const inv = authorization.inventory
  for (const [kind, list, type] of [
    ['user', inv.users, 'AwsIamUser'],
    ['role', inv.roles, 'AwsIamRole'],
  ] as const) {
    for (const p of list) {
      const id = `${kind}/${p.name}`
      const report = advisor.reports.get(id)
      if (report) out.push({ principal: { ...p, kind }, report, resource: { type, id, arn: p.arn } })
    }
  }
  return out
}

/** What a grant is of: a whole service (any of its actions), or one action. */
export type Grantee = { service: string } | { action: string }

/** Does this document allow the service (some action of it) or the action (Allow statements only)? */
export function grants(doc: PolicyDocument, what: Grantee, catalog: ActionCatalog): boolean {
  const actions = 'action' in what ? [what.action] : catalog.actions(what.service)
  return doc.statements.some((s) => {
    if (s.effect !== 'Allow') return false
    if (actions) return actions.some((a) => coversAction(s, a))
    // A service not in the catalog: a pattern naming it (or everything) grants it.
    if (s.notActions) return true
    const service = 'service' in what ? what.service : ''
    return (s.actions ?? []).some((p) => p === '*' || p.toLowerCase().startsWith(`${service}:`))
  })
}

/**
 * Since when the principal has held a grant of the service (or action). IAM records no attachment
 * dates: a grant counts from the latest of the principal's (and its group's) creation, the attachment,
 * put or membership the monitor saw in CloudTrail (the ledger), and, for a managed policy, the oldest of
 * its kept versions that grants it without a gap up to the default. Before the monitor was deployed,
 * attachments are unknown and count from the principal's creation. The oldest grant wins.
 */
export function grantedSince(
  principal: { kind: 'user' | 'role'; name: string; createdAt?: Date; policies: readonly HeldPolicy[] },
  inv: AuthorizationInventory,
  what: Grantee,
  catalog: ActionCatalog,
  ledger: GrantLedger = new Map(),
): Date | undefined {
  const base = principal.createdAt?.getTime() ?? 0
  const id = `${principal.kind}/${principal.name}`
  const seen = (holder: string, key: string | undefined) =>
    (key && ledger.get(holder)?.get(key)?.getTime()) || 0
  let oldest: number | undefined
  for (const held of principal.policies) {
    if (held.kind === 'boundary' || !grants(held.document, what, catalog)) continue
    let since = base
    if (held.kind.startsWith('group')) {
      const group = inv.groups.find((g) => held.name.startsWith(`group:${g.name}/`))
      const own = held.name.slice(`group:${group?.name}/`.length)
      since = Math.max(
        since,
        group?.createdAt?.getTime() ?? base,
        seen(id, `group:${group?.name}`),
        seen(`group/${group?.name}`, held.kind === 'group-inline' ? `inline:${own}` : held.arn),
      )
    } else since = Math.max(since, seen(id, held.kind === 'inline' ? `inline:${held.name}` : held.arn))
    if (held.arn) since = Math.max(since, seen(held.arn, 'default'))
    const info = held.arn ? inv.policies.find((p) => p.arn === held.arn) : undefined
    const versions = info?.versions ?? []
    const current = versions.findIndex((v) => v.isDefault)
    if (info && current >= 0) {
      // From the default version back through older ones, while each still grants it.
      let versionSince: number | undefined
      for (const v of versions.slice(current)) {
        if (!v.document || !grants(v.document, what, catalog)) break
        versionSince = v.createdAt?.getTime() ?? versionSince
      }
      since = Math.max(since, versionSince ?? info.createdAt?.getTime() ?? base)
    }
    oldest = oldest === undefined ? since : Math.min(oldest, since)
  }
  return oldest === undefined || oldest === 0 ? undefined : new Date(oldest)
}

/** Services of a report sorted by namespace. */
export const byNamespace = (a: ServiceAccess, b: ServiceAccess) => (a.namespace < b.namespace ? -1 : 1)

/** Keeps evidence lists readable: the first entries and a count of the rest. */
export function capped(list: string[], max = 50): string[] {
  return list.length > max ? [...list.slice(0, max), `... and ${list.length - max} more`] : list
}

/**
 * Changes after which a principal's or policy's unused access is judged again, live: what it is granted
 * changed, or it was deleted (a deleted principal's findings resolve as gone).
 */
export const ACCESS_EVENTS = [
  'AttachUserPolicy',
  'AttachRolePolicy',
  'AttachGroupPolicy',
  'DetachUserPolicy',
  'DetachRolePolicy',
  'DetachGroupPolicy',
  'PutUserPolicy',
  'PutRolePolicy',
  'DeleteUserPolicy',
  'DeleteRolePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'DeletePolicy',
  'PutUserPermissionsBoundary',
  'PutRolePermissionsBoundary',
  'RemoveUserFromGroup',
  'DeleteUser',
  'DeleteRole',
] as const
