import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ActionCatalog, staticCatalog } from '../../shared/policy/catalog.ts'
import { loadActionCatalog } from '../../shared/policy/catalog-data.ts'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import {
  allowedActions,
  allowedServices,
  compileActionPattern,
  coversAllWithPrefix,
  mayMatchWithPrefix,
} from '../../shared/policy/effective.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import { actionMatches } from '../../shared/policy/match.ts'
import { foldCase } from '../../shared/policy/wildcard.ts'

const held = (doc: unknown, kind: HeldPolicy['kind'] = 'managed', name = 'p'): HeldPolicy => {
  const parsed = parsePolicyDocument(doc)
  if (!parsed.ok) throw new Error(parsed.reason)
  return { name, kind, document: parsed.document }
}
const allow = (Action: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action,
  Resource: '*',
  ...extra,
})

let catalog: ActionCatalog
beforeAll(async () => {
  catalog = await loadActionCatalog(['s3', 'ec2', 'iam', 'sqs', 'kms'])
})

describe("a principal's allowed actions, service by service", () => {
  it('are the catalog actions of the service its Allow patterns match, unconditionally allowed', () => {
    // Prepare
    const policies = [held({ Statement: [allow(['s3:Get*', 'sqs:SendMessage'])] })]
    // Act
    const s3 = allowedActions(policies, catalog, 's3')
    // Assess
    const expected = catalog.actions('s3')!.filter((a) => a.startsWith('s3:Get'))
    expect([...s3.keys()].sort()).toEqual(expected)
    expect([...s3.values()].every((g) => g === 'allowed')).toBe(true)
    expect([...allowedActions(policies, catalog, 'sqs').keys()]).toEqual(['sqs:SendMessage'])
  })

  it('lose what a Deny on every resource subtracts, and keep what a Deny on one resource leaves elsewhere', () => {
    // Prepare
    const policies = [
      held({
        Statement: [
          allow('s3:*'),
          { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
          { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::locked/*' },
        ],
      }),
    ]
    // Act
    const s3 = allowedActions(policies, catalog, 's3')
    // Assess
    expect(s3.has('s3:DeleteBucket')).toBe(false)
    expect(s3.get('s3:PutObject')).toBe('allowed')
  })

  it('are conditional under an Allow with a Condition or a Deny with one', () => {
    // Prepare
    const region = { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }
    const policies = [
      held({
        Statement: [
          allow('kms:Decrypt', { Condition: region }),
          allow('kms:Encrypt'),
          { Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*', Condition: region },
        ],
      }),
    ]
    // Act
    const kms = allowedActions(policies, catalog, 'kms')
    // Assess
    expect(Object.fromEntries(kms)).toEqual({ 'kms:Decrypt': 'conditional', 'kms:Encrypt': 'conditional' })
  })

  it('are capped by a permissions boundary', () => {
    // Prepare
    const policies = [
      held({ Statement: [allow('*')] }),
      held({ Statement: [allow('s3:List*')] }, 'boundary', 'boundary'),
    ]
    // Act / Assess
    expect([...allowedActions(policies, catalog, 's3').keys()]).toEqual(
      catalog.actions('s3')!.filter((a) => a.startsWith('s3:List')),
    )
    expect(allowedActions(policies, catalog, 'ec2').size).toBe(0)
  })

  it('follow NotAction: everything but what it names', () => {
    // Prepare
    const policies = [
      held({ Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'sqs:Delete*'], Resource: '*' }] }),
    ]
    // Act
    const sqs = allowedActions(policies, catalog, 'sqs')
    // Assess
    expect(allowedActions(policies, catalog, 'iam').size).toBe(0)
    expect(sqs.has('sqs:DeleteQueue')).toBe(false)
    expect(sqs.has('sqs:SendMessage')).toBe(true)
  })

  it('are empty for a service the catalog does not hold', () => {
    // Prepare
    const policies = [held({ Statement: [allow('*')] })]
    // Act / Assess
    expect(allowedActions(policies, catalog, 'lambda').size).toBe(0)
  })

  it('name the services of which anything is allowed', () => {
    // Prepare
    const policies = [
      held({
        Statement: [allow(['s3:GetObject', 'kms:*']), { Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
      }),
    ]
    // Act / Assess
    expect(allowedServices(policies, catalog)).toEqual(['s3'])
  })

  it('agree with evaluateAction over all the policies, for every catalog action (property)', () => {
    // Prepare
    const small = staticCatalog({
      s3: ['GetObject', 'GetObjectAcl', 'PutObject', 'ListBucket', 'DeleteBucket'],
      sqs: ['SendMessage', 'ReceiveMessage', 'DeleteQueue'],
      iam: ['PassRole', 'GetRole', 'CreateRole'],
    })
    const all = small.services().flatMap((s) => [...small.actions(s)!])
    const pattern = fc.oneof(
      fc.constantFrom(...all),
      fc.constantFrom(
        '*',
        's3:*',
        'sqs:*',
        'iam:*',
        's3:Get*',
        '*:Get*',
        's3*',
        '*Object',
        'iam:?etRole',
        'other:*',
      ),
    )
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      list: fc.array(pattern, { minLength: 1, maxLength: 3 }),
      not: fc.boolean(),
      Resource: fc.constantFrom('*', 'arn:aws:s3:::b/*'),
      conditional: fc.boolean(),
    })
    const policy = fc.record({
      statements: fc.array(statement, { minLength: 1, maxLength: 3 }),
      boundary: fc.boolean(),
    })
    // Act / Assess
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 3 }), (raw) => {
        const policies = raw.map((p, i) =>
          held(
            {
              Statement: p.statements.map((s) => ({
                Effect: s.Effect,
                [s.not ? 'NotAction' : 'Action']: s.list,
                Resource: s.Resource,
                ...(s.conditional ? { Condition: { Bool: { 'aws:SecureTransport': 'true' } } } : {}),
              })),
            },
            p.boundary ? 'boundary' : 'inline',
            `p${i}`,
          ),
        )
        for (const service of small.services()) {
          const allowed = allowedActions(policies, small, service)
          for (const action of small.actions(service)!) {
            const decision = evaluateAction(policies, action).decision
            expect(allowed.get(action) ?? 'denied').toBe(decision)
          }
        }
      }),
    )
  })
})

describe('the pattern algebra of action prefixes (properties)', () => {
  const alphabet = ['a', 'b', ':']
  const pattern = fc
    .array(fc.constantFrom('a', 'b', ':', '*', '?'), { minLength: 0, maxLength: 6 })
    .map((cs) => cs.join(''))
  const text = fc.array(fc.constantFrom(...alphabet), { minLength: 0, maxLength: 4 }).map((cs) => cs.join(''))
  /** Every string over the alphabet up to `n` characters. */
  const strings = (n: number): string[] => {
    const out = ['']
    let level = ['']
    for (let i = 0; i < n; i++) {
      level = level.flatMap((s) => alphabet.map((c) => s + c))
      out.push(...level)
    }
    return out
  }
  const suffixes = strings(6)

  it('say a pattern may match an action with the prefix exactly when one exists (one colon past the prefix)', () => {
    fc.assert(
      fc.property(pattern, text, (p, prefix) => {
        const continuations = prefix.includes(':') ? suffixes.filter((s) => !s.includes(':')) : suffixes
        const exists = continuations.some((s) => actionMatches(p, prefix + s))
        expect(mayMatchWithPrefix(p, prefix)).toBe(exists)
      }),
    )
  })

  it('say a pattern covers every string with the prefix only when it does', () => {
    fc.assert(
      fc.property(pattern, text, (p, prefix) => {
        if (coversAllWithPrefix(p, prefix))
          for (const s of suffixes) expect(actionMatches(p, prefix + s)).toBe(true)
      }),
    )
  })

  it('say a prefix wildcard covers every longer prefix, and "*" covers all', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(coversAllWithPrefix(`${a}*`, a + b)).toBe(true)
        expect(coversAllWithPrefix('*', b)).toBe(true)
      }),
    )
    expect(coversAllWithPrefix('s3:*', 'S3:Get')).toBe(true)
    expect(coversAllWithPrefix('s3:Get*Object', 's3:Get')).toBe(false)
    expect(coversAllWithPrefix('s3:GetObject', 's3:GetObject')).toBe(false)
  })

  it('know an action has one colon: "*:List*" can match no action that starts with "s3:Get"', () => {
    expect(mayMatchWithPrefix('*:List*', 's3:Get')).toBe(false)
    expect(mayMatchWithPrefix('*:List*', 's3:')).toBe(true)
    expect(mayMatchWithPrefix('s3:Get:*', 's3:')).toBe(false)
    expect(mayMatchWithPrefix('s3:Get:*', 's3')).toBe(true)
  })

  it('compile a pattern to the same answers as actionMatches on folded actions', () => {
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (p, t, upper) => {
        const action = upper ? t.toUpperCase() : t
        expect(compileActionPattern(p)(foldCase(action))).toBe(actionMatches(p, action))
      }),
    )
  })
})
