import { principalOf, str, successfulCallOf } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'ec2.amazonaws.com'
/** CIS 4.12's network gateway changes: internet gateways and customer (VPN) gateways (regional). */
const NAMES = [
  'CreateInternetGateway',
  'DeleteInternetGateway',
  'AttachInternetGateway',
  'DetachInternetGateway',
  'CreateCustomerGateway',
  'DeleteCustomerGateway',
] as const
const NAME_SET = new Set<string>(NAMES)

const field = (x: unknown, key: string) =>
  x && typeof x === 'object' ? str((x as Record<string, unknown>)[key]) : undefined

export const networkGatewayChange = defineDetection({
  id: 'network-gateway-change',
  title: 'A network gateway was changed',
  description:
    'An internet gateway was created, attached, detached or deleted, or a customer gateway (the on-premises end of a VPN) created or deleted: a path into or out of a VPC changed.',
  severity: 'low',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: successfulCallOf(SOURCE, NAME_SET),
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const r = e.responseElements
    return {
      change: e.eventName,
      gateway:
        str(p.internetGatewayId) ??
        str(p.customerGatewayId) ??
        field(r.internetGateway, 'internetGatewayId') ??
        field(r.customerGateway, 'customerGatewayId') ??
        null,
      vpc: str(p.vpcId) ?? null,
      customerGatewayIp: str(p.ipAddress) ?? str(p.publicIp) ?? null,
    }
  },
  runbook: [
    'Check the gateway against the change you expect (`aws ec2 describe-internet-gateways` / `describe-customer-gateways`): an internet gateway attached to a private VPC, or a VPN to an unknown address, opens a way in or out.',
    'Detach or delete a gateway nobody asked for, and review the routes that point at it (route-table-change alerts name them).',
  ],
})
