import { tableDefinition } from '../shared/aws/findings-table.ts'
import { keyPolicy } from './trust-policies.ts'

export interface Account {
  accountId: $util.Input<string>
  region: $util.Input<string>
  partition: $util.Input<string>
}

/** The monitor's data: one customer-managed key for everything, the findings table, the topics, the dead-letter queue. */
export function dataResources(name: string, account: Account) {
  const key = new aws.kms.Key(`${name}Key`, {
    description: 'iamwatch: findings, alerts, dead letters and logs',
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: $resolve([account.accountId, account.region, account.partition]).apply(
      ([accountId, region, partition]) =>
        JSON.stringify(keyPolicy({ accountId: accountId!, region: region!, partition: partition! })),
    ),
  })
  new aws.kms.Alias(`${name}KeyAlias`, { name: `alias/${name}`, targetKeyId: key.keyId })

  const def = tableDefinition(`${name}-findings`)
  const table = new aws.dynamodb.Table(`${name}Findings`, {
    name: `${name}-findings`,
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'pk',
    rangeKey: 'sk',
    attributes: def.AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
    globalSecondaryIndexes: def.GlobalSecondaryIndexes.map((g) => ({
      name: g.IndexName,
      hashKey: g.KeySchema[0]!.AttributeName,
      rangeKey: g.KeySchema[1]!.AttributeName,
      projectionType: g.Projection.ProjectionType,
    })),
    streamEnabled: true,
    streamViewType: def.StreamSpecification.StreamViewType,
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
    ttl: { attributeName: 'expiresAt', enabled: true },
  })

  const alerts = new aws.sns.Topic(`${name}Alerts`, { name: `${name}-alerts`, kmsMasterKeyId: key.id })
  const ops = new aws.sns.Topic(`${name}Ops`, { name: `${name}-ops`, kmsMasterKeyId: key.id })
  for (const [id, topic] of [
    [`${name}AlertsPolicy`, alerts],
    [`${name}OpsPolicy`, ops],
  ] as const) {
    new aws.sns.TopicPolicy(id, {
      arn: topic.arn,
      policy: topic.arn.apply((arn) => JSON.stringify(tlsOnlyTopicPolicy(arn))),
    })
  }

  const dlq = new aws.sqs.Queue(`${name}DeadLetters`, {
    name: `${name}-dead-letters`,
    messageRetentionSeconds: 14 * 86_400,
    kmsMasterKeyId: key.id,
    kmsDataKeyReusePeriodSeconds: 300,
  })
  new aws.cloudwatch.MetricAlarm(`${name}DeadLettersAlarm`, {
    name: `${name}-dead-letters`,
    alarmDescription: 'iamwatch could not process an event or a scan: inspect the dead-letter queue',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: dlq.name },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [ops.arn],
    okActions: [ops.arn],
  })
  return { key, table, alerts, ops, dlq }
}

/** Only TLS: deny every SNS action over plain HTTP. */
export function tlsOnlyTopicPolicy(topicArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: [
          'sns:Publish',
          'sns:Subscribe',
          'sns:Receive',
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
        ],
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  }
}
