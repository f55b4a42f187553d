/**
 * Run by bench.ts in a fresh process (or alone: node bench/as-of.ts [findings] [items per finding]):
 * a findings table in DynamoDB Local with 10,000 findings and 100,000 history items written directly
 * with BatchWriteItem (real hash chains, made by `advance`), then
 *   - `findingsAsOf` at two times: wall time, entries read, and the read capacity DynamoDB reports
 *     (ReturnConsumedCapacity) for the history-as-of index queries and the BatchGetItem of the items;
 *   - verification of every finding (one parallel scan, every hash recomputed): wall time;
 *   - the measured average sizes of a history item and of an index entry, to extrapolate.
 * Prints one JSON object on its last line.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts'
import { createFindingsTable, LOCAL_CREDENTIALS } from '../local/stack.ts'
import { findingsAsOf } from '../shared/app/as-of.ts'
import { documentClient } from '../shared/aws/clients.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { historyItem, stateItem } from '../shared/aws/findings-table.ts'
import { mapLimit } from '../shared/engine/limit.ts'
import { advance, type PlannedTransition } from '../shared/engine/reconcile.ts'
import { Verifier } from '../shared/engine/verify.ts'
import { type Finding, findingId, GENESIS_HASH } from '../shared/model/finding.ts'

const FINDINGS = Number(process.argv[2] ?? 10_000)
const PER_FINDING = Number(process.argv[3] ?? 10)
const ACCOUNT = '123456789012'
const START = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
})

/** A small deterministic generator (mulberry32), so every run writes the same table. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One finding's life: opened some day in the first half-year, then resolved and reopened (a detection
 * finding: an occurrence now and then) every 1-20 days, `PER_FINDING` transitions in all; evidence
 * changing as it goes. Returns its planned writes in order.
 */
function life(i: number, rnd: () => number): PlannedTransition[] {
  const detection = i % 5 === 0
  const user = `user-${String(i).padStart(6, '0')}`
  const checkId = detection ? 'root-console-login' : 'access-key-rotation'
  const credentialId = `AKIA${String(i).padStart(16, '0')}`
  let at = START + Math.floor(rnd() * 180) * DAY + Math.floor(rnd() * DAY)
  const iso = () => new Date(at).toISOString()
  let f: Finding = {
    id: findingId({ accountId: ACCOUNT, checkId, resourceId: user, credentialId }),
    accountId: ACCOUNT,
    region: 'us-east-1',
    checkId,
    severity: detection ? 'critical' : 'medium',
    status: 'OPEN',
    resourceType: 'AwsIamUser',
    resourceId: user,
    resourceArn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
    credentialId,
    title: detection ? 'Root console sign-in' : 'Access key not rotated in 90 days',
    evidence: { keyAgeDays: 91, lastUsedDaysAgo: 3, active: true, lastUsedService: 's3' },
    asOf: iso(),
    firstOpenedAt: iso(),
    lastTransitionAt: iso(),
    seq: 0,
    headHash: GENESIS_HASH,
  }
  const out: PlannedTransition[] = []
  const push = (t: PlannedTransition) => {
    out.push(t)
    f = t.finding
  }
  push(advance(f, 'OPENED', `credentials-${i}-0`, iso()))
  for (let n = 1; n < PER_FINDING; n++) {
    at += (1 + Math.floor(rnd() * 20)) * DAY
    const evidence = { ...f.evidence, keyAgeDays: 91 + n * 7, lastUsedDaysAgo: Math.floor(rnd() * 30) }
    const base = { ...f, evidence, asOf: iso(), lastTransitionAt: iso() }
    if (f.status === 'RESOLVED') {
      const { resolution: _r, resolvedAt: _a, ...rest } = base
      push(advance({ ...rest, status: 'OPEN' }, 'REOPENED', `credentials-${i}-${n}`, iso()))
    } else if (detection && rnd() < 0.5) push(advance(base, 'OCCURRED', `event:ev-${i}-${n}`, iso()))
    else
      push(
        advance(
          { ...base, status: 'RESOLVED', resolution: 'passed', resolvedAt: iso() },
          'RESOLVED',
          `credentials-${i}-${n}`,
          iso(),
        ),
      )
  }
  return out
}

/** The size DynamoDB bills an item at: attribute names and values (strings and names in UTF-8 bytes). */
function itemSize(item: Record<string, unknown>): number {
  const value = (v: unknown): number => {
    if (v === null || typeof v === 'boolean') return 1
    if (typeof v === 'string') return Buffer.byteLength(v)
    if (typeof v === 'number') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1
    if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + 1 + value(x), 0)
    if (typeof v === 'object')
      return 3 + Object.entries(v as object).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + value(x), 0)
    return 0
  }
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + value(v), 0)
}

const dynamo = await startDynamoDbLocal()
try {
  const table = 'bench-as-of'
  await createFindingsTable(dynamo.endpoint, table)
  const db = documentClient({ endpoint: dynamo.endpoint, region: 'us-east-1' })
  // Every read reports its capacity; the totals are kept per command.
  const consumed = new Map<string, number>()
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>
      if (input.TableName !== undefined || input.RequestItems !== undefined)
        input.ReturnConsumedCapacity = 'TOTAL'
      const out = await next(args)
      const cc = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity
      const units = (Array.isArray(cc) ? cc : cc ? [cc] : []).reduce(
        (s: number, c: { CapacityUnits?: number }) => s + (c.CapacityUnits ?? 0),
        0,
      )
      const name = String(context.commandName)
      consumed.set(name, (consumed.get(name) ?? 0) + units)
      return out
    },
    { step: 'initialize', name: 'consumedCapacity' },
  )
  const store = new FindingsStore(db, table)

  // Write: state items and history items, 25 a BatchWriteItem, 16 in flight.
  const rnd = random(7)
  const lives = Array.from({ length: FINDINGS }, (_, i) => life(i, rnd))
  const items = lives.flatMap((l) => [stateItem(l.at(-1)!.finding), ...l.map((t) => historyItem(t.entry))])
  const historyItems = items.filter((i) => i.kind === 'history')
  const avgHistoryBytes = historyItems.reduce((s, i) => s + itemSize(i), 0) / historyItems.length
  const avgIndexBytes =
    historyItems.reduce(
      (s, i) => s + itemSize({ pk: i.pk, sk: i.sk, asOfKey: i.asOfKey, asOfSort: i.asOfSort }),
      0,
    ) / historyItems.length
  const batches: Record<string, unknown>[][] = []
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25))
  let t = performance.now()
  await mapLimit(batches, 16, async (batch) => {
    let request: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }))
    while (request.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: request as never } }))
      request = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[]
    }
  })
  const writeMs = performance.now() - t

  // As of two times: mid-year, and after every transition.
  const asOf = async (at: string) => {
    consumed.clear()
    let entries = 0
    const t0 = performance.now()
    await store.forEachAsOfEntry({ to: at }, () => entries++)
    const indexMs = performance.now() - t0
    const indexRcu = consumed.get('QueryCommand') ?? 0
    consumed.clear()
    const t1 = performance.now()
    const open = await findingsAsOf(store, at, { status: 'OPEN' })
    const totalMs = performance.now() - t1
    return {
      at,
      entries,
      open: open.length,
      indexMs,
      totalMs,
      indexRcu,
      batchGetRcu: consumed.get('BatchGetItemCommand') ?? 0,
      totalRcu: [...consumed.values()].reduce((s, x) => s + x, 0),
    }
  }
  // A first pass warms DynamoDB Local's JVM; the measured ones follow.
  await findingsAsOf(store, new Date(START + 100 * DAY).toISOString(), { status: 'OPEN' })
  const mid = await asOf(new Date(START + 200 * DAY).toISOString())
  const end = await asOf(new Date(START + 800 * DAY).toISOString())

  // Verify every finding: from the table, and (the hashing alone) from memory.
  const t2 = performance.now()
  const inMemory = new Verifier()
  for (const l of lives)
    inMemory.add({ findingId: l[0]!.finding.id, state: l.at(-1)!.finding, history: l.map((x) => x.entry) })
  const verifyCpuMs = performance.now() - t2
  consumed.clear()
  t = performance.now()
  const verifier = new Verifier()
  await store.forEachFinding((c) => verifier.add(c))
  const verifyMs = performance.now() - t
  const report = verifier.report()

  console.log(
    JSON.stringify({
      findings: FINDINGS,
      historyItems: historyItems.length,
      writeMs,
      avgHistoryBytes,
      avgIndexBytes,
      mid,
      end,
      verify: {
        ms: verifyMs,
        cpuMs: verifyCpuMs,
        findings: report.findings,
        items: report.items,
        ok: report.ok,
      },
      verifyScanRcu: consumed.get('ScanCommand') ?? 0,
    }),
  )
} finally {
  await dynamo.stop()
}
