import { describe, expect, it } from 'vitest'
import { parseCloudTrail } from '../../shared/cloudtrail/input.ts'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { detect } from '../../shared/detections/engine.ts'
import { B2_CORPUS, CORPORA, corpusRecord, FIRST_CORPUS, judgedLabels, recordOf } from '../support/corpus.ts'

const settings = detectionSettings(parseConfig({}))

/** The fewest labels each corpus is expected to hold (116 and 78 when written). */
const AT_LEAST: Record<string, number> = { [FIRST_CORPUS.name]: 100, [B2_CORPUS.name]: 70 }

describe('the labelled CloudTrail corpora together', () => {
  it.skipIf(!FIRST_CORPUS.present || !B2_CORPUS.present)(
    'supersede only labels of the first corpus, each once, with the same record',
    () => {
      // Prepare
      const first = new Map(FIRST_CORPUS.labels.map((l) => [`${FIRST_CORPUS.name}/${l.file}`, l]))
      const targets = B2_CORPUS.labels.flatMap((l) =>
        l.supersedes ? [{ target: l.supersedes, label: l }] : [],
      )
      const ids = new Set(judgedLabels.map((l) => l.id))
      // Assess
      expect(targets.length).toBeGreaterThan(0)
      expect(targets.map((t) => t.target).filter((t) => !first.has(t))).toEqual([])
      expect(new Set(targets.map((t) => t.target)).size).toBe(targets.length)
      for (const { target, label } of targets) {
        expect(ids.has(target), target).toBe(false)
        expect(ids.has(`${B2_CORPUS.name}/${label.file}`), label.file).toBe(true)
        expect(corpusRecord(B2_CORPUS, label.file), label.file).toEqual(
          corpusRecord(FIRST_CORPUS, first.get(target)!.file),
        )
      }
      expect(judgedLabels).toHaveLength(FIRST_CORPUS.labels.length + B2_CORPUS.labels.length - targets.length)
    },
  )
})

for (const corpus of CORPORA) {
  const mine = judgedLabels.filter((l) => l.corpus === corpus.name)

  describe.skipIf(!corpus.present)(`the labelled CloudTrail corpus ${corpus.name}`, () => {
    it('has records to judge', () => {
      expect(corpus.labels.length).toBeGreaterThan(AT_LEAST[corpus.name]!)
      expect(new Set(mine.map((l) => l.id)).size).toBe(mine.length)
    })

    // Each record is judged on its own (catalog B1.11): fixtures reuse eventIDs, so nothing is deduplicated.
    it.each(mine.map((l) => [l.id, l] as const))(
      '%s: fires exactly its expected detections and counts toward exactly its counters',
      (_id, label) => {
        // Act
        const parsed = parseCloudTrail(recordOf(label))
        const results = parsed.events.map((e) => detect(e, settings))
        // Assess
        expect(parsed.events.length + parsed.rejections.length).toBe(1)
        const fired = [...new Set(results.flatMap((r) => r.fired.map((f) => f.detection.id)))].sort()
        const counted = [...new Set(results.flatMap((r) => r.counts.map((c) => c.detection.id)))].sort()
        expect(fired, label.note).toEqual([...label.expect].sort())
        expect(counted, label.note).toEqual([...label.counts].sort())
      },
    )
  })
}
