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

/** Key policy: the account administers the key through IAM; AWS services encrypt with it only for this account. */
export function keyPolicy(a: Pick<Arns, 'accountId' | 'region' | 'partition'>): object {
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
        Sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': a.accountId } },
      },
      {
        Sid: 'EventBridgeDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': a.accountId } },
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
