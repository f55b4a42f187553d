import { randomUUID } from 'node:crypto'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { type Command, InvalidArgumentError, Option } from 'commander'
import { acknowledgeEscalation } from '../../shared/app/escalation.ts'
import { EscalationsStore } from '../../shared/aws/alert-records.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { SuppressionRulesStore } from '../../shared/aws/suppressions.ts'
import type { IamwatchConfig } from '../../shared/config/config.ts'
import {
  acknowledgeFinding,
  applyRuleToOpen,
  configRules,
  type FindingChange,
  isDetectionFinding,
  liftRule,
  maxDaysOf,
  requiredText,
  ruleId,
  SuppressionError,
  type SuppressionRule,
  suppressFinding,
  unsuppressFinding,
  validateSuppression,
} from '../../shared/engine/suppression.ts'
import type { Finding, Suppression } from '../../shared/model/finding.ts'
import { escapePlain } from '../../shared/notify/escape.ts'
import type { CliContext } from '../context.ts'
import { checkOrDetectionId } from '../options.ts'

/**
 * Suppressions and acknowledgements from the command line: `suppress` (one finding, or a rule for a
 * check's findings on matching resources), `unsuppress`, `ack` (close an open detection finding) and
 * `suppressions` (the rules and the suppressed findings). Every change is a transition in the
 * finding's hash-chained history, made by the caller's ARN (STS GetCallerIdentity), written on the
 * sequence read: a command repeated writes nothing more.
 */

interface TableOptions {
  table: string
  config?: string
  json?: boolean
  account?: string
}

interface SuppressOptions extends TableOptions {
  check?: string
  resource?: string
  reason?: string
  until?: string
  owner?: string
}

const FINDING_ID = /^[0-9a-f]{32}$/

function findingIdArgument(value: string): string {
  const id = value.trim().toLowerCase()
  if (!FINDING_ID.test(id))
    throw new InvalidArgumentError(`a finding id (32 hexadecimal digits), not "${value}"`)
  return id
}

function accountOption(value: string): string {
  if (!/^\d{12}$/.test(value.trim())) throw new InvalidArgumentError(`a 12-digit account id, not "${value}"`)
  return value.trim()
}

const tableOption = (ctx: CliContext) =>
  new Option('--table <name>', 'the DynamoDB findings table (default: $IAMWATCH_TABLE)')
    .default(ctx.env.IAMWATCH_TABLE)
    .makeOptionMandatory()
const configOption = () =>
  new Option('--config <file>', 'JSON configuration (suppressions.maxDays, rules); default: $IAMWATCH_CONFIG')
const accountFlag = () =>
  new Option('--account <id>', "the account the rule is for (default: the caller's)").argParser(accountOption)

/** The table, the caller (its ARN is the actor) and a command id for the history items. */
async function open(ctx: CliContext, opts: TableOptions, command: string) {
  const aws = await ctx.aws()
  const db = aws.dynamo()
  const table = ctx.useTable(opts.table)
  const identity = await aws.sts().send(new GetCallerIdentityCommand({}))
  if (!identity.Arn || !identity.Account) throw new Error('GetCallerIdentity returned no ARN or account')
  return {
    store: new FindingsStore(db, table, { mac: aws.itemMac() }),
    rules: new SuppressionRulesStore(db, table),
    escalations: new EscalationsStore(db, table),
    actor: identity.Arn,
    account: opts.account ?? identity.Account,
    scanId: `cli:${command}:${randomUUID()}`,
  }
}

const text = (value: unknown) => escapePlain(value)
const describeFinding = (f: Finding) =>
  `${f.checkId} on ${text(f.resourceId)}${f.credentialId ? ` (${text(f.credentialId)})` : ''}, ${f.status}`
const describeSuppression = (s: Suppression) =>
  `until ${s.until}, owner ${text(s.owner)}, by ${text(s.by)}${s.rule ? `, rule ${s.rule}` : ''}: ${text(s.reason)}`

/** A finding change as one JSON line. */
const changeJson = (c: FindingChange) => ({
  kind: 'finding',
  outcome: c.outcome,
  findingId: c.finding.id,
  checkId: c.finding.checkId,
  resourceId: c.finding.resourceId,
  ...(c.finding.credentialId ? { credentialId: c.finding.credentialId } : {}),
  status: c.finding.status,
  ...(c.finding.resolution ? { resolution: c.finding.resolution } : {}),
  suppression: c.finding.suppression ?? null,
  ...(c.entry ? { transitionId: c.entry.transitionId, transition: c.entry.transition } : {}),
})
const jsonLines = (items: readonly object[]) => items.map((i) => `${JSON.stringify(i)}\n`).join('')

// ---- suppress ---------------------------------------------------------------------------------------

export function registerSuppress(program: Command, ctx: CliContext): void {
  program
    .command('suppress')
    .description(
      'Suppress a finding (no alerts while it lasts; it keeps its real status), or store a rule that suppresses the findings of a check on matching resources, now and when they open',
    )
    .argument('[finding-id]', 'the finding to suppress', findingIdArgument)
    .addOption(new Option('--check <id>', 'a rule: the check or detection').argParser(checkOrDetectionId))
    .option('--resource <glob>', 'a rule: resource id or ARN pattern (* and ?, any case)')
    .option('--reason <text>', 'why it is accepted (required)')
    .option(
      '--until <date>',
      'when it expires: YYYY-MM-DD (00:00 UTC), an ISO 8601 time with its zone, or 30d (00:00 UTC, 30 days from today) (required)',
    )
    .option('--owner <name>', "who owns the accepted risk (default: the caller's ARN)")
    .addOption(accountFlag())
    .addOption(tableOption(ctx))
    .addOption(configOption())
    .option('--json', 'one JSON object per line')
    .action(async (id: string | undefined, opts: SuppressOptions) => suppress(ctx, id, opts))
}

async function suppress(ctx: CliContext, id: string | undefined, opts: SuppressOptions): Promise<void> {
  const isRule = opts.check !== undefined || opts.resource !== undefined
  if (id && isRule)
    throw new SuppressionError('give a finding id, or --check and --resource for a rule, not both')
  if (!id && !isRule) throw new SuppressionError('give a finding id, or --check and --resource for a rule')
  if (isRule && (!opts.check || !opts.resource))
    throw new SuppressionError('a rule needs both --check and --resource')
  if (!isRule && opts.account) throw new SuppressionError('--account is for rules (--check and --resource)')
  const config = ctx.config(opts.config)
  const now = new Date()
  // Refused before anything is read or written: a reason and an expiry within suppressions.maxDays.
  const valid = validateSuppression(
    { reason: opts.reason, until: opts.until, owner: opts.owner },
    { now, maxDays: maxDaysOf(config), defaultOwner: '' },
  )
  const resource = isRule ? requiredText('a resource pattern (--resource)', opts.resource) : ''
  const s = await open(ctx, opts, 'suppress')
  const at = now.toISOString()
  const owner = valid.owner || s.actor
  if (id) {
    const change = await suppressFinding(
      s.store,
      id,
      { reason: valid.reason, owner, until: valid.until, by: s.actor, at },
      s.scanId,
    )
    const f = change.finding
    ctx.io.out(
      opts.json
        ? jsonLines([changeJson(change)])
        : change.outcome === 'applied'
          ? `suppressed ${f.id} (${describeFinding(f)}) ${describeSuppression(f.suppression!)}\n`
          : `${f.id} is already suppressed so (${describeSuppression(f.suppression!)}): nothing written\n`,
    )
    return
  }
  const rule: SuppressionRule & { accountId: string } = {
    id: ruleId('table', opts.check!, resource, s.account),
    source: 'table',
    accountId: s.account,
    check: opts.check!,
    resource,
    reason: valid.reason,
    owner,
    until: valid.until,
    by: s.actor,
    createdAt: at,
  }
  const stored = await s.rules.putRule(rule)
  const changes = await applyRuleToOpen(s.store, rule, s.account, s.scanId, at)
  if (opts.json) {
    ctx.io.out(jsonLines([{ kind: 'rule', outcome: stored, ...rule }, ...changes.map(changeJson)]))
    return
  }
  const applied = changes.filter((c) => c.outcome === 'applied')
  ctx.io.out(
    [
      `rule ${rule.id} ${stored}: ${rule.check} on ${text(rule.resource)} in ${rule.accountId}, until ${rule.until}, owner ${text(owner)}: ${text(rule.reason)}`,
      ...applied.map((c) => `suppressed ${c.finding.id} (${describeFinding(c.finding)})`),
      `${applied.length} open finding(s) suppressed now, ${changes.length - applied.length} already were; findings that open later are suppressed as they open`,
    ].join('\n') + '\n',
  )
}

// ---- unsuppress -------------------------------------------------------------------------------------

interface UnsuppressOptions extends TableOptions {
  rule?: string
  reason?: string
}

export function registerUnsuppress(program: Command, ctx: CliContext): void {
  program
    .command('unsuppress')
    .description(
      "Lift a finding's suppression, or remove a stored rule and lift the suppressions it made (no alert either way)",
    )
    .argument('[finding-id]', 'the finding', findingIdArgument)
    .option('--rule <id>', 'remove this rule (from `iamwatch suppressions`)')
    .option('--reason <text>', 'why (kept in the history)', 'lifted with iamwatch unsuppress')
    .addOption(accountFlag())
    .addOption(tableOption(ctx))
    .option('--json', 'one JSON object per line')
    .action(async (id: string | undefined, opts: UnsuppressOptions) => unsuppress(ctx, id, opts))
}

async function unsuppress(ctx: CliContext, id: string | undefined, opts: UnsuppressOptions): Promise<void> {
  if (Boolean(id) === Boolean(opts.rule)) throw new SuppressionError('give a finding id or --rule ID')
  const reason = requiredText('a reason (--reason)', opts.reason, 'lifting a suppression')
  if (opts.rule?.startsWith('cfg-'))
    throw new SuppressionError(`rule ${opts.rule} is in the configuration: remove it there`)
  const s = await open(ctx, opts, 'unsuppress')
  const at = new Date().toISOString()
  if (id) {
    const change = await unsuppressFinding(s.store, id, s.actor, reason, s.scanId, at)
    ctx.io.out(
      opts.json
        ? jsonLines([changeJson(change)])
        : change.outcome === 'applied'
          ? `unsuppressed ${id} (${describeFinding(change.finding)})\n`
          : `${id} is not suppressed: nothing written\n`,
    )
    return
  }
  const ruleIdValue = opts.rule!
  // The rule goes first, so nothing new is suppressed by it; then the suppressions it made are lifted
  // (a command interrupted in between finds them again: the findings still name the rule).
  const removed = await s.rules.deleteRule(s.account, ruleIdValue)
  const candidates = await s.store.listFindings(removed ? { checkId: removed.check } : {})
  const changes = await liftRule(s.store, { id: ruleIdValue }, candidates, s.actor, s.scanId, at)
  if (!removed && changes.length === 0)
    throw new SuppressionError(
      `no rule ${ruleIdValue} in account ${s.account}, and no finding suppressed by it`,
    )
  if (opts.json) {
    ctx.io.out(
      jsonLines([
        { kind: 'rule', id: ruleIdValue, accountId: s.account, outcome: removed ? 'removed' : 'absent' },
        ...changes.map(changeJson),
      ]),
    )
    return
  }
  const applied = changes.filter((c) => c.outcome === 'applied')
  ctx.io.out(
    [
      removed ? `rule ${ruleIdValue} removed` : `rule ${ruleIdValue} was already removed`,
      ...applied.map((c) => `unsuppressed ${c.finding.id} (${describeFinding(c.finding)})`),
      `${applied.length} finding(s) unsuppressed`,
    ].join('\n') + '\n',
  )
}

// ---- ack --------------------------------------------------------------------------------------------

interface AckOptions extends TableOptions {
  reason?: string
}

export function registerAck(program: Command, ctx: CliContext): void {
  program
    .command('ack')
    .description(
      'Acknowledge an open finding: it is not escalated. A detection finding closes (RESOLVED, acknowledged) and the next occurrence reopens it; a posture finding stays open until its check passes',
    )
    .argument('<finding-id>', 'the finding', findingIdArgument)
    .option('--reason <text>', 'what was found or done (required)')
    .addOption(tableOption(ctx))
    .option('--json', 'the result as one JSON object')
    .action(async (id: string, opts: AckOptions) => ack(ctx, id, opts))
}

async function ack(ctx: CliContext, id: string, opts: AckOptions): Promise<void> {
  const reason = requiredText('a reason (--reason)', opts.reason, 'an acknowledgement')
  const s = await open(ctx, opts, 'ack')
  const found = await s.store.getFinding(id)
  if (found && found.status === 'OPEN' && !isDetectionFinding(found)) {
    const at = new Date().toISOString()
    const outcome = await acknowledgeEscalation(s.escalations, s.store, found, s.actor, reason, at)
    const done = outcome === 'acknowledged'
    ctx.io.out(
      opts.json
        ? jsonLines([
            {
              kind: 'escalation',
              outcome: done ? 'acknowledged' : 'unchanged',
              escalation: done ? 'acknowledged' : outcome.state,
              findingId: id,
              checkId: found.checkId,
              ...(done ? { by: s.actor, reason, at } : { at: outcome.at, by: outcome.by ?? null }),
            },
          ])
        : done
          ? `acknowledged ${id} (${found.checkId} on ${text(found.resourceId)}): it will not be escalated; it stays OPEN until its check passes\n`
          : outcome.state === 'acknowledged'
            ? `${id} is already acknowledged (by ${text(outcome.by ?? '?')} at ${outcome.at}): nothing written\n`
            : `${id} was already escalated at ${outcome.at}: nothing written\n`,
    )
    return
  }
  const change = await acknowledgeFinding(s.store, id, s.actor, reason, s.scanId, new Date().toISOString())
  const f = change.finding
  ctx.io.out(
    opts.json
      ? jsonLines([changeJson(change)])
      : change.outcome === 'applied'
        ? `acknowledged ${id} (${f.checkId} by ${text(f.resourceId)}): RESOLVED (acknowledged); the next occurrence reopens it\n`
        : `${id} is already acknowledged (by ${text(f.acknowledged?.by ?? '?')} at ${f.acknowledged?.at ?? '?'}): nothing written\n`,
  )
}

// ---- suppressions -----------------------------------------------------------------------------------

export function registerSuppressions(program: Command, ctx: CliContext): void {
  program
    .command('suppressions')
    .description(
      'List suppression rules (stored and configured) and suppressed findings, with owner, reason and expiry',
    )
    .addOption(accountFlag())
    .addOption(tableOption(ctx))
    .addOption(configOption())
    .option('--json', 'one JSON object per line')
    .action(async (opts: TableOptions) => list(ctx, opts))
}

interface Row {
  kind: 'rule' | 'finding'
  id: string
  check: string
  resource: string
  state: string
  owner: string
  until: string
  reason: string
}

async function list(ctx: CliContext, opts: TableOptions): Promise<void> {
  const config: IamwatchConfig = ctx.config(opts.config)
  const s = await open(ctx, opts, 'suppressions')
  const now = Date.now()
  const expired = (until: string) => Date.parse(until) <= now
  const rules = [...(await s.rules.listRules(s.account)), ...configRules(config)].sort(
    (a, b) => a.check.localeCompare(b.check) || a.resource.localeCompare(b.resource),
  )
  const findings = (await s.store.listFindings())
    .filter((f) => f.suppression)
    .sort((a, b) => a.checkId.localeCompare(b.checkId) || a.resourceId.localeCompare(b.resourceId))
  if (opts.json) {
    ctx.io.out(
      jsonLines([
        ...rules.map((r) => ({ kind: 'rule', ...r, expired: expired(r.until) })),
        ...findings.map((f) => ({
          kind: 'finding',
          findingId: f.id,
          accountId: f.accountId,
          checkId: f.checkId,
          resourceId: f.resourceId,
          ...(f.credentialId ? { credentialId: f.credentialId } : {}),
          status: f.status,
          severity: f.severity,
          suppression: f.suppression,
          expired: expired(f.suppression!.until),
        })),
      ]),
    )
    return
  }
  const rows: Row[] = [
    ...rules.map(
      (r): Row => ({
        kind: 'rule',
        id: r.id,
        check: r.check,
        resource: r.resource,
        state: `${r.source}${expired(r.until) ? ', expired' : ''}`,
        owner: r.owner,
        until: r.until,
        reason: r.reason,
      }),
    ),
    ...findings.map(
      (f): Row => ({
        kind: 'finding',
        id: f.id,
        check: f.checkId,
        resource: f.credentialId ? `${f.resourceId} (${f.credentialId})` : f.resourceId,
        state: `${f.status}${expired(f.suppression!.until) ? ', expired' : ''}${f.suppression!.rule ? `, ${f.suppression!.rule}` : ''}`,
        owner: f.suppression!.owner,
        until: f.suppression!.until,
        reason: f.suppression!.reason,
      }),
    ),
  ]
  ctx.io.out(table(rows))
  ctx.io.err(`${rules.length} rule(s), ${findings.length} suppressed finding(s)\n`)
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['kind', 'KIND'],
  ['id', 'ID'],
  ['check', 'CHECK'],
  ['resource', 'RESOURCE'],
  ['state', 'STATE'],
  ['owner', 'OWNER'],
  ['until', 'UNTIL'],
  ['reason', 'REASON'],
]

function table(rows: readonly Row[]): string {
  if (rows.length === 0) return 'no suppression rules and no suppressed findings\n'
  const cells = rows.map((r) => COLUMNS.map(([k]) => text(r[k])))
  const widths = COLUMNS.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(COLUMNS.map(([, h]) => h)), ...cells.map(line)].join('\n') + '\n'
}
