import { describe, expect, it } from 'vitest'
import { parseCloudTrail } from '../../shared/cloudtrail/input.ts'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { detect } from '../../shared/detections/engine.ts'
import { corpusFile, corpusPresent, labels } from '../support/corpus.ts'

const settings = detectionSettings(parseConfig({}))

describe.skipIf(!corpusPresent)('the labelled CloudTrail corpus', () => {
  it('has records to judge', () => {
    expect(labels.length).toBeGreaterThan(100)
  })

  it.each(labels.map((l) => [l.file, l] as const))(
    '%s: fires exactly its expected detections and counts toward exactly its counters',
    (_file, label) => {
      // Act
      const parsed = parseCloudTrail(corpusFile(label.file))
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
