import { callerUserName, principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = new Set(['CreateLoginProfile', 'UpdateLoginProfile'])

export const loginProfileChanged = defineDetection({
  id: 'login-profile-changed',
  title: "Another user's console password was set",
  description:
    'A console password was created or changed for a user other than the caller (passwordResetRequired does not exempt it).',
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: [...NAMES] },
  params: {},
  match: (e) => {
    if (!NAMES.has(e.eventName) || !succeeded(e) || e.identity.type === 'Root') return null
    const target = str(e.requestParameters.userName)
    return target && target !== callerUserName(e) ? { details: { targetUser: target } } : null
  },
  principal: principalOf,
  context: (e) => ({ targetUser: str(e.requestParameters.userName) ?? null, change: e.eventName }),
  runbook: [
    'Confirm with the target user; if unexpected, delete the login profile and rotate their credentials.',
    "Review the caller's session for other changes.",
  ],
})
