import { documentClient, iamClient, snsClient } from '../aws/clients.ts'
import { DynamoCounters } from '../aws/counters.ts'
import { FindingsStore } from '../aws/findings-store.ts'
import { type ItemMac, kmsClient, kmsItemMac } from '../aws/kms.ts'
import { publishAlert } from '../aws/publisher.ts'
import { DynamoSightings } from '../aws/sightings.ts'
import { configFromEnv } from '../config/config.ts'
import { LoadedPosture } from '../engine/posture.ts'
import type { CloudTrailDeps } from './cloudtrail-events.ts'
import type { KeyActivityDeps } from './key-activity.ts'
import { consoleLog } from './log.ts'
import type { NotifierDeps } from './notifier.ts'
import type { ScanDeps } from './scan.ts'

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

export function notifierDepsFromEnv(): NotifierDeps {
  const sns = snsClient()
  const topicArn = required('ALERT_TOPIC_ARN')
  return {
    store: new FindingsStore(documentClient(), required('FINDINGS_TABLE')),
    publish: (alert) => publishAlert(sns, topicArn, alert),
    config: configFromEnv(),
    log: consoleLog(),
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
