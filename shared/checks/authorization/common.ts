import type { ResourceRef } from '../../model/finding.ts'
import type { AuthorizationInventory } from '../../normalize/authorization.ts'
import type { Statement } from '../../policy/document.ts'
import type { HeldPolicy } from '../../policy/evaluate.ts'

export type PrincipalKind = 'user' | 'group' | 'role'
export interface Principal {
  kind: PrincipalKind
  name: string
  arn: string
  attached: string[]
  inline: string[]
  policies: HeldPolicy[]
  unreadable: Array<{ policy: string; reason: string }>
}

const TYPES: Record<PrincipalKind, string> = { user: 'AwsIamUser', group: 'AwsIamGroup', role: 'AwsIamRole' }

export function principals(inv: AuthorizationInventory): Principal[] {
  return [
    ...inv.users.map((u) => ({ kind: 'user' as const, ...u })),
    ...inv.groups.map((g) => ({ kind: 'group' as const, ...g })),
    ...inv.roles.map((r) => ({ kind: 'role' as const, ...r })),
  ]
}

export function principalResource(p: Pick<Principal, 'kind' | 'name' | 'arn'>): ResourceRef {
  return { type: TYPES[p.kind], id: `${p.kind}/${p.name}`, arn: p.arn }
}

export function policyResource(_name: string, arn: string): ResourceRef {
  return { type: 'AwsIamPolicy', id: arn, arn }
}

/**
 * Every policy document in the account once: managed policies (customer-managed, and AWS-managed ones
 * in use) by ARN, and inline policies by their principal. Inherited copies are not repeated.
 */
export function* documents(
  inv: AuthorizationInventory,
): Generator<{ resource: ResourceRef; credentialId?: string; name: string; statements: Statement[] }> {
  for (const p of inv.policies) {
    if (!p.document || (p.awsManaged && p.attachmentCount === 0)) continue
    yield { resource: policyResource(p.name, p.arn), name: p.name, statements: p.document.statements }
  }
  for (const pr of principals(inv)) {
    for (const held of pr.policies) {
      if (held.kind !== 'inline') continue
      yield {
        resource: principalResource(pr),
        credentialId: `inline:${held.name}`,
        name: held.name,
        statements: held.document.statements,
      }
    }
  }
}

/** The events that change a policy document: they re-run the checks that read documents. */
export const POLICY_DOCUMENT_EVENTS = [
  'CreatePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'PutUserPolicy',
  'PutGroupPolicy',
  'PutRolePolicy',
  // Removals resolve at once: a deleted document or principal is gone from the details.
  'DeletePolicy',
  'DeletePolicyVersion',
  'DeleteUserPolicy',
  'DeleteGroupPolicy',
  'DeleteRolePolicy',
  'DeleteUser',
  'DeleteGroup',
  'DeleteRole',
] as const
