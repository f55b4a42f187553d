import { iso, keyColumn, rootResource, unexpectedValue, unreadableReason } from '../resources.ts'
import { DAY_MS, defineCheck, fail, pass, unknown } from '../types.ts'

export const rootRecentUse = defineCheck({
  id: 'root-recent-use',
  title: 'The root account was used recently',
  description: 'The root password or a root access key was used within the window.',
  severity: 'high',
  resourceType: 'AwsAccount',
  reads: ['credentials'],
  params: { windowDays: { default: 1, description: 'How recent a root use counts', min: 0 } },
  triggers: { schedule: 'credentials', events: {} },
  remediation: 'Confirm who used root and why in CloudTrail; use root only for the tasks that require it.',
  evaluate({ credentials: input }, { accountId, now, params }) {
    const root = input.root
    if (!root) return []
    const since = now.getTime() - params.windowDays * DAY_MS
    const uses: Array<[string, Date]> = []
    if (root.passwordUse.kind === 'used') uses.push(['password', root.passwordUse.at])
    for (const key of root.accessKeys)
      if (key.lastUsedAt) uses.push([`access_key_${key.slot}`, key.lastUsedAt])
    const recent = uses
      .filter(([, at]) => at.getTime() >= since)
      .sort((a, b) => b[1].getTime() - a[1].getTime())
    const resource = rootResource(accountId, root.arn)
    const [latest] = recent
    if (latest)
      return [
        fail(this.id, resource, {
          credential: latest[0],
          lastUsedAt: iso(latest[1]),
          windowDays: params.windowDays,
        }),
      ]
    // No known recent use: a pass only if no last-used value was unexpected.
    const unreadable =
      root.passwordUse.kind === 'unreadable'
        ? unexpectedValue('password_last_used')
        : unreadableReason(root, ...root.accessKeys.map((k) => keyColumn(k, 'last_used_date')))
    return [unreadable ? unknown(this.id, resource, unreadable) : pass(this.id, resource)]
  },
})
