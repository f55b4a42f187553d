import type { Outcome } from '../../model/finding.ts'
import { iso, judgeActiveKeys, userResource } from '../resources.ts'
import { daysBetween, defineCheck, fail, pass } from '../types.ts'

export const accessKeyRotation = defineCheck({
  id: 'access-key-rotation',
  title: 'An active access key has not been rotated',
  description: 'An active access key is older than the rotation period.',
  severity: 'medium',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: { maxAgeDays: { default: 90, description: 'Maximum age of an active access key', min: 1 } },
  triggers: {
    schedule: 'credentials',
    events: { iam: ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'CreateUser', 'DeleteUser'] },
  },
  remediation: 'Create a new access key, move its consumers to it, then deactivate and delete the old one.',
  evaluate({ credentials: input }, { now, params }) {
    const outcomes: Outcome[] = []
    for (const user of input.users) {
      outcomes.push(
        ...judgeActiveKeys(this.id, user, (key, credentialId) => {
          const ageDays = daysBetween(key.lastRotatedAt, now)
          const evidence = { createdAt: iso(key.lastRotatedAt), ageDays, maxAgeDays: params.maxAgeDays }
          return ageDays > params.maxAgeDays
            ? fail(this.id, userResource(user), evidence, { credentialId })
            : pass(this.id, userResource(user), evidence, { credentialId })
        }),
      )
    }
    return outcomes
  },
})
