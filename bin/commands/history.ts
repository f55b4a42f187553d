import type { Command } from 'commander'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { type ChainInput, type Problem, verifyFinding } from '../../shared/engine/verify.ts'
import { type Finding, GENESIS_HASH, type HistoryEntry } from '../../shared/model/finding.ts'
import { type EvidenceDiff, evidenceDiff, hashMatches, isEmptyDiff } from '../../shared/model/history.ts'
import type { CliContext } from '../context.ts'

interface HistoryOptions {
  table: string
  json?: boolean
}

/** Exit code when the finding's chain does not verify (as `iamwatch verify`). */
const EXIT_BROKEN = 3
/** Suggestions are offered for ids sharing at least this many leading characters with the one typed. */
const MIN_PREFIX = 6

/** What caused a transition: a scan run, a CloudTrail event, or a person (manual transitions). */
export type Cause =
  | { type: 'scan'; scanId: string }
  | {
      type: 'event'
      eventId: string
      eventName?: string
      eventSource?: string
      eventTime?: string
      principal?: string
      sourceIp?: string
    }
  | { type: 'manual'; actor: string; reason?: string; runId: string }

/** A field a later writer may add to history items (who made a manual transition). */
const actorOf = (e: HistoryEntry): string | undefined => {
  const actor = (e as { actor?: unknown }).actor
  if (actor === undefined || actor === null) return undefined
  return typeof actor === 'string' ? actor : JSON.stringify(actor)
}

export function causeOf(e: HistoryEntry): Cause {
  const o = e.occurrence
  if (o)
    return {
      type: 'event',
      eventId: o.eventId ?? o.eventKey,
      eventName: o.eventName,
      eventSource: o.eventSource,
      ...(o.eventTime ? { eventTime: o.eventTime } : {}),
      ...(o.actor.arn || o.actor.userName ? { principal: (o.actor.arn ?? o.actor.userName)! } : {}),
      ...(o.sourceIp ? { sourceIp: o.sourceIp } : {}),
    }
  // A posture check re-judged on an event: the run id names the event.
  // Items are shown as stored, even damaged ones: nothing here assumes a field is there.
  const runId = String(e.scanId ?? '')
  if (runId.startsWith('event:')) return { type: 'event', eventId: runId.slice('event:'.length) }
  const actor = actorOf(e)
  if (actor !== undefined)
    return { type: 'manual', actor, ...(e.reason !== undefined ? { reason: e.reason } : {}), runId }
  return { type: 'scan', scanId: runId }
}

/** One history item as `history --json` prints it: the stored entry, what caused it, what changed, and whether it verifies. */
export interface HistoryItemView extends HistoryEntry {
  cause: Cause
  /** The evidence's changes since the previous item; null for the first item (or after a missing one). */
  evidenceChanges: EvidenceDiff | null
  /** Its content matches its hash. */
  hashVerifies: boolean
  /** Its previous hash is the previous item's hash (the genesis hash for item 1); null when that item is missing. */
  linkVerifies: boolean | null
}

export interface HistoryView {
  findingId: string
  state: Finding | null
  chain: { verifies: boolean; items: number; head: { seq: number; hash: string } | null; problems: Problem[] }
  items: HistoryItemView[]
}

export function historyView(chain: ChainInput): HistoryView {
  const problems = verifyFinding(chain)
  const sorted = [...chain.history].sort((a, b) => a.seq - b.seq)
  const bySeq = new Map(sorted.map((e) => [e.seq, e]))
  const items = sorted.map((e): HistoryItemView => {
    const prev = bySeq.get(e.seq - 1)
    const expectedPrev = e.seq === 1 ? GENESIS_HASH : prev?.hash
    return {
      ...e,
      cause: causeOf(e),
      evidenceChanges: prev ? evidenceDiff(prev.evidence, e.evidence) : null,
      hashVerifies: hashMatches(e),
      linkVerifies: expectedPrev === undefined ? null : e.prevHash === expectedPrev,
    }
  })
  return {
    findingId: chain.findingId,
    state: chain.state ?? null,
    chain: {
      verifies: problems.length === 0,
      items: items.length,
      head: chain.state ? { seq: chain.state.seq, hash: chain.state.headHash } : null,
      problems,
    },
    items,
  }
}

// ---- text -------------------------------------------------------------------------------------------

/** Control and bidirectional-override characters never reach the terminal (names come from CloudTrail). */
const clean = (s: unknown) =>
  String(s ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')
const MAX_VALUE = 200
const show = (v: unknown) => {
  const text = clean(JSON.stringify(v) ?? 'undefined')
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}… (${text.length} characters)` : text
}
const label = (name: string) => `    ${name.padEnd(9)} `
const more = ' '.repeat(14)

function causeText(c: Cause): string {
  switch (c.type) {
    case 'scan':
      return `scan ${clean(c.scanId)}`
    case 'manual':
      return `by hand (run ${clean(c.runId)})`
    case 'event': {
      const name = c.eventName
        ? ` ${clean(c.eventName)}${c.eventSource ? ` (${clean(c.eventSource)})` : ''}`
        : ''
      const who = c.principal ? ` by ${clean(c.principal)}` : ''
      const from = c.sourceIp ? ` from ${clean(c.sourceIp)}` : ''
      return `CloudTrail event ${clean(c.eventId)}${name}${who}${from}`
    }
  }
}

function evidenceLines(item: HistoryItemView): string[] {
  const d = item.evidenceChanges
  if (!d) {
    const evidence = item.evidence ?? {}
    const keys = Object.keys(evidence).sort()
    if (keys.length === 0) return [`${label('evidence')}(none)`]
    return keys.map((k, i) => `${i === 0 ? label('evidence') : more}${clean(k)}: ${show(evidence[k])}`)
  }
  if (isEmptyDiff(d)) return [`${label('evidence')}unchanged`]
  const lines = [
    ...Object.entries(d.changed).map(([k, v]) => `~ ${clean(k)}: ${show(v.from)} -> ${show(v.to)}`),
    ...Object.entries(d.added).map(([k, v]) => `+ ${clean(k)}: ${show(v)}`),
    ...Object.entries(d.removed).map(([k, v]) => `- ${clean(k)} (was ${show(v)})`),
  ]
  return lines.map((l, i) => `${i === 0 ? label('evidence') : more}${l}`)
}

function itemText(item: HistoryItemView): string {
  const status = clean(item.resolution ? `${item.transition} (${item.resolution})` : item.transition)
  const lines = [
    `#${item.seq}  ${clean(item.at)}  ${status.padEnd(10)}  ${clean(item.status)} ${clean(item.severity)}`,
  ]
  lines.push(`${label('cause')}${causeText(item.cause)}`)
  const actor = actorOf(item)
  if (actor !== undefined) lines.push(`${label('actor')}${clean(actor)}`)
  if (item.reason !== undefined) lines.push(`${label('reason')}${clean(item.reason)}`)
  if (item.suppression)
    lines.push(
      `${label('suppressed')}until ${clean(item.suppression.until)}, owner ${clean(item.suppression.owner)}: ${clean(item.suppression.reason)}`,
    )
  if (item.lifted) lines.push(`${label('lifted')}the suppression until ${clean(item.lifted.until)}`)
  lines.push(...evidenceLines(item))
  lines.push(`${label('hash')}${item.hash}${item.hashVerifies ? '' : '  DOES NOT MATCH ITS CONTENT'}`)
  const prevNote =
    item.linkVerifies === false
      ? `  NOT ${item.seq === 1 ? 'THE GENESIS HASH' : `ITEM ${item.seq - 1}'S HASH`}`
      : item.linkVerifies === null
        ? `  (item ${item.seq - 1} missing)`
        : item.seq === 1
          ? '  (genesis)'
          : ''
  lines.push(`${label('prev')}${item.prevHash}${prevNote}`)
  return lines.join('\n')
}

export function historyText(v: HistoryView): string {
  const s = v.state
  const about = s ?? v.items.at(-1)
  const out = [`Finding ${v.findingId}`]
  if (about) {
    out.push(`  ${clean(about.checkId)} (${clean(about.severity)}): ${clean(about.title)}`)
    out.push(
      `  resource   ${clean(about.resourceType)} ${clean(about.resourceId)}${about.credentialId ? ` credential ${clean(about.credentialId)}` : ''}  ${clean(about.resourceArn)}`,
    )
    // An organization's finding names its account beside the id.
    const name =
      about.accountName && about.accountName !== about.accountId ? ` (${clean(about.accountName)})` : ''
    out.push(`  account    ${clean(about.accountId)}${name}  ${clean(about.region)}`)
  }
  if (s) {
    const suppressed = s.suppression
      ? `; suppressed until ${clean(s.suppression.until)} by ${clean(s.suppression.by)}`
      : ''
    out.push(
      `  now        ${clean(s.status)} since ${clean(s.lastTransitionAt)}${suppressed}; head item ${clean(s.seq)}`,
    )
  } else out.push('  now        no state item')
  if (v.chain.verifies)
    out.push(
      `  chain      verifies: ${v.chain.items} item(s) from the genesis hash to the state's head ${s?.headHash ?? ''}`,
    )
  else {
    out.push(`  chain      DOES NOT VERIFY against the state's head:`)
    for (const p of v.chain.problems) out.push(`             - ${p.kind}: ${p.message}`)
  }
  return `${[out.join('\n'), ...v.items.map(itemText)].join('\n\n')}\n`
}

// ---- command ----------------------------------------------------------------------------------------

/** The length of the common prefix of two strings. */
const commonPrefix = (a: string, b: string) => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description(
      "A finding's every transition: when, what caused it (scan run, CloudTrail event, or who), its evidence and what changed in it, and the hash chain verified against the finding's head",
    )
    .argument('<finding-id>', 'the finding id (as `findings --json` prints it)')
    .requiredOption(
      '--table <name>',
      'the DynamoDB findings table (default: $IAMWATCH_TABLE)',
      ctx.env.IAMWATCH_TABLE,
    )
    .option(
      '--json',
      'one JSON object: the state, the chain verdict and every item with its cause and changes',
    )
    .action(async (typed: string, opts: HistoryOptions) => {
      const aws = await ctx.aws()
      const table = ctx.useTable(opts.table)
      const store = new FindingsStore(aws.dynamo(), table)
      const id = typed.trim().toLowerCase()
      const chain = id ? await store.readFinding(id) : { findingId: id, history: [] }
      if (!chain.state && chain.history.length === 0) {
        const near =
          id.length >= MIN_PREFIX
            ? (await store.findingIdsWithPrefix(id.slice(0, MIN_PREFIX)))
                .sort((a, b) => commonPrefix(b, id) - commonPrefix(a, id) || a.localeCompare(b))
                .slice(0, 5)
            : []
        throw new Error(
          `no finding ${JSON.stringify(clean(typed))} in findings table ${table}` +
            (near.length
              ? `; findings whose id begins with ${id.slice(0, MIN_PREFIX)}: ${near.join(', ')}`
              : id.length < MIN_PREFIX
                ? ' (a finding id is 32 hex digits)'
                : ''),
        )
      }
      const view = historyView(chain)
      ctx.io.out(opts.json ? `${JSON.stringify(view, null, 2)}\n` : historyText(view))
      if (!view.chain.verifies) ctx.exit(EXIT_BROKEN)
    })
}
