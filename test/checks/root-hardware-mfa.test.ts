import { describe, expect, it } from 'vitest'
import { rootHardwareMfa } from '../../shared/checks/credentials/root-hardware-mfa.ts'
import { failingIds, inventory, run } from '../support/fixtures.ts'

describe('root-hardware-mfa', () => {
  it('fails when the root MFA device is virtual', () => {
    expect(failingIds(run(rootHardwareMfa, inventory({ rootMfaKind: 'virtual' })))).toEqual(['root'])
  })

  it('passes when the root device is not virtual', () => {
    expect(failingIds(run(rootHardwareMfa, inventory({ rootMfaKind: 'not-virtual' })))).toEqual([])
  })

  it('says nothing when the virtual device list could not be read', () => {
    expect(run(rootHardwareMfa, inventory({ rootMfaKind: 'unknown' }))).toEqual([])
  })
})
