import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf } from './helpers.ts'
import { defineDetection } from './types.ts'

export const isUnauthorized = (e: CloudTrailEvent) =>
  !!e.errorCode && (e.errorCode.startsWith('AccessDenied') || e.errorCode.endsWith('UnauthorizedOperation'))

export const unauthorizedApiCalls = defineDetection({
  id: 'unauthorized-api-calls',
  title: 'Many unauthorized API calls',
  description: 'AccessDenied / UnauthorizedOperation errors for one principal above the threshold.',
  severity: 'low',
  events: { kind: 'errorCodes', prefixes: ['AccessDenied'], suffixes: ['UnauthorizedOperation'] },
  params: {
    count: { default: 20, description: 'Denied calls in the window that alert', min: 2 },
    windowMinutes: { default: 60, description: 'Window', min: 1 },
  },
  threshold: {
    countParam: 'count',
    windowMinutesParam: 'windowMinutes',
    key: (e) => (isUnauthorized(e) ? principalOf(e) : null),
    severity: 'low',
  },
  principal: principalOf,
  context: (e) => ({
    lastDenied: `${e.eventSource.split('.')[0]}:${e.eventName}`,
    errorCode: e.errorCode ?? null,
  }),
  runbook: [
    'A principal is probing for permissions, or a workload lost access: check which calls are denied.',
    'If the principal is not yours or its behaviour is unexpected, deactivate its credentials.',
  ],
})
