import type { Outcome } from '../../model/finding.ts'
import { userResource } from '../resources.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'
import { day, judgedFrom, tooNew, usedWithin, WINDOW_PARAMS } from './common.ts'

export const userUnused = defineCheck({
  id: 'user-unused',
  title: 'A user has not used any credential within the window',
  description:
    'A user older than the window none of whose credentials (console password, access keys, active or not) was used within the window. Complements credential-unused, which judges each credential.',
  severity: 'medium',
  resourceType: 'AwsIamUser',
  reads: ['credentials'],
  params: WINDOW_PARAMS,
  triggers: {
    schedule: 'credentials',
    events: {
      iam: [
        'CreateUser',
        'DeleteUser',
        'CreateAccessKey',
        'DeleteAccessKey',
        'CreateLoginProfile',
        'DeleteLoginProfile',
      ],
    },
  },
  remediation:
    'Confirm with the user’s owner that the account is no longer needed, deactivate its keys and console password, then delete the user.',
  evaluate({ credentials: input }, { now, params }) {
    const outcomes: Outcome[] = []
    for (const user of input.users) {
      const resource = userResource(user)
      if (user.passwordUse.kind === 'unreadable') {
        outcomes.push(unknown(this.id, resource, 'password_last_used has an unexpected value'))
        continue
      }
      if (tooNew(user.createdAt, now, params)) {
        outcomes.push(pass(this.id, resource, { judgedFrom: judgedFrom(user.createdAt, params) }))
        continue
      }
      const uses = [
        ...(user.passwordUse.kind === 'used' ? [{ credential: 'password', at: user.passwordUse.at }] : []),
        ...user.accessKeys.flatMap((k) =>
          k.lastUsedAt ? [{ credential: k.accessKeyId ?? `access key ${k.slot}`, at: k.lastUsedAt }] : [],
        ),
      ].sort((a, b) => b.at.getTime() - a.at.getTime())
      const last = uses[0]
      const credentials = [
        ...(user.passwordEnabled ? ['password'] : []),
        ...user.accessKeys.map((k) => k.accessKeyId ?? `access key ${k.slot}`),
      ]
      const evidence = {
        lastUsedAt: last ? last.at.toISOString() : 'never',
        ...(last ? { lastUsedCredential: last.credential } : {}),
        credentials: credentials.length ? credentials : ['none'],
        createdAt: day(user.createdAt),
        windowDays: params.windowDays,
      }
      outcomes.push(
        usedWithin(last?.at, now, params)
          ? pass(this.id, resource, evidence)
          : fail(this.id, resource, evidence),
      )
    }
    return outcomes
  },
})
