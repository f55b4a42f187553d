import { HEARTBEAT } from '../shared/app/heartbeat.ts'

export interface HeartbeatArgs {
  app: string
  opsTopicArn: $util.Output<string>
  scans: ReadonlyArray<{
    name: string
    part: string
    periodSeconds: number
    functionName: $util.Output<string>
  }>
}

/**
 * One alarm per scheduled part: it fires when the part did not finish within twice its period (no
 * ScanFinished datapoint in that window: missing data is breaching), so a schedule that was disabled,
 * a function that cannot start or a scan that dies before its end all page ops. CloudWatch allows a
 * period of up to seven days in total (period x evaluation periods <= 604,800 s), so one period of
 * twice the schedule fits every part (PutMetricAlarm, AWS CloudWatch API reference).
 */
export function heartbeatAlarms(args: HeartbeatArgs) {
  return args.scans.map(
    (scan) =>
      new aws.cloudwatch.MetricAlarm(`${pascal(scan.name)}HeartbeatAlarm`, {
        name: `${args.app}-${scan.name}-heartbeat`,
        alarmDescription: `iamwatch ${scan.name} has not finished a ${scan.part} scan for ${(2 * scan.periodSeconds) / 3600} hours: check its schedule, function and dead-letter queue`,
        namespace: HEARTBEAT.namespace,
        metricName: HEARTBEAT.metric,
        dimensions: { FunctionName: scan.functionName, Part: scan.part },
        statistic: 'Sum',
        period: 2 * scan.periodSeconds,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
        alarmActions: [args.opsTopicArn],
        okActions: [args.opsTopicArn],
      }),
  )
}

function pascal(s: string): string {
  return s.replace(/(^|[-_.])(\w)/g, (_, __, c: string) => c.toUpperCase())
}
