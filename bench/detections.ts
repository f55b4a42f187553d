/**
 * Run by bench.ts in a fresh process: pure detection throughput over CloudTrail records (the labelled
 * corpus when ../shared is present, else generated records) against bare JSON.parse of the same text.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCloudTrail } from '../shared/cloudtrail/input.ts'
import { detectionSettings, parseConfig } from '../shared/config/config.ts'
import { detect } from '../shared/detections/engine.ts'

const dir = join(process.cwd(), '..', 'shared', 'corpus', 'cloudtrail')
const texts: string[] = existsSync(join(dir, 'labels.json'))
  ? (JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as Array<{ file: string }>).map((l) =>
      readFileSync(join(dir, l.file), 'utf8'),
    )
  : Array.from({ length: 100 }, (_, i) =>
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
const settings = detectionSettings(parseConfig({}))
const ROUNDS = 40
const TRIALS = 31

/** Records per second of one trial. */
function trial(fn: () => void): number {
  const t = performance.now()
  for (let i = 0; i < ROUNDS; i++) fn()
  return (texts.length * ROUNDS) / ((performance.now() - t) / 1000)
}

let sink = 0
const parseOnly = () => {
  for (const t of texts) sink += JSON.parse(t) ? 1 : 0
}
const detection = () => {
  for (const t of texts) for (const e of parseCloudTrail(t).events) sink += detect(e, settings).fired.length
}
for (let i = 0; i < 30; i++) {
  parseOnly()
  detection()
}
// Alternate the two workloads so drift in machine speed hits both alike; compare medians.
const a: number[] = []
const b: number[] = []
for (let i = 0; i < TRIALS; i++) {
  a.push(trial(parseOnly))
  b.push(trial(detection))
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const jsonParsePerSec = median(a)
const detectionPerSec = median(b)
console.log(
  JSON.stringify({
    records: texts.length,
    jsonParsePerSec,
    detectionPerSec,
    ratio: detectionPerSec / jsonParsePerSec,
    sink,
  }),
)
