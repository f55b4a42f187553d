import type { PolicyDocument, Statement } from './document.ts'
import { actionMatches, resourceMatches } from './match.ts'

/** A policy as a principal holds it: its name (or ARN) and its document. */
export interface HeldPolicy {
  name: string
  kind: 'managed' | 'aws-managed' | 'inline' | 'group-managed' | 'group-inline' | 'boundary'
  document: PolicyDocument
  /** A managed policy's ARN (absent for inline policies). */
  arn?: string
}

export type Decision = 'allowed' | 'conditional' | 'denied'

export interface Grant {
  decision: Decision
  /** The Allow statements that grant it: policy name and statement index (and Sid). */
  grantedBy: Array<{ policy: string; statement: number; sid?: string }>
}

export function coversAction(s: Statement, action: string): boolean {
  if (s.actions) return s.actions.some((p) => actionMatches(p, action))
  return !(s.notActions ?? []).some((p) => actionMatches(p, action))
}

/** resource undefined means "some resource": any Resource element can match one. */
function coversResource(s: Statement, resource: string | undefined): boolean {
  if (resource === undefined) return s.resources !== undefined || s.notResources !== undefined
  if (s.resources) return s.resources.some((p) => resourceMatches(p, resource))
  if (s.notResources) return !s.notResources.some((p) => resourceMatches(p, resource))
  return false
}

/** A Deny that applies to every resource, so it removes the action entirely. */
function deniesEverywhere(s: Statement): boolean {
  return (s.resources?.includes('*') ?? false) && !s.notResources
}

/**
 * Is `action` allowed on `resource` (or, without a resource, on some resource) by these policies?
 * Deny statements subtract: an unconditional Deny wins; a conditional Deny, or an Allow under
 * conditions, makes the grant "conditional" rather than dropping it. Permissions boundaries cap:
 * the action must also be allowed by every boundary.
 */
export function evaluateAction(policies: readonly HeldPolicy[], action: string, resource?: string): Grant {
  const grantedBy: Grant['grantedBy'] = []
  let conditional = false
  let allowedUnconditionally = false
  const boundaries = policies.filter((p) => p.kind === 'boundary')
  for (const p of policies) {
    if (p.kind === 'boundary') continue
    for (const [i, s] of p.document.statements.entries()) {
      if (!coversAction(s, action)) continue
      if (s.effect === 'Deny') {
        const everywhere = resource === undefined ? deniesEverywhere(s) : coversResource(s, resource)
        if (!everywhere) continue
        if (!s.conditions) return { decision: 'denied', grantedBy: [] }
        conditional = true
        continue
      }
      if (!coversResource(s, resource)) continue
      grantedBy.push({ policy: p.name, statement: i, ...(s.sid ? { sid: s.sid } : {}) })
      if (s.conditions) conditional = true
      else allowedUnconditionally = true
    }
  }
  if (grantedBy.length === 0) return { decision: 'denied', grantedBy }
  for (const b of boundaries) {
    const inBoundary = evaluateAction([{ ...b, kind: 'managed' }], action, resource)
    if (inBoundary.decision === 'denied') return { decision: 'denied', grantedBy: [] }
    if (inBoundary.decision === 'conditional') conditional = true
  }
  return { decision: allowedUnconditionally && !conditional ? 'allowed' : 'conditional', grantedBy }
}

/** Allow `*` (or NotAction) on Resource `*` without conditions: administrator access. */
export function isAdminStatement(s: Statement): boolean {
  const allActions = s.actions?.includes('*') || s.notActions !== undefined
  return s.effect === 'Allow' && !!allActions && (s.resources?.includes('*') ?? false) && !s.conditions
}
