import { principalOf, str, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'ec2.amazonaws.com'
/** CIS 4.14's VPC changes: VPCs, their attributes, peering and ClassicLink (regional). */
const NAMES = [
  'CreateVpc',
  'DeleteVpc',
  'ModifyVpcAttribute',
  'AcceptVpcPeeringConnection',
  'CreateVpcPeeringConnection',
  'DeleteVpcPeeringConnection',
  'RejectVpcPeeringConnection',
  'AttachClassicLinkVpc',
  'DetachClassicLinkVpc',
  'DisableVpcClassicLink',
  'EnableVpcClassicLink',
] as const
const NAME_SET = new Set<string>(NAMES)

const field = (x: unknown, key: string) =>
  x && typeof x === 'object' ? str((x as Record<string, unknown>)[key]) : undefined

/** The attributes ModifyVpcAttribute can set, one per call. */
const ATTRIBUTES = ['enableDnsSupport', 'enableDnsHostnames', 'enableNetworkAddressUsageMetrics']

export const vpcChange = defineDetection({
  id: 'vpc-change',
  title: 'A VPC was changed',
  description:
    'A VPC was created, deleted or had an attribute changed, a peering connection was requested, accepted, rejected or deleted, or ClassicLink was turned on or off.',
  severity: 'low',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const r = e.responseElements
    const peering = r.vpcPeeringConnection
    return {
      change: e.eventName,
      vpc: str(p.vpcId) ?? field(r.vpc, 'vpcId') ?? null,
      cidr: str(p.cidrBlock) ?? null,
      peeringConnection: str(p.vpcPeeringConnectionId) ?? field(peering, 'vpcPeeringConnectionId') ?? null,
      peerVpc: str(p.peerVpcId) ?? null,
      peerAccount: str(p.peerOwnerId) ?? null,
      attribute: ATTRIBUTES.find((a) => p[a] !== undefined) ?? null,
    }
  },
  runbook: [
    'Check the VPC or peering connection against the network you expect (`aws ec2 describe-vpcs`, `describe-vpc-peering-connections`): a peering to an unknown account or VPC links your network to theirs.',
    'Delete or reject a peering connection nobody asked for, revert the attribute, and review the routes and security groups that refer to it.',
  ],
})
