import { describe, expect, it } from 'vitest'
import { rootAccessKey } from '../../shared/checks/credentials/root-access-key.ts'
import { failingIds, failures, inventory, key, root, run, withUnreadable } from '../support/fixtures.ts'

describe('root-access-key', () => {
  it('fails once per active root key, identified by report slot', () => {
    const input = inventory({
      root: root({ accessKeys: [key(1, { accessKeyId: undefined }), key(2, { accessKeyId: undefined })] }),
    })
    expect(failingIds(run(rootAccessKey, input))).toEqual(['root/access_key_1', 'root/access_key_2'])
  })

  it('passes when the root key is inactive', () => {
    const input = inventory({ root: root({ accessKeys: [key(1, { active: false })] }) })
    expect(failingIds(run(rootAccessKey, input))).toEqual([])
  })

  it('says nothing when the report has no root row', () => {
    expect(run(rootAccessKey, inventory({ root: undefined }))).toEqual([])
  })

  it('still fails an active root key whose last-used date is unexpected, and says that date is unknown', () => {
    const input = inventory({
      root: withUnreadable(
        root({ accessKeys: [key(1, { accessKeyId: undefined })] }),
        'access_key_1_last_used_date',
      ),
    })

    const [f] = failures(run(rootAccessKey, input))

    expect(f?.credentialId).toBe('access_key_1')
    expect(f?.evidence).toMatchObject({ lastUsedAt: null, unknownFields: ['access_key_1_last_used_date'] })
  })
})
