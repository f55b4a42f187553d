import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { describe, expect, inject, it } from 'vitest'
import { warmUpDynamoDb } from '../../local/dynamodb/warm-up.ts'
import { createFindingsTable, LOCAL_CREDENTIALS } from '../../local/stack.ts'
import { StreamPoller } from '../../local/stream-poller.ts'
import { uniqueName } from '../support/harness.ts'

describe('the stream poller (the notifier event source mapping, locally)', () => {
  it('keeps reading a stream polled while empty after other tables were written meanwhile', async () => {
    // Prepare: a poller that has already read the empty stream, then writes elsewhere (DynamoDB Local
    // then refuses the iterator it holds with TrimmedDataAccessException).
    const endpoint = inject('dynamoEndpoint')
    const db = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
    const table = uniqueName('poller')
    const streamArn = await createFindingsTable(endpoint, table)
    const received: unknown[] = []
    const poller = new StreamPoller(endpoint, streamArn, async (event) => {
      received.push(...event.Records)
      return undefined
    })
    await poller.drain()
    await warmUpDynamoDb(db, uniqueName('elsewhere'), 1)
    // Act
    for (const sk of ['a', 'b'])
      await db.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'p' }, sk: { S: sk } } }))
    await poller.drain()
    // Assess
    expect(received).toHaveLength(2)
    db.destroy()
  })

  it('hands the handler empty maps and lists typed, as Lambda does, so unmarshall reads every image', async () => {
    // Prepare
    const endpoint = inject('dynamoEndpoint')
    const db = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
    const table = uniqueName('poller')
    const streamArn = await createFindingsTable(endpoint, table)
    const images: Array<Record<string, unknown>> = []
    const poller = new StreamPoller(endpoint, streamArn, async (event) => {
      for (const r of event.Records as Array<{ dynamodb: { NewImage: Record<string, unknown> } }>)
        images.push(r.dynamodb.NewImage)
      return undefined
    })
    // Act
    await db.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: 'p' },
          sk: { S: 's' },
          groups: { M: {} },
          nested: { M: { inner: { M: {} }, list: { L: [{ M: {} }] } } },
        },
      }),
    )
    await poller.drain()
    // Assess
    expect(images).toHaveLength(1)
    expect(unmarshall(images[0] as never)).toEqual({
      pk: 'p',
      sk: 's',
      groups: {},
      nested: { inner: {}, list: [{}] },
    })
    db.destroy()
  })
})
