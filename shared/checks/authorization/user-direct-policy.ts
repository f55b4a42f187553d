import { defineCheck, fail, pass } from '../types.ts'
import { principalResource } from './common.ts'

export const userDirectPolicy = defineCheck({
  id: 'user-direct-policy',
  title: 'A user has policies of its own',
  description: 'An IAM user has attached or inline policies; permissions should come from groups or roles.',
  severity: 'low',
  resourceType: 'AwsIamUser',
  reads: ['authorization'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: {
      iam: ['AttachUserPolicy', 'DetachUserPolicy', 'PutUserPolicy', 'DeleteUserPolicy', 'DeleteUser'],
    },
  },
  remediation: "Move the user's policies to a group (or a role it assumes) and remove them from the user.",
  evaluate({ authorization: input }) {
    return input.inventory.users.map((u) =>
      u.attached.length + u.inline.length > 0
        ? fail(this.id, principalResource({ kind: 'user', ...u }), { attached: u.attached, inline: u.inline })
        : pass(this.id, principalResource({ kind: 'user', ...u })),
    )
  },
})
