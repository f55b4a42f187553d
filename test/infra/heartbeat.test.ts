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
    // Act / Assess: one per scheduled scan, on the metric the handler emits
    expect(alarms).toHaveLength(SCHEDULED_SCANS.length)
    for (const scan of SCHEDULED_SCANS) {
      const alarm = alarms.find((a) => a.name === `iamwatch-ci-${scan.name}-heartbeat`)
      expect(alarm, scan.name).toMatchObject({
        namespace: HEARTBEAT.namespace,
        metricName: HEARTBEAT.metric,
        dimensions: { FunctionName: `iamwatch-ci-${scan.name}`, Part: scan.part },
        statistic: 'Sum',
        period: 2 * rateSeconds(scan.schedule),
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

  it("declares each part's period as its schedule says", () => {
    for (const scan of SCHEDULED_SCANS) expect(scan.periodSeconds, scan.name).toBe(rateSeconds(scan.schedule))
  })
})
