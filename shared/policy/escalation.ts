import { evaluateAction, type Grant, type HeldPolicy } from './evaluate.ts'

/**
 * The privilege-escalation combinations of the catalog (Rhino Security Labs' list, the base of
 * Prowler and Cloudsplaining): holding every action of one of them lets a principal raise its own
 * privileges.
 */
export const ESCALATION_COMBINATIONS: ReadonlyArray<{ id: string; actions: readonly string[] }> = [
  { id: 'create-policy-version', actions: ['iam:CreatePolicyVersion'] },
  { id: 'set-default-policy-version', actions: ['iam:SetDefaultPolicyVersion'] },
  { id: 'create-login-profile', actions: ['iam:CreateLoginProfile'] },
  { id: 'update-login-profile', actions: ['iam:UpdateLoginProfile'] },
  { id: 'create-access-key', actions: ['iam:CreateAccessKey'] },
  { id: 'attach-user-policy', actions: ['iam:AttachUserPolicy'] },
  { id: 'attach-group-policy', actions: ['iam:AttachGroupPolicy'] },
  { id: 'attach-role-policy', actions: ['iam:AttachRolePolicy'] },
  { id: 'put-user-policy', actions: ['iam:PutUserPolicy'] },
  { id: 'put-group-policy', actions: ['iam:PutGroupPolicy'] },
  { id: 'put-role-policy', actions: ['iam:PutRolePolicy'] },
  { id: 'add-user-to-group', actions: ['iam:AddUserToGroup'] },
  { id: 'update-assume-role-policy', actions: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'] },
  { id: 'pass-role-ec2', actions: ['iam:PassRole', 'ec2:RunInstances'] },
  {
    id: 'pass-role-lambda-invoke',
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
  },
  {
    id: 'pass-role-lambda-event-source',
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
  },
  { id: 'update-function-code', actions: ['lambda:UpdateFunctionCode'] },
  { id: 'pass-role-glue', actions: ['iam:PassRole', 'glue:CreateDevEndpoint'] },
  { id: 'update-glue-dev-endpoint', actions: ['glue:UpdateDevEndpoint'] },
  { id: 'pass-role-cloudformation', actions: ['iam:PassRole', 'cloudformation:CreateStack'] },
  {
    id: 'pass-role-datapipeline',
    actions: ['iam:PassRole', 'datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
  },
]

export interface EscalationPath {
  combination: string
  actions: Record<string, Grant>
  /** True when every action is granted without conditions. */
  unconditional: boolean
}

/** The escalation combinations a principal holds (each action allowed on some resource). */
export function escalationPaths(policies: readonly HeldPolicy[]): EscalationPath[] {
  const paths: EscalationPath[] = []
  const memo = new Map<string, Grant>()
  const grant = (action: string) => {
    let g = memo.get(action)
    if (!g) {
      g = evaluateAction(policies, action)
      memo.set(action, g)
    }
    return g
  }
  for (const combo of ESCALATION_COMBINATIONS) {
    const grants = combo.actions.map((a) => [a, grant(a)] as const)
    if (grants.some(([, g]) => g.decision === 'denied')) continue
    paths.push({
      combination: combo.id,
      actions: Object.fromEntries(grants),
      unconditional: grants.every(([, g]) => g.decision === 'allowed'),
    })
  }
  return paths
}
