import { configFromEnv, DEFAULT_MONITORED_REGIONS } from '../shared/config/config.ts'
import { alertPublishers, alertsResources } from './alerts.ts'
import { dataResources } from './data.ts'
import { eventRouting } from './events.ts'
import { type EvidenceOptions, evidenceOptionsFromEnv, evidenceResources, itemMacKey } from './evidence.ts'
import { heartbeatAlarms } from './heartbeat.ts'
import { KEY_ACTIVITY_MAX_CONCURRENCY, lambdaFunction } from './lambda.ts'
import {
  memberStackSet,
  type OrganizationOptions,
  organizationResources,
  resolveOrganization,
} from './organization.ts'
import { withMemberReader } from './organization-permissions.ts'
import {
  notifyPolicy,
  onCloudTrailEventPolicy,
  onKeyActivityPolicy,
  scanAccessAdvisorPolicy,
  scanAuthorizationPolicy,
  scanCredentialsPolicy,
  scanTrailsPolicy,
  schedulerPolicy,
} from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

/** Every 4 hours: the credential report's own refresh period. */
export const CREDENTIAL_SCAN_SCHEDULE = 'rate(4 hours)'

/**
 * The scheduled scans: credentials every 4 hours, least privilege daily, CloudTrail health hourly, and
 * unused access (Access Advisor) in a daily cycle that hourly runs carry on from a checkpoint.
 * `periodSeconds` is how often the part finishes, which the heartbeat alarm watches (twice it): the
 * schedule's rate, except for a part whose cycle spans several runs, where it is the cycle.
 */
export const SCHEDULED_SCANS = [
  {
    id: 'CredentialScan',
    name: 'scan-credentials',
    part: 'credentials',
    schedule: CREDENTIAL_SCAN_SCHEDULE,
    periodSeconds: 4 * 3600,
    policy: scanCredentialsPolicy,
  },
  {
    id: 'AuthorizationScan',
    name: 'scan-authorization',
    part: 'authorization',
    schedule: 'rate(1 day)',
    periodSeconds: 86_400,
    policy: scanAuthorizationPolicy,
  },
  {
    id: 'TrailsScan',
    name: 'scan-trails',
    part: 'trails',
    schedule: 'rate(1 hour)',
    periodSeconds: 3600,
    policy: scanTrailsPolicy,
  },
  {
    id: 'AccessAdvisorScan',
    name: 'scan-access-advisor',
    part: 'access-advisor',
    schedule: 'rate(1 hour)',
    // The heartbeat is written when a whole cycle finishes (one a day), not by each hourly run.
    periodSeconds: 86_400,
    policy: scanAccessAdvisorPolicy,
  },
] as const

/** Only history items (transitions) wake the notifier; state, scan and marker writes do not. */
export const NOTIFY_FILTER = { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['history'] } } } }

export interface StackOptions {
  /** Where the bundled functions are (`.build/<name>`); built by sst.config.ts before this runs. */
  buildDir?: string
  /** IAMWATCH_CONFIG for the functions (thresholds), as JSON. */
  config?: string
  /** Reserve concurrency per function (default true; see RESERVED_CONCURRENCY in stacks/lambda.ts). */
  reserveConcurrency?: boolean
  /** Regions to watch besides us-east-1 (their regional events are forwarded home). */
  regions?: readonly string[]
  /** The digests' retention and the auditors (default: IAMWATCH_DIGEST_RETENTION_DAYS, IAMWATCH_AUDITOR_PRINCIPALS). */
  evidence?: EvidenceOptions
  /**
   * Watch every account of an AWS Organization from this one (stacks/organization.ts; sst.config.ts reads
   * IAMWATCH_ORGANIZATION_ID and friends). Without it, nothing of the organization part exists.
   */
  organization?: OrganizationOptions
}

export function iamwatch(options: StackOptions = {}) {
  const app = `iamwatch-${$app.stage}`
  const buildDir = options.buildDir ?? '.build'
  // Checked before anything is declared: a bad setting fails the deploy with its name, not a half-made plan.
  const org = options.organization ? resolveOrganization(options.organization) : undefined
  // IAMWATCH_CONFIG goes to the functions as given; the stack reads it typed and validated (parseConfig, as
  // the functions do), so a bad configuration fails the deploy with its path, before anything is declared.
  const config = options.config ?? '{}'
  const settings = configFromEnv({ IAMWATCH_CONFIG: config })
  const identity = aws.getCallerIdentityOutput({})
  const region = aws.getRegionOutput({})
  const partition = aws.getPartitionOutput({})
  const account = { accountId: identity.accountId, region: region.name, partition: partition.partition }
  const { key, table, alerts, ops, dlq, keyActivity } = dataResources(app, account, alertPublishers(settings))
  // The item MAC key first: the functions that write transitions MAC each new head with it.
  const macKey = itemMacKey({ app, account })
  const arns = (logGroupArn: string) =>
    $resolve([
      identity.accountId,
      region.name,
      partition.partition,
      table.arn,
      key.arn,
      dlq.arn,
      alerts.arn,
      macKey.arn,
    ]).apply(
      ([accountId, regionName, partitionName, tableArn, keyArn, dlqArn, alertTopicArn, macKeyArn]) => ({
        accountId: accountId!,
        region: regionName!,
        partition: partitionName!,
        tableArn: tableArn!,
        keyArn: keyArn!,
        dlqArn: dlqArn!,
        alertTopicArn: alertTopicArn!,
        logGroupArn,
        macKeyArn: macKeyArn!,
      }),
    )
  const common = {
    app,
    accountId: identity.accountId,
    keyArn: key.arn,
    dlqArn: dlq.arn,
    reserveConcurrency: options.reserveConcurrency ?? true,
  }

  // The scheduled scans: each part its own function, role and schedule.
  const scans = SCHEDULED_SCANS.map((spec) => ({
    spec,
    fn: lambdaFunction(
      {
        ...common,
        name: spec.name,
        async: true,
        codeDir: `${buildDir}/${spec.name}`,
        environment: {
          FINDINGS_TABLE: table.name,
          ACCOUNT_ID: identity.accountId,
          IAMWATCH_CONFIG: config,
          IAMWATCH_MAC_KEY_ARN: macKey.arn,
        },
        policy: (logGroupArn) => arns(logGroupArn).apply(spec.policy),
      },
      ops.arn,
    ).fn,
  }))

  const schedulerRole = new aws.iam.Role('SchedulerRole', {
    name: `${app}-scheduler`,
    assumeRolePolicy: identity.accountId.apply((id) =>
      JSON.stringify(serviceTrust('scheduler.amazonaws.com', id)),
    ),
  })
  // Tamper evidence (stacks/evidence.ts): signed digests of the history, hourly, and the auditor role.
  const evidence = evidenceResources({
    app,
    account: { accountId: identity.accountId, region: region.name, partition: partition.partition },
    buildDir,
    table,
    key,
    dlq,
    ops,
    schedulerRoleArn: schedulerRole.arn,
    macKey,
    reserveConcurrency: options.reserveConcurrency ?? true,
    options: options.evidence ?? evidenceOptionsFromEnv(),
  })
  // The organization's dispatcher, its queue and scan-account, and the bus policy (stacks/organization.ts).
  const organization = org
    ? organizationResources({
        app,
        organization: org,
        account,
        buildDir,
        config,
        key,
        table,
        ops,
        dlq,
        macKey,
        schedulerRoleArn: schedulerRole.arn,
        arns,
        reserveConcurrency: options.reserveConcurrency ?? true,
        regions: options.regions ?? DEFAULT_MONITORED_REGIONS,
      })
    : undefined
  // Where alerts go (stacks/alerts.ts): route subscriptions, chat channels, escalation, the tick and the daily digest.
  const alerting = alertsResources({
    app,
    config: settings,
    rawConfig: config,
    account: { accountId: identity.accountId, region: region.name, partition: partition.partition },
    buildDir,
    key,
    table,
    alerts,
    ops,
    dlq,
    schedulerRoleArn: schedulerRole.arn,
    arns,
    reserveConcurrency: options.reserveConcurrency ?? true,
  })
  const scheduledArns = [
    ...scans.map((x) => x.fn.arn),
    evidence.digestFunction.arn,
    ...(organization ? [organization.dispatch.fn.arn] : []),
    ...alerting.scheduledArns,
  ]
  new aws.iam.RolePolicy('SchedulerPolicy', {
    role: schedulerRole.name,
    policy: $resolve([dlq.arn, key.arn, region.name, ...scheduledArns]).apply(
      ([dlqArn, keyArn, regionName, ...functionArns]) =>
        JSON.stringify(
          schedulerPolicy({
            functionArns: functionArns as string[],
            dlqArn: dlqArn!,
            keyArn: keyArn!,
            region: regionName!,
          }),
        ),
    ),
  })
  for (const { spec, fn } of scans) {
    new aws.scheduler.Schedule(`${spec.id}Schedule`, {
      name: `${app}-${spec.name}`,
      scheduleExpression: spec.schedule,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: fn.arn,
        roleArn: schedulerRole.arn,
        input: JSON.stringify({ source: 'iamwatch.schedule', scan: spec.name }),
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: dlq.arn },
      },
    })
  }

  // A heartbeat per part: ops hear of a scan that did not finish within twice its period.
  heartbeatAlarms({
    app,
    opsTopicArn: ops.arn,
    scans: scans.map(({ spec, fn }) => ({ ...spec, functionName: fn.name })),
  })

  // Security Hub (alerts.securityHub.enabled, off by default): the notifier imports the findings too.
  const securityHub = settings.alerts.securityHub.enabled
  const notify = lambdaFunction(
    {
      ...common,
      name: 'notify',
      codeDir: `${buildDir}/notify`,
      environment: {
        FINDINGS_TABLE: table.name,
        ALERT_TOPIC_ARN: alerts.arn,
        // The Security Hub import is switched on by the configuration it reads (alerts.securityHub.enabled).
        IAMWATCH_CONFIG: config,
      },
      policy: (logGroupArn) =>
        arns(logGroupArn).apply((a) =>
          table.streamArn.apply((streamArn) => notifyPolicy({ ...a, streamArn, securityHub })),
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
      environment: {
        FINDINGS_TABLE: table.name,
        ACCOUNT_ID: identity.accountId,
        IAMWATCH_CONFIG: config,
        // monitor-tampered recognises the deployed key by its ARN and the stage's tag.
        IAMWATCH_KEY_ARN: key.arn,
        IAMWATCH_STAGE: $app.stage,
        IAMWATCH_MAC_KEY_ARN: macKey.arn,
        // A member account's event: its touched principal is re-read through the account's reader role.
        ...(org ? { IAMWATCH_READER_ROLE: org.readerRoleName } : {}),
      },
      policy: (logGroupArn) =>
        arns(logGroupArn).apply((a) =>
          org
            ? withMemberReader(onCloudTrailEventPolicy(a), {
                partition: a.partition,
                organizationId: org.id,
                readerRoleName: org.readerRoleName,
              })
            : onCloudTrailEventPolicy(a),
        ),
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
    keyActivityQueue: { arn: keyActivity.queue.arn, url: keyActivity.queue.url },
    opsTopicArn: ops.arn,
    keyArn: key.arn,
    regions: options.regions ?? DEFAULT_MONITORED_REGIONS,
  })

  // Every call made with a long-term access key: EventBridge (the access-keys rule) -> the key-activity queue ->
  // on-key-activity in batches, so a busy account's traffic costs an invocation per batch, not per call.
  const onKeyActivity = lambdaFunction(
    {
      ...common,
      name: 'on-key-activity',
      codeDir: `${buildDir}/on-key-activity`,
      environment: {
        FINDINGS_TABLE: table.name,
        ACCOUNT_ID: identity.accountId,
        IAMWATCH_CONFIG: config,
        IAMWATCH_MAC_KEY_ARN: macKey.arn,
      },
      policy: (logGroupArn) =>
        arns(logGroupArn).apply((a) =>
          keyActivity.queue.arn.apply((queueArn) => onKeyActivityPolicy({ ...a, queueArn })),
        ),
    },
    ops.arn,
  )
  new aws.lambda.EventSourceMapping('OnKeyActivityFromQueue', {
    eventSourceArn: keyActivity.queue.arn,
    functionName: onKeyActivity.fn.arn,
    batchSize: 100,
    // Up to 5 s to fill a batch: when calls are few, one invocation carries what arrived in those seconds
    // (and each key's baseline is read once for all of them) instead of one invocation per call; when they
    // are many, batches fill to 100 and go at once. A new-network finding is medium severity, and its alert
    // already passes through the table's stream and the notifier: 5 s more is nothing to it.
    maximumBatchingWindowInSeconds: 5,
    // A failed message comes back alone (the handler reports it); the rest of its batch is deleted.
    functionResponseTypes: ['ReportBatchItemFailures'],
    // At most this many batches at once (RESERVED_CONCURRENCY in stacks/lambda.ts reserves as many), so the
    // pollers receive no batch the function would be throttled on; more waits in the queue.
    scalingConfig: { maximumConcurrency: KEY_ACTIVITY_MAX_CONCURRENCY },
  })

  // The member accounts' StackSet, when this stack is to create it (IAMWATCH_STACKSET_OUS).
  const members =
    org && organization
      ? memberStackSet({
          app,
          organization: org,
          account,
          regions: options.regions ?? DEFAULT_MONITORED_REGIONS,
          centralRoles: [organization.dispatch.role, organization.scanAccount.role, onEvent.role],
        })
      : undefined

  return {
    ...(organization
      ? {
          orgDispatchFunction: organization.dispatch.fn.name,
          scanAccountFunction: organization.scanAccount.fn.name,
          accountScansQueue: organization.queue.url,
          accountScansDeadLetterQueue: organization.deadLetters.url,
        }
      : {}),
    ...(members ? { memberStackSet: members.stackSet.name } : {}),
    eventFunction: onEvent.fn.name,
    keyActivityFunction: onKeyActivity.fn.name,
    keyActivityQueue: keyActivity.queue.url,
    keyActivityDeadLetterQueue: keyActivity.deadLetters.url,
    eventRules: routing.rules.join(','),
    forwardedRegions: routing.forwardedRegions.join(','),
    table: table.name,
    alertTopic: alerts.arn,
    ...(alerting.escalation ? { escalationTopic: alerting.escalation.topic.arn } : {}),
    alertsTickFunction: alerting.tick.fn.name,
    ...(alerting.digest ? { dailyDigestFunction: alerting.digest.fn.name } : {}),
    opsTopic: ops.arn,
    deadLetterQueue: dlq.url,
    scanFunction: scans[0]!.fn.name,
    notifyFunction: notify.fn.name,
    digestBucket: evidence.bucket.bucket,
    digestSigningKey: evidence.signingKey.arn,
    itemMacKey: macKey.arn,
    auditorRole: evidence.auditorRole.arn,
  }
}
