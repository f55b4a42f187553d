import { principalOf, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = [
  'LeaveOrganization',
  'AttachPolicy',
  'DetachPolicy',
  'DeletePolicy',
  'UpdatePolicy',
  'RemoveAccountFromOrganization',
] as const
const SET = new Set<string>(NAMES)

export const organizationsChange = defineDetection({
  id: 'organizations-change',
  title: 'AWS Organizations changed',
  description: 'An account left or was removed from the organization, or a service control policy changed.',
  severity: 'high',
  events: { kind: 'names', sources: ['organizations.amazonaws.com'], names: NAMES },
  params: {},
  match: (e) =>
    e.eventSource === 'organizations.amazonaws.com' && SET.has(e.eventName) && succeeded(e) ? {} : null,
  principal: principalOf,
  context: (e) => ({ change: e.eventName }),
  runbook: [
    "Confirm the change with the organization's administrators; SCP changes can remove guardrails from every account.",
  ],
})
