import { describe, expect, it } from 'vitest'
import { grantChange } from '../../shared/engine/grants.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'
import { event, iam } from '../support/events.ts'

const AT = '2026-11-23T10:00:00.000Z'
const POLICY = 'arn:aws:iam::123456789012:policy/queues'

describe('grants seen in CloudTrail', () => {
  it('records a managed policy attached to a role, by the policy ARN', () => {
    const e = event(iam('AttachRolePolicy', { requestParameters: { roleName: 'app', policyArn: POLICY } }))
    expect(grantChange(e)).toEqual({ holder: 'role/app', key: POLICY, at: AT })
  })

  it('records an inline policy put on a user, and a user added to a group', () => {
    const put = event(
      iam('PutUserPolicy', { requestParameters: { userName: 'bob', policyName: 'x', policyDocument: '{}' } }),
    )
    const add = event(iam('AddUserToGroup', { requestParameters: { userName: 'bob', groupName: 'admins' } }))
    expect(grantChange(put)).toEqual({ holder: 'user/bob', key: 'inline:x', at: AT })
    expect(grantChange(add)).toEqual({ holder: 'user/bob', key: 'group:admins', at: AT })
  })

  it('records a new default policy version, but not a version kept aside', () => {
    const set = event(
      iam('CreatePolicyVersion', { requestParameters: { policyArn: POLICY, setAsDefault: true } }),
    )
    const aside = event(
      iam('CreatePolicyVersion', { requestParameters: { policyArn: POLICY, setAsDefault: false } }),
    )
    expect(grantChange(set)).toEqual({ holder: POLICY, key: 'default', at: AT })
    expect(grantChange(aside)).toBeUndefined()
  })

  it('records nothing for a failed call, a detach or a boundary', () => {
    const failed = event(
      iam('AttachRolePolicy', {
        errorCode: 'AccessDenied',
        requestParameters: { roleName: 'app', policyArn: POLICY },
      }),
    )
    const detach = event(
      iam('DetachRolePolicy', { requestParameters: { roleName: 'app', policyArn: POLICY } }),
    )
    const boundary = event(
      iam('PutRolePermissionsBoundary', {
        requestParameters: { roleName: 'app', permissionsBoundary: POLICY },
      }),
    )
    expect([failed, detach, boundary].map(grantChange)).toEqual([undefined, undefined, undefined])
  })

  it('keeps the latest time of a grant, whatever order deliveries arrive in', async () => {
    const repo = new MemoryFindingsRepository()
    await repo.records.recordGrant('1', { holder: 'role/app', key: POLICY, at: '2026-11-20T00:00:00Z' })
    await repo.records.recordGrant('1', { holder: 'role/app', key: POLICY, at: '2026-11-10T00:00:00Z' })
    const ledger = await repo.records.grantLedger('1')
    expect(ledger.get('role/app')?.get(POLICY)?.toISOString()).toBe('2026-11-20T00:00:00.000Z')
  })
})
