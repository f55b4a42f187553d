import { defineCheck } from '../types.ts'
import { judgeAttachment, POLICY_ATTACH_EVENTS } from './attached-managed.ts'

export const adminManagedPolicyAttached = defineCheck({
  id: 'admin-managed-policy-attached',
  title: 'AdministratorAccess is attached',
  description: 'The AWS-managed AdministratorAccess policy is attached to a user, group or role.',
  severity: 'high',
  resourceType: 'AwsIamRole',
  reads: ['authorization'],
  params: {},
  triggers: { schedule: 'authorization', events: { iam: POLICY_ATTACH_EVENTS } },
  remediation:
    'Detach AdministratorAccess; grant a job-function policy or a scoped customer-managed policy instead.',
  evaluate({ authorization: input }) {
    return judgeAttachment(this.id, input, 'AdministratorAccess')
  },
})
