import type { Finding, HistoryEntry } from '../model/finding.ts'

/** The findings table's key layout: one table, item kinds told apart by sort key and `kind`. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  bySeverityIndex: 'open-by-severity',
  byCheckIndex: 'by-check',
  byTimeIndex: 'history-by-time',
  ttlAttribute: 'expiresAt',
} as const

export const keys = {
  finding: (id: string) => ({ pk: `FINDING#${id}`, sk: 'STATE' }),
  history: (id: string, seq: number) => ({
    pk: `FINDING#${id}`,
    sk: `HIST#${String(seq).padStart(10, '0')}`,
  }),
  notified: (id: string, seq: number) => ({
    pk: `FINDING#${id}`,
    sk: `NOTIFIED#${String(seq).padStart(10, '0')}`,
  }),
  scan: (scanId: string) => ({ pk: `SCAN#${scanId}`, sk: 'RUN' }),
  grant: (accountId: string, holder: string, key: string) => ({
    pk: `GRANTS#${accountId}`,
    sk: `${holder}#${key}`,
  }),
  checkpoint: (name: string, accountId: string) => ({ pk: `CHECKPOINT#${name}#${accountId}`, sk: 'CURSOR' }),
}

/** The table definition DynamoDB (and DynamoDB Local) is given; infrastructure mirrors it. */
export function tableDefinition(tableName: string) {
  const S = 'S' as const
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: S },
      { AttributeName: 'sk', AttributeType: S },
      { AttributeName: 'openSeverity', AttributeType: S },
      { AttributeName: 'openKey', AttributeType: S },
      { AttributeName: 'checkKey', AttributeType: S },
      { AttributeName: 'statusKey', AttributeType: S },
      { AttributeName: 'historyKey', AttributeType: S },
      { AttributeName: 'historySort', AttributeType: S },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.bySeverityIndex,
        KeySchema: [
          { AttributeName: 'openSeverity', KeyType: 'HASH' as const },
          { AttributeName: 'openKey', KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
      {
        IndexName: TABLE.byCheckIndex,
        KeySchema: [
          { AttributeName: 'checkKey', KeyType: 'HASH' as const },
          { AttributeName: 'statusKey', KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
      {
        IndexName: TABLE.byTimeIndex,
        KeySchema: [
          { AttributeName: 'historyKey', KeyType: 'HASH' as const },
          { AttributeName: 'historySort', KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
  }
}

/** A finding's state item: its fields plus the index keys (open-by-severity is sparse: OPEN only). */
export function stateItem(f: Finding): Record<string, unknown> {
  return {
    ...keys.finding(f.id),
    kind: 'finding',
    ...f,
    checkKey: `${f.accountId}#${f.checkId}`,
    // status#resource#id: a check's open findings, or one resource's, are a prefix query on by-check.
    statusKey: `${f.status}#${f.resourceId}#${f.id}`,
    // Sparse index: only OPEN findings carry the open-by-severity keys.
    ...(f.status === 'OPEN'
      ? { openSeverity: f.severity, openKey: `${f.accountId}#${f.lastTransitionAt}#${f.id}` }
      : {}),
  }
}

/** The history-by-time partition of the account's month that `at` (an ISO time) falls in. */
const historyPartition = (accountId: string, at: string) => `${accountId}#${at.slice(0, 7)}`

/**
 * A history item as stored: the entry exactly as hashed, plus its keys and the history-by-time index keys
 * (one partition per account and month; sorted by time, then finding and sequence).
 */
export function historyItem(e: HistoryEntry): Record<string, unknown> {
  return {
    ...keys.history(e.findingId, e.seq),
    kind: 'history',
    ...e,
    historyKey: historyPartition(e.accountId, e.at),
    historySort: `${e.at}#${e.findingId}#${String(e.seq).padStart(10, '0')}`,
  }
}

/** The history-by-time partitions, oldest first, that hold an account's items from `from` to `to` (ISO times). */
export function historyPartitions(accountId: string, from: string, to: string): string[] {
  const out: string[] = []
  const month = new Date(`${from.slice(0, 7)}-01T00:00:00.000Z`)
  while (month.toISOString() <= to) {
    out.push(historyPartition(accountId, month.toISOString()))
    month.setUTCMonth(month.getUTCMonth() + 1)
  }
  return out
}

const STORAGE_ONLY = [
  'pk',
  'sk',
  'kind',
  'checkKey',
  'statusKey',
  'openSeverity',
  'openKey',
  'historyKey',
  'historySort',
]

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const out = { ...item }
  for (const k of STORAGE_ONLY) delete out[k]
  return out
}

export function toFinding(item: Record<string, unknown>): Finding {
  return strip(item) as unknown as Finding
}

export function toHistory(item: Record<string, unknown>): HistoryEntry {
  return strip(item) as unknown as HistoryEntry
}
