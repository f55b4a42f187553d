import type { Finding } from '../../shared/model/finding.ts'

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
