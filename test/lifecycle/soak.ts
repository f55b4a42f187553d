/**
 * npm run soak -- --runs N --seed S [--steps K]: the lifecycle model test at length. Ends with the line
 * `lifecycle: N sequences, M steps, K violations`; a violation prints the seed and the shrunk sequence.
 */
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { lifecycleProperty, type Stats } from './world.ts'

process.env.AWS_ACCESS_KEY_ID ??= 'local'
process.env.AWS_SECRET_ACCESS_KEY ??= 'local'
process.env.AWS_REGION ??= 'us-east-1'
// Nothing leaves loopback: a client without an explicit endpoint fails fast on a dead port.
process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:9'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    steps: { type: 'string', default: '30' },
  },
})
const runs = Number(values.runs)
const seed = Number(values.seed)
const stats: Stats = { steps: 0 }
const started = performance.now()
const result = await fc.check(lifecycleProperty(Number(values.steps), stats), { numRuns: runs, seed })
const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (result.failed) {
  console.log(fc.defaultReportMessage(result))
  console.log(String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance))
}
console.error(`seed ${seed}, ${seconds} s, ${stats.transitions ?? 0} transitions`)
console.log(
  `lifecycle: ${result.numRuns} sequences, ${stats.steps} steps, ${result.failed ? 1 : 0} violations`,
)
process.exitCode = result.failed ? 1 : 0
