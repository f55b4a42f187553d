import { defineCheck, fail, pass } from '../types.ts'

export const supportRoleMissing = defineCheck({
  id: 'support-role-missing',
  title: 'No role can manage AWS Support cases',
  description:
    'No role has AWSSupportAccess attached, so incidents cannot be raised with AWS without elevated credentials.',
  severity: 'low',
  resourceType: 'AwsAccount',
  reads: ['authorization'],
  params: {},
  // An account-wide judgement: the daily scan makes it (an event's scope is the principals it touched).
  triggers: { schedule: 'authorization', events: {} },
  remediation: 'Create a role for your incident responders and attach the AWSSupportAccess managed policy.',
  evaluate({ authorization: input }, { accountId }) {
    const roles = input.inventory.roles
      .filter((r) => r.attached.includes('AWSSupportAccess'))
      .map((r) => r.name)
    const resource = { type: 'AwsAccount', id: 'support-role', arn: `arn:aws:iam::${accountId}:root` }
    return [roles.length ? pass(this.id, resource, { roles }) : fail(this.id, resource, { roles: [] })]
  },
})
