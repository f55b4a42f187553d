import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const ATTACH = new Set(['AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy'])
const PUT = new Set(['PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy'])
const QUARANTINE = 'AWSCompromisedKeyQuarantine'

export const compromisedKeyQuarantine = defineDetection({
  id: 'compromised-key-quarantine',
  title: 'AWS quarantined an exposed access key',
  description: 'An AWSCompromisedKeyQuarantine policy was attached or put: AWS found a key exposed publicly.',
  severity: 'critical',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: [...ATTACH, ...PUT] },
  params: {},
  match: (e) => {
    if (!succeeded(e)) return null
    if (ATTACH.has(e.eventName) && (str(e.requestParameters.policyArn) ?? '').includes(`/${QUARANTINE}`))
      return {}
    return PUT.has(e.eventName) && (str(e.requestParameters.policyName) ?? '').startsWith(QUARANTINE)
      ? {}
      : null
  },
  principal: principalOf,
  context: (e) => ({
    targetUser: str(e.requestParameters.userName) ?? null,
    policy: str(e.requestParameters.policyArn) ?? str(e.requestParameters.policyName) ?? null,
  }),
  runbook: [
    'Rotate the exposed access key now (create a new one, switch consumers, delete the old one).',
    'Find where it leaked (public repository, logs) and review everything the key did.',
  ],
})
