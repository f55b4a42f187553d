import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { accessAnalyzerClient } from '../aws/access-analyzer.ts'
import { sendScanRequests, sqsClient } from '../aws/account-scan-queue.ts'
import { type AccountSessions, eventBridgeClient } from '../aws/account-sessions.ts'
import { AlertGroupsStore } from '../aws/alert-records.ts'
import { documentClient, iamClient, securityHubClient, snsClient } from '../aws/clients.ts'
import { cloudTrailClient } from '../aws/cloudtrail.ts'
import { DynamoCounters } from '../aws/counters.ts'
import type { ReportOptions } from '../aws/credential-report.ts'
import { FindingsStore } from '../aws/findings-store.ts'
import { type ItemMac, kmsClient, kmsItemMac } from '../aws/kms.ts'
import { organizationsClient } from '../aws/organizations.ts'
import { publishAlert } from '../aws/publisher.ts'
import { DynamoSightings } from '../aws/sightings.ts'
import { stsClient } from '../aws/sts.ts'
import { configFromEnv } from '../config/config.ts'
import { LoadedPosture } from '../engine/posture.ts'
import type { CloudTrailDeps } from './cloudtrail-events.ts'
import { LoadedDirectory } from './directory.ts'
import type { KeyActivityDeps } from './key-activity.ts'
import { consoleLog, type Log } from './log.ts'
import type { NotifierDeps } from './notifier.ts'
import { type OrganizationDeps, sessionsOf } from './organization.ts'
import type { DispatchDeps } from './organization-handlers.ts'
import type { AccountScanDeps } from './organization-scan.ts'
import type { ScanDeps } from './scan.ts'
import { createSecurityHubSync } from './security-hub-sync.ts'

/** Wiring from the Lambda environment; built once per cold start. Tests build the same deps by hand. */
function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set`)
  return value
}

/**
 * The item MAC key of the functions that write transitions (IAMWATCH_MAC_KEY_ARN): each transition's
 * new head is MAC'd with it (kms:GenerateMac) before it is written. Unset: transitions carry no MAC.
 */
export function itemMacFromEnv(env: NodeJS.ProcessEnv = process.env): ItemMac | undefined {
  return env.IAMWATCH_MAC_KEY_ARN ? kmsItemMac(kmsClient(), env.IAMWATCH_MAC_KEY_ARN) : undefined
}

/** The stack tells the function its account (ACCOUNT_ID), so the Lambda needs no STS client. */
export function scanDepsFromEnv(): ScanDeps {
  return {
    iam: iamClient(),
    accountId: required('ACCOUNT_ID'),
    store: new FindingsStore(documentClient(), required('FINDINGS_TABLE'), { mac: itemMacFromEnv() }),
    config: configFromEnv(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    log: consoleLog(),
    report: { pollIntervalMs: Number(process.env.REPORT_POLL_MS ?? 2000) },
  }
}

/**
 * The Security Hub import into the monitor's own account and region: the account is the alerts topic's
 * (its ARN names it), the region the function's.
 */
function securityHubSyncFor(topicArn: string, store: FindingsStore, log: Log) {
  const region = process.env.AWS_REGION ?? 'us-east-1'
  return createSecurityHubSync({
    client: securityHubClient(),
    partition: partitionOf(region),
    region,
    accountId: topicArn.split(':')[4]!,
    log,
    firstOpenedAt: async (id) => (await store.getFinding(id))?.firstOpenedAt,
  })
}

export function notifierDepsFromEnv(): NotifierDeps {
  const config = configFromEnv()
  const log = consoleLog()
  const sns = snsClient()
  const topicArn = required('ALERT_TOPIC_ARN')
  const db = documentClient()
  const store = new FindingsStore(db, required('FINDINGS_TABLE'))
  return {
    store,
    groups: new AlertGroupsStore(db, required('FINDINGS_TABLE')),
    publish: (alert) => publishAlert(sns, topicArn, alert),
    directory: new LoadedDirectory(store.records),
    config,
    log,
    ...(config.alerts.securityHub.enabled ? { securityHub: securityHubSyncFor(topicArn, store, log) } : {}),
  }
}

export function cloudTrailDepsFromEnv(): CloudTrailDeps {
  const db = documentClient()
  const table = required('FINDINGS_TABLE')
  const store = new FindingsStore(db, table, { mac: itemMacFromEnv() })
  return {
    iam: iamClient(),
    store,
    counters: new DynamoCounters(db, table),
    sightings: new DynamoSightings(db, table),
    posture: new LoadedPosture((accountId) => store.records.groupPosture(accountId)),
    directory: new LoadedDirectory(store.records),
    ...(process.env.IAMWATCH_READER_ROLE ? { members: memberSessionsFromEnv('on-cloudtrail-event') } : {}),
    config: configFromEnv(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    accountId: required('ACCOUNT_ID'),
    log: consoleLog(),
  }
}

/** on-key-activity: the first-seen detections of the queue, with the same store and state. */
export function keyActivityDepsFromEnv(): KeyActivityDeps {
  const db = documentClient()
  const table = required('FINDINGS_TABLE')
  return {
    store: new FindingsStore(db, table, { mac: itemMacFromEnv() }),
    counters: new DynamoCounters(db, table),
    sightings: new DynamoSightings(db, table),
    directory: new LoadedDirectory(new FindingsStore(db, table).records),
    config: configFromEnv(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    accountId: required('ACCOUNT_ID'),
    log: consoleLog(),
  }
}

/** Memoizes a factory: deps are built at the first invocation, not at import (cheap cold init). */
export function once<T>(factory: () => T): () => T {
  let value: T | undefined
  return () => {
    value ??= factory()
    return value
  }
}

/** The partition of a region (aws, aws-cn, aws-us-gov): the reader roles' and the bus's ARNs name it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** A member account's clients through its reader role (IAMWATCH_READER_ROLE), for the event path. */
function memberSessionsFromEnv(sessionName: string): AccountSessions {
  return sessionsOf(organizationDepsFromEnv(sessionName))
}

/** The organization functions: the central account's own clients, STS for the reader roles, Organizations. */
export function organizationDepsFromEnv(sessionName: string): OrganizationDeps & { report: ReportOptions } {
  const region = process.env.AWS_REGION ?? 'us-east-1'
  const config = configFromEnv()
  const roleName = process.env.IAMWATCH_READER_ROLE
  const analyzers = new Map<string, AccessAnalyzerClient>()
  const buses = new Map<string, EventBridgeClient>()
  return {
    centralAccountId: required('ACCOUNT_ID'),
    central: {
      accountId: required('ACCOUNT_ID'),
      iam: iamClient(),
      cloudTrail: cloudTrailClient(),
      accessAnalyzer: (r) => analyzers.get(r) ?? analyzers.set(r, accessAnalyzerClient(r)).get(r)!,
      events: (r) => buses.get(r) ?? buses.set(r, eventBridgeClient({ region: r })).get(r)!,
    },
    sts: stsClient(),
    organizations: organizationsClient(),
    store: new FindingsStore(documentClient(), required('FINDINGS_TABLE'), { mac: itemMacFromEnv() }),
    config: roleName
      ? {
          ...config,
          organization: {
            ...config.organization,
            readerRoleName: roleName,
            concurrency: config.organization?.concurrency ?? 20,
          },
        }
      : config,
    region,
    partition: partitionOf(region),
    log: consoleLog(),
    sessionName: `iamwatch-${sessionName}`,
    ...(process.env.IAMWATCH_FORWARD_REGIONS
      ? { forwardRegions: process.env.IAMWATCH_FORWARD_REGIONS.split(',').filter(Boolean) }
      : {}),
    report: { pollIntervalMs: Number(process.env.REPORT_POLL_MS ?? 2000) },
  }
}

export function dispatchDepsFromEnv(): DispatchDeps {
  const deps = organizationDepsFromEnv('org-dispatch')
  const sqs = sqsClient()
  const queueUrl = required('ACCOUNT_SCANS_QUEUE_URL')
  return { ...deps, enqueue: (requests) => sendScanRequests(sqs, queueUrl, requests) }
}

export function accountScanDepsFromEnv(): AccountScanDeps {
  return organizationDepsFromEnv('scan-account')
}
