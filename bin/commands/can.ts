import { type Command, InvalidArgumentError } from 'commander'
import { fetchAuthorizationDetails } from '../../shared/aws/authorization.ts'
import { type AuthorizationInventory, normalizeAuthorization } from '../../shared/normalize/authorization.ts'
import {
  type ConditionOutcome,
  describeStatement,
  type Explanation,
  explainAccess,
  type MatchedStatement,
  type PrincipalPolicies,
} from '../../shared/policy/explain.ts'
import { type CliContext, EXIT } from '../context.ts'
import { nearest } from '../options.ts'
import { printable } from '../replay.ts'

/** `can`'s exit codes: allowed; denied or not proven allowed; and, as for every command, an error. */
export const CAN_EXIT = { allowed: EXIT.ok, notAllowed: 2, error: EXIT.error } as const

interface CanOptions {
  context: Array<[string, string]>
  json?: boolean
}

/** The principal named on the command line. */
export interface PrincipalRef {
  type: 'user' | 'role' | 'group'
  arn: string
  partition: string
  account: string
  /** The name (the last path segment). */
  name: string
  /** Given as an assumed-role session ARN (arn:aws:sts::...:assumed-role/<role>/<session>). */
  session?: string
}

const IAM_PRINCIPAL = /^arn:([a-z0-9-]+):iam::(\d{12}):(user|role|group)(\/(?:[^/]+\/)*)([^/]+)$/
const SESSION = /^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/

export function principalArgument(value: string): PrincipalRef {
  const arn = value.trim()
  const iam = IAM_PRINCIPAL.exec(arn)
  if (iam)
    return { type: iam[3] as PrincipalRef['type'], arn, partition: iam[1]!, account: iam[2]!, name: iam[5]! }
  const session = SESSION.exec(arn)
  if (session)
    return {
      type: 'role',
      arn,
      partition: session[1]!,
      account: session[2]!,
      name: session[3]!,
      session: session[4]!,
    }
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(arn))
    throw new InvalidArgumentError(
      'the account root is not governed by identity policies: name a user, role or group',
    )
  throw new InvalidArgumentError(
    `a user, role or group ARN (arn:aws:iam::<account>:user/<name>), not "${printable(value, 200)}"`,
  )
}

export function actionArgument(value: string): string {
  const action = value.trim()
  if (!/^[^:\s]+:[^:\s]+$/.test(action))
    throw new InvalidArgumentError(
      `an action as service:Action (s3:GetObject), not "${printable(value, 200)}"`,
    )
  return action
}

/** Why an action in `service:Action` form still looks wrong; undefined when it looks right. */
export function actionWarning(action: string): string | undefined {
  const [service, name] = action.split(':') as [string, string]
  if (/[*?]/.test(action))
    return `${action} has a wildcard: a request is for one action, and its name is compared literally`
  if (!/^[a-z0-9-]+$/i.test(service))
    return `${action}: a service prefix is letters, digits and dashes (s3, iam, ec2)`
  if (!/^[A-Za-z0-9]+$/.test(name)) return `${action}: an action name is letters and digits (GetObject)`
  return undefined
}

export function resourceArgument(value: string): string {
  const resource = value.trim()
  if (resource === '*' || /^arn:[^:\s]+:[^:\s]+:[^:\s]*:[^:\s]*:\S+$/.test(resource)) return resource
  throw new InvalidArgumentError(
    `a resource ARN (arn:partition:service:region:account:resource) or *, not "${printable(value, 200)}"`,
  )
}

/** One `--context key=value`, added to those before it. Values stay strings: IAM compares strings. */
export function contextOption(
  value: string,
  previous: Array<[string, string]> = [],
): Array<[string, string]> {
  const at = value.indexOf('=')
  const key = at > 0 ? value.slice(0, at).trim() : ''
  if (!key.includes(':') || /\s/.test(key))
    throw new InvalidArgumentError(
      `key=value with a condition key such as aws:SourceIp or s3:prefix, not "${printable(value, 200)}"`,
    )
  if (previous.some(([k]) => k.toLowerCase() === key.toLowerCase()))
    throw new InvalidArgumentError(`${key} is given twice (context keys are single-valued here)`)
  return [...previous, [key, value.slice(at + 1)]]
}

export function registerCan(program: Command, ctx: CliContext): void {
  program
    .command('can')
    .description(
      'Whether a user, role or group is allowed an action, offline, from its identity policies, its groups' +
        "' policies and its permissions boundary, with the statements that decide it (exit 0 allowed, 2 not)",
    )
    .argument('<principal-arn>', 'the user, role (or assumed-role session) or group', principalArgument)
    .argument('<action>', 'service:Action, e.g. s3:GetObject', actionArgument)
    .argument('[resource-arn]', 'the resource (default: *)', resourceArgument)
    .option(
      '--context <key=value>',
      'a request context value for Conditions (repeatable), e.g. aws:MultiFactorAuthPresent=true',
      contextOption,
      [],
    )
    .option('--json', 'the explanation as one JSON object')
    .action(async (principal: PrincipalRef, action: string, resource: string | undefined, opts: CanOptions) =>
      ctx.exit(await can(principal, action, resource, opts, ctx)),
    )
}

async function can(
  ref: PrincipalRef,
  action: string,
  resource: string | undefined,
  opts: CanOptions,
  ctx: CliContext,
): Promise<number> {
  const warning = actionWarning(action)
  if (warning) ctx.io.err(`warning: ${printable(warning)}\n`)
  const aws = await ctx.aws()
  ctx.progress.step('reading the authorization details (GetAccountAuthorizationDetails)')
  const inventory = normalizeAuthorization(await fetchAuthorizationDetails(aws.iam()))
  const principal = findPrincipal(inventory, ref)
  const derived = derivedContext(ref, principal.arn)
  const given = Object.fromEntries(opts.context)
  // What the command line gives wins over what is derived from the principal, whatever the keys' case.
  const context = {
    ...Object.fromEntries(
      Object.entries(derived).filter(
        ([k]) => !opts.context.some(([g]) => g.toLowerCase() === k.toLowerCase()),
      ),
    ),
    ...given,
  }
  const explanation = explainAccess(principal, { action, ...(resource ? { resource } : {}), context })
  ctx.progress.clear()
  ctx.io.out(
    opts.json
      ? `${JSON.stringify(explanation, null, 2)}\n`
      : render(explanation, ref, new Set(Object.keys(derived).filter((k) => !(k in given)))),
  )
  return explanation.decision === 'allowed' ? CAN_EXIT.allowed : CAN_EXIT.notAllowed
}

/** The principal's policies, found by ARN (or by type and name, whatever the path and case). */
function findPrincipal(
  inventory: AuthorizationInventory,
  ref: PrincipalRef,
): PrincipalPolicies & { arn: string } {
  const holders =
    ref.type === 'user' ? inventory.users : ref.type === 'role' ? inventory.roles : inventory.groups
  const found =
    (ref.session ? undefined : holders.find((h) => h.arn === ref.arn)) ??
    holders.find((h) => h.name.toLowerCase() === ref.name.toLowerCase() && accountOf(h.arn) === ref.account)
  if (found) return { arn: found.arn, policies: found.policies, unreadable: found.unreadable }
  const all = [...inventory.users, ...inventory.roles, ...inventory.groups, ...inventory.policies]
  const account = all.map((h) => accountOf(h.arn)).find((a) => a && a !== 'aws')
  if (account && account !== ref.account)
    throw new Error(`${ref.arn} is in account ${ref.account}, but the credentials reach account ${account}`)
  const candidates = holders.map((h) => h.arn)
  throw new Error(
    `no ${ref.type} ${ref.session ? `${ref.name} (of ${ref.arn})` : ref.arn} in the account` +
      (candidates.length
        ? `; nearest: ${nearest(ref.arn, candidates).join(', ')}`
        : `: it has no ${ref.type}s`),
  )
}

const accountOf = (arn: string) => arn.split(':')[4] ?? ''

/**
 * The global condition keys the principal itself fixes: aws:PrincipalArn (for a role session, the role's
 * ARN), aws:PrincipalAccount, aws:PrincipalType, and a user's aws:username. A group is no principal: only
 * its account is known.
 */
export function derivedContext(ref: PrincipalRef, arn: string): Record<string, string> {
  if (ref.type === 'group') return { 'aws:PrincipalAccount': ref.account }
  return {
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': ref.account,
    'aws:PrincipalType': ref.type === 'user' ? 'User' : 'AssumedRole',
    ...(ref.type === 'user' ? { 'aws:username': ref.name } : {}),
  }
}

const DECISION_LABEL: Record<Explanation['decision'], string> = {
  allowed: 'ALLOWED',
  'explicit-deny': 'DENIED (explicit Deny)',
  'implicit-deny': 'DENIED (implicitly: no Allow applies)',
  'boundary-deny': 'DENIED (by the permissions boundary)',
  undetermined: 'UNDETERMINED (not proven allowed)',
}

const APPLIES: Record<MatchedStatement['applies'], string> = {
  yes: 'applies',
  no: 'does not apply',
  'cannot-tell': 'may apply (cannot tell)',
}

/** The explanation for a terminal: the decision first, then the statements, then the boundary. */
export function render(e: Explanation, ref: PrincipalRef, derived: ReadonlySet<string> = new Set()): string {
  const p = (s: string) => printable(s, 2048)
  const lines = [
    `${DECISION_LABEL[e.decision]}: ${p(e.principal ?? ref.arn)} ${p(e.action)} on ${p(e.resource)}`,
    `  ${p(e.reason)}`,
  ]
  const given = Object.entries(e.context).filter(([k]) => !derived.has(k))
  const fromPrincipal = Object.entries(e.context).filter(([k]) => derived.has(k))
  const pairs = (entries: Array<[string, string]>) => entries.map(([k, v]) => `${p(k)}=${p(v)}`).join(', ')
  lines.push(`context: ${given.length ? pairs(given) : 'none given'}`)
  if (fromPrincipal.length) lines.push(`  from the principal: ${pairs(fromPrincipal)}`)
  const identity = e.statements.filter((s) => s.kind !== 'boundary')
  const boundary = e.statements.filter((s) => s.kind === 'boundary')
  lines.push('')
  if (identity.length === 0)
    lines.push(`no identity policy statement matches ${p(e.action)} on ${p(e.resource)}`)
  else {
    lines.push(`identity policy statements that match ${p(e.action)} on ${p(e.resource)}:`)
    for (const s of identity) lines.push(...statementLines(s, e.decision, p))
  }
  lines.push('')
  if (!e.boundary) lines.push('permissions boundary: none')
  else {
    const verdict = {
      yes: 'allows it',
      no: 'does not allow it',
      'cannot-tell': 'cannot tell whether it allows it',
    }[e.boundary.allows]
    lines.push(`permissions boundary ${e.boundary.policies.map(p).join(', ')}: ${verdict}`)
    if (boundary.length === 0) lines.push(`  no statement of it matches ${p(e.action)} on ${p(e.resource)}`)
    for (const s of boundary) lines.push(...statementLines(s, e.decision, p))
  }
  if (e.unreadable.length) {
    lines.push('')
    for (const u of e.unreadable) lines.push(`could not read ${p(u.policy)}: ${p(u.reason)}`)
  }
  return `${lines.join('\n')}\n`
}

function statementLines(
  s: MatchedStatement,
  decision: Explanation['decision'],
  p: (s: string) => string,
): string[] {
  const pad = ' '.repeat(9)
  const marker = s.decisive ? (decision === 'undetermined' ? '  <- leaves it open' : '  <- decides') : ''
  const lines = [
    `  ${s.effect.padEnd(5)}  ${p(describeStatement(s))}: ${APPLIES[s.applies]}${marker}`,
    `${pad}${s.action.element === 'Action' ? `Action ${p(s.action.pattern)}` : `NotAction, not ${s.action.excluded.map(p).join(', ')}`}`,
    `${pad}${
      'cannotTell' in s.resource
        ? `${s.resource.element}: cannot tell (${p(s.resource.cannotTell)})`
        : s.resource.element === 'Resource'
          ? `Resource ${p(s.resource.pattern)}`
          : `NotResource, not ${s.resource.excluded.map(p).join(', ')}`
    }`,
  ]
  for (const c of s.conditions) lines.push(`${pad}${conditionLine(c, p)}`)
  return lines
}

function conditionLine(c: ConditionOutcome, p: (s: string) => string): string {
  const result = { satisfied: 'satisfied', 'not-satisfied': 'not satisfied', 'cannot-tell': 'cannot tell' }[
    c.result
  ]
  const values = `[${c.values.map((v) => JSON.stringify(p(v))).join(', ')}]`
  const seen = c.requestValue !== undefined ? `context ${JSON.stringify(p(c.requestValue))}` : undefined
  const hint =
    c.result === 'cannot-tell' && c.requestValue === undefined && c.note?.endsWith('needs it')
      ? `; give it with --context ${p(c.key)}=...`
      : ''
  const detail = [seen, c.note ? p(c.note) + hint : undefined].filter(Boolean).join('; ')
  return `Condition ${p(c.operator)} ${p(c.key)} ${values}: ${result}${detail ? ` (${detail})` : ''}`
}
