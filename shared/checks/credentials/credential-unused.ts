import type { Evidence, Outcome } from '../../model/finding.ts'
import type { CredentialUser } from '../../normalize/credential-report.ts'
import {
  iso,
  judgeActiveKeys,
  keyColumn,
  unexpectedValue,
  unreadableReason,
  userResource,
} from '../resources.ts'
import { daysBetween, defineCheck, fail, pass, unknown } from '../types.ts'

export const credentialUnused = defineCheck({
  id: 'credential-unused',
  title: 'A credential has not been used for a long time',
  description:
    'A console password or an active access key has not been used within the window; a never-used credential counts from its creation.',
  severity: 'medium',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
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
    events: {
      iam: [
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
  },
  remediation:
    'Deactivate the unused access key or remove the unused console password; delete it once nothing breaks.',
  evaluate({ credentials: input }, { now, params }) {
    const outcomes: Outcome[] = []
    for (const user of input.users) {
      const resource = userResource(user)
      if (user.passwordEnabled) {
        const credentialId = 'password'
        const idle = passwordIdleness(user, params)
        if (typeof idle === 'string') outcomes.push(unknown(this.id, resource, idle, { credentialId }))
        else {
          const idleDays = daysBetween(idle.since, now)
          const evidence = {
            credential: 'password',
            lastUsedAt: iso(idle.lastUsedAt),
            idleDays,
            ...idle.evidence,
          }
          outcomes.push(
            idleDays > idle.limit
              ? fail(this.id, resource, evidence, { credentialId })
              : pass(this.id, resource, evidence, { credentialId }),
          )
        }
      }
      outcomes.push(
        ...judgeActiveKeys(this.id, user, (key, credentialId) => {
          const unreadable = unreadableReason(user, keyColumn(key, 'last_used_date'))
          if (unreadable) return unknown(this.id, resource, unreadable, { credentialId })
          const idle = daysBetween(key.lastUsedAt ?? key.lastRotatedAt, now)
          const limit = key.lastUsedAt ? params.maxUnusedDays : params.graceDays
          const evidence = {
            credential: credentialId,
            lastUsedAt: iso(key.lastUsedAt),
            idleDays: idle,
            neverUsed: !key.lastUsedAt,
          }
          return idle > limit
            ? fail(this.id, resource, evidence, { credentialId })
            : pass(this.id, resource, evidence, { credentialId })
        }),
      )
    }
    return outcomes
  },
})

/** When IAM began tracking password use: the report's no_information means no use seen since then. */
export const PASSWORD_TRACKING_START = new Date('2014-10-20T00:00:00Z')

interface PasswordIdleness {
  lastUsedAt?: Date
  /** Idle since when, and how many idle days are allowed from then. */
  since: Date
  limit: number
  evidence: Evidence
}

/** How long a console password has been idle, or why that cannot be told (a field it reads is unknown). */
function passwordIdleness(
  user: CredentialUser,
  params: { maxUnusedDays: number; graceDays: number },
): PasswordIdleness | string {
  const use = user.passwordUse
  if (use.kind === 'unreadable') return unexpectedValue('password_last_used')
  if (use.kind === 'used')
    return { lastUsedAt: use.at, since: use.at, limit: params.maxUnusedDays, evidence: { neverUsed: false } }
  const unreadable = unreadableReason(user, 'password_last_changed')
  if (unreadable) return unreadable
  const setAt = user.passwordLastChangedAt ?? user.createdAt
  if (use.kind === 'never') return { since: setAt, limit: params.graceDays, evidence: { neverUsed: true } }
  // no_information: never used, or last used before tracking began. Idle since the later of the two; a
  // password set since then has simply not been used (the grace period applies), an older one was idle
  // for all the tracked time.
  const setBeforeTracking = setAt < PASSWORD_TRACKING_START
  const since = setBeforeTracking ? PASSWORD_TRACKING_START : setAt
  return {
    since,
    limit: setBeforeTracking ? params.maxUnusedDays : params.graceDays,
    evidence: { idleSince: since.toISOString(), neverUsed: false, usage: 'no_information' },
  }
}
