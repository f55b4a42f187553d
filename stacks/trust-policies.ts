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
 * Key policy: the account administers the key through IAM; AWS services encrypt with it only for this
 * account, and only what the monitor needs them to.
 *
 * The encrypted topics: "Enable compatibility between event sources from AWS services and encrypted
 * topics" (Amazon SNS Developer Guide, sns-key-management.html#compatibility-with-aws-services) asks a
 * customer managed key whose policy gives the publishing service `kms:GenerateDataKey*` and
 * `kms:Decrypt`, with `aws:SourceAccount` and `aws:SourceArn` against the confused deputy, and warns:
 * "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not
 * supported for EventBridge-to-encrypted topics." So CloudWatch (the stack's alarms to the ops topic)
 * is held to this account's alarms named `<app>-*`, and EventBridge is left unconditioned, as the
 * EventBridge User Guide also shows for encrypted SQS targets (eb-targets.html: "Allow EventBridge to
 * use the key", kms:Decrypt + kms:GenerateDataKey, no condition), which the rules' dead-letter queue is.
 * What confines EventBridge instead: the topic and queue policies admit only this stack's rules, and
 * without kms:DescribeKey no event bus or archive can be set up with this key (EventBridge needs it
 * to accept a customer managed key: eb-encryption-key-policy.html).
 */
export function keyPolicy(a: KeyPolicyArgs): object {
  const root = `arn:${a.partition}:iam::${a.accountId}:root`
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
        Sid: 'EventBridgeRulesDeliverToEncryptedTargets',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
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
