import { FUNCTIONS, type FunctionName } from './functions.ts'
import type { PolicyDocument } from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

export interface LambdaArgs {
  name: FunctionName
  app: string
  accountId: $util.Input<string>
  keyArn: $util.Input<string>
  dlqArn: $util.Input<string>
  codeDir: string
  environment: Record<string, $util.Input<string>>
  /** Builds the role's only policy from the log group's ARN. */
  policy: (logGroupArn: string) => $util.Input<PolicyDocument>
  /** Invoked asynchronously (schedule, EventBridge): retried twice, then sent to the dead-letter queue. */
  async?: boolean
}

/** A function with its own role (one inline policy, exact statements), its own encrypted log group, and an errors alarm. */
export function lambdaFunction(args: LambdaArgs, opsTopicArn: $util.Input<string>) {
  const id = args.name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())
  const spec = FUNCTIONS[args.name]
  const functionName = `${args.app}-${args.name}`
  const logGroup = new aws.cloudwatch.LogGroup(`${id}Logs`, {
    name: `/iamwatch/${functionName}`,
    retentionInDays: 365,
    kmsKeyId: args.keyArn,
  })
  const role = new aws.iam.Role(`${id}Role`, {
    name: `${functionName}`,
    assumeRolePolicy: $resolve([args.accountId]).apply(([accountId]) =>
      JSON.stringify(serviceTrust('lambda.amazonaws.com', accountId!)),
    ),
  })
  const policy = new aws.iam.RolePolicy(`${id}Policy`, {
    role: role.name,
    policy: logGroup.arn.apply((arn) => $resolve([args.policy(arn)]).apply(([doc]) => JSON.stringify(doc))),
  })
  const fn = new aws.lambda.Function(
    `${id}Function`,
    {
      name: functionName,
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      code: new $util.asset.FileArchive(args.codeDir),
      role: role.arn,
      memorySize: spec.memoryMb,
      timeout: spec.timeoutSeconds,
      environment: { variables: { ...args.environment, NODE_OPTIONS: '--enable-source-maps' } },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: logGroup.name,
        applicationLogLevel: 'INFO',
        systemLogLevel: 'WARN',
      },
      kmsKeyArn: args.keyArn,
      tracingConfig: { mode: 'PassThrough' },
    },
    { dependsOn: [policy] },
  )
  if (args.async) {
    new aws.lambda.FunctionEventInvokeConfig(`${id}InvokeConfig`, {
      functionName: fn.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: args.dlqArn } },
    })
  }
  new aws.cloudwatch.MetricAlarm(`${id}ErrorsAlarm`, {
    name: `${functionName}-errors`,
    alarmDescription: `${functionName} failed; it will be retried, then dead-lettered`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: fn.name },
    statistic: 'Sum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [opsTopicArn],
  })
  return { fn, role, logGroup }
}
