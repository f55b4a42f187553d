import { describe, expect, it } from 'vitest'
import { advance } from '../../shared/engine/reconcile.ts'
import { type Finding, findingId, GENESIS_HASH } from '../../shared/model/finding.ts'
import { verifyChain } from '../../shared/model/history.ts'

const base: Finding = {
  id: findingId({ accountId: '1', checkId: 'root-mfa', resourceId: 'root' }),
  accountId: '1',
  region: 'us-east-1',
  checkId: 'root-mfa',
  severity: 'critical',
  status: 'OPEN',
  resourceType: 'AwsAccount',
  resourceId: 'root',
  resourceArn: 'arn:aws:iam::1:root',
  title: 't',
  evidence: { mfaActive: false },
  firstOpenedAt: '2026-01-01T00:00:00.000Z',
  lastTransitionAt: '2026-01-01T00:00:00.000Z',
  seq: 0,
  headHash: GENESIS_HASH,
}

function chain() {
  const opened = advance(base, 'OPENED', 'scan-1', '2026-01-01T00:00:00.000Z')
  const resolved = advance(
    { ...opened.finding, status: 'RESOLVED', resolution: 'passed' },
    'RESOLVED',
    'scan-2',
    '2026-01-02T00:00:00.000Z',
  )
  return [opened.entry, resolved.entry]
}

describe('the per-finding hash chain', () => {
  it('verifies an untouched history', () => {
    expect(verifyChain(chain(), GENESIS_HASH)).toEqual({ ok: true })
  })

  it('links each item to the previous hash', () => {
    const [a, b] = chain()
    expect(a!.prevHash).toBe(GENESIS_HASH)
    expect(b!.prevHash).toBe(a!.hash)
  })

  it('detects an altered item', () => {
    const [a, b] = chain()
    expect(verifyChain([a!, { ...b!, at: '2026-01-03T00:00:00.000Z' }], GENESIS_HASH)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'content altered',
    })
  })

  it('detects a deleted item', () => {
    const [, b] = chain()
    expect(verifyChain([b!], GENESIS_HASH)).toMatchObject({ ok: false, reason: 'sequence gap' })
  })

  it('detects a replaced item rehashed on its own', () => {
    const [a, b] = chain()
    const forged = advance(
      { ...base, seq: 1, headHash: 'f'.repeat(64) },
      'RESOLVED',
      'x',
      '2026-01-02T00:00:00.000Z',
    ).entry
    expect(verifyChain([a!, forged], GENESIS_HASH)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'link to previous item broken',
    })
    expect(b).toBeDefined()
  })

  it('gives the same finding the same id and different credentials different ids', () => {
    const k = { accountId: '1', checkId: 'access-key-rotation', resourceId: 'alice' }
    expect(findingId({ ...k, credentialId: 'AKIA1' })).toBe(findingId({ ...k, credentialId: 'AKIA1' }))
    expect(findingId({ ...k, credentialId: 'AKIA1' })).not.toBe(findingId({ ...k, credentialId: 'AKIA2' }))
  })
})
