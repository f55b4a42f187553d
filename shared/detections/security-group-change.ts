import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import type { Severity } from '../model/severity.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'ec2.amazonaws.com'
/** CIS 4.10's security group changes (regional). */
const NAMES = [
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
  // Beyond the CIS filter: edits an existing rule in place, with no Authorize or Revoke call.
  'ModifySecurityGroupRules',
] as const
const NAME_SET = new Set<string>(NAMES)

/** EC2 records lists as `{ "items": [...] }` (an empty list as `{}`); a bare array is accepted too. */
export function ec2Items(x: unknown): Record<string, unknown>[] {
  const list = Array.isArray(x)
    ? x
    : x && typeof x === 'object'
      ? (x as { items?: unknown }).items
      : undefined
  return Array.isArray(list)
    ? list.filter((i): i is Record<string, unknown> => !!i && typeof i === 'object' && !Array.isArray(i))
    : []
}

/** A range of every address: prefix length 0, IPv4 or IPv6 (0.0.0.0/0, ::/0, or any address with /0). */
export function isWorldCidr(cidr: unknown): boolean {
  return typeof cidr === 'string' && /\/0+$/.test(cidr.trim())
}

/** EC2's "all protocols" (-1); protocol numbers stand for tcp (6) and udp (17). */
const ALL = new Set(['-1', 'all'])
const PROTOCOL: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' }
export const protocolName = (x: unknown): string => {
  const p = String(x ?? '').toLowerCase()
  return ALL.has(p) ? 'all' : (PROTOCOL[p] ?? p)
}

/** Remote administration ports (SSH, RDP): open to everyone they are the classic way in. */
const ADMIN_PORTS = [22, 3389]

interface Rule {
  cidr: string
  protocol: string
  from?: number
  to?: number
}

const port = (x: unknown): number | undefined => {
  const n = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : Number.NaN
  return Number.isInteger(n) ? n : undefined
}

/**
 * The rules a call names: the request's ipPermissions (IPv4 and IPv6 ranges), its flat form (cidrIp,
 * ipProtocol, fromPort, toPort), and the rules EC2 reports it created (responseElements.securityGroupRuleSet).
 */
function rules(e: CloudTrailEvent): Rule[] {
  const p = e.requestParameters
  const out: Rule[] = []
  const add = (cidr: unknown, protocol: unknown, from: unknown, to: unknown) => {
    const c = str(cidr)
    if (c) out.push({ cidr: c, protocol: protocolName(protocol), from: port(from), to: port(to) })
  }
  for (const perm of ec2Items(p.ipPermissions)) {
    for (const r of ec2Items(perm.ipRanges)) add(r.cidrIp, perm.ipProtocol, perm.fromPort, perm.toPort)
    for (const r of ec2Items(perm.ipv6Ranges)) add(r.cidrIpv6, perm.ipProtocol, perm.fromPort, perm.toPort)
  }
  add(p.cidrIp, p.ipProtocol, p.fromPort, p.toPort)
  for (const r of ec2Items(e.responseElements.securityGroupRuleSet))
    add(r.cidrIpv4 ?? r.cidrIpv6, r.ipProtocol, r.fromPort, r.toPort)
  return out
}

const ruleText = (r: Rule) =>
  r.protocol === 'all' || r.from === undefined
    ? `${r.cidr} ${r.protocol}`
    : `${r.cidr} ${r.protocol} ${r.from === r.to || r.to === undefined ? r.from : `${r.from}-${r.to}`}`

/** All traffic, or tcp/udp whose port range holds a remote administration port (-1 or no range: all ports). */
function reachesAdmin(r: Rule): boolean {
  if (r.protocol === 'all') return true
  if (r.protocol !== 'tcp' && r.protocol !== 'udp') return false
  if (r.from === undefined || r.from === -1) return true
  const to = r.to ?? r.from
  return ADMIN_PORTS.some((p) => r.from! <= p && p <= to)
}

/**
 * An ingress rule opened to every address is more dangerous than the catalog's low: medium, and high when it
 * lets everyone reach SSH/RDP or every port.
 */
function openedToWorld(e: CloudTrailEvent): { severity: Severity; rule: string } | null {
  if (e.eventName !== 'AuthorizeSecurityGroupIngress') return null
  const open = rules(e).filter((r) => isWorldCidr(r.cidr))
  if (open.length === 0) return null
  const admin = open.find(reachesAdmin)
  return admin
    ? { severity: 'high', rule: ruleText(admin) }
    : { severity: 'medium', rule: ruleText(open[0]!) }
}

export const securityGroupChange = defineDetection({
  id: 'security-group-change',
  title: 'A security group was changed',
  description:
    'A security group was created or deleted, or one of its ingress or egress rules added or removed; medium when an ingress rule opens it to every address, high when that rule reaches SSH, RDP or every port.',
  severity: 'low',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: (e) => {
    if (e.eventSource !== SOURCE || !NAME_SET.has(e.eventName) || !succeeded(e)) return null
    const open = openedToWorld(e)
    return open ? { severity: open.severity, details: { openToWorld: open.rule } } : {}
  },
  principal: principalOf,
  context: (e) => {
    const p = e.requestParameters
    const listed = rules(e)
    return {
      change: e.eventName,
      group: str(p.groupId) ?? str(e.responseElements.groupId) ?? str(p.groupName) ?? null,
      groupName: str(p.groupName) ?? null,
      vpc: str(p.vpcId) ?? null,
      rules: listed.length ? [...new Set(listed.map(ruleText))].slice(0, 10).join(', ') : null,
    }
  },
  runbook: [
    'Check the rule against the change you expect (`aws ec2 describe-security-group-rules --filters Name=group-id,Values=<group>`): who may now reach what, on which ports.',
    'Revoke an ingress rule open to 0.0.0.0/0 or ::/0 that nobody asked for, above all to SSH (22), RDP (3389) or every port, and review what the group protects for access since.',
  ],
})
