import { defineCheck } from '../types.ts'
import { judgeAttachment, POLICY_ATTACH_EVENTS } from './attached-managed.ts'

export const cloudshellFullAccess = defineCheck({
  id: 'cloudshell-full-access',
  title: 'AWSCloudShellFullAccess is attached',
  description:
    'AWSCloudShellFullAccess lets a principal move files in and out of CloudShell (a data-exfiltration path).',
  severity: 'low',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: POLICY_ATTACH_EVENTS } },
  remediation:
    'Detach AWSCloudShellFullAccess; grant only the CloudShell actions needed, without file transfer.',
  evaluate({ authorization: input }) {
    return judgeAttachment(this.id, input, 'AWSCloudShellFullAccess')
  },
})
