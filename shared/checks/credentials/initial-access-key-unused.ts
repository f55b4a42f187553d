import type { Outcome } from '../../model/finding.ts'
import { iso, judgeActiveKeys, keyColumn, unreadableReason, userResource } from '../resources.ts'
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
      const resource = userResource(user)
      outcomes.push(
        ...judgeActiveKeys(this.id, user, (key, credentialId) => {
          // Only a console user's initial key counts; anyone else's keys pass.
          if (!user.passwordEnabled) return pass(this.id, resource, { consoleUser: false }, { credentialId })
          const unreadable = unreadableReason(user, keyColumn(key, 'last_used_date'))
          if (unreadable) return unknown(this.id, resource, unreadable, { credentialId })
          const minutesAfterCreation = (key.lastRotatedAt.getTime() - user.createdAt.getTime()) / 60_000
          const atSetup = minutesAfterCreation <= params.setupWindowMinutes
          const evidence = {
            userCreatedAt: iso(user.createdAt),
            keyCreatedAt: iso(key.lastRotatedAt),
            lastUsedAt: iso(key.lastUsedAt),
          }
          return atSetup && !key.lastUsedAt
            ? fail(this.id, resource, evidence, { credentialId })
            : pass(this.id, resource, evidence, { credentialId })
        }),
      )
    }
    return outcomes
  },
})
