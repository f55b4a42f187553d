/**
 * Run by bench.ts in a fresh process: the Access Advisor cycle on an account of 1,000 users, 5,000 roles
 * and 2,000 customer managed policies with realistic usage, served by the simulator with AWS-like
 * latency (50 ms a call), jobs completing after 200 ms and 5% of calls throttled; findings reconciled
 * into DynamoDB Local. Invocations are simulated as Lambda's: each reads until the handler's deadline
 * for a 900 s function. Prints one JSON line. BENCH_ACCESS_SCALE (default 1) scales the account.
 */
import { generateAuthorizationAccount } from '../local/iam-sim/generator.ts'
import { startIamSimulator } from '../local/iam-sim/server.ts'
import { createFindingsTable, LOCAL_CREDENTIALS, startLocalStack } from '../local/stack.ts'
import { runAccessAdvisorCycle } from '../shared/app/access-advisor-cycle.ts'
import { silentLog } from '../shared/app/log.ts'
import { readingTime } from '../shared/app/scan-handler.ts'
import { documentClient, iamClient } from '../shared/aws/clients.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { analyzeUnused } from '../shared/checks/access/analysis.ts'
import { WINDOW_PARAMS } from '../shared/checks/access/common.ts'
import { parseConfig } from '../shared/config/config.ts'
import { ACCOUNT_SCOPE } from '../shared/engine/scope.ts'
import { advisorTargets } from '../shared/sources/access-advisor.ts'
import { collectSource } from '../shared/sources/index.ts'

Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
})
const scale = Number(process.env.BENCH_ACCESS_SCALE ?? 1)
const spec = {
  users: Math.round(1000 * scale),
  roles: Math.round(5000 * scale),
  policies: Math.round(2000 * scale),
}
let seed = 2026
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}
const stack = await startLocalStack()
const sim = await startIamSimulator(generateAuthorizationAccount(spec, { usage: true }), {
  reportDelayMs: 0,
  latencyMs: 50,
  accessJobDelayMs: 200,
  random,
})
let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 100)
try {
  await createFindingsTable(stack.dynamo.endpoint, 'bench-access-advisor')
  const store = new FindingsStore(
    documentClient({ endpoint: stack.dynamo.endpoint, region: 'us-east-1' }),
    'bench-access-advisor',
  )
  const iam = iamClient({ endpoint: sim.endpoint, region: 'us-east-1' })
  sim.faults.throttleRate = 0.05
  const deps = {
    iam,
    accountId: sim.account.accountId,
    store,
    config: parseConfig({}),
    region: 'us-east-1',
    log: silentLog,
  }
  const started = performance.now()
  const invocations: Array<{ ms: number; processed: number; status: string }> = []
  const totals = { jobs: 0, calls: 0, throttled: 0, failedJobs: 0, opened: 0, problems: 0 }
  let degraded = false
  for (let i = 0; i < 20; i++) {
    const t = performance.now()
    const r = await runAccessAdvisorCycle(deps, { deadline: new Date(Date.now() + readingTime(900_000)) })
    invocations.push({ ms: performance.now() - t, processed: r.processed, status: r.status })
    for (const k of ['jobs', 'calls', 'throttled', 'failedJobs'] as const) totals[k] += r.stats[k]
    totals.opened += r.counts.opened ?? 0
    totals.problems += r.problems.length
    degraded ||= r.degraded
    if (r.status === 'finished' || r.status === 'failed') break
  }
  const wallMs = performance.now() - started
  const targets = advisorTargets(
    (
      await collectSource(
        {
          accountId: sim.account.accountId,
          iam,
          regions: ['us-east-1'],
          trustedAccounts: new Set(),
          now: new Date(),
        },
        'authorization',
        ACCOUNT_SCOPE,
      )
    ).data!.inventory,
  )
  const iamCalls = sim.requestCount()
  const throttledResponses = sim.faults.throttled ?? 0

  // The recommendation alone: 300 roles' reports, analyzed (unused services and actions + policy) one by one.
  sim.faults.throttleRate = 0
  const now = new Date()
  const sources = {
    accountId: sim.account.accountId,
    iam,
    regions: ['us-east-1'],
    trustedAccounts: new Set<string>(),
    now,
  }
  const auth = (await collectSource(sources, 'authorization', ACCOUNT_SCOPE)).data!
  const roles = auth.inventory.roles.slice(0, 300)
  const ids = new Set(roles.map((r) => `role/${r.name}`))
  const advisor = (
    await collectSource({ ...sources, advisor: { maxTargets: 300 } }, 'accessAdvisor', {
      kind: 'principals',
      resourceIds: ids,
      arns: new Map(roles.map((r) => [`role/${r.name}`, r.arn])),
    })
  ).data!
  const params = { windowDays: WINDOW_PARAMS.windowDays.default, graceDays: WINDOW_PARAMS.graceDays.default }
  const perPrincipal: number[] = []
  let recommended = 0
  for (const r of roles) {
    const report = advisor.reports.get(`role/${r.name}`)
    if (!report) continue
    const t = performance.now()
    const a = analyzeUnused({ ...r, kind: 'role' }, report, auth.inventory, advisor.catalog, now, params)
    perPrincipal.push(performance.now() - t)
    if (a.recommendation) recommended++
  }
  perPrincipal.sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      spec,
      targets: targets.length,
      wallMs,
      invocations,
      ...totals,
      degraded,
      iamCalls,
      callsPerTarget: iamCalls / targets.length,
      throttledResponses,
      recommendMeanMs: perPrincipal.reduce((a, b) => a + b, 0) / perPrincipal.length,
      recommendP99Ms: perPrincipal[Math.floor(perPrincipal.length * 0.99)],
      recommended,
      analyzed: perPrincipal.length,
      peakRssMb: peakRss / 2 ** 20,
    }),
  )
} finally {
  clearInterval(sampler)
  await sim.stop()
  await stack.stop()
}
