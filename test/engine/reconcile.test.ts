import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../shared/checks/registry.ts'
import type { Judgement } from '../../shared/engine/evaluate.ts'
import { advance, type ReconcileInput, type RunScope, reconcile } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId, GENESIS_HASH, type Outcome } from '../../shared/model/finding.ts'

const ACCOUNT = '123456789012'
const checks = new Map(CHECKS.map((c) => [c.id, c]))
const scope: RunScope = { accountId: ACCOUNT, region: 'us-east-1' }
const CHECK_IDS = ['user-no-mfa', 'access-key-rotation']
const NOW = new Date('2026-11-23T00:00:00Z')
const res = (id: string) => ({ type: 'AwsIamUser', id, arn: `arn:aws:iam::${ACCOUNT}:user/${id}` })
const out = (checkId: string, user: string, status: 'pass' | 'fail', credentialId?: string): Outcome => ({
  checkId,
  status,
  resource: res(user),
  evidence: {},
  ...(credentialId ? { credentialId } : {}),
})

function stored(checkId: string, user: string, status: 'OPEN' | 'RESOLVED', credentialId?: string): Finding {
  const id = findingId({ accountId: ACCOUNT, checkId, resourceId: user, credentialId })
  const opened = advance(
    {
      id,
      accountId: ACCOUNT,
      region: 'us-east-1',
      checkId,
      severity: 'medium',
      status: 'OPEN',
      resourceType: 'AwsIamUser',
      resourceId: user,
      resourceArn: res(user).arn,
      ...(credentialId ? { credentialId } : {}),
      title: 't',
      evidence: {},
      firstOpenedAt: '2026-01-01T00:00:00.000Z',
      lastTransitionAt: '2026-01-01T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    'OPENED',
    's0',
    '2026-01-01T00:00:00.000Z',
  ).finding
  return status === 'OPEN'
    ? opened
    : { ...opened, status: 'RESOLVED', resolution: 'passed', resolvedAt: '2026-01-02T00:00:00.000Z' }
}

/** One judgement per check of the outcomes given, as the engine would make it. */
interface Given extends Partial<Omit<ReconcileInput, 'judgements'>> {
  outcomes?: Outcome[]
  complete?: boolean
  asOf?: Date
  resourceIds?: ReadonlySet<string>
  unknown?: ReadonlyMap<string, string>
}
const input = ({
  outcomes = [],
  complete = true,
  asOf = NOW,
  resourceIds,
  unknown,
  ...rest
}: Given): ReconcileInput => ({
  scope,
  judgements: CHECK_IDS.map(
    (checkId): Judgement => ({
      checkId,
      status: 'judged',
      outcomes: outcomes.filter((o) => o.checkId === checkId),
      asOf,
      complete,
      unknown: unknown ?? new Map(),
      ...(resourceIds ? { resourceIds } : {}),
    }),
  ),
  existing: new Map(),
  now: NOW,
  scanId: 'scan-1',
  checks,
  ...rest,
})
const byId = (...fs: Finding[]) => new Map(fs.map((f) => [f.id, f]))

describe('reconcile', () => {
  it('opens a new failing finding at sequence 1 from the genesis hash', () => {
    const plan = reconcile(input({ outcomes: [out('user-no-mfa', 'alice', 'fail')] }))
    expect(plan.transitions).toHaveLength(1)
    expect(plan.transitions[0]).toMatchObject({
      expectedSeq: 0,
      entry: { transition: 'OPENED', seq: 1, prevHash: GENESIS_HASH },
    })
    expect(plan.transitions[0]!.finding).toMatchObject({
      status: 'OPEN',
      severity: 'medium',
      title: 'An IAM user has no MFA device',
    })
  })

  it('writes nothing for a finding that is still open', () => {
    const plan = reconcile(
      input({
        outcomes: [out('user-no-mfa', 'alice', 'fail')],
        existing: byId(stored('user-no-mfa', 'alice', 'OPEN')),
      }),
    )
    expect(plan).toEqual({ transitions: [], unchanged: 1, withheldResolutions: 0, notEvaluated: 0, stale: 0 })
  })

  it('reopens a resolved finding and continues its chain', () => {
    const prev = stored('user-no-mfa', 'alice', 'RESOLVED')
    const plan = reconcile(input({ outcomes: [out('user-no-mfa', 'alice', 'fail')], existing: byId(prev) }))
    expect(plan.transitions[0]).toMatchObject({
      expectedSeq: 1,
      entry: { transition: 'REOPENED', seq: 2, prevHash: prev.headHash },
    })
    expect(plan.transitions[0]!.finding.resolvedAt).toBeUndefined()
    expect(plan.transitions[0]!.finding.firstOpenedAt).toBe(prev.firstOpenedAt)
  })

  it('resolves an open finding whose check now passes', () => {
    const plan = reconcile(
      input({
        outcomes: [out('user-no-mfa', 'alice', 'pass')],
        existing: byId(stored('user-no-mfa', 'alice', 'OPEN')),
      }),
    )
    expect(plan.transitions[0]!.finding).toMatchObject({ status: 'RESOLVED', resolution: 'passed' })
  })

  it('resolves a key finding whose key is gone as credential-gone, and a deleted user as resource-gone', () => {
    const key = stored('access-key-rotation', 'alice', 'OPEN', 'AKIAOLD')
    const gone = stored('user-no-mfa', 'bob', 'OPEN')
    const plan = reconcile(
      input({
        outcomes: [out('access-key-rotation', 'alice', 'pass', 'AKIANEW')],
        existing: byId(key, gone),
      }),
    )
    const reasons = Object.fromEntries(
      plan.transitions.map((t) => [t.finding.resourceId, t.finding.resolution]),
    )
    expect(reasons).toEqual({ alice: 'credential-gone', bob: 'resource-gone' })
  })

  it('resolves no absent resource when the data did not cover the whole account, and counts what it held back', () => {
    const plan = reconcile(
      input({
        complete: false,
        existing: byId(stored('user-no-mfa', 'alice', 'OPEN')),
        outcomes: [out('user-no-mfa', 'bob', 'fail')],
      }),
    )
    expect(plan.transitions.map((t) => t.entry.transition)).toEqual(['OPENED'])
    expect(plan.withheldResolutions).toBe(1)
  })

  it('never touches findings of checks or resources outside its scope', () => {
    const other = stored('root-mfa', 'root', 'OPEN')
    const outsider = stored('user-no-mfa', 'carol', 'OPEN')
    const plan = reconcile(
      input({
        resourceIds: new Set(['alice']),
        existing: byId(other, outsider),
        outcomes: [out('user-no-mfa', 'alice', 'pass')],
      }),
    )
    expect(plan.transitions).toEqual([])
  })

  it('opens one finding for duplicate failing outcomes', () => {
    const plan = reconcile(
      input({ outcomes: [out('user-no-mfa', 'alice', 'fail'), out('user-no-mfa', 'alice', 'fail')] }),
    )
    expect(plan.transitions).toHaveLength(1)
  })

  it('records the as-of of the data on the transition it makes', () => {
    const asOf = new Date('2026-11-22T20:00:00Z')
    const plan = reconcile(input({ outcomes: [out('user-no-mfa', 'alice', 'fail')], asOf }))
    expect(plan.transitions[0]!.finding.asOf).toBe(asOf.toISOString())
    expect(plan.transitions[0]!.entry.asOf).toBe(asOf.toISOString())
  })

  it('leaves an open finding as it is when its resource could not be judged', () => {
    const plan = reconcile(
      input({
        existing: byId(stored('user-no-mfa', 'alice', 'OPEN')),
        unknown: new Map([['alice', 'ListAccessKeys failed']]),
      }),
    )
    expect(plan.transitions).toEqual([])
    expect(plan.notEvaluated).toBe(1)
  })

  it('never resolves a finding with data older than its last transition', () => {
    // Prepare: opened by a live read at 2026-01-01; the scan's report was generated before that
    const open = stored('user-no-mfa', 'alice', 'OPEN')
    // Act
    const plan = reconcile(
      input({
        outcomes: [out('user-no-mfa', 'alice', 'pass')],
        existing: byId(open),
        asOf: new Date('2025-12-31T22:00:00Z'),
      }),
    )
    // Assess
    expect(plan.transitions).toEqual([])
    expect(plan.stale).toBe(1)
  })

  it('never reopens a resolved finding with data older than its resolution', () => {
    const resolved = { ...stored('user-no-mfa', 'alice', 'RESOLVED'), asOf: '2026-01-02T00:00:00.000Z' }
    const plan = reconcile(
      input({
        outcomes: [out('user-no-mfa', 'alice', 'fail')],
        existing: byId(resolved),
        asOf: new Date('2026-01-01T12:00:00Z'),
      }),
    )
    expect(plan.transitions).toEqual([])
    expect(plan.stale).toBe(1)
  })

  it('resolves with data exactly as new as the last transition', () => {
    const open = { ...stored('user-no-mfa', 'alice', 'OPEN'), asOf: '2026-01-01T00:00:00.000Z' }
    const plan = reconcile(
      input({
        outcomes: [out('user-no-mfa', 'alice', 'pass')],
        existing: byId(open),
        asOf: new Date('2026-01-01T00:00:00Z'),
      }),
    )
    expect(plan.transitions.map((t) => t.entry.transition)).toEqual(['RESOLVED'])
  })

  it('changes nothing for a check that was not evaluated', () => {
    const base = input({ existing: byId(stored('user-no-mfa', 'alice', 'OPEN')) })
    const plan = reconcile({
      ...base,
      judgements: base.judgements.map((j) => ({ ...j, status: 'not-evaluated' as const })),
    })
    expect(plan.transitions).toEqual([])
  })

  it('dates a resource-gone resolution by the newest source that no longer has the resource', () => {
    // Prepare: the cached report (older) still lists alice; the live details (now) no longer do
    const open = { ...stored('user-no-mfa', 'alice', 'OPEN'), asOf: '2026-11-22T12:00:00.000Z' }
    const report = { present: new Set(['alice']), asOf: new Date('2026-11-22T10:00:00Z'), complete: true }
    const live = { present: new Set<string>(), asOf: NOW, complete: true }
    const base = input({ existing: byId(open), asOf: report.asOf })
    // Act
    const plan = reconcile({
      ...base,
      judgements: base.judgements.map((j) => ({ ...j, presence: [report, live] })),
    })
    // Assess
    expect(plan.transitions[0]!.finding).toMatchObject({
      resolution: 'resource-gone',
      asOf: NOW.toISOString(),
    })
  })

  it('does not call a resource gone that a newer source still has', () => {
    const open = stored('user-no-mfa', 'alice', 'OPEN')
    const report = { present: new Set<string>(), asOf: new Date('2026-11-22T10:00:00Z'), complete: true }
    const live = { present: new Set(['alice']), asOf: NOW, complete: true }
    const base = input({ existing: byId(open) })
    const plan = reconcile({
      ...base,
      judgements: base.judgements.map((j) => ({ ...j, presence: [report, live] })),
    })
    expect(plan.transitions.map((t) => t.finding.resolution)).toEqual(['passed'])
  })
})
