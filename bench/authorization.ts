/**
 * Run by bench.ts in a fresh process: an account of 1,000 users, 5,000 roles and 2,000 customer-managed
 * policies served by the simulator; IAM calls of the authorization part, evaluation time and peak heap;
 * and the policy matcher's decisions per second. Prints one JSON line.
 */
import { generateAuthorizationAccount } from '../local/iam-sim/generator.ts'
import { startIamSimulator } from '../local/iam-sim/server.ts'
import { iamClient } from '../shared/aws/clients.ts'
import { CHECKS } from '../shared/checks/registry.ts'
import { parseConfig } from '../shared/config/config.ts'
import { evaluateChecks } from '../shared/engine/evaluate.ts'
import { ACCOUNT_SCOPE } from '../shared/engine/scope.ts'
import { evaluateAction } from '../shared/policy/evaluate.ts'
import { SOURCES } from '../shared/sources/index.ts'

process.env.AWS_ACCESS_KEY_ID = 'local'
process.env.AWS_SECRET_ACCESS_KEY = 'local'
const spec = { users: 1000, roles: 5000, policies: 2000 }
const sim = await startIamSimulator(generateAuthorizationAccount(spec), { reportDelayMs: 0 })
try {
  const iam = iamClient({ endpoint: sim.endpoint, region: 'us-east-1' })
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  let t = performance.now()
  const now = new Date()
  const reading = await SOURCES.authorization.collect(
    { accountId: '210987654321', iam, regions: ['us-east-1'], trustedAccounts: new Set(), now },
    ACCOUNT_SCOPE,
  )
  const inventory = reading.data!.inventory
  const collectMs = performance.now() - t
  const heapAfterCollect = process.memoryUsage().heapUsed
  const calls = Object.fromEntries(sim.requests)
  t = performance.now()
  const judgements = evaluateChecks(
    CHECKS.filter((c) => c.reads.length === 1 && c.reads[0] === 'authorization'),
    { authorization: reading },
    { now, accountId: '210987654321', config: parseConfig({}) },
  )
  const outcomes = judgements.flatMap((j) => j.outcomes)
  const evaluateMs = performance.now() - t
  const heapPeak = Math.max(heapAfterCollect, process.memoryUsage().heapUsed)
  // Policy matcher: decisions per second over the roles' held policies and a spread of actions.
  const holders = inventory.roles.slice(0, 500).map((r) => r.policies)
  const actions = [
    'iam:PassRole',
    'ec2:RunInstances',
    's3:GetObject',
    'kms:Decrypt',
    'lambda:CreateFunction',
    'dynamodb:PutItem',
    'sts:AssumeRole',
    'sqs:SendMessage',
  ]
  let decisions = 0
  t = performance.now()
  while (performance.now() - t < 1000) {
    for (const policies of holders)
      for (const a of actions) {
        evaluateAction(policies, a)
        decisions++
      }
  }
  const decisionsPerSec = decisions / ((performance.now() - t) / 1000)
  const entities = spec.users + spec.roles + spec.policies + inventory.groups.length
  console.log(
    JSON.stringify({
      ...spec,
      entities,
      calls,
      totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
      authorizationPages: calls.GetAccountAuthorizationDetails,
      collectMs,
      evaluateMs,
      outcomes: outcomes.length,
      failing: outcomes.filter((o) => o.status === 'fail').length,
      heapGrowthMb: (heapPeak - heapBefore) / 2 ** 20,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      decisionsPerSec,
    }),
  )
} finally {
  await sim.stop()
}
