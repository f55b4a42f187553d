import { describe, expect, it } from 'vitest'
import { rootRecentUse } from '../../shared/checks/credentials/root-recent-use.ts'
import { daysAgo, failures, inventory, key, root, run } from '../support/fixtures.ts'

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
})
