import { isAdminStatement } from '../../policy/evaluate.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'
import { principalResource } from './common.ts'

export const adminWithoutMfa = defineCheck({
  id: 'admin-without-mfa',
  title: 'An administrator has no MFA',
  description: 'A user with administrative permissions (directly or through a group) has no MFA device.',
  severity: 'high',
  resourceType: 'AwsIamUser',
  reads: ['authorization', 'credentials'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: {
      iam: [
        'DeactivateMFADevice',
        'EnableMFADevice',
        'AddUserToGroup',
        'RemoveUserFromGroup',
        'AttachUserPolicy',
        'DetachUserPolicy',
        'PutUserPolicy',
        'DeleteUserPolicy',
      ],
    },
  },
  remediation: 'Enroll an MFA device for the user now, or remove the administrative permissions.',
  evaluate({ authorization: input, credentials }) {
    const mfa = new Map(credentials.users.map((u) => [u.name, u.mfaActive]))
    return input.inventory.users.map((u) => {
      const resource = principalResource({ kind: 'user', ...u })
      const admin = u.policies
        .filter((p) => p.kind !== 'boundary' && p.document.statements.some(isAdminStatement))
        .map((p) => p.name)
      const capped = u.policies.some(
        (p) => p.kind === 'boundary' && !p.document.statements.some(isAdminStatement),
      )
      // Not an administrator: decided by the authorization details alone, whatever the MFA data says.
      if (admin.length === 0 || capped)
        return pass(this.id, resource, { admin: false }, { basis: ['authorization'] })
      const hasMfa = mfa.get(u.name)
      // A user the credential data does not cover (created since the report, or out of an event's scope).
      if (hasMfa === undefined) return unknown(this.id, resource, 'MFA state not read for this user')
      return hasMfa
        ? pass(this.id, resource, { adminVia: admin, mfa: true })
        : fail(this.id, resource, { adminVia: admin, mfa: false })
    })
  },
})
