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

/** OPENED, RESOLVED, REOPENED: the planned writes, each with its history entry and the new state. */
function transitions() {
  const opened = advance(base, 'OPENED', 'scan-1', '2026-01-01T00:00:00.000Z')
  const resolved = advance(
    { ...opened.finding, status: 'RESOLVED', resolution: 'passed' },
    'RESOLVED',
    'scan-2',
    '2026-01-02T00:00:00.000Z',
  )
  const { resolution: _, ...unresolved } = resolved.finding
  const reopened = advance(
    { ...unresolved, status: 'OPEN' },
    'REOPENED',
    'scan-3',
    '2026-01-03T00:00:00.000Z',
  )
  return [opened, resolved, reopened]
}

const chain = () => transitions().map((t) => t.entry)
/** The finding's state item after the last transition: its `seq` and `headHash` are the chain's head. */
const state = () => transitions().at(-1)!.finding

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

  it('detects a deleted first item', () => {
    const [, b, c] = chain()
    expect(verifyChain([b!, c!], GENESIS_HASH)).toMatchObject({ ok: false, reason: 'sequence gap' })
  })

  it('verifies an untouched history that ends at the state head', () => {
    expect(verifyChain(chain(), GENESIS_HASH, state())).toEqual({ ok: true })
  })

  it('detects a deleted newest item when given the state head', () => {
    // Prepare: the history without its newest item, which on its own still verifies.
    const [a, b] = chain()
    expect(verifyChain([a!, b!], GENESIS_HASH)).toEqual({ ok: true })
    // Act
    const verdict = verifyChain([a!, b!], GENESIS_HASH, state())
    // Assess
    expect(verdict).toEqual({ ok: false, brokenAt: 3, reason: 'history ends before the state head' })
  })

  it('detects a deleted middle item when given the state head', () => {
    const [a, , c] = chain()
    expect(verifyChain([a!, c!], GENESIS_HASH, state())).toEqual({
      ok: false,
      brokenAt: 3,
      reason: 'sequence gap',
    })
  })

  it('detects a newest item replaced by one rehashed onto the chain', () => {
    // Prepare: a different third item, correctly linked to the second and hashed.
    const [opened, resolved] = transitions()
    const forged = advance(resolved!.finding, 'REOPENED', 'x', '2026-01-04T00:00:00.000Z').entry
    // Act
    const verdict = verifyChain([opened!.entry, resolved!.entry, forged], GENESIS_HASH, state())
    // Assess
    expect(verdict).toEqual({ ok: false, brokenAt: 3, reason: 'head hash does not match' })
  })

  it('detects history that goes past the state head', () => {
    const [, resolved] = transitions()
    expect(verifyChain(chain(), GENESIS_HASH, resolved!.finding)).toEqual({
      ok: false,
      brokenAt: 3,
      reason: 'history goes past the state head',
    })
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
