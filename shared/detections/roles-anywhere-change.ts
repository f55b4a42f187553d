import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const SOURCE = 'rolesanywhere.amazonaws.com'
const NAMES = [
  'CreateTrustAnchor',
  'UpdateTrustAnchor',
  'EnableTrustAnchor',
  'CreateProfile',
  'UpdateProfile',
] as const

type Fields = Record<string, unknown>
const obj = (x: unknown): Fields => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Fields) : {})

/** The trust anchor or profile as the response describes it (creates and updates return it), else the request. */
function resource(e: CloudTrailEvent): { kind: 'trustAnchor' | 'profile'; fields: Fields; request: Fields } {
  const kind = e.eventName.endsWith('Profile') ? 'profile' : 'trustAnchor'
  return { kind, fields: obj(e.responseElements[kind]), request: e.requestParameters }
}

export const rolesAnywhereChange = defineDetection({
  id: 'roles-anywhere-change',
  title: 'An IAM Roles Anywhere trust anchor or profile changed',
  description:
    'A Roles Anywhere trust anchor was created, updated or enabled, or a profile was created or updated: a certificate authority it trusts can then obtain credentials for the profile roles from outside AWS (regional).',
  severity: 'high',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: (e) =>
    e.eventSource === SOURCE && (NAMES as readonly string[]).includes(e.eventName) && succeeded(e)
      ? {}
      : null,
  principal: principalOf,
  context: (e) => {
    const { kind, fields, request } = resource(e)
    const id = kind === 'profile' ? 'profile' : 'trustAnchor'
    const source = obj(fields.source ?? request.source)
    const roles = fields.roleArns ?? request.roleArns
    return {
      change: e.eventName,
      [id]:
        str(fields[`${id}Arn`]) ??
        str(fields[`${id}Id`]) ??
        str(request[`${id}Id`]) ??
        str(fields.name) ??
        str(request.name) ??
        null,
      name: str(fields.name) ?? str(request.name) ?? null,
      sourceType: kind === 'trustAnchor' ? (str(source.sourceType) ?? null) : null,
      roleArns: Array.isArray(roles) ? roles.filter((r) => typeof r === 'string').join(', ') || null : null,
      region: e.awsRegion ?? null,
    }
  },
  runbook: [
    'Confirm with the owner that this trust anchor or profile is expected; if not, disable the trust anchor (DisableTrustAnchor) and the profile now.',
    "Check which certificate authority the trust anchor trusts and which roles the profile grants, and review those roles' CreateSession activity (rolesanywhere) since the change.",
  ],
})
