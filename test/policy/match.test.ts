import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import { actionMatches, resourceMatches } from '../../shared/policy/match.ts'

const service = fc.stringMatching(/^[a-z][a-z0-9-]{1,12}$/)
const name = fc.stringMatching(/^[A-Z][A-Za-z0-9]{1,20}$/)
const action = fc.tuple(service, name).map(([s, n]) => `${s}:${n}`)
const flipCase = (s: string) =>
  s.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))

const held = (doc: unknown): HeldPolicy => {
  const parsed = parsePolicyDocument(doc)
  if (!parsed.ok) throw new Error(parsed.reason)
  return { name: 'p', kind: 'managed', document: parsed.document }
}

describe('action and resource matching (properties)', () => {
  it('"*" matches every action', () => {
    fc.assert(fc.property(action, (a) => actionMatches('*', a)))
  })

  it('an action matches itself in any letter case', () => {
    fc.assert(fc.property(action, (a) => actionMatches(flipCase(a), a)))
  })

  it('"service:*" matches exactly the actions of that service', () => {
    fc.assert(
      fc.property(
        action,
        action,
        (a, b) => actionMatches(`${a.split(':')[0]}:*`, b) === (a.split(':')[0] === b.split(':')[0]),
      ),
    )
  })

  it('a prefix wildcard matches every action that starts with the prefix', () => {
    fc.assert(fc.property(action, fc.nat(), (a, n) => actionMatches(`${a.slice(0, 1 + (n % a.length))}*`, a)))
  })

  it('resources compare case-sensitively, actions do not', () => {
    expect(resourceMatches('arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x')).toBe(false)
    expect(actionMatches('S3:getobject', 's3:GetObject')).toBe(true)
    expect(resourceMatches('arn:aws:iam::?????????????:user/*', 'arn:aws:iam::123456789012:user/a')).toBe(
      false,
    )
    expect(resourceMatches('arn:aws:iam::????????????:user/*', 'arn:aws:iam::123456789012:user/a')).toBe(true)
  })

  it('an unconditional Deny of everything denies any action an Allow grants', () => {
    const policies = [
      held({
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ],
      }),
    ]
    fc.assert(fc.property(action, (a) => evaluateAction(policies, a).decision === 'denied'))
  })

  it('Allow NotAction grants exactly the actions it does not name', () => {
    fc.assert(
      fc.property(action, action, (excluded, a) => {
        const policies = [held({ Statement: [{ Effect: 'Allow', NotAction: excluded, Resource: '*' }] })]
        const allowed = evaluateAction(policies, a).decision === 'allowed'
        return allowed === !actionMatches(excluded, a)
      }),
    )
  })
})
