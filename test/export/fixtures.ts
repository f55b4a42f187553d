import { advance, type PlannedTransition } from '../../shared/engine/reconcile.ts'
import {
  type Finding,
  findingId,
  GENESIS_HASH,
  type Suppression,
  type TransitionKind,
} from '../../shared/model/finding.ts'

export const ACCOUNT = '123456789012'

/** A stored finding of a check: access-key-rotation on user/dev, open since November. */
export const checkFinding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f0000000000000000000000000000001',
  accountId: ACCOUNT,
  region: 'us-east-1',
  checkId: 'access-key-rotation',
  severity: 'medium',
  status: 'OPEN',
  resourceType: 'AwsIamUser',
  resourceId: 'user/dev',
  resourceArn: `arn:aws:iam::${ACCOUNT}:user/dev`,
  credentialId: 'AKIADEVOLDKEY0000001',
  title: 'Access key not rotated in 90 days',
  evidence: { ageDays: 120, lastRotated: '2026-07-01T00:00:00Z' },
  firstOpenedAt: '2026-11-01T09:15:42.123Z',
  lastTransitionAt: '2026-11-20T17:03:00.000Z',
  seq: 1,
  headHash: 'h',
  ...over,
})

/** A stored finding of a detection: root-console-login by the root principal. */
export const detectionFinding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f0000000000000000000000000000002',
  accountId: ACCOUNT,
  region: 'us-east-1',
  checkId: 'root-console-login',
  severity: 'critical',
  status: 'OPEN',
  resourceType: 'AwsPrincipal',
  resourceId: 'root',
  resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
  title: 'Root signed in to the console',
  evidence: { eventId: 'e-1', eventName: 'ConsoleLogin', sourceIp: '203.0.113.7', actor: 'Root' },
  firstOpenedAt: '2026-11-21T08:00:00.000Z',
  lastTransitionAt: '2026-11-21T08:00:00.000Z',
  seq: 1,
  headHash: 'h',
  ...over,
})

/** The fields of an IAM user finding on `resourceId` before it has a history; `over` replaces any. */
export const subject = (checkId: string, resourceId: string, over: Partial<Finding> = {}) => ({
  accountId: ACCOUNT,
  region: 'us-east-1',
  checkId,
  severity: 'medium' as const,
  status: 'OPEN' as const,
  resourceType: 'AwsIamUser',
  resourceId,
  resourceArn: `arn:aws:iam::${ACCOUNT}:${resourceId}`,
  title: checkId,
  evidence: {},
  ...over,
})

export interface Step {
  transition: TransitionKind
  at: string
  patch?: Partial<Finding>
  actor?: string
  reason?: string
}

/**
 * A finding and its hash-chained history, each step applied with the engine's own `advance`. The id is
 * `findingId(start)` and the chain starts at the genesis hash on the first step's time, unless `start`
 * says otherwise; `runId` names each step's run.
 */
export function chain(
  start: Omit<Finding, 'id' | 'seq' | 'headHash' | 'firstOpenedAt' | 'lastTransitionAt'> & Partial<Finding>,
  steps: Step[],
  runId = (at: string) => `scan-${at}`,
) {
  let f: Finding = {
    id: findingId(start),
    firstOpenedAt: steps[0]!.at,
    lastTransitionAt: steps[0]!.at,
    seq: 0,
    headHash: GENESIS_HASH,
    ...start,
  }
  const transitions: PlannedTransition[] = []
  for (const s of steps) {
    let next: Finding = { ...f, ...s.patch, lastTransitionAt: s.at }
    let lifted: Suppression | undefined
    if (s.transition === 'RESOLVED' || s.transition === 'ACKNOWLEDGED')
      next = { ...next, status: 'RESOLVED', resolvedAt: s.at, resolution: s.patch?.resolution ?? 'passed' }
    if (s.transition === 'REOPENED') {
      const { resolution: _r, resolvedAt: _a, ...open } = next
      next = { ...open, status: 'OPEN' }
    }
    if (s.transition === 'UNSUPPRESSED') {
      const { suppression, ...rest } = next
      lifted = suppression
      next = rest
    }
    const manual = s.actor
      ? { actor: s.actor, reason: s.reason ?? '', ...(lifted ? { lifted } : {}) }
      : undefined
    const planned = advance(next, s.transition, runId(s.at), s.at, undefined, manual)
    f = planned.finding
    transitions.push(planned)
  }
  return { finding: f, entries: transitions.map((t) => t.entry), transitions }
}
