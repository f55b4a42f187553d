import { dataResources } from './data.ts'
import { eventRouting } from './events.ts'
import { lambdaFunction } from './lambda.ts'
import {
  notifyPolicy,
  onCloudTrailEventPolicy,
  scanCredentialsPolicy,
  schedulerPolicy,
  serviceTrust,
} from './permissions.ts'

/** Every 4 hours: the credential report's own refresh period. */
export const CREDENTIAL_SCAN_SCHEDULE = 'rate(4 hours)'

/** Only history items (transitions) wake the notifier; state, scan and marker writes do not. */
export const NOTIFY_FILTER = { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['history'] } } } }

export interface StackOptions {
  /** Where the bundled functions are (`.build/<name>`); built by sst.config.ts before this runs. */
  buildDir?: string
  /** IAMWATCH_CONFIG for the functions (thresholds), as JSON. */
  config?: string
  /** Regions to watch besides us-east-1 (their regional events are forwarded home). */
  regions?: readonly string[]
}

export function iamwatch(options: StackOptions = {}) {
  const app = `iamwatch-${$app.stage}`
  const buildDir = options.buildDir ?? '.build'
  const identity = aws.getCallerIdentityOutput({})
  const region = aws.getRegionOutput({})
  const partition = aws.getPartitionOutput({})
  const account = { accountId: identity.accountId, region: region.name, partition: partition.partition }
  const { key, table, alerts, ops, dlq } = dataResources(app, account)
  const arns = (logGroupArn: string) =>
    $resolve([
      identity.accountId,
      region.name,
      partition.partition,
      table.arn,
      key.arn,
      dlq.arn,
      alerts.arn,
    ]).apply(([accountId, regionName, partitionName, tableArn, keyArn, dlqArn, alertTopicArn]) => ({
      accountId: accountId!,
      region: regionName!,
      partition: partitionName!,
      tableArn: tableArn!,
      keyArn: keyArn!,
      dlqArn: dlqArn!,
      alertTopicArn: alertTopicArn!,
      logGroupArn,
    }))
  const common = { app, accountId: identity.accountId, keyArn: key.arn, dlqArn: dlq.arn }
  const config = options.config ?? '{}'

  const scan = lambdaFunction(
    {
      ...common,
      name: 'scan-credentials',
      async: true,
      codeDir: `${buildDir}/scan-credentials`,
      environment: { FINDINGS_TABLE: table.name, ACCOUNT_ID: identity.accountId, IAMWATCH_CONFIG: config },
      policy: (logGroupArn) => arns(logGroupArn).apply(scanCredentialsPolicy),
    },
    ops.arn,
  )

  const schedulerRole = new aws.iam.Role('SchedulerRole', {
    name: `${app}-scheduler`,
    assumeRolePolicy: identity.accountId.apply((id) =>
      JSON.stringify(serviceTrust('scheduler.amazonaws.com', id)),
    ),
  })
  new aws.iam.RolePolicy('SchedulerPolicy', {
    role: schedulerRole.name,
    policy: $resolve([scan.fn.arn, dlq.arn, key.arn, region.name]).apply(
      ([functionArn, dlqArn, keyArn, regionName]) =>
        JSON.stringify(
          schedulerPolicy({
            functionArn: functionArn!,
            dlqArn: dlqArn!,
            keyArn: keyArn!,
            region: regionName!,
          }),
        ),
    ),
  })
  new aws.scheduler.Schedule('CredentialScanSchedule', {
    name: `${app}-credential-scan`,
    scheduleExpression: CREDENTIAL_SCAN_SCHEDULE,
    flexibleTimeWindow: { mode: 'OFF' },
    target: {
      arn: scan.fn.arn,
      roleArn: schedulerRole.arn,
      input: JSON.stringify({ source: 'iamwatch.schedule', scan: 'credentials' }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: dlq.arn },
    },
  })

  const notify = lambdaFunction(
    {
      ...common,
      name: 'notify',
      codeDir: `${buildDir}/notify`,
      environment: { FINDINGS_TABLE: table.name, ALERT_TOPIC_ARN: alerts.arn, IAMWATCH_CONFIG: config },
      policy: (logGroupArn) =>
        arns(logGroupArn).apply((a) =>
          table.streamArn.apply((streamArn) => notifyPolicy({ ...a, streamArn })),
        ),
    },
    ops.arn,
  )
  new aws.lambda.EventSourceMapping('NotifyFromFindingsStream', {
    eventSourceArn: table.streamArn,
    functionName: notify.fn.arn,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    maximumBatchingWindowInSeconds: 1,
    maximumRetryAttempts: 10,
    bisectBatchOnFunctionError: true,
    functionResponseTypes: ['ReportBatchItemFailures'],
    destinationConfig: { onFailure: { destinationArn: dlq.arn } },
    filterCriteria: { filters: [{ pattern: JSON.stringify(NOTIFY_FILTER) }] },
  })

  const onEvent = lambdaFunction(
    {
      ...common,
      name: 'on-cloudtrail-event',
      async: true,
      codeDir: `${buildDir}/on-cloudtrail-event`,
      environment: { FINDINGS_TABLE: table.name, ACCOUNT_ID: identity.accountId, IAMWATCH_CONFIG: config },
      policy: (logGroupArn) => arns(logGroupArn).apply(onCloudTrailEventPolicy),
    },
    ops.arn,
  )
  const routing = eventRouting({
    app,
    accountId: identity.accountId,
    partition: partition.partition,
    functionArn: onEvent.fn.arn,
    functionName: onEvent.fn.name,
    dlq: { arn: dlq.arn, url: dlq.url },
    regions: options.regions ?? [],
  })

  return {
    eventFunction: onEvent.fn.name,
    eventRules: routing.rules.join(','),
    forwardedRegions: routing.forwardedRegions.join(','),
    table: table.name,
    alertTopic: alerts.arn,
    opsTopic: ops.arn,
    deadLetterQueue: dlq.url,
    scanFunction: scan.fn.name,
    notifyFunction: notify.fn.name,
  }
}
