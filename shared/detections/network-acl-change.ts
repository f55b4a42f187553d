import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { isWorldCidr, protocolName } from './security-group-change.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'ec2.amazonaws.com'
/** CIS 4.11's network ACL changes (regional). */
const NAMES = [
  'CreateNetworkAcl',
  'CreateNetworkAclEntry',
  'DeleteNetworkAcl',
  'DeleteNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'ReplaceNetworkAclAssociation',
] as const
const NAME_SET = new Set<string>(NAMES)

const ENTRY = new Set(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry'])

const cidrOf = (p: Record<string, unknown>) => str(p.cidrBlock) ?? str(p.ipv6CidrBlock)
const isTrue = (x: unknown) => x === true || x === 'true'

/** An entry that allows every protocol from every address into the subnets: the ACL no longer filters ingress. */
function allowsAllIngress(e: CloudTrailEvent): boolean {
  const p = e.requestParameters
  return (
    ENTRY.has(e.eventName) &&
    String(p.ruleAction ?? '').toLowerCase() === 'allow' &&
    !isTrue(p.egress) &&
    protocolName(p.aclProtocol ?? p.protocol) === 'all' &&
    (isWorldCidr(p.cidrBlock) || isWorldCidr(p.ipv6CidrBlock))
  )
}

const portRange = (x: unknown) => {
  const r = (x && typeof x === 'object' ? x : {}) as { from?: unknown; to?: unknown }
  return r.from === undefined ? null : r.from === r.to ? String(r.from) : `${r.from}-${r.to}`
}

export const networkAclChange = defineDetection({
  id: 'network-acl-change',
  title: 'A network ACL was changed',
  description:
    "A network ACL, one of its entries, or a subnet's ACL association was created, replaced or deleted; medium when an entry allows all traffic in from every address.",
  severity: 'low',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: (e) => {
    if (e.eventSource !== SOURCE || !NAME_SET.has(e.eventName) || !succeeded(e)) return null
    return allowsAllIngress(e) ? { severity: 'medium', details: { allowsAllIngress: true } } : {}
  },
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const created = e.responseElements.networkAcl as { networkAclId?: unknown } | undefined
    const hasEntry = ENTRY.has(e.eventName) || e.eventName === 'DeleteNetworkAclEntry'
    return {
      change: e.eventName,
      networkAcl: str(p.networkAclId) ?? str(created?.networkAclId) ?? null,
      vpc: str(p.vpcId) ?? null,
      association: str(p.associationId) ?? null,
      ruleNumber: hasEntry && typeof p.ruleNumber === 'number' ? p.ruleNumber : null,
      direction: hasEntry && p.egress !== undefined ? (isTrue(p.egress) ? 'egress' : 'ingress') : null,
      action: str(p.ruleAction) ?? null,
      cidr: cidrOf(p) ?? null,
      protocol: p.aclProtocol !== undefined ? protocolName(p.aclProtocol) : null,
      ports: portRange(p.portRange),
    }
  },
  runbook: [
    'Read the ACL as it is now (`aws ec2 describe-network-acls --network-acl-ids <acl>`) and check the entry or association against the change you expect.',
    'Remove an allow entry that nobody asked for, above all one that lets all traffic in from 0.0.0.0/0 or ::/0, and restore the subnet association if it was moved.',
  ],
})
