import type { Account } from './data.ts'
import { HOME_REGION } from './events.ts'
import { FUNCTIONS } from './functions.ts'
import { functionResourceName, lambdaFunction } from './lambda.ts'
import { memberTemplate } from './member-template.ts'
import { centralReaderRoleNames, type Organization } from './organization-options.ts'
import { organizationBusPolicy, orgDispatchPolicy, scanAccountPolicy } from './organization-permissions.ts'
import type { WriterArns } from './permissions.ts'

export {
  type OrganizationOptions,
  organizationOptionsFromEnv,
  resolveOrganization,
} from './organization-options.ts'

/**
 * The central side of an organization deployment (issue 13), added to the stack only when an organization
 * is configured (StackOptions.organization; IAMWATCH_ORGANIZATION_ID and friends, organization-options.ts):
 * - org-dispatch, on two schedules (ORGANIZATION_DISPATCHES): discovers the accounts, probes each through
 *   its reader role, evaluates the organization checks, and sends one AccountScanRequest
 *   (shared/organization/model.ts) per member account to the account-scans queue;
 * - the account-scans queue (the stack's key; its dead-letter queue; alarms on both) and scan-account, which
 *   reads it one message at a time, at most `concurrency` at once;
 * - the central default bus's policy: any principal of the organization may put events on it (the member
 *   accounts' forwarding rules);
 * - with `stackSet`, the member StackSet (stacks/member-template.ts) and its instances.
 */

/**
 * The dispatcher's schedules: the credentials every 4 hours (the credential report's refresh period, as
 * the central account's own scan), the rest daily. The input is all the function reads: the parts each
 * member account is scanned for.
 */
export const ORGANIZATION_DISPATCHES = [
  {
    id: 'OrgCredentialsDispatch',
    name: 'org-dispatch-credentials',
    schedule: 'rate(4 hours)',
    parts: ['credentials'],
  },
  {
    id: 'OrgDailyDispatch',
    name: 'org-dispatch-daily',
    schedule: 'rate(1 day)',
    parts: ['authorization', 'trails', 'access-advisor'],
  },
] as const

/** How many times an account-scan request is received (its scan failed) before it is dead-lettered. */
export const ACCOUNT_SCANS_MAX_RECEIVES = 3

/**
 * How long the oldest request may wait before ops hear of it: the shortest dispatch period. Older, and the
 * scans fall behind the schedule (raise IAMWATCH_ORG_CONCURRENCY), or nothing reads the queue at all (the
 * function's role, the key, a disabled mapping), whose messages would never reach the dead-letter queue.
 */
export const ACCOUNT_SCANS_BACKLOG_SECONDS = 4 * 3600

/** An SQS event source mapping runs at least 2 batches at once (ScalingConfig.MaximumConcurrency: 2..1000). */
export const mappingConcurrency = (concurrency: number) => Math.max(2, concurrency)

export const accountScansNames = (app: string) => ({
  queue: `${app}-account-scans`,
  deadLetters: `${app}-account-scans-dlq`,
})

/**
 * How the StackSet's operations go: up to a quarter of the accounts of a region at once, every region at
 * once, and a region's operation stops once a tenth of its accounts failed (SOFT_FAILURE_TOLERANCE, where
 * the instances take it: the concurrency stays at its maximum rather than being lowered to the tolerance).
 */
export const STACKSET_OPERATION_PREFERENCES = {
  failureTolerancePercentage: 10,
  maxConcurrentPercentage: 25,
  regionConcurrencyType: 'PARALLEL',
} as const

export interface OrganizationArgs {
  app: string
  organization: Organization
  account: Account
  buildDir: string
  config: string
  /** The stack's key, topic and queues, as stacks/data.ts makes them. */
  key: aws.kms.Key
  table: aws.dynamodb.Table
  ops: aws.sns.Topic
  dlq: aws.sqs.Queue
  macKey: aws.kms.Key
  schedulerRoleArn: $util.Output<string>
  /** What every writer's statements name, from its log group's ARN (stacks/iamwatch.ts). */
  arns: (logGroupArn: string) => $util.Output<WriterArns>
  reserveConcurrency: boolean
  /** The monitored regions (the StackSet's): org-dispatch checks each member's forwarding in each. */
  regions: readonly string[]
}

/** The functions, the queue, the schedules and the bus policy; the StackSet is memberStackSet's. */
export function organizationResources(args: OrganizationArgs) {
  const { app, organization: org, account } = args
  const scope = {
    organizationId: org.id,
    readerRoleName: org.readerRoleName,
  }
  const { queue, deadLetters } = accountScansQueue(args)
  const common = {
    app,
    accountId: account.accountId,
    keyArn: args.key.arn,
    dlqArn: args.dlq.arn,
    reserveConcurrency: args.reserveConcurrency,
  }
  const environment = {
    FINDINGS_TABLE: args.table.name,
    ACCOUNT_ID: account.accountId,
    IAMWATCH_CONFIG: args.config,
    IAMWATCH_MAC_KEY_ARN: args.macKey.arn,
    IAMWATCH_READER_ROLE: org.readerRoleName,
    IAMWATCH_ORGANIZATION_ID: org.id,
  }
  const withQueue = (logGroupArn: string) =>
    args.arns(logGroupArn).apply((a) => queue.arn.apply((queueArn) => ({ ...a, ...scope, queueArn })))
  const dispatch = lambdaFunction(
    {
      ...common,
      name: 'org-dispatch',
      async: true,
      codeDir: `${args.buildDir}/org-dispatch`,
      environment: {
        ...environment,
        ACCOUNT_SCANS_QUEUE_URL: queue.url,
        IAMWATCH_FORWARD_REGIONS: [
          HOME_REGION,
          ...new Set(args.regions.filter((r) => r !== HOME_REGION)),
        ].join(','),
      },
      policy: (logGroupArn) => withQueue(logGroupArn).apply(orgDispatchPolicy),
    },
    args.ops.arn,
  )
  const concurrency = mappingConcurrency(org.concurrency)
  const scanAccount = lambdaFunction(
    {
      ...common,
      name: 'scan-account',
      codeDir: `${args.buildDir}/scan-account`,
      environment,
      policy: (logGroupArn) => withQueue(logGroupArn).apply(scanAccountPolicy),
      // As many as the mapping below may run at once (RESERVED_CONCURRENCY, stacks/lambda.ts).
      reservedConcurrency: concurrency,
    },
    args.ops.arn,
  )
  new aws.lambda.EventSourceMapping('ScanAccountFromQueue', {
    eventSourceArn: queue.arn,
    functionName: scanAccount.fn.arn,
    // One account per invocation: a scan may take Lambda's whole 15 minutes, and one account's failure is
    // that message's only (reported as a batch item failure, received again, then dead-lettered).
    batchSize: 1,
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: concurrency },
  })

  for (const d of ORGANIZATION_DISPATCHES) {
    new aws.scheduler.Schedule(`${d.id}Schedule`, {
      name: `${app}-${d.name}`,
      scheduleExpression: d.schedule,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: dispatch.fn.arn,
        roleArn: args.schedulerRoleArn,
        input: JSON.stringify({ parts: d.parts }),
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: args.dlq.arn },
      },
    })
  }

  // The member accounts' forwarding rules put their events on this bus, as their forwarder roles.
  const busArn = $interpolate`arn:${account.partition}:events:${HOME_REGION}:${account.accountId}:event-bus/default`
  new aws.cloudwatch.EventBusPolicy('OrganizationEventBusPolicy', {
    region: HOME_REGION,
    eventBusName: 'default',
    policy: busArn.apply((arn) =>
      JSON.stringify(organizationBusPolicy({ busArn: arn, organizationId: org.id })),
    ),
  })
  return { dispatch, scanAccount, queue, deadLetters }
}

/**
 * The account-scans queue, as stacks/data.ts makes the key-activity queue: the stack's key; visibility six
 * times scan-account's timeout (as Lambda asks of an SQS event source); a request whose scan keeps failing
 * moved after ACCOUNT_SCANS_MAX_RECEIVES receives to its own dead-letter queue, which only it may redrive
 * into; 4 days' retention (14 in the dead-letter queue, which must outlast it); alarms to the ops topic on
 * a dead letter and on a backlog.
 */
function accountScansQueue(args: OrganizationArgs) {
  const names = accountScansNames(args.app)
  const { account } = args
  const sourceArn = $interpolate`arn:${account.partition}:sqs:${account.region}:${account.accountId}:${names.queue}`
  const deadLetters = new aws.sqs.Queue('AccountScansDeadLetters', {
    name: names.deadLetters,
    messageRetentionSeconds: 14 * 86_400,
    kmsMasterKeyId: args.key.id,
    kmsDataKeyReusePeriodSeconds: 300,
    redriveAllowPolicy: sourceArn.apply((arn) =>
      JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arn] }),
    ),
  })
  const queue = new aws.sqs.Queue('AccountScans', {
    name: names.queue,
    visibilityTimeoutSeconds: 6 * FUNCTIONS['scan-account'].timeoutSeconds,
    messageRetentionSeconds: 4 * 86_400,
    kmsMasterKeyId: args.key.id,
    kmsDataKeyReusePeriodSeconds: 300,
    redrivePolicy: deadLetters.arn.apply((deadLetterTargetArn) =>
      JSON.stringify({ deadLetterTargetArn, maxReceiveCount: ACCOUNT_SCANS_MAX_RECEIVES }),
    ),
  })
  const alarm = { namespace: 'AWS/SQS', statistic: 'Maximum', period: 300, evaluationPeriods: 1 }
  new aws.cloudwatch.MetricAlarm('AccountScansDeadLettersAlarm', {
    name: names.deadLetters,
    alarmDescription: `member accounts could not be scanned: inspect ${names.deadLetters} and ${functionResourceName(args.app, 'scan-account')}'s logs`,
    ...alarm,
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: deadLetters.name },
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [args.ops.arn],
    okActions: [args.ops.arn],
  })
  new aws.cloudwatch.MetricAlarm('AccountScansBacklogAlarm', {
    name: `${names.queue}-backlog`,
    alarmDescription: `member-account scans wait in ${names.queue}: check ${functionResourceName(args.app, 'scan-account')} and its event source mapping, or raise IAMWATCH_ORG_CONCURRENCY`,
    ...alarm,
    metricName: 'ApproximateAgeOfOldestMessage',
    dimensions: { QueueName: queue.name },
    threshold: ACCOUNT_SCANS_BACKLOG_SECONDS,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [args.ops.arn],
    okActions: [args.ops.arn],
  })
  return { queue, deadLetters }
}

export interface MemberStackSetArgs {
  app: string
  organization: Organization
  account: Account
  /** Every monitored region (the home region is deployed first whether listed or not). */
  regions: readonly string[]
  /** The roles the reader role's trust names: they must exist before it is created (IAM checks principals). */
  centralRoles: $util.Input<$util.Resource>[]
}

/**
 * The member StackSet: service-managed (StackSets creates its own roles in the members), deployed to every
 * account of the OUs and to each account that joins them later (automatic deployment; an account that
 * leaves loses its stacks), in every monitored region, except the central account itself (its own stack
 * reads it and forwards its regions). The home region's instances first: the roles are made there (see
 * stacks/member-template.ts on ordering). Managed execution queues the instances' operations, which would
 * otherwise conflict (one operation at a time per StackSet).
 */
export function memberStackSet(args: MemberStackSetArgs) {
  const { app, organization: org, account } = args
  const stackSet = org.stackSet
  if (!stackSet) return undefined
  const templateBody = $resolve([account.accountId, account.partition]).apply(([accountId, partition]) =>
    JSON.stringify(
      memberTemplate({
        organizationId: org.id,
        centralAccountId: accountId!,
        partition: partition!,
        readerRoleName: org.readerRoleName,
        centralRoleNames: centralReaderRoleNames(app),
        homeRegion: HOME_REGION,
      }),
    ),
  )
  const set = new aws.cloudformation.StackSet(
    'MemberStackSet',
    {
      name: `${app}-member`,
      description: `iamwatch member accounts of ${org.id}: the reader role and the forwarding rules`,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: stackSet.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { active: true },
      operationPreferences: STACKSET_OPERATION_PREFERENCES,
      templateBody,
    },
    // A service-managed StackSet's administration role is AWS's: not a change of ours to undo.
    { dependsOn: args.centralRoles, ignoreChanges: ['administrationRoleArn'] },
  )
  const regions = [HOME_REGION, ...new Set(args.regions.filter((r) => r !== HOME_REGION))]
  const instance = (region: string, dependsOn: $util.Resource[]) =>
    new aws.cloudformation.StackSetInstance(
      `MemberStackSetInstance${region.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`,
      {
        stackSetName: set.name,
        stackSetInstanceRegion: region,
        callAs: stackSet.callAs,
        deploymentTargets: {
          organizationalUnitIds: stackSet.organizationalUnitIds,
          accountFilterType: 'DIFFERENCE',
          accounts: [account.accountId],
        },
        operationPreferences: {
          ...STACKSET_OPERATION_PREFERENCES,
          concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        },
        retainStack: false,
      },
      { dependsOn },
    )
  const home = instance(HOME_REGION, [])
  const instances = [home, ...regions.slice(1).map((r) => instance(r, [home]))]
  return { stackSet: set, instances, regions }
}
