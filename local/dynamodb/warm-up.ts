import {
  BatchGetItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { TABLE, tableDefinition } from '../../shared/aws/findings-table.ts'

const S = (s: string) => ({ S: s })

/**
 * DynamoDB Local answers its first transactions, index queries and updates several times slower than
 * the next ones (the JVM compiles them as they run). This runs each kind a few times on a scratch table
 * shaped like the findings table, then deletes it, so the first real event is as fast as the next.
 */
export async function warmUpDynamoDb(db: DynamoDBClient, scratchTable: string, rounds = 4): Promise<void> {
  await db.send(new CreateTableCommand({ ...tableDefinition(scratchTable), StreamSpecification: undefined }))
  try {
    for (let i = 0; i < rounds; i++) {
      const item = (n: number) => ({
        pk: S(`F#${i}-${n}`),
        sk: S('STATE'),
        openSeverity: S('high'),
        openKey: S(`k#${i}-${n}`),
        checkKey: S('a#c'),
        statusKey: S(`OPEN#r#${i}-${n}`),
        historyKey: S('h'),
        historySort: S(`${i}-${n}`),
      })
      await db.send(
        new TransactWriteItemsCommand({
          TransactItems: [0, 1].map((n) => ({
            Put: { TableName: scratchTable, Item: item(n), ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        }),
      )
      await Promise.all([
        db.send(
          new QueryCommand({
            TableName: scratchTable,
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': S(`F#${i}-0`) },
          }),
        ),
        ...[
          [TABLE.bySeverityIndex, 'openSeverity', 'high'],
          [TABLE.byCheckIndex, 'checkKey', 'a#c'],
          [TABLE.byTimeIndex, 'historyKey', 'h'],
        ].map(([IndexName, key, value]) =>
          db.send(
            new QueryCommand({
              TableName: scratchTable,
              IndexName,
              KeyConditionExpression: '#k = :v',
              ExpressionAttributeNames: { '#k': key! },
              ExpressionAttributeValues: { ':v': S(value!) },
            }),
          ),
        ),
        db.send(
          new GetItemCommand({
            TableName: scratchTable,
            Key: { pk: S(`F#${i}-0`), sk: S('STATE') },
            ConsistentRead: true,
          }),
        ),
        db.send(
          new BatchGetItemCommand({
            RequestItems: { [scratchTable]: { Keys: [{ pk: S(`F#${i}-1`), sk: S('STATE') }] } },
          }),
        ),
      ])
      await db.send(
        new UpdateItemCommand({
          TableName: scratchTable,
          Key: { pk: S('COUNTER'), sk: S(String(i)) },
          UpdateExpression: 'ADD #n :one SET #at = if_not_exists(#at, :now)',
          ExpressionAttributeNames: { '#n': 'n', '#at': 'at' },
          ExpressionAttributeValues: { ':one': { N: '1' }, ':now': S('now') },
        }),
      )
    }
  } finally {
    await db.send(new DeleteTableCommand({ TableName: scratchTable }))
  }
}
