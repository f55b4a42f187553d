import { describe, expect, it } from 'vitest'
import { rootRecentUse } from '../../shared/checks/credentials/root-recent-use.ts'
import {
  daysAgo,
  failures,
  inventory,
  key,
  root,
  run,
  unknownIds,
  withUnreadable,
} from '../support/fixtures.ts'

describe('root-recent-use', () => {
  it('fails when the root password was used within the last day', () => {
    const input = inventory({ root: root({ passwordUse: { kind: 'used', at: daysAgo(0.5) } }) })
    const [f] = failures(run(rootRecentUse, input))
    expect(f?.evidence).toMatchObject({ credential: 'password' })
  })

  it('fails when a root key was used within the window and names the key', () => {
    const input = inventory({ root: root({ accessKeys: [key(2, { usedDaysAgo: 0.1 })] }) })
    expect(failures(run(rootRecentUse, input))[0]?.evidence.credential).toBe('access_key_2')
  })

  it('passes when root use is older than the window', () => {
    const input = inventory({ root: root({ passwordUse: { kind: 'used', at: daysAgo(3) } }) })
    expect(failures(run(rootRecentUse, input))).toEqual([])
  })

  it('honours a configured window', () => {
    const input = inventory({ root: root({ passwordUse: { kind: 'used', at: daysAgo(3) } }) })
    expect(failures(run(rootRecentUse, input, { windowDays: 7 }))).toHaveLength(1)
  })

  it('cannot judge root when its password_last_used is unexpected and no known use is recent', () => {
    const input = inventory({
      root: withUnreadable(root({ accessKeys: [key(1, { usedDaysAgo: 30 })] }), 'password_last_used'),
    })

    const outcomes = run(rootRecentUse, input)

    expect(unknownIds(outcomes)).toEqual(['root: password_last_used has an unexpected value'])
  })

  it("cannot judge root when a root key's last-used date is unexpected and no known use is recent", () => {
    const input = inventory({
      root: withUnreadable(
        root({ accessKeys: [key(2, { accessKeyId: undefined })] }),
        'access_key_2_last_used_date',
      ),
    })

    const outcomes = run(rootRecentUse, input)

    expect(unknownIds(outcomes)).toEqual(['root: access_key_2_last_used_date has an unexpected value'])
  })

  it('still fails on a known recent root use when another last-used value is unexpected', () => {
    const input = inventory({
      root: withUnreadable(root({ accessKeys: [key(1, { usedDaysAgo: 0.2 })] }), 'password_last_used'),
    })

    const outcomes = run(rootRecentUse, input)

    expect(failures(outcomes).map((o) => o.evidence.credential)).toEqual(['access_key_1'])
    expect(unknownIds(outcomes)).toEqual([])
  })
})
