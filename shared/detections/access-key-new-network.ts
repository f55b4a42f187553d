import { networkOf } from './first-seen.ts'
import { principalOf, str } from './helpers.ts'
import { defineDetection } from './types.ts'

/** Long-term access keys (IAM users', root's) start with AKIA; temporary credentials with ASIA. */
export const LONG_TERM_KEY = 'AKIA'

export const accessKeyNewNetwork = defineDetection<'windowDays' | 'maxNetworks'>({
  id: 'access-key-new-network',
  title: 'A long-term access key was used from a new network',
  description:
    'An API call signed with a long-term access key (AKIA...) came from a network (IPv4 /24, IPv6 /48) not seen for that key in the window. The first sighting of a key is its baseline; calls from AWS service hosts are ignored.',
  severity: 'medium',
  events: { kind: 'accessKeys', prefixes: [LONG_TERM_KEY] },
  // Every call made with a long-term key: through a queue, in batches, not one invocation each.
  route: 'queue',
  params: {
    windowDays: { default: 30, description: 'Days a network stays known after it was last seen', min: 1 },
    maxNetworks: { default: 50, description: 'Networks kept per key (least recently seen dropped)', min: 1 },
  },
  firstSeen: {
    subject: (e) => {
      const key = e.identity.accessKeyId
      return key?.startsWith(LONG_TERM_KEY) ? key : null
    },
    network: (e) => networkOf(e.sourceIp),
    windowDaysParam: 'windowDays',
    maxNetworksParam: 'maxNetworks',
  },
  principal: principalOf,
  context: (e) => ({
    accessKeyId: str(e.identity.accessKeyId) ?? null,
    call: `${e.eventSource.split('.')[0]}:${e.eventName}`,
    network: networkOf(e.sourceIp),
    userAgent: str(e.userAgent) ?? null,
  }),
  runbook: [
    "Ask the key's owner whether they (or their workload) now call from this network; a laptop on a new network or a moved workload explains it.",
    'If not, deactivate the key now (UpdateAccessKey Inactive) and review every call it made from this network (CloudTrail, by access key id).',
    'Replace long-term keys with roles (IAM Identity Center, instance or task roles) where you can.',
  ],
})
