import type { Outcome } from '../../model/finding.ts'
import { iso, keyCredentialId, userResource } from '../resources.ts'
import { daysBetween, defineCheck, fail, pass } from '../types.ts'

export const credentialUnused = defineCheck({
  id: 'credential-unused',
  title: 'A credential has not been used for a long time',
  description:
    'A console password or an active access key has not been used within the window; a never-used credential counts from its creation.',
  severity: 'medium',
  resourceType: 'AwsIamUser',
  source: 'credentials',
  params: {
    maxUnusedDays: {
      default: 45,
      description: 'Days without use after which a credential is unused',
      min: 1,
    },
    graceDays: {
      default: 45,
      description: 'Days a never-used new credential is given before it counts as unused',
      min: 0,
    },
  },
  triggers: {
    schedule: 'credentials',
    events: [
      'CreateAccessKey',
      'UpdateAccessKey',
      'DeleteAccessKey',
      'CreateLoginProfile',
      'DeleteLoginProfile',
      'CreateUser',
      'DeleteUser',
      'UpdateLoginProfile',
    ],
  },
  remediation:
    'Deactivate the unused access key or remove the unused console password; delete it once nothing breaks.',
  evaluate(input, { now, params }) {
    const outcomes: Outcome[] = []
    for (const user of input.users) {
      const resource = userResource(user)
      if (user.passwordEnabled) {
        const lastUsed = user.passwordUse.kind === 'used' ? user.passwordUse.at : undefined
        const since = lastUsed ?? user.passwordLastChangedAt ?? user.createdAt
        const limit = lastUsed ? params.maxUnusedDays : params.graceDays
        const idle = daysBetween(since, now)
        const evidence = {
          credential: 'password',
          lastUsedAt: iso(lastUsed),
          idleDays: idle,
          neverUsed: !lastUsed,
        }
        outcomes.push(
          idle > limit
            ? fail(this.id, resource, evidence, { credentialId: 'password' })
            : pass(this.id, resource, evidence, { credentialId: 'password' }),
        )
      }
      for (const key of user.accessKeys) {
        const credentialId = keyCredentialId(user, key)
        if (!credentialId || !key.active) continue
        const idle = daysBetween(key.lastUsedAt ?? key.lastRotatedAt, now)
        const limit = key.lastUsedAt ? params.maxUnusedDays : params.graceDays
        const evidence = {
          credential: credentialId,
          lastUsedAt: iso(key.lastUsedAt),
          idleDays: idle,
          neverUsed: !key.lastUsedAt,
        }
        outcomes.push(
          idle > limit
            ? fail(this.id, resource, evidence, { credentialId })
            : pass(this.id, resource, evidence, { credentialId }),
        )
      }
    }
    return outcomes
  },
})
