import type { Outcome } from '../../model/finding.ts'
import { iso, keyColumn, keyCredentialId, unreadableReason, userResource } from '../resources.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'

export const initialAccessKeyUnused = defineCheck({
  id: 'initial-access-key-unused',
  title: 'A console user has an unused access key created with the user',
  description: 'An access key was set up together with a console user and has never been used.',
  severity: 'low',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: {
    setupWindowMinutes: {
      default: 10,
      description: 'How soon after user creation a key counts as created at setup',
      min: 0,
    },
  },
  triggers: {
    schedule: 'credentials',
    events: {
      iam: [
        'CreateAccessKey',
        'UpdateAccessKey',
        'DeleteAccessKey',
        'CreateLoginProfile',
        'CreateUser',
        'DeleteUser',
        'UpdateLoginProfile',
      ],
    },
  },
  remediation: 'Delete the unused access key; create keys only when a workload needs one.',
  evaluate({ credentials: input }, { params }) {
    const outcomes: Outcome[] = []
    for (const user of input.users) {
      for (const key of user.accessKeys) {
        const credentialId = keyCredentialId(user, key)
        // Only a console user's initial key counts; anyone else's keys pass.
        if (credentialId && !user.passwordEnabled) {
          outcomes.push(pass(this.id, userResource(user), { consoleUser: false }, { credentialId }))
          continue
        }
        if (!credentialId) continue
        // An inactive key is compliant: say so, so its finding resolves as passed, not as gone.
        if (!key.active) {
          outcomes.push(pass(this.id, userResource(user), { active: false }, { credentialId }))
          continue
        }
        const unreadable = unreadableReason(user, keyColumn(key, 'last_used_date'))
        if (unreadable) {
          outcomes.push(unknown(this.id, userResource(user), unreadable, { credentialId }))
          continue
        }
        const minutesAfterCreation = (key.lastRotatedAt.getTime() - user.createdAt.getTime()) / 60_000
        const atSetup = minutesAfterCreation <= params.setupWindowMinutes
        const evidence = {
          userCreatedAt: iso(user.createdAt),
          keyCreatedAt: iso(key.lastRotatedAt),
          lastUsedAt: iso(key.lastUsedAt),
        }
        outcomes.push(
          atSetup && !key.lastUsedAt
            ? fail(this.id, userResource(user), evidence, { credentialId })
            : pass(this.id, userResource(user), evidence, { credentialId }),
        )
      }
    }
    return outcomes
  },
})
