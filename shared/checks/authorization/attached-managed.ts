import type { Outcome } from '../../model/finding.ts'
import type { AuthorizationSource } from '../sources.ts'
import { fail, pass } from '../types.ts'
import { principalResource, principals } from './common.ts'

/** One outcome per user, group and role: fails when the named AWS-managed policy is attached to it. */
export function judgeAttachment(checkId: string, input: AuthorizationSource, policyName: string): Outcome[] {
  return principals(input.inventory).map((p) =>
    p.attached.includes(policyName)
      ? fail(checkId, principalResource(p), { policy: policyName })
      : pass(checkId, principalResource(p)),
  )
}

export const POLICY_ATTACH_EVENTS = [
  'AttachUserPolicy',
  'AttachGroupPolicy',
  'AttachRolePolicy',
  'DetachUserPolicy',
  'DetachGroupPolicy',
  'DetachRolePolicy',
] as const
