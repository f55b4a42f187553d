import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { advance } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId, GENESIS_HASH, type Occurrence } from '../../shared/model/finding.ts'
import { newStore } from './harness.ts'

/** A findings table with two findings whose histories the auditor commands' tests know by heart. */

export const ACCOUNT = '123456789012'
export const day = (d: number) => new Date(Date.UTC(2026, 2, 1) + d * 86_400_000).toISOString()
const user = (name: string, at: string): Finding => ({
  id: findingId({ accountId: ACCOUNT, checkId: 'user-no-mfa', resourceId: name }),
  accountId: ACCOUNT,
  region: 'us-east-1',
  checkId: 'user-no-mfa',
  severity: 'medium',
  status: 'OPEN',
  resourceType: 'AwsIamUser',
  resourceId: name,
  resourceArn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
  title: 'IAM user with a console password and no MFA',
  evidence: { mfaActive: false, passwordEnabled: true, passwordLastUsed: '2026-02-01T00:00:00Z' },
  firstOpenedAt: at,
  lastTransitionAt: at,
  seq: 0,
  headHash: GENESIS_HASH,
})
const login: Occurrence = {
  eventKey: 'ev-2',
  eventId: 'ev-2',
  eventName: 'ConsoleLogin',
  eventSource: 'signin.amazonaws.com',
  eventTime: day(2),
  sourceIp: '203.0.113.9',
  actor: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` },
  kind: 'match',
  details: {},
}

/**
 * alice: OPENED day 1 (scan-1), RESOLVED day 3 with MFA on (scan-3), REOPENED day 5 (scan-5, her password
 * no longer used), SUPPRESSED day 6 by ops. root: a detection OPENED day 0, OCCURRED day 2 (ConsoleLogin).
 */
export async function seedAuditTable(): Promise<{
  store: FindingsStore
  tableName: string
  alice: string
  root: string
}> {
  const { store, tableName } = await newStore()
  const opened = advance(user('alice', day(1)), 'OPENED', 'scan-1', day(1))
  const resolved = advance(
    {
      ...opened.finding,
      status: 'RESOLVED',
      resolution: 'passed',
      evidence: { mfaActive: true, passwordEnabled: true, passwordLastUsed: '2026-02-01T00:00:00Z' },
      resolvedAt: day(3),
      lastTransitionAt: day(3),
    },
    'RESOLVED',
    'scan-3',
    day(3),
  )
  const { resolution: _r, resolvedAt: _a, ...unresolved } = resolved.finding
  const reopened = advance(
    {
      ...unresolved,
      status: 'OPEN',
      evidence: { mfaActive: false, passwordEnabled: true },
      lastTransitionAt: day(5),
    },
    'REOPENED',
    'scan-5',
    day(5),
  )
  const suppressed = advance(
    {
      ...reopened.finding,
      suppression: {
        reason: 'leaving Friday',
        owner: 'it',
        until: day(30),
        by: 'arn:aws:iam::1:user/ops',
        at: day(6),
      },
    },
    'SUPPRESSED',
    'manual-6',
    day(6),
    undefined,
    { actor: 'arn:aws:iam::1:user/ops', reason: 'leaving Friday' },
  )
  const root: Finding = {
    ...user('root', day(0)),
    id: findingId({ accountId: ACCOUNT, checkId: 'root-console-login', resourceId: 'root' }),
    checkId: 'root-console-login',
    severity: 'critical',
    resourceType: 'AwsPrincipal',
    resourceId: 'root',
    resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
    title: 'Root console sign-in',
    evidence: { eventId: 'ev-0', eventName: 'ConsoleLogin' },
  }
  const rootOpened = advance(root, 'OPENED', 'event:ev-0', day(0), {
    ...login,
    eventKey: 'ev-0',
    eventId: 'ev-0',
  })
  const occurred = advance(
    {
      ...rootOpened.finding,
      evidence: { eventId: 'ev-2', eventName: 'ConsoleLogin' },
      lastTransitionAt: day(2),
    },
    'OCCURRED',
    'event:ev-2',
    day(2),
    login,
  )
  for (const t of [opened, resolved, reopened, suppressed, rootOpened, occurred])
    await store.applyTransition(t)
  return { store, tableName, alice: opened.finding.id, root: root.id }
}
