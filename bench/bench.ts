/** npm run bench: measures the targets and prints a table. Not a test: nothing here asserts. */
import { execFileSync, spawnSync } from 'node:child_process'
import { generateAccount, generateAuthorizationAccount } from '../local/iam-sim/generator.ts'
import { startIamSimulator } from '../local/iam-sim/server.ts'
import { createFindingsTable, LOCAL_CREDENTIALS, startLocalStack } from '../local/stack.ts'
import { bundleAll } from '../scripts/bundle.ts'
import { silentLog } from '../shared/app/log.ts'
import { runScan } from '../shared/app/scan.ts'
import { documentClient, iamClient } from '../shared/aws/clients.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { parseConfig } from '../shared/config/config.ts'
import { keyActivityRows } from './key-activity.ts'
import { measureLatency } from './latency.ts'
import { organizationRows } from './organization.ts'

type Row = [string, string, string]
const rows: Row[] = []
const fmt = (n: number, digits = 0) => n.toFixed(digits)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// 1. Parse + evaluate a 10,000-user credential report, in a fresh process so memory is its own.
{
  const out = execFileSync(process.execPath, ['--expose-gc', 'bench/parse-evaluate.ts', '10000'], {
    encoding: 'utf8',
  })
  const r = JSON.parse(out.trim().split('\n').at(-1)!)
  rows.push(['report 10,000 users: parse', `${fmt(r.parseMs)} ms (${fmt(r.csvBytes / 1024)} KB CSV)`, ''])
  rows.push([
    'report 10,000 users: evaluate 14 checks',
    `${fmt(r.evaluateMs)} ms (${r.outcomes} outcomes)`,
    '',
  ])
  rows.push([
    'report 10,000 users: peak heap growth / max RSS',
    `${fmt(r.peakHeapDeltaMb, 1)} MB / ${fmt(r.maxRssMb)} MB`,
    '',
  ])
}

// 2. End-to-end scan of 1,000 users against the IAM simulator and DynamoDB Local.
const stack = await startLocalStack()
try {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  })
  const sim = await startIamSimulator(generateAccount(1000), { reportDelayMs: 0 })
  await createFindingsTable(stack.dynamo.endpoint, 'bench-findings')
  const db = documentClient({ endpoint: stack.dynamo.endpoint, region: 'us-east-1' })
  const calls = new Map<string, number>()
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName)
      calls.set(name, (calls.get(name) ?? 0) + 1)
      return next(args)
    },
    { step: 'initialize', name: 'countCalls' },
  )
  const store = new FindingsStore(db, 'bench-findings')
  const deps = {
    iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
    accountId: sim.account.accountId,
    store,
    config: parseConfig({}),
    region: 'us-east-1',
    log: silentLog,
    report: { pollIntervalMs: 5 },
  }
  let t = performance.now()
  const first = await runScan(deps)
  const firstMs = performance.now() - t
  const firstIam = sim.requestCount()
  rows.push(['scan 1,000 users end to end (first run)', `${fmt(firstMs)} ms`, ''])
  rows.push(['  IAM calls / findings opened', `${firstIam} / ${first.counts.opened}`, ''])
  rows.push(['  DynamoDB TransactWriteItems', `${calls.get('TransactWriteItemsCommand') ?? 0}`, ''])

  calls.clear()
  sim.resetCounters()
  sim.account.expireReport()
  t = performance.now()
  const second = await runScan(deps)
  const secondMs = performance.now() - t
  rows.push([
    'scan 1,000 users end to end (unchanged re-scan)',
    `${fmt(secondMs)} ms (${second.counts.unchanged} unchanged)`,
    '',
  ])
  rows.push(['  finding writes (TransactWriteItems)', `${calls.get('TransactWriteItemsCommand') ?? 0}`, '0'])
  rows.push(['  other writes (scan-run record Put)', `${calls.get('PutItemCommand') ?? 0}`, ''])
  await sim.stop()

  // 3. Real time (measured before the bulk authorization load, which slows DynamoDB Local down for everything after it): handler invocation to the alert in a subscribed queue, 1,000 events.
  const latencies = await measureLatency(stack, 1000)
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
  rows.push([
    'event to alert in queue, 1,000 events: p50 / p99',
    `${fmt(pct(50))} ms / ${fmt(pct(99))} ms (max ${fmt(sorted.at(-1)!)})`,
    'p99 <= 250 ms',
  ])
  // 4. Least privilege: 1,000 users, 5,000 roles, 2,000 customer-managed policies, end to end into DynamoDB Local.
  {
    const big = await startIamSimulator(
      generateAuthorizationAccount({ users: 1000, roles: 5000, policies: 2000 }),
      { reportDelayMs: 0 },
    )
    await createFindingsTable(stack.dynamo.endpoint, 'bench-authorization')
    const t0 = performance.now()
    const result = await runScan({
      parts: ['authorization'],
      iam: iamClient({ endpoint: big.endpoint, region: 'us-east-1' }),
      accountId: big.account.accountId,
      store: new FindingsStore(
        documentClient({ endpoint: stack.dynamo.endpoint, region: 'us-east-1' }),
        'bench-authorization',
      ),
      config: parseConfig({}),
      region: 'us-east-1',
      log: silentLog,
      report: { pollIntervalMs: 5 },
    })
    rows.push([
      'authorization scan end to end (1,000 users, 5,000 roles, 2,000 policies)',
      `${fmt(performance.now() - t0)} ms (${result.counts.opened} findings opened, ${big.requestCount()} IAM calls)`,
      '',
    ])
    await big.stop()
  }
} finally {
  await stack.stop()
}

// 5. The authorization part alone, in a fresh process: calls, evaluation, memory, matcher speed.
{
  const r = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', 'bench/authorization.ts'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!,
  )
  rows.push([
    `authorization: IAM calls for ${r.entities} entities`,
    `${r.totalCalls} = ${r.authorizationPages} GetAccountAuthorizationDetails pages + ${r.totalCalls - r.authorizationPages}`,
    'pages + a constant',
  ])
  rows.push([
    'authorization: read / evaluate 13 checks',
    `${fmt(r.collectMs)} ms / ${fmt(r.evaluateMs)} ms (${r.outcomes} outcomes)`,
    '',
  ])
  rows.push([
    'authorization: peak heap growth / max RSS',
    `${fmt(r.heapGrowthMb, 1)} MB / ${fmt(r.maxRssMb)} MB`,
    '',
  ])
  rows.push(['policy matcher decisions per second', fmt(r.decisionsPerSec), ''])
}

// 5b. Unused access: the Access Advisor cycle on the same account size, with usage, AWS-like latency and throttling.
{
  const r = JSON.parse(
    execFileSync(process.execPath, ['bench/access-advisor.ts'], { encoding: 'utf8', maxBuffer: 1 << 24 })
      .trim()
      .split('\n')
      .at(-1)!,
  )
  rows.push([
    `access advisor cycle: ${r.targets} targets (50 ms a call, 5% throttled, jobs 200 ms)`,
    `${fmt(r.wallMs / 1000)} s in ${r.invocations.length} invocation(s) of 900 s; ${r.opened} findings opened`,
    'daily, 0 failures',
  ])
  rows.push([
    '  IAM calls per target / throttled responses / retried by the cycle',
    `${r.callsPerTarget.toFixed(2)} / ${r.throttledResponses} / ${r.throttled}`,
    '',
  ])
  rows.push(['  failed jobs / targets not judged', `${r.failedJobs} / ${r.problems}`, '0 / 0'])
  rows.push([
    '  recommendation per principal: mean / p99',
    `${fmt(r.recommendMeanMs, 1)} ms / ${fmt(r.recommendP99Ms, 1)} ms (${r.recommended} of ${r.analyzed} with one)`,
    '',
  ])
  rows.push([
    '  peak RSS (simulator, cycle and DynamoDB client in one process)',
    `${fmt(r.peakRssMb)} MB`,
    '',
  ])
}

// 6. Pure detection throughput against bare JSON.parse of the same records, in a fresh process.
{
  const r = JSON.parse(execFileSync(process.execPath, ['bench/detections.ts'], { encoding: 'utf8' }).trim())
  rows.push([
    `detection (${r.detections} detections, prefilter on) vs JSON.parse, ${r.records} records/s`,
    `${fmt(r.detectionPerSec)} vs ${fmt(r.jsonParsePerSec)}: ratio ${r.ratio.toFixed(2)}`,
    '>= 0.6',
  ])
  rows.push([
    `  without the prefilter / the ${r.skipped} records it skips, alone`,
    `ratio ${r.ratioUnfiltered.toFixed(2)} / ${r.ratioSkippedRecords.toFixed(2)}`,
    '',
  ])
}

// 7. Bundle size and cold init of each function: a fresh node process importing the handler.
for (const [name, b] of Object.entries(await bundleAll())) {
  const totals: number[] = []
  const imports: number[] = []
  for (let i = 0; i < 11; i++) {
    const started = performance.now()
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t=performance.now();const m=await import(${JSON.stringify(b.file)});if(typeof m.handler!=='function')process.exit(3);console.log(performance.now()-t)`,
      ],
      { encoding: 'utf8' },
    )
    totals.push(performance.now() - started)
    imports.push(Number(r.stdout.trim()))
  }
  rows.push([
    `${name}: bundle (loaded at cold start / shipped)`,
    `${fmt(b.entryBytes / 1024)} KB / ${fmt(b.bytes / 1024)} KB`,
    '<= 400 KB',
  ])
  rows.push([
    `${name}: cold init, median of 11 (process / import)`,
    `${fmt(median(totals))} ms / ${fmt(median(imports))} ms`,
    '<= 150 ms',
  ])
}

// 8. Auditors: findings as of a time (history-as-of index) and verifying every chain, in a fresh process on its own DynamoDB Local.
{
  const r = JSON.parse(
    execFileSync(process.execPath, ['bench/as-of.ts'], { encoding: 'utf8', maxBuffer: 1 << 24 })
      .trim()
      .split('\n')
      .at(-1)!,
  )
  const n = (x: number) => Math.round(x).toLocaleString('en-US')
  const scale = 1_000_000 / r.historyItems
  rows.push([
    `as-of: ${n(r.findings)} findings, ${n(r.historyItems)} history items (${fmt(r.avgHistoryBytes)} B each; index entry ${fmt(r.avgIndexBytes)} B)`,
    `written in ${fmt(r.writeMs / 1000)} s by BatchWriteItem`,
    '',
  ])
  for (const [name, q] of [
    ['mid-year', r.mid],
    ['after the last transition', r.end],
  ] as const)
    rows.push([
      `  findings --as-of ${name}: index entries read / open`,
      `${n(q.entries)} / ${n(q.open)} in ${fmt(q.totalMs / 1000, 1)} s (DynamoDB Local); RCU ${fmt(q.indexRcu, 1)} index + ${fmt(q.batchGetRcu, 1)} BatchGetItem`,
      '',
    ])
  rows.push([
    '  as-of extrapolated to 100,000 findings / 1,000,000 history items',
    `RCU ~${n(r.end.indexRcu * scale)} index (every item) + 0.5 per open finding (mid-year: ~${n(r.mid.batchGetRcu * scale)})`,
    '',
  ])
  rows.push([
    `verify ${n(r.verify.findings)} findings (${n(r.verify.items)} items): from the table / hashing alone`,
    `${fmt(r.verify.ms / 1000, 1)} s (DynamoDB Local, scan ${n(r.verifyScanRcu)} RCU) / ${fmt(r.verify.cpuMs / 1000, 1)} s`,
    '',
  ])
}

// 9. Cost per million events of the key-activity path (EventBridge -> SQS -> on-key-activity in batches ->
// DynamoDB), at three event rates, and of the direct path (one invocation per event), in a fresh process.
rows.push(
  ...keyActivityRows(
    JSON.parse(
      execFileSync(process.execPath, ['bench/key-activity.ts'], { encoding: 'utf8', maxBuffer: 1 << 24 })
        .trim()
        .split('\n')
        .at(-1)!,
    ),
  ),
)

// 10. An organization (issue 13): the org-dispatch and scan-account functions on IAMWATCH_BENCH_ORG_ACCOUNTS
// members (default 10) with AWS-like latency, the dispatch at IAMWATCH_BENCH_ORG_DISPATCH_ACCOUNTS (default
// 200), extrapolated to 1,000 accounts and priced per account per month, in a fresh process.
rows.push(
  ...organizationRows(
    JSON.parse(
      execFileSync(process.execPath, ['bench/organization.ts'], { encoding: 'utf8', maxBuffer: 1 << 26 })
        .trim()
        .split('\n')
        .at(-1)!,
    ),
  ),
)

const widths = [0, 1, 2].map((i) =>
  Math.max(...[['metric', 'value', 'target'], ...rows].map((r) => r[i]!.length)),
)
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
console.log(line(['metric', 'value', 'target']))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const r of rows) console.log(line(r))
console.log(`\nnode ${process.version}, ${(await import('node:os')).cpus().length} cores`)
