import fc from 'fast-check'
import { describe, expect, inject, it } from 'vitest'
import { createFindingsTable } from '../../local/stack.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { DynamoSightings } from '../../shared/aws/sightings.ts'
import { MemorySightings, type Sighting } from '../../shared/detections/first-seen.ts'
import { uniqueName } from '../support/harness.ts'

const DAY = 86_400_000
const LIMITS = { windowMs: 30 * DAY, maxNetworks: 50 }

/**
 * One delivery: a key's call from a network, the clock moving on by `advance` days and the call up to `late`
 * days late (CloudTrail delivers within minutes; SQS keeps a message 4 days); `again` redelivers a recent
 * event unchanged; `batch` hands what is queued to one of two warm functions.
 */
type Step =
  | { kind: 'call'; key: number; network: number; advance: number; late: number }
  | { kind: 'again'; pick: number }
  | { kind: 'batch'; size: number; container: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      key: fc.integer({ min: 0, max: 2 }),
      network: fc.integer({ min: 0, max: 6 }),
      advance: fc.integer({ min: 0, max: 12 }),
      late: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('again' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      size: fc.integer({ min: 1, max: 6 }),
      container: fc.integer({ min: 0, max: 1 }),
    }),
  },
)

describe('first-seen baselines in DynamoDB, against the pure model', () => {
  it('answer every delivery as the model does: across batches, two warm functions with their caches, and redeliveries', async () => {
    const endpoint = inject('dynamoEndpoint')
    const db = documentClient({ endpoint, region: 'us-east-1' })
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        // Prepare: a fresh table, two "warm functions" (each its own store and cache), and the model
        const table = uniqueName('seen')
        await createFindingsTable(endpoint, table)
        // refreshMs 0: every move of a last-seen time is written, so the stored state is the model's exactly
        const containers = [0, 1].map(() => new DynamoSightings(db, table, { refreshMs: 0 }))
        const model = new MemorySightings()
        const sent: Array<{ key: number; s: Sighting }> = []
        let pending: Array<{ key: number; s: Sighting }> = []
        let id = 0
        let clock = 0
        const flush = async (container: number, size: number) => {
          const batch = pending.splice(0, size)
          for (const key of new Set(batch.map((b) => b.key))) {
            const sightings = batch.filter((b) => b.key === key).map((b) => b.s)
            // Act
            const got = await containers[container]!.sight(`k${key}`, sightings, LIMITS)
            const want = await model.sight(`k${key}`, sightings, LIMITS)
            // Assess
            expect(got).toEqual(want)
          }
        }
        for (const st of steps) {
          if (st.kind === 'call') {
            clock += st.advance * DAY
            const s = { network: `n${st.network}`, eventId: `e${id++}`, atMs: clock - st.late * DAY }
            const d = { key: st.key, s }
            sent.push(d)
            pending.push(d)
          } else if (st.kind === 'again') {
            const recent = sent.filter((d) => d.s.atMs >= clock - 4 * DAY)
            if (recent.length > 0) pending.push(recent[st.pick % recent.length]!)
          } else if (st.kind === 'batch') await flush(st.container, st.size)
        }
        await flush(0, pending.length)
        pending = []
      }),
      { numRuns: 25 },
    )
  }, 120_000)
})
