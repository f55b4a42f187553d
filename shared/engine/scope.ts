import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { callerUserName, str, succeeded } from '../detections/helpers.ts'
import type { AuthorizationInventory } from '../normalize/authorization.ts'

/**
 * What a run reads: the whole account (a scheduled scan), or the principals and managed policies an
 * event touched (`user/alice`, `group/admins`, `role/ops`, a policy ARN).
 */
export type SourceScope =
  | { kind: 'account' }
  | {
      kind: 'principals'
      resourceIds: ReadonlySet<string>
      /** The ARN of each resource id found in the authorization details (absent: gone, or not looked up). */
      arns?: ReadonlyMap<string, string>
    }

export const ACCOUNT_SCOPE: SourceScope = { kind: 'account' }

/** Credential calls that, naming no user, act on the calling user. */
const SELF_SERVICE = /(AccessKey|LoginProfile|MFADevice)$/

/**
 * The principal (user/…, group/…, role/…) or managed policy a successful IAM change event touched:
 * the target named in the request, else the calling user itself. Undefined when it touched none.
 */
export function eventScope(e: CloudTrailEvent): SourceScope | undefined {
  if (!succeeded(e)) return undefined
  if (e.eventSource !== 'iam.amazonaws.com') return ACCOUNT_SCOPE
  const p = e.requestParameters
  const ids = new Set<string>()
  const role = str(p.roleName)
  const group = str(p.groupName)
  const user = str(p.userName)
  const policyArn = str(p.policyArn)
  if (role) ids.add(`role/${role}`)
  if (group) ids.add(`group/${group}`)
  if (user && user !== 'AWS ROOT USER') ids.add(`user/${user}`)
  if (policyArn) ids.add(policyArn)
  if (ids.size === 0 && !user && SELF_SERVICE.test(e.eventName)) {
    const caller = callerUserName(e)
    if (caller) ids.add(`user/${caller}`)
  }
  // A credential call names a user (root's own credentials name none: the next scan judges them);
  // account-wide IAM settings (the password policy, server certificates) touch no principal.
  const credentialCall = user !== undefined || SELF_SERVICE.test(e.eventName)
  return ids.size > 0 || credentialCall ? { kind: 'principals', resourceIds: ids } : ACCOUNT_SCOPE
}

/**
 * Widens an event's scope with what inherits from it: a managed policy's holders (attached or as a
 * boundary), a group's members.
 * Users are what the credential data is read for.
 */
export function expandScope(scope: SourceScope, inv: AuthorizationInventory): SourceScope {
  if (scope.kind === 'account') return scope
  const ids = new Set(scope.resourceIds)
  const policyNames = new Set(inv.policies.filter((p) => ids.has(p.arn)).map((p) => p.name))
  // Attached, or set as a permissions boundary (held as `boundary:<name>`).
  const holds = (p: { attached: readonly string[]; policies: readonly { kind: string; name: string }[] }) =>
    p.attached.some((name) => policyNames.has(name)) ||
    p.policies.some((h) => h.kind === 'boundary' && policyNames.has(h.name.slice('boundary:'.length)))
  for (const g of inv.groups) if (holds(g)) ids.add(`group/${g.name}`)
  for (const r of inv.roles) if (holds(r)) ids.add(`role/${r.name}`)
  for (const u of inv.users)
    if (holds(u) || u.groups.some((g) => ids.has(`group/${g}`))) ids.add(`user/${u.name}`)
  return { kind: 'principals', resourceIds: ids, arns: arnsOf(inv, ids) }
}

/** The ARN of each id the authorization details know: principals by `kind/name`, policies by ARN. */
export function arnsOf(inv: AuthorizationInventory, ids: ReadonlySet<string>): Map<string, string> {
  const arns = new Map<string, string>()
  const add = (id: string, arn: string) => {
    if (ids.has(id)) arns.set(id, arn)
  }
  for (const u of inv.users) add(`user/${u.name}`, u.arn)
  for (const g of inv.groups) add(`group/${g.name}`, g.arn)
  for (const r of inv.roles) add(`role/${r.name}`, r.arn)
  for (const p of inv.policies) add(p.arn, p.arn)
  return arns
}

/** The IAM users a scope names. */
export function scopeUsers(scope: SourceScope): string[] | undefined {
  if (scope.kind === 'account') return undefined
  return [...scope.resourceIds].filter((id) => id.startsWith('user/')).map((id) => id.slice(5))
}
