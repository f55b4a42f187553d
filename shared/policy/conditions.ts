import { arnMatches, resourceMatches } from './match.ts'

/**
 * The request context a Condition element is evaluated against: condition key to value. Keys compare
 * case-insensitively (IAM's condition keys do); booleans stand for "true"/"false".
 */
export type RequestContext = Readonly<Record<string, string | boolean>>

/** A condition operator (or a prefix such as ForAnyValue:) that the evaluator does not implement. */
export class UnsupportedCondition extends Error {
  override name = 'UnsupportedCondition'
}

type Compare = (policyValue: string, requestValue: string) => boolean

const equals: Compare = (p, v) => p === v
const equalsIgnoreCase: Compare = (p, v) => p.toLowerCase() === v.toLowerCase()
const like: Compare = (p, v) => resourceMatches(p, v)
const arn: Compare = (p, v) => arnMatches(p, v)
const bool: Compare = (p, v) => p.toLowerCase() === v.toLowerCase()

/**
 * The operators implemented, each with its comparison and whether it is negated. IAM's condition
 * operators reference: ArnEquals and ArnLike behave identically, and so do ArnNotEquals and ArnNotLike.
 */
const OPERATORS: Readonly<Record<string, { compare: Compare; negated: boolean }>> = {
  stringequals: { compare: equals, negated: false },
  stringnotequals: { compare: equals, negated: true },
  stringequalsignorecase: { compare: equalsIgnoreCase, negated: false },
  stringnotequalsignorecase: { compare: equalsIgnoreCase, negated: true },
  stringlike: { compare: like, negated: false },
  stringnotlike: { compare: like, negated: true },
  arnequals: { compare: arn, negated: false },
  arnlike: { compare: arn, negated: false },
  arnnotequals: { compare: arn, negated: true },
  arnnotlike: { compare: arn, negated: true },
  bool: { compare: bool, negated: false },
}

const asStrings = (x: unknown): string[] => (Array.isArray(x) ? x : [x]).map((v) => String(v))

function lookup(context: RequestContext, key: string): string | undefined {
  const wanted = key.toLowerCase()
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return String(v)
  return undefined
}

/**
 * Whether a statement's Condition element holds for the request. Operators are ANDed, keys within an
 * operator are ANDed, and the values of one key are ORed (for a negated operator: the request value
 * must match none of them). A key absent from the request makes the condition false, except for a
 * negated operator (true), an ...IfExists operator (true) and Null (IAM's documented rule).
 * Single-valued context keys only; policy variables are compared literally.
 * Throws UnsupportedCondition for any other operator rather than guessing.
 */
export function conditionsHold(
  conditions: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
  context: RequestContext,
): boolean {
  if (!conditions) return true
  for (const [rawOperator, block] of Object.entries(conditions)) {
    const name = rawOperator.toLowerCase()
    if (name.includes(':')) throw new UnsupportedCondition(`condition operator ${rawOperator}`)
    for (const [key, rawValues] of Object.entries(block)) {
      const values = asStrings(rawValues)
      const present = lookup(context, key)
      if (name === 'null') {
        // Null: "true" means the key must be absent, "false" that it must be present.
        if (!values.some((v) => (v.toLowerCase() === 'true') === (present === undefined))) return false
        continue
      }
      const ifExists = name.endsWith('ifexists')
      const op = OPERATORS[ifExists ? name.slice(0, -'ifexists'.length) : name]
      if (!op) throw new UnsupportedCondition(`condition operator ${rawOperator}`)
      if (present === undefined) {
        if (ifExists || op.negated) continue
        return false
      }
      const matched = values.some((v) => op.compare(v, present))
      if (matched === op.negated) return false
    }
  }
  return true
}

/** One key under one operator of a Condition element, evaluated against a request context. */
export interface ConditionKeyResult {
  /** The operator as the policy writes it: StringEquals, BoolIfExists, ForAnyValue:StringLike, ... */
  operator: string
  /** The condition key as the policy writes it ('' for an unsupported operator with no keys). */
  key: string
  /** The policy's values for the key. */
  values: string[]
  /** The request's value for the key; absent when the context does not have it. */
  requestValue?: string
  /**
   * Whether it holds for the context as given, by the rules of conditionsHold; 'unsupported' for an
   * operator the evaluator does not implement.
   */
  holds: boolean | 'unsupported'
  /**
   * The key is absent and the operator needs it (neither negated, nor ...IfExists, nor Null): IAM then
   * says false, which is `holds` here.
   */
  needsKey?: true
}

/**
 * One key of one operator, by the same rules as conditionsHold (kept beside it, unchanged), as a result
 * instead of a short cut or a throw.
 */
function evaluateKey(
  rawOperator: string,
  key: string,
  rawValues: unknown,
  context: RequestContext,
): ConditionKeyResult {
  const name = rawOperator.toLowerCase()
  const values = asStrings(rawValues)
  const present = lookup(context, key)
  const base = {
    operator: rawOperator,
    key,
    values,
    ...(present !== undefined ? { requestValue: present } : {}),
  }
  if (name.includes(':')) return { ...base, holds: 'unsupported' }
  // Null: "true" means the key must be absent, "false" that it must be present.
  if (name === 'null')
    return { ...base, holds: values.some((v) => (v.toLowerCase() === 'true') === (present === undefined)) }
  const ifExists = name.endsWith('ifexists')
  const op = OPERATORS[ifExists ? name.slice(0, -'ifexists'.length) : name]
  if (!op) return { ...base, holds: 'unsupported' }
  if (present === undefined)
    return ifExists || op.negated ? { ...base, holds: true } : { ...base, holds: false, needsKey: true }
  const matched = values.some((v) => op.compare(v, present))
  return { ...base, holds: matched !== op.negated }
}

/**
 * Every key of every operator of a Condition element, each evaluated on its own (no short cut, no
 * throw), in the order the policy writes them: what explains a decision needs, where conditionsHold
 * needs only the answer. An unsupported operator with no keys still yields one result (key '').
 */
export function evaluateConditionKeys(
  conditions: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
  context: RequestContext,
): ConditionKeyResult[] {
  const out: ConditionKeyResult[] = []
  for (const [rawOperator, block] of Object.entries(conditions ?? {})) {
    const keys = Object.entries(block)
    if (keys.length === 0 && rawOperator.includes(':'))
      out.push({ operator: rawOperator, key: '', values: [], holds: 'unsupported' })
    for (const [key, rawValues] of keys) out.push(evaluateKey(rawOperator, key, rawValues, context))
  }
  return out
}
