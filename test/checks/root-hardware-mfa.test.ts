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

  it('cannot judge root when the virtual device list could not be read', () => {
    const [outcome] = run(rootHardwareMfa, inventory({ rootMfaKind: 'unknown' }))
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'ListVirtualMFADevices could not be read' })
  })
})
