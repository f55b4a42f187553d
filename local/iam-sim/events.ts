import { SimError } from './errors.ts'
import { tokenPage } from './paging.ts'

/**
 * A minimal EventBridge (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Action>`, signed for `events`): the rules
 * of each account's default event bus, per region (the region the request was signed for), and their
 * targets. Enough for a deployment to check what a member account forwards: PutRule, DescribeRule,
 * ListRules, DeleteRule, PutTargets, ListTargetsByRule, RemoveTargets, with EventBridge's errors. No event
 * is delivered. Only the default bus exists: a custom bus name answers ResourceNotFoundException.
 *
 * Tests and the demo add rules without signing anything:
 *
 *   sim.events.putRule('222222222222', 'us-east-1', {
 *     name: 'iamwatch-forward', eventPattern: { source: ['aws.iam'] },
 *     targets: [{ Id: 'central', Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/default' }],
 *   })
 */

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'
const STATES: readonly RuleState[] = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']

/** A target as PutTargets and ListTargetsByRule carry it (the members the simulator keeps). */
export interface SimTarget {
  Id: string
  Arn: string
  RoleArn?: string
  Input?: string
  InputPath?: string
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
  DeadLetterConfig?: { Arn?: string }
}

export interface SimRule {
  name: string
  arn: string
  eventPattern?: string
  scheduleExpression?: string
  state: RuleState
  description?: string
  roleArn?: string
  /** The account that created it. */
  createdBy: string
  targets: Map<string, SimTarget>
}

export interface RuleSpec {
  name: string
  /** A JSON string or an object (stored as its JSON). */
  eventPattern?: string | object
  scheduleExpression?: string
  state?: RuleState
  description?: string
  roleArn?: string
  targets?: SimTarget[]
}

export type EventsAction = (
  accountId: string,
  region: string,
  body: Record<string, unknown>,
) => Record<string, unknown>

const validation = (message: string) => new SimError('ValidationException', 400, message)
const NAME = /^[.\-_A-Za-z0-9]{1,64}$/
const MAX_TARGETS_PER_RULE = 5

function ruleName(body: Record<string, unknown>, key: string): string {
  const name = body[key]
  if (typeof name !== 'string' || !NAME.test(name))
    throw validation(
      `1 validation error detected: Value '${String(name ?? '')}' at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    )
  return name
}

/** The default bus, by name or ARN: any other bus does not exist here. */
function defaultBus(body: Record<string, unknown>, accountId: string, region: string): void {
  const bus = body.EventBusName
  if (bus === undefined || bus === null || bus === 'default') return
  if (bus === `arn:aws:events:${region}:${accountId}:event-bus/default`) return
  throw new SimError('ResourceNotFoundException', 400, `Event bus ${String(bus)} does not exist.`)
}

function pattern(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new SimError('InvalidEventPatternException', 400, 'Event pattern is not valid. Reason: not JSON')
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0)
    throw new SimError(
      'InvalidEventPatternException',
      400,
      'Event pattern is not valid. Reason: Filter is not an object',
    )
  return text
}

function target(raw: unknown): SimTarget {
  const t = (raw ?? {}) as Record<string, unknown>
  if (typeof t.Id !== 'string' || !NAME.test(t.Id))
    throw validation(
      `1 validation error detected: Value '${String(t.Id)}' at 'targets.1.member.id' failed to satisfy constraint`,
    )
  if (typeof t.Arn !== 'string' || t.Arn === '')
    throw validation(
      `1 validation error detected: Value null at 'targets.1.member.arn' failed to satisfy constraint: Member must not be null`,
    )
  const out: SimTarget = { Id: t.Id, Arn: t.Arn }
  if (typeof t.RoleArn === 'string') out.RoleArn = t.RoleArn
  if (typeof t.Input === 'string') out.Input = t.Input
  if (typeof t.InputPath === 'string') out.InputPath = t.InputPath
  if (t.RetryPolicy && typeof t.RetryPolicy === 'object') out.RetryPolicy = { ...t.RetryPolicy }
  if (t.DeadLetterConfig && typeof t.DeadLetterConfig === 'object')
    out.DeadLetterConfig = { ...t.DeadLetterConfig }
  return out
}

const ruleNode = (r: SimRule) => ({
  Name: r.name,
  Arn: r.arn,
  ...(r.eventPattern !== undefined ? { EventPattern: r.eventPattern } : {}),
  ...(r.scheduleExpression !== undefined ? { ScheduleExpression: r.scheduleExpression } : {}),
  State: r.state,
  ...(r.description !== undefined ? { Description: r.description } : {}),
  ...(r.roleArn !== undefined ? { RoleArn: r.roleArn } : {}),
  EventBusName: 'default',
})

export class SimEvents {
  /** `<account>/<region>` -> rule name -> rule. */
  private readonly buses = new Map<string, Map<string, SimRule>>()

  /** The rules of an account's default bus in a region (created empty on first use). */
  rules(accountId: string, region: string): Map<string, SimRule> {
    const key = `${accountId}/${region}`
    const rules = this.buses.get(key) ?? new Map<string, SimRule>()
    this.buses.set(key, rules)
    return rules
  }

  /** Creates or replaces a rule (its targets stay, as PutRule keeps them), then puts the spec's targets. */
  putRule(accountId: string, region: string, spec: RuleSpec): SimRule {
    if (!NAME.test(spec.name)) throw new Error(`rule name ${spec.name} is not valid`)
    if (spec.eventPattern === undefined && spec.scheduleExpression === undefined)
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.')
    const state = spec.state ?? 'ENABLED'
    if (!STATES.includes(state))
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${STATES.join(', ')}]`,
      )
    const rules = this.rules(accountId, region)
    const rule: SimRule = {
      name: spec.name,
      arn: `arn:aws:events:${region}:${accountId}:rule/${spec.name}`,
      ...(spec.eventPattern !== undefined ? { eventPattern: pattern(spec.eventPattern) } : {}),
      ...(spec.scheduleExpression !== undefined ? { scheduleExpression: spec.scheduleExpression } : {}),
      state,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(spec.roleArn !== undefined ? { roleArn: spec.roleArn } : {}),
      createdBy: accountId,
      targets: rules.get(spec.name)?.targets ?? new Map(),
    }
    rules.set(spec.name, rule)
    if (spec.targets?.length) this.putTargets(accountId, region, spec.name, spec.targets)
    return rule
  }

  /** Adds or replaces targets by Id (at most five per rule, as EventBridge allows). */
  putTargets(accountId: string, region: string, name: string, targets: readonly SimTarget[]): void {
    const rule = this.rule(accountId, region, name)
    const ids = new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)])
    if (ids.size > MAX_TARGETS_PER_RULE)
      throw new SimError(
        'LimitExceededException',
        400,
        'The requested resource exceeds the maximum number allowed.',
      )
    for (const t of targets) rule.targets.set(t.Id, { ...t })
  }

  /** A rule of the default bus, or ResourceNotFoundException. */
  rule(accountId: string, region: string, name: string): SimRule {
    const rule = this.rules(accountId, region).get(name)
    if (!rule)
      throw new SimError('ResourceNotFoundException', 400, `Rule ${name} does not exist on EventBus default.`)
    return rule
  }

  readonly actions: Readonly<Record<string, EventsAction>> = {
    PutRule: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const name = ruleName(body, 'Name')
      const rule = this.putRule(accountId, region, {
        name,
        ...(body.EventPattern !== undefined ? { eventPattern: String(body.EventPattern) } : {}),
        ...(body.ScheduleExpression !== undefined
          ? { scheduleExpression: String(body.ScheduleExpression) }
          : {}),
        ...(body.State !== undefined ? { state: body.State as RuleState } : {}),
        ...(body.Description !== undefined ? { description: String(body.Description) } : {}),
        ...(body.RoleArn !== undefined ? { roleArn: String(body.RoleArn) } : {}),
      })
      return { RuleArn: rule.arn }
    },
    DescribeRule: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const rule = this.rule(accountId, region, ruleName(body, 'Name'))
      return { ...ruleNode(rule), CreatedBy: rule.createdBy }
    },
    ListRules: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const prefix = typeof body.NamePrefix === 'string' ? body.NamePrefix : ''
      const rules = [...this.rules(accountId, region).values()]
        .filter((r) => r.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      const { items, NextToken } = tokenPage(rules, body, {
        list: `ListRules|${accountId}|${region}|${prefix}`,
        max: 100,
        sizeParam: 'Limit',
        invalid: validation,
      })
      return { Rules: items.map(ruleNode), ...(NextToken ? { NextToken } : {}) }
    },
    DeleteRule: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const name = ruleName(body, 'Name')
      const rules = this.rules(accountId, region)
      // Deleting a rule that is not there succeeds (EventBridge: "all calls will succeed").
      if (rules.get(name)?.targets.size) throw validation("Rule can't be deleted since it has targets.")
      rules.delete(name)
      return {}
    },
    PutTargets: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const name = ruleName(body, 'Rule')
      const raw = Array.isArray(body.Targets) ? body.Targets : []
      if (raw.length < 1 || raw.length > 10)
        throw validation(
          `1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10`,
        )
      this.putTargets(accountId, region, name, raw.map(target))
      return { FailedEntryCount: 0, FailedEntries: [] }
    },
    ListTargetsByRule: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const rule = this.rule(accountId, region, ruleName(body, 'Rule'))
      const { items, NextToken } = tokenPage([...rule.targets.values()], body, {
        list: `ListTargetsByRule|${rule.arn}`,
        max: 100,
        sizeParam: 'Limit',
        invalid: validation,
      })
      return { Targets: items, ...(NextToken ? { NextToken } : {}) }
    },
    RemoveTargets: (accountId, region, body) => {
      defaultBus(body, accountId, region)
      const rule = this.rule(accountId, region, ruleName(body, 'Rule'))
      const ids = Array.isArray(body.Ids) ? body.Ids : []
      if (ids.length < 1 || ids.length > 100)
        throw validation(
          `1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100`,
        )
      for (const id of ids) rule.targets.delete(String(id))
      return { FailedEntryCount: 0, FailedEntries: [] }
    },
  }
}
