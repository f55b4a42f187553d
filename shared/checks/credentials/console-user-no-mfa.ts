import { userResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const consoleUserNoMfa = defineCheck({
  id: 'console-user-no-mfa',
  title: 'A console user has no MFA',
  description: 'An IAM user can sign in to the console with a password alone.',
  severity: 'high',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: {},
  triggers: {
    schedule: 'credentials',
    events: {
      iam: [
        'CreateLoginProfile',
        'DeleteLoginProfile',
        'EnableMFADevice',
        'DeactivateMFADevice',
        'CreateUser',
        'DeleteUser',
        'UpdateLoginProfile',
      ],
    },
  },
  remediation:
    'Assign an MFA device to the user, or remove the console password if the user does not need it.',
  evaluate({ credentials: input }) {
    return input.users.map((user) =>
      user.passwordEnabled && !user.mfaActive
        ? fail(this.id, userResource(user), { passwordEnabled: true, mfaActive: false })
        : pass(this.id, userResource(user)),
    )
  },
})
