import { beforeAll, describe, expect, it } from 'vitest'
import { HEARTBEAT } from '../../shared/app/heartbeat.ts'
import { SCHEDULED_SCANS } from '../../stacks/iamwatch.ts'
import { ACCOUNT, type MockResource, runStack } from './pulumi-mocks.ts'

let resources: MockResource[]
beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
}, 120_000)

const RATE = /^rate\((\d+) (hour|hours|day|days)\)$/
const rateSeconds = (expr: string) => {
  const [, n, unit] = RATE.exec(expr)!
  return Number(n) * (unit!.startsWith('hour') ? 3600 : 86_400)
}

describe('the heartbeat (Pulumi mocks)', () => {
  it('alarms to ops when a scheduled part has not finished within twice its period', () => {
    // Prepare
    const alarms = resources
      .filter(
        (r) =>
          r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm' && String(r.inputs.name).endsWith('-heartbeat'),
      )
      .map((r) => r.inputs)
    // Act / Assess: one per scheduled scan, on the metric the handler emits (and the digest's, evidence.test.ts)
    expect(alarms).toHaveLength(SCHEDULED_SCANS.length + 1)
    for (const scan of SCHEDULED_SCANS) {
      const alarm = alarms.find((a) => a.name === `iamwatch-ci-${scan.name}-heartbeat`)
      expect(alarm, scan.name).toMatchObject({
        namespace: HEARTBEAT.namespace,
        metricName: HEARTBEAT.metric,
        dimensions: { FunctionName: `iamwatch-ci-${scan.name}`, Part: scan.part },
        statistic: 'Sum',
        period: 2 * scan.periodSeconds,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
        alarmActions: [`arn:aws:sns:us-east-1:${ACCOUNT}:iamwatch-ci-ops`],
      })
      // CloudWatch's limit: period x evaluation periods <= 7 days.
      expect(Number(alarm!.period) * Number(alarm!.evaluationPeriods)).toBeLessThanOrEqual(604_800)
    }
  })

  it("declares each part's period as its schedule says, but for Access Advisor, whose hourly runs finish a cycle a day", () => {
    // Prepare: a part that finishes once per run is due every schedule; a cycle spans several runs
    const cycles: Record<string, number> = { 'access-advisor': 86_400 }
    for (const scan of SCHEDULED_SCANS) {
      // Act
      const due = cycles[scan.part] ?? rateSeconds(scan.schedule)
      // Assess
      expect(scan.periodSeconds, scan.name).toBe(due)
      expect(scan.periodSeconds % rateSeconds(scan.schedule), scan.name).toBe(0)
    }
  })

  it('pages ops when no Access Advisor cycle finished within two days, though it runs hourly', () => {
    // Act
    const alarm = resources.find((r) => r.name === 'ScanAccessAdvisorHeartbeatAlarm')!.inputs
    // Assess: a cycle's end writes the heartbeat, not each hourly run
    expect(alarm).toMatchObject({
      name: 'iamwatch-ci-scan-access-advisor-heartbeat',
      dimensions: { FunctionName: 'iamwatch-ci-scan-access-advisor', Part: 'access-advisor' },
      period: 172_800,
      evaluationPeriods: 1,
      treatMissingData: 'breaching',
    })
    expect(alarm.alarmDescription).toContain('for 48 hours')
  })
})
