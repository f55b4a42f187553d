import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { accountOfArn, principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const IAM_NAMES = [
  'EnableOrganizationsRootSessions',
  'DisableOrganizationsRootSessions',
  'EnableOrganizationsRootCredentialsManagement',
  'DisableOrganizationsRootCredentialsManagement',
] as const

/** AssumeRoot's task policy: a PolicyDescriptorType ({ arn }), or the ARN itself in flattened records. */
function taskPolicyArn(e: CloudTrailEvent): string | undefined {
  const p = e.requestParameters.taskPolicyArn
  return str(p) ?? str((p as { arn?: unknown } | null | undefined)?.arn)
}

/** AssumeRoot's targetPrincipal: the member account id, or a principal ARN in that account. */
function targetMember(e: CloudTrailEvent): string | undefined {
  const target = str(e.requestParameters.targetPrincipal)
  return target && /^\d+$/.test(target) ? target : (accountOfArn(target) ?? target)
}

export const centralizedRootAccess = defineDetection({
  id: 'centralized-root-access',
  title: 'Centralized root access was used or reconfigured',
  description:
    "sts AssumeRoot opened a privileged root session in a member account (scoped by a root-task policy), or the organization's centralized root access (root sessions, root credentials management) was enabled or disabled.",
  severity: 'high',
  events: {
    kind: 'services',
    services: [
      { source: 'sts.amazonaws.com', names: ['AssumeRoot'] },
      { source: 'iam.amazonaws.com', names: IAM_NAMES },
    ],
  },
  params: {},
  match: (e) => {
    if (!succeeded(e)) return null
    if (e.eventSource === 'sts.amazonaws.com' && e.eventName === 'AssumeRoot')
      return { details: { targetAccount: targetMember(e) ?? null, taskPolicy: taskPolicyArn(e) ?? null } }
    return e.eventSource === 'iam.amazonaws.com' && (IAM_NAMES as readonly string[]).includes(e.eventName)
      ? {}
      : null
  },
  principal: principalOf,
  context: (e) => ({
    change: e.eventName,
    targetAccount: targetMember(e) ?? null,
    taskPolicy: taskPolicyArn(e) ?? null,
  }),
  runbook: [
    'Confirm with the organization administrators that this root session (its member account and root-task policy) or this change to centralized root access was planned.',
    "If not: review what the root session did in the member account (CloudTrail there, userIdentity.type Root with the session's access key) and restrict sts:AssumeRoot to the intended administrators with an SCP.",
  ],
})
