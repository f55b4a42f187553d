import { networkOf } from './first-seen.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

export const consoleLoginNewNetwork = defineDetection<'windowDays' | 'maxNetworks'>({
  id: 'console-login-new-network',
  title: 'An IAM user signed in to the console from a new network',
  description:
    'A successful console sign-in of an IAM user from a network (IPv4 /24, IPv6 /48) not seen for that user in the window. The first sighting of a user is the baseline.',
  severity: 'low',
  events: { kind: 'names', sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  params: {
    windowDays: { default: 30, description: 'Days a network stays known after it was last seen', min: 1 },
    maxNetworks: { default: 50, description: 'Networks kept per user (least recently seen dropped)', min: 1 },
  },
  firstSeen: {
    subject: (e) =>
      e.eventName === 'ConsoleLogin' && e.identity.type === 'IAMUser' && succeeded(e) ? principalOf(e) : null,
    network: (e) => networkOf(e.sourceIp),
    windowDaysParam: 'windowDays',
    maxNetworksParam: 'maxNetworks',
  },
  principal: principalOf,
  context: (e) => ({
    user: str(e.identity.userName) ?? null,
    network: networkOf(e.sourceIp),
    mfaUsed: str(e.additionalEventData.MFAUsed) ?? null,
    userAgent: str(e.userAgent) ?? null,
  }),
  runbook: [
    'Ask the user whether they signed in from this network (travel, a new ISP, a VPN).',
    'If not, reset their password, deactivate their keys and MFA devices, and review what the session did.',
  ],
})
