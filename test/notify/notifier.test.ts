import { describe, expect, it } from 'vitest'
import { silentLog } from '../../shared/app/log.ts'
import { notifyRecords } from '../../shared/app/notifier.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { MemoryFindingsRepository } from '../../shared/engine/memory-repository.ts'

describe('the notifier', () => {
  it('ignores the items that are no transition without decoding them, so none can fail the batch', async () => {
    // Prepare: a baseline, a posture record and a marker, one with a value no unmarshall can read
    const published: unknown[] = []
    const deps = {
      store: new MemoryFindingsRepository(),
      publish: async (a: unknown) => {
        published.push(a)
        return 'm-1'
      },
      config: parseConfig({}),
      log: silentLog,
    }
    const insert = (image: Record<string, unknown>, n: number) => ({
      eventName: 'INSERT',
      dynamodb: { NewImage: image, SequenceNumber: String(n) },
    })
    // Act
    const result = await notifyRecords(
      [
        insert({ pk: { S: 'POSTURE#123456789012' }, kind: { S: 'posture' }, groups: {} }, 1),
        insert({ pk: { S: 'SEEN#x' }, kind: { S: 'baseline' }, networks: { M: {} } }, 2),
        insert({ pk: { S: 'NOTIFIED#x' }, kind: { S: 'notified' } }, 3),
      ],
      deps,
    )
    // Assess
    expect(result).toMatchObject({ batchItemFailures: [], ignored: 3, published: 0 })
    expect(published).toEqual([])
  })
})
