import { describe, expect, it } from 'vitest'
import { rootMfa } from '../../shared/checks/credentials/root-mfa.ts'
import { failingIds, inventory, root, run } from '../support/fixtures.ts'

describe('root-mfa', () => {
  it('fails when root has a password and no MFA', () => {
    expect(failingIds(run(rootMfa, inventory({ root: root({ mfaActive: false }) })))).toEqual(['root'])
  })

  it('prefers the live account summary over the report', () => {
    const input = inventory({
      root: root({ mfaActive: true }),
      rootSummary: { mfaEnabled: false, passwordPresent: true },
    })
    expect(failingIds(run(rootMfa, input))).toEqual(['root'])
  })

  it('passes when root has neither password nor keys (credentials removed centrally)', () => {
    const input = inventory({
      root: root({ mfaActive: false }),
      rootSummary: { mfaEnabled: false, passwordPresent: false, accessKeysPresent: false },
    })
    expect(failingIds(run(rootMfa, input))).toEqual([])
  })

  it('passes when root MFA is active', () => {
    expect(failingIds(run(rootMfa, inventory({ root: root({ mfaActive: true }) })))).toEqual([])
  })
})
