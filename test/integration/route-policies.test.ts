import { describe, expect, inject, it } from 'vitest'
import { createTopic, drainQueue, subscribeQueue } from '../../local/stack.ts'
import { snsClient } from '../../shared/aws/clients.ts'
import { publishDailyDigest } from '../../shared/aws/daily-digest-records.ts'
import { publishAlert } from '../../shared/aws/publisher.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { openGroup, withOccurrence } from '../../shared/engine/alert-groups.ts'
import type { HistoryEntry } from '../../shared/model/finding.ts'
import type { Severity } from '../../shared/model/severity.ts'
import { buildDailyDigest } from '../../shared/notify/daily-digest.ts'
import { buildFollowUp } from '../../shared/notify/follow-up.ts'
import { buildAlert } from '../../shared/notify/message.ts'
import { routeFilterPolicies } from '../../shared/notify/routes.ts'
import { detectionEntry, postureEntry } from '../notify/fixtures.ts'
import { uniqueName } from '../support/harness.ts'

/** Routes of a configuration, as an operator writes them. */
const config = parseConfig({
  alerts: {
    routes: [
      { name: 'pager', minSeverity: 'critical', digest: false, email: ['oncall@example.com'] },
      {
        name: 'prod',
        minSeverity: 'high',
        accounts: ['333333333333'],
        ous: ['Workloads/Prod'],
        // Limited to accounts and OUs: the digest (every account's) only when asked for.
        digest: true,
        email: ['prod-owners@example.com'],
      },
      { name: 'root', checks: ['root-activity', 'root-mfa'], digest: false, email: ['cloud@example.com'] },
      { name: 'detections', kind: 'detection', minSeverity: 'medium', email: ['soc@example.com'] },
      { name: 'everything', email: ['audit@example.com'] },
    ],
  },
})

function posture(checkId: string, severity: Severity, accountId: string): HistoryEntry {
  return { ...postureEntry({ checkId }), severity, accountId }
}
function detection(checkId: string, severity: Severity, accountId: string): HistoryEntry {
  return {
    ...detectionEntry({ actor: { type: 'Root', arn: `arn:aws:iam::${accountId}:root` } }),
    checkId,
    severity,
    accountId,
  }
}

describe('routes deliver through SNS with the filter policies the stack generates', () => {
  it('gives each route exactly the alerts, follow-ups and digests its conditions select', async () => {
    // Prepare: a topic, one queue per route subscribed with the route's generated policy
    const endpoint = inject('snsSqsEndpoint')
    const topicArn = await createTopic(endpoint, uniqueName('alerts'))
    const queues = new Map<string, string>()
    for (const [name, policy] of routeFilterPolicies(config.alerts.routes))
      queues.set(name, await subscribeQueue(endpoint, topicArn, uniqueName(name), policy))
    const sns = snsClient({ endpoint, region: 'us-east-1' })
    const group = withOccurrence(
      openGroup(
        detection('root-activity', 'critical', '555555555555'),
        { name: 'payments', ouPath: 'Workloads/Production' },
        '2026-11-23T10:00:00Z',
      ),
      { ...detection('root-activity', 'critical', '555555555555'), seq: 2 },
      '2026-11-23T10:01:00Z',
    )
    const sent: Array<[string, Promise<string>]> = [
      [
        'high posture, 123',
        publishAlert(sns, topicArn, buildAlert(posture('console-user-no-mfa', 'high', '123456789012'))),
      ],
      [
        'critical root-mfa, 333',
        publishAlert(sns, topicArn, buildAlert(posture('root-mfa', 'critical', '333333333333'))),
      ],
      [
        'critical root-activity, Workloads/Prod/Payments',
        publishAlert(
          sns,
          topicArn,
          buildAlert(detection('root-activity', 'critical', '444444444444'), {
            name: 'pay',
            ouPath: 'Workloads/Prod/Payments',
          }),
        ),
      ],
      [
        'low detection, 123',
        publishAlert(sns, topicArn, buildAlert(detection('console-login-failures', 'low', '123456789012'))),
      ],
      ['follow-up, Workloads/Production', publishAlert(sns, topicArn, buildFollowUp(group))],
      [
        'digest',
        publishDailyDigest(
          sns,
          topicArn,
          buildDailyDigest({
            now: new Date('2026-11-24T08:00:00Z'),
            since: '2026-11-23T08:00:00Z',
            timeZone: 'UTC',
            open: [],
            changes: [],
            oldestCritical: 10,
          }),
        ),
      ],
    ]
    for (const [, p] of sent) await p
    // Act
    const received = new Map<string, string[]>()
    for (const [name, url] of queues)
      received.set(
        name,
        (await drainQueue(endpoint, url)).map((m) =>
          m.attributes.messageType === 'digest'
            ? 'digest'
            : `${m.attributes.severity} ${m.attributes.checkId} ${m.attributes.accountId}${m.attributes.transition === 'GROUPED' ? ' follow-up' : ''}`,
        ),
      )
    // Assess
    const sorted = (name: string) => [...(received.get(name) ?? [])].sort()
    expect(sorted('pager')).toEqual([
      'critical root-activity 444444444444',
      'critical root-activity 555555555555 follow-up',
      'critical root-mfa 333333333333',
    ])
    // Workloads/Production is not under Workloads/Prod.
    expect(sorted('prod')).toEqual([
      'critical root-activity 444444444444',
      'critical root-mfa 333333333333',
      'digest',
    ])
    expect(sorted('root')).toEqual([
      'critical root-activity 444444444444',
      'critical root-activity 555555555555 follow-up',
      'critical root-mfa 333333333333',
    ])
    expect(sorted('detections')).toEqual([
      'critical root-activity 444444444444',
      'critical root-activity 555555555555 follow-up',
      'digest',
    ])
    expect(sorted('everything')).toHaveLength(6)
  })
})
