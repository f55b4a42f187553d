import type { Finding, FindingStatus, HistoryEntry, TransitionKind } from '../model/finding.ts'

/** The findings table's key layout: one table, item kinds told apart by sort key and `kind`. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  bySeverityIndex: 'open-by-severity',
  byCheckIndex: 'by-check',
  byTimeIndex: 'history-by-time',
  asOfIndex: 'history-as-of',
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
  /** A finding's occurrence group, opened by its transition `openerSeq` (one partition for every group). */
  alertGroup: (id: string, openerSeq: number) => ({
    pk: 'ALERTGROUPS',
    sk: `${id}#${String(openerSeq).padStart(10, '0')}`,
  }),
  /** The daily digest's marker of one day (`scope` `all`: the deployment's one digest). */
  dailyDigest: (scope: string, day: string) => ({ pk: `DAILYDIGEST#${scope}`, sk: day }),
  /** The escalation marker of one opening of a finding (one partition for every marker, as for groups). */
  escalation: (id: string, openSeq: number) => ({
    pk: 'ESCALATIONS',
    sk: `${id}#${String(openSeq).padStart(10, '0')}`,
  }),
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
      { AttributeName: 'asOfKey', AttributeType: S },
      { AttributeName: 'asOfSort', AttributeType: S },
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
      {
        // Keys only: an entry is ~115 bytes (the table keys name the finding and sequence, the sort key
        // the account, time and transition), so reading every transition up to a time stays cheap.
        IndexName: TABLE.asOfIndex,
        KeySchema: [
          { AttributeName: 'asOfKey', KeyType: 'HASH' as const },
          { AttributeName: 'asOfSort', KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
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
 * The history-as-of index ("which findings were open at T"): every history item, in 16 partitions by the
 * first hex digit of its finding id (spreading writes, and reads in parallel), sorted by
 * `<account>#<at>#<status><transition>` (one letter each). One range query per partition and account
 * reads exactly the account's transitions up to T; keys only, so an entry is the table keys (which name
 * the finding and sequence number) plus these two, about 115 bytes.
 */
export const AS_OF_SHARDS: readonly string[] = [...'0123456789abcdef']

/** The history-as-of partition of a finding: the first hex digit of its id. */
export function asOfShard(findingIdValue: string): string {
  const c = findingIdValue.charAt(0).toLowerCase()
  return AS_OF_SHARDS.includes(c) ? c : '0'
}

const STATUS_CODE: Record<FindingStatus, string> = { OPEN: 'O', RESOLVED: 'R' }
const TRANSITION_CODE: Record<TransitionKind, string> = {
  OPENED: 'O',
  REOPENED: 'E',
  OCCURRED: 'C',
  RESOLVED: 'R',
  SUPPRESSED: 'S',
  UNSUPPRESSED: 'U',
  ACKNOWLEDGED: 'A',
}
const invert = <K extends string>(m: Record<K, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<string, K | undefined>
const CODE_STATUS = invert(STATUS_CODE)
const CODE_TRANSITION = invert(TRANSITION_CODE)

/** The history-as-of sort key of an account's item at `at` (ISO): its status after the transition, and the transition. */
export const asOfSortKey = (
  accountId: string,
  at: string,
  status: FindingStatus,
  transition: TransitionKind,
) => `${accountId}#${at}#${STATUS_CODE[status]}${TRANSITION_CODE[transition]}`

/** What one history-as-of entry says: which item (from the table keys), its account, time, status and transition. */
export interface AsOfEntry {
  accountId: string
  findingId: string
  seq: number
  at: string
  status: FindingStatus
  transition: TransitionKind
}

/** Reads a history-as-of entry (keys only); undefined for an entry not in that shape. */
export function fromAsOfEntry(item: Record<string, unknown>): AsOfEntry | undefined {
  const [pk, sk, sort] = [item.pk, item.sk, item.asOfSort]
  if (typeof pk !== 'string' || typeof sk !== 'string' || typeof sort !== 'string') return undefined
  if (!pk.startsWith('FINDING#') || !sk.startsWith('HIST#')) return undefined
  const last = sort.lastIndexOf('#')
  const before = sort.lastIndexOf('#', last - 1)
  const code = sort.slice(last + 1)
  const status = CODE_STATUS[code.charAt(0)]
  const transition = CODE_TRANSITION[code.slice(1)]
  if (before < 0 || !status || !transition) return undefined
  return {
    accountId: sort.slice(0, before),
    findingId: pk.slice('FINDING#'.length),
    seq: Number(sk.slice('HIST#'.length)),
    at: sort.slice(before + 1, last),
    status,
    transition,
  }
}

/**
 * A history item as stored: the entry exactly as hashed, plus its keys, the history-by-time index keys
 * (one partition per account and month; sorted by time, then finding and sequence) and the history-as-of
 * index keys. Index keys are storage only: they are not part of the hash.
 */
export function historyItem(e: HistoryEntry): Record<string, unknown> {
  return {
    ...keys.history(e.findingId, e.seq),
    kind: 'history',
    ...e,
    historyKey: historyPartition(e.accountId, e.at),
    historySort: `${e.at}#${e.findingId}#${String(e.seq).padStart(10, '0')}`,
    asOfKey: asOfShard(e.findingId),
    asOfSort: asOfSortKey(e.accountId, e.at, e.status, e.transition),
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
  'asOfKey',
  'asOfSort',
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
