import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import { actionMatches, arnMatches, resourceMatches } from '../../shared/policy/match.ts'

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

/**
 * The reference the matcher is checked against: dynamic programming over prefixes, obviously right and
 * quadratic. `*` any run of code units (none included), `?` exactly one; letters compare in either case
 * when ignoreCase (the inputs below are ASCII).
 */
function reference(pattern: string, text: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern
  const s = ignoreCase ? text.toLowerCase() : text
  // row[j]: whether the pattern's first i characters match the text's first j.
  let row = Array.from({ length: s.length + 1 }, (_, j) => j === 0)
  for (const c of p) {
    const next = Array.from({ length: s.length + 1 }, () => false)
    next[0] = c === '*' && row[0]!
    for (let j = 1; j <= s.length; j++) {
      next[j] = c === '*' ? row[j]! || next[j - 1]! : row[j - 1]! && (c === '?' || c === s[j - 1])
    }
    row = next
  }
  return row[s.length]!
}

const globPattern = fc.string({ unit: fc.constantFrom('a', 'A', 'b', ':', '*', '?'), maxLength: 9 })
const globText = fc.string({ unit: fc.constantFrom('a', 'A', 'b', ':'), maxLength: 12 })
/** A text and a pattern made from it (some characters turned into `?`, some runs into `*`): they match. */
const matchingPair = fc
  .tuple(globText, fc.array(fc.constantFrom('keep', 'any', 'star', 'flip'), { minLength: 12, maxLength: 12 }))
  .map(([text, edits]) => {
    let pattern = ''
    for (const [i, c] of [...text].entries()) {
      const edit = edits[i]
      pattern += edit === 'any' ? '?' : edit === 'star' ? '*' : edit === 'flip' ? flipCase(c) : c
    }
    return { text, pattern }
  })

describe('wildcard matching agrees with the reference (properties, small inputs)', () => {
  it('actionMatches is the reference, ignoring case', () => {
    fc.assert(
      fc.property(globPattern, globText, (p, s) => actionMatches(p, s) === reference(p, s, true)),
      { numRuns: 5000 },
    )
  })

  it('resourceMatches is the reference, respecting case', () => {
    fc.assert(
      fc.property(globPattern, globText, (p, s) => resourceMatches(p, s) === reference(p, s, false)),
      { numRuns: 5000 },
    )
  })

  it('a pattern made from a text by wildcarding some of it matches that text', () => {
    fc.assert(
      fc.property(matchingPair, ({ pattern, text }) => {
        const expected = reference(pattern, text, false)
        return resourceMatches(pattern, text) === expected && actionMatches(pattern, text)
      }),
      { numRuns: 2000 },
    )
  })

  it('a run of stars means the same as one star', () => {
    fc.assert(
      fc.property(globPattern, globText, fc.integer({ min: 2, max: 20 }), (p, s, n) => {
        const widened = p.replaceAll('*', '*'.repeat(n))
        return resourceMatches(widened, s) === resourceMatches(p, s)
      }),
    )
  })

  it('arnMatches compares each of the six ARN components with the reference', () => {
    const component = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 4 })
    const value = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 4 })
    fc.assert(
      fc.property(
        fc.array(component, { minLength: 6, maxLength: 6 }),
        fc.array(value, { minLength: 6, maxLength: 6 }),
        (p, a) => arnMatches(p.join(':'), a.join(':')) === p.every((c, i) => reference(c, a[i]!, false)),
      ),
    )
  })
})

describe('hostile wildcard patterns', () => {
  it('rejects iam: followed by fourteen stars and a letter the action lacks, without backtracking', () => {
    // Prepare
    const pattern = `iam:${'*'.repeat(14)}x`
    // Act
    const matched = actionMatches(pattern, 'iam:CreateServiceLinkedRole')
    // Assess
    expect(matched).toBe(false)
    expect(actionMatches(pattern, 'iam:CreateServiceLinkedRoleX')).toBe(true)
  })

  it('evaluates a policy holding such a pattern like any other', () => {
    // Prepare
    const policies = [
      held({
        Statement: [
          { Effect: 'Allow', Action: `iam:${'*'.repeat(14)}x`, Resource: '*' },
          { Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${'*'.repeat(14)}x` },
        ],
      }),
    ]
    // Act
    const iam = evaluateAction(policies, 'iam:CreateServiceLinkedRole').decision
    const s3 = evaluateAction(
      policies,
      's3:GetObject',
      'arn:aws:s3:::my-bucket-with-a-long-name/key',
    ).decision
    // Assess
    expect(iam).toBe('denied')
    expect(s3).toBe('denied')
  })

  it('matches a 10,000-character pattern of many stars against a 10,000-character text', () => {
    // Prepare
    const stars = `${'*a'.repeat(4999)}*b` // 10,000 characters, 5,000 stars
    const questions = `${'*a?'.repeat(3333)}*` // 10,000 characters, 3,334 stars
    const ending = (last: string) => `${'a'.repeat(9999)}${last}`
    const pairs = 'ab'.repeat(5000)
    // Act
    const results = [
      resourceMatches(stars, ending('b')),
      resourceMatches(stars, ending('c')),
      actionMatches(stars, ending('B')),
      resourceMatches(questions, pairs),
      resourceMatches(questions, 'ab'.repeat(3332).padEnd(10_000, 'b')),
      arnMatches(`arn:aws:s3:::${stars}`, `arn:aws:s3:::${ending('b')}`),
    ]
    // Assess
    expect(results).toEqual([true, false, true, true, false, true])
  })
})
