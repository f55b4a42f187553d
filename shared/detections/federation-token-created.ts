import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

export const federationTokenCreated = defineDetection({
  id: 'federation-token-created',
  title: 'An IAM user obtained a federation token',
  description:
    "An IAM user called sts GetFederationToken: the federated session it returns (up to 36 hours) keeps working after the user's access key is deactivated or deleted, a known persistence technique.",
  severity: 'medium',
  events: { kind: 'names', sources: ['sts.amazonaws.com'], names: ['GetFederationToken'] },
  params: {},
  match: (e) =>
    e.eventSource === 'sts.amazonaws.com' &&
    e.eventName === 'GetFederationToken' &&
    e.identity.type === 'IAMUser' &&
    succeeded(e)
      ? {}
      : null,
  principal: principalOf,
  context: (e) => {
    const federated = e.responseElements.federatedUser as { arn?: unknown } | undefined
    const credentials = e.responseElements.credentials as { accessKeyId?: unknown } | undefined
    return {
      federatedUser: str(federated?.arn) ?? str(e.requestParameters.name) ?? null,
      callerAccessKeyId: str(e.identity.accessKeyId) ?? null,
      sessionAccessKeyId: str(credentials?.accessKeyId) ?? null,
      sessionPolicy: typeof e.requestParameters.policy === 'string' || e.requestParameters.policyArns != null,
    }
  },
  runbook: [
    'Ask the user why they needed a federation token; tools such as aws-vault use it legitimately, attackers use it to outlive key rotation.',
    "If it is not expected, deactivate the caller's access key and attach a policy denying all actions with condition aws:TokenIssueTime before now (revoking active federated sessions), then review the federated user's activity.",
  ],
})
