import { userResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const multipleActiveKeys = defineCheck({
  id: 'multiple-active-keys',
  title: 'A user has two active access keys',
  description: 'Both access keys of an IAM user are active; one is usually forgotten.',
  severity: 'low',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: {},
  triggers: {
    schedule: 'credentials',
    events: { iam: ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'CreateUser', 'DeleteUser'] },
  },
  remediation: 'Find which key is in use (last used date), deactivate the other one and delete it.',
  evaluate({ credentials: input }) {
    return input.users.map((user) => {
      const active = user.accessKeys.filter((k) => k.active)
      return active.length > 1
        ? fail(this.id, userResource(user), {
            activeKeys: active.map((k) => k.accessKeyId ?? `access_key_${k.slot}`),
          })
        : pass(this.id, userResource(user), { activeKeys: active.length })
    })
  },
})
