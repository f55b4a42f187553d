import { principalOf, str, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'ec2.amazonaws.com'
/** CIS 4.13's route table changes (regional). */
const NAMES = [
  'CreateRoute',
  'CreateRouteTable',
  'ReplaceRoute',
  'ReplaceRouteTableAssociation',
  'DeleteRouteTable',
  'DeleteRoute',
  'DisassociateRouteTable',
] as const
const NAME_SET = new Set<string>(NAMES)

/** Where a route sends its traffic: the request names exactly one target. */
const TARGETS = [
  'gatewayId',
  'natGatewayId',
  'transitGatewayId',
  'vpcPeeringConnectionId',
  'networkInterfaceId',
  'instanceId',
  'egressOnlyInternetGatewayId',
  'localGatewayId',
  'carrierGatewayId',
  'vpcEndpointId',
  'coreNetworkArn',
]

export const routeTableChange = defineDetection({
  id: 'route-table-change',
  title: 'A route table was changed',
  description:
    "A route table or one of its routes was created, replaced or deleted, or a subnet's route table association changed: traffic may now take another path.",
  severity: 'low',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const created = e.responseElements.routeTable as { routeTableId?: unknown } | undefined
    return {
      change: e.eventName,
      routeTable: str(p.routeTableId) ?? str(created?.routeTableId) ?? null,
      vpc: str(p.vpcId) ?? null,
      destination:
        str(p.destinationCidrBlock) ??
        str(p.destinationIpv6CidrBlock) ??
        str(p.destinationPrefixListId) ??
        null,
      target: TARGETS.map((k) => str(p[k])).find((t) => t !== undefined) ?? null,
      association: str(p.associationId) ?? null,
    }
  },
  runbook: [
    'Check the route against the network you expect (`aws ec2 describe-route-tables --route-table-ids <table>`): a default route (0.0.0.0/0) to a new gateway, peering connection or instance can send traffic outside.',
    'Restore the previous route or association if nobody asked for the change, and review flow logs for traffic that took the new path.',
  ],
})
