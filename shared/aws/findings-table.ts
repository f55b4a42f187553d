/** The findings table's key layout: one table, item kinds told apart by sort key and `kind`. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  bySeverityIndex: 'open-by-severity',
  byCheckIndex: 'by-check',
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
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
  }
}
