import { userResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const userNoMfa = defineCheck({
  id: 'user-no-mfa',
  title: 'An IAM user has no MFA device',
  description: 'An IAM user, console or programmatic, has no MFA device assigned.',
  severity: 'medium',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: {},
  triggers: {
    schedule: 'credentials',
    events: { iam: ['CreateUser', 'EnableMFADevice', 'DeactivateMFADevice', 'DeleteUser'] },
  },
  remediation:
    'Assign an MFA device to the user, and require MFA in the policies that matter (aws:MultiFactorAuthPresent).',
  evaluate({ credentials: input }) {
    return input.users.map((user) =>
      user.mfaActive
        ? pass(this.id, userResource(user))
        : fail(this.id, userResource(user), { mfaActive: false }),
    )
  },
})
