import { isAdminStatement } from '../../policy/evaluate.ts'
import { defineCheck, fail, pass } from '../types.ts'
import { principalResource } from './common.ts'

export const adminWithoutMfa = defineCheck({
  id: 'admin-without-mfa',
  title: 'An administrator has no MFA',
  description: 'A user with administrative permissions (directly or through a group) has no MFA device.',
  severity: 'high',
  resourceType: 'AwsIamUser',
  source: 'authorization',
  params: {},
  triggers: {
    schedule: 'authorization',
    events: ['DeactivateMFADevice', 'EnableMFADevice', 'AddUserToGroup', 'AttachUserPolicy', 'PutUserPolicy'],
  },
  remediation: 'Enroll an MFA device for the user now, or remove the administrative permissions.',
  evaluate(input) {
    // Without MFA data (the credential report could not be read) nothing can be said.
    const mfa = input.mfaUsers
    if (!mfa) return []
    return input.inventory.users.map((u) => {
      const admin = u.policies
        .filter((p) => p.kind !== 'boundary' && p.document.statements.some(isAdminStatement))
        .map((p) => p.name)
      const capped = u.policies.some(
        (p) => p.kind === 'boundary' && !p.document.statements.some(isAdminStatement),
      )
      return admin.length > 0 && !capped && !mfa.has(u.name)
        ? fail(this.id, principalResource({ kind: 'user', ...u }), { adminVia: admin, mfa: false })
        : pass(this.id, principalResource({ kind: 'user', ...u }))
    })
  },
})
