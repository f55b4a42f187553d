/**
 * Run in a fresh process by bench.ts: renders a credential report for N users, then measures parsing
 * and evaluating it. Prints one JSON line.
 */
import { generateAccount } from '../local/iam-sim/generator.ts'
import { renderCredentialReport } from '../local/iam-sim/report.ts'
import { CHECKS } from '../shared/checks/registry.ts'
import { wholeReading } from '../shared/checks/sources.ts'
import { parseConfig } from '../shared/config/config.ts'
import { evaluateChecks } from '../shared/engine/evaluate.ts'
import { parseCredentialReport } from '../shared/normalize/credential-report.ts'

const users = Number(process.argv[2] ?? 10_000)
const csv = renderCredentialReport(generateAccount(users))
const config = parseConfig({})
globalThis.gc?.()
const heapBefore = process.memoryUsage().heapUsed
let peakHeap = heapBefore
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
}, 1)
const t0 = performance.now()
const parsed = parseCredentialReport(csv)
const t1 = performance.now()
const now = new Date()
const judgements = evaluateChecks(
  CHECKS.filter((c) => c.reads.every((r) => r === 'credentials')),
  {
    credentials: wholeReading(
      { reportGeneratedAt: now, root: parsed.root, users: parsed.users, rootMfaKind: 'not-virtual' as const },
      now,
    ),
  },
  { now, accountId: '210987654321', config },
)
const result = { outcomes: judgements.flatMap((j) => j.outcomes) }
const t2 = performance.now()
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
clearInterval(sampler)
console.log(
  JSON.stringify({
    users: parsed.users.length,
    rejections: parsed.rejections.length,
    outcomes: result.outcomes.length,
    csvBytes: csv.length,
    parseMs: t1 - t0,
    evaluateMs: t2 - t1,
    peakHeapDeltaMb: (peakHeap - heapBefore) / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
)
