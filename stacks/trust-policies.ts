import type { Arns } from './permissions.ts'

/** Trust for a role that only the named service may assume, and only on behalf of this account. */
export function serviceTrust(service: string, accountId: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  }
}

/** What the key policy needs to know: the account, and the app whose alarms may use the key. */
export interface KeyPolicyArgs extends Pick<Arns, 'accountId' | 'region' | 'partition'> {
  /** `iamwatch-<stage>`: every alarm and rule of the stack is named `<app>-...`. */
  app: string
}

/** The ARNs of this stack's CloudWatch alarms, in any region (ArnLike: each ARN component separately). */
export const stackAlarmArns = (a: Pick<KeyPolicyArgs, 'partition' | 'accountId' | 'app'>) =>
  `arn:${a.partition}:cloudwatch:*:${a.accountId}:alarm:${a.app}-*`

/** The ARNs of this stack's EventBridge rules on the default bus, in any region. */
export const stackRuleArns = (a: Pick<KeyPolicyArgs, 'partition' | 'accountId' | 'app'>) =>
  `arn:${a.partition}:events:*:${a.accountId}:rule/${a.app}-*`

/**
 * The names of the stack's resources that EventBridge rules deliver to, encrypted with the stack's key:
 * stacks/data.ts creates them by these names, and the key policy names them before they exist.
 */
export const stackTargetNames = (app: string) => ({
  opsTopic: `${app}-ops`,
  deadLetters: `${app}-dead-letters`,
  keyActivity: `${app}-key-activity`,
  keyActivityDeadLetters: `${app}-key-activity-dead-letters`,
})

/** The ARN of a topic or queue of the stack, in its region (both are named by `service:region:account:name`). */
const stackArn = (a: KeyPolicyArgs, service: 'sns' | 'sqs', name: string) =>
  `arn:${a.partition}:${service}:${a.region}:${a.accountId}:${name}`

/**
 * Key policy: the account administers the key through IAM; AWS services encrypt with it only for this
 * account, and only what the monitor needs them to.
 *
 * The encrypted topics: "Enable compatibility between event sources from AWS services and encrypted
 * topics" (Amazon SNS Developer Guide, sns-key-management.html#compatibility-with-aws-services) asks a
 * customer managed key whose policy gives the publishing service `kms:GenerateDataKey*` and
 * `kms:Decrypt`, with `aws:SourceAccount` and `aws:SourceArn` against the confused deputy, and warns:
 * "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not
 * supported for EventBridge-to-encrypted topics." So CloudWatch (the stack's alarms to the ops topic)
 * is held to this account's alarms named `<app>-*`, and EventBridge is held instead by what SNS and SQS
 * themselves put in every KMS request they make for a topic or queue: the encryption context, the
 * topic's ARN (`aws:sns:topicArn`) or the queue's (`aws:sqs:arn`), which the caller cannot choose
 * (kms:EncryptionContext:<key>, AWS KMS condition keys). The EventBridge User Guide shows the statement
 * for encrypted SQS targets without a condition (eb-troubleshooting.html#eb-sqs-encrypted: kms:Decrypt
 * and kms:GenerateDataKey); here it names the two queues the stack's rules deliver to (the key-activity
 * queue, and the rules' dead-letter queue) and the one topic (ops), so EventBridge cannot use this key
 * for any other topic or queue, of this account or another. If a rule's FailedInvocations rise after a
 * deploy, look in CloudTrail for the AccessDenied kms:GenerateDataKey and its encryptionContext first.
 * The topic and queue policies admit only this stack's rules, and without kms:DescribeKey no event bus
 * or archive can be set up with this key (EventBridge needs it to accept a customer managed key:
 * eb-encryption-key-policy.html).
 */
export function keyPolicy(a: KeyPolicyArgs): object {
  const root = `arn:${a.partition}:iam::${a.accountId}:root`
  const names = stackTargetNames(a.app)
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersKeyThroughIam',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'StackAlarmsPublishToEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': a.accountId },
          ArnLike: { 'aws:SourceArn': stackAlarmArns(a) },
        },
      },
      {
        Sid: 'EventBridgeRulesPublishToEncryptedOpsTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': stackArn(a, 'sns', names.opsTopic) },
        },
      },
      {
        Sid: 'EventBridgeRulesDeliverToEncryptedQueues',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:sqs:arn': [
              stackArn(a, 'sqs', names.keyActivity),
              stackArn(a, 'sqs', names.deadLetters),
            ],
          },
        },
      },
      {
        Sid: 'LogsEncryptOwnLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${a.region}.amazonaws.com` },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:/iamwatch/*`,
          },
        },
      },
    ],
  }
}
