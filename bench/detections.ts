/**
 * Run by bench.ts in a fresh process: pure detection throughput (parse, normalize, detect with the whole
 * registry) over CloudTrail records against bare JSON.parse of the same text. The records are every record of
 * the labelled corpora (../shared: the first corpus and B2, a superseded label's record once), else generated
 * ones. Detection runs with the pre-filter (what the handlers can use) and without; one JSON line out.
 */
import { readFileSync } from 'node:fs'
import { parseCloudTrail } from '../shared/cloudtrail/input.ts'
import { detectionSettings, parseConfig } from '../shared/config/config.ts'
import { DetectionIndex, detect } from '../shared/detections/engine.ts'
import { recordPrefilter } from '../shared/detections/prefilter.ts'
import { DETECTIONS } from '../shared/detections/registry.ts'
import { CORPORA, judgedLabels } from '../test/support/corpus.ts'

const generated = () =>
  Array.from({ length: 100 }, (_, i) =>
    JSON.stringify({
      eventVersion: '1.09',
      eventID: `e${i}`,
      eventTime: '2026-11-23T10:00:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName: i % 2 ? 'AttachUserPolicy' : 'ListUsers',
      userIdentity: {
        type: 'IAMUser',
        accountId: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/a',
        userName: 'a',
      },
      requestParameters: { userName: 'b', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    }),
  )
const texts: string[] =
  judgedLabels.length > 0 ? judgedLabels.map((l) => readFileSync(l.path, 'utf8')) : generated()
const settings = detectionSettings(parseConfig({}))
const index = new DetectionIndex(DETECTIONS)
const keep = recordPrefilter(index)
const ROUNDS = 40
const TRIALS = 31
/** The records no detection reads (the pre-filter drops them): what skipping costs, against JSON.parse. */
const ignored = texts.filter((t) => !keep(JSON.parse(t)))

/** Records per second of one trial. */
function trial(records: readonly string[], fn: (records: readonly string[]) => void): number {
  const t = performance.now()
  for (let i = 0; i < ROUNDS; i++) fn(records)
  return (records.length * ROUNDS) / ((performance.now() - t) / 1000)
}

let sink = 0
const parseOnly = (records: readonly string[]) => {
  for (const t of records) sink += JSON.parse(t) ? 1 : 0
}
const prefiltered = (records: readonly string[]) => {
  for (const t of records) {
    const parsed = parseCloudTrail(t, { keep })
    for (const e of parsed.events) sink += detect(e, settings, index).fired.length
  }
}
const unfiltered = (records: readonly string[]) => {
  for (const t of records)
    for (const e of parseCloudTrail(t).events) sink += detect(e, settings, index).fired.length
}
for (let i = 0; i < 30; i++) {
  parseOnly(texts)
  prefiltered(texts)
  unfiltered(texts)
}
// Alternate the workloads so drift in machine speed hits them alike; compare medians.
const runs: Record<'parse' | 'prefiltered' | 'unfiltered' | 'ignoredParse' | 'ignoredSkipped', number[]> = {
  parse: [],
  prefiltered: [],
  unfiltered: [],
  ignoredParse: [],
  ignoredSkipped: [],
}
for (let i = 0; i < TRIALS; i++) {
  runs.parse.push(trial(texts, parseOnly))
  runs.prefiltered.push(trial(texts, prefiltered))
  runs.unfiltered.push(trial(texts, unfiltered))
  if (ignored.length > 0) {
    runs.ignoredParse.push(trial(ignored, parseOnly))
    runs.ignoredSkipped.push(trial(ignored, prefiltered))
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN
const jsonParsePerSec = median(runs.parse)
const detectionPerSec = median(runs.prefiltered)
const unfilteredPerSec = median(runs.unfiltered)
console.log(
  JSON.stringify({
    records: texts.length,
    corpora: CORPORA.filter((x) => x.present).map((x) => x.name),
    detections: DETECTIONS.length,
    /** Records of each pass the pre-filter skipped. */
    skipped: texts.reduce((n, t) => n + (parseCloudTrail(t, { keep }).skipped ?? 0), 0),
    jsonParsePerSec,
    /** With the pre-filter (parseCloudTrail's keep option), as the target. */
    detectionPerSec,
    ratio: detectionPerSec / jsonParsePerSec,
    unfilteredPerSec,
    ratioUnfiltered: unfilteredPerSec / jsonParsePerSec,
    /** On the skipped records alone: the pre-filtered path against JSON.parse of the same records. */
    ratioSkippedRecords: median(runs.ignoredSkipped) / median(runs.ignoredParse),
    sink,
  }),
)
