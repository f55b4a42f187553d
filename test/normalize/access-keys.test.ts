import { describe, expect, it } from 'vitest'
import { joinAccessKeys } from '../../shared/normalize/access-keys.ts'
import { daysAgo, key, user } from '../support/fixtures.ts'

describe('joinAccessKeys', () => {
  it('gives each report slot the AccessKeyId whose creation date matches', () => {
    const u = user('a', {
      accessKeys: [
        key(1, { ageDays: 100, accessKeyId: undefined }),
        key(2, { ageDays: 5, accessKeyId: undefined }),
      ],
    })
    const { user: joined, unmatched } = joinAccessKeys(u, [
      { accessKeyId: 'AKIANEW', status: 'Active', createDate: daysAgo(5) },
      { accessKeyId: 'AKIAOLD', status: 'Active', createDate: daysAgo(100) },
    ])
    expect(joined.accessKeys.map((k) => k.accessKeyId)).toEqual(['AKIAOLD', 'AKIANEW'])
    expect(unmatched).toEqual([])
  })

  it('leaves a slot without id when the key is gone since the report', () => {
    const u = user('a', { accessKeys: [key(1, { ageDays: 100, accessKeyId: undefined })] })
    const { user: joined, unmatched } = joinAccessKeys(u, [])
    expect(joined.accessKeys[0]?.accessKeyId).toBeUndefined()
    expect(unmatched).toHaveLength(1)
  })
})
