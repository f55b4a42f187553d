import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ActionCatalog } from '../../shared/policy/catalog.ts'
import { allServiceKeys, loadActionCatalog } from '../../shared/policy/catalog-data.ts'
import { parsePolicyDocument, type Statement } from '../../shared/policy/document.ts'
import { evaluateAction, type HeldPolicy } from '../../shared/policy/evaluate.ts'
import { actionMatches } from '../../shared/policy/match.ts'
import {
  catalogNeeds,
  documentChars,
  MANAGED_POLICY_MAX_CHARS,
  type PolicyJson,
  type Recommendation,
  recommendPolicy,
} from '../../shared/policy/recommend.ts'

const SERVICES = ['s3', 'ec2', 'iam', 'lambda', 'sqs', 'dynamodb', 'kms']
const ACCOUNT = '123456789012'
/** Specific resources (no wildcard) the properties evaluate against, besides "some resource". */
const ARNS = [
  'arn:aws:s3:::data/report.csv',
  'arn:aws:s3:::data',
  `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc`,
  `arn:aws:iam::${ACCOUNT}:role/app`,
  `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`,
  `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1`,
  `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`,
]
/** Action strings no catalog lists: a recommendation must not allow them unless the original did. */
const UNCATALOGUED = [
  's3:GetFutureThing',
  'ec2:DescribeNewThing',
  'newservice:DoThing',
  'iam:PassRoleX',
  'kms:Zzz',
]
const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }

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
/** The recommended documents as the principal would hold them, its boundaries still attached. */
const asHeld = (r: Recommendation, original: readonly HeldPolicy[]): HeldPolicy[] => [
  ...r.documents.map((d, i) => held(d, 'managed', `recommended-${i + 1}`)),
  ...original.filter((p) => p.kind === 'boundary'),
]
const statementsOf = (r: Recommendation): Statement[] => asHeld(r, []).flatMap((p) => p.document.statements)
const actionsOf = (r: Recommendation): string[] => statementsOf(r).flatMap((s) => s.actions ?? [])
const decision = (policies: readonly HeldPolicy[], action: string, resource?: string) =>
  evaluateAction(policies, action, resource).decision

let catalog: ActionCatalog
let everyAction: string[]
beforeAll(async () => {
  catalog = await loadActionCatalog(SERVICES)
  everyAction = SERVICES.flatMap((s) => [...catalog.actions(s)!])
})

describe('a least-privilege recommendation', () => {
  it('keeps a statement that touches nothing removed verbatim', () => {
    // Prepare
    const statement = {
      Sid: 'Queues',
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:Receive*'],
      Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`,
      Condition: MFA,
    }
    const policies = [held({ Version: '2012-10-17', Statement: [statement] })]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: ['ec2'], actions: ['s3:GetObject'] } })
    // Assess
    expect(r.documents).toEqual([{ Version: '2012-10-17', Statement: [statement] }])
  })

  it('narrows s3:* without a removed action into prefix wildcards that leave the removed action out', () => {
    // Prepare
    const policies = [held({ Statement: [allow('s3:*')] })]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: [], actions: ['s3:DeleteBucket'] } })
    // Assess
    const actions = actionsOf(r)
    expect(actions).toContain('s3:Get*')
    expect(actions).toContain('s3:List*')
    expect(actions).not.toContain('s3:*')
    expect(actions).not.toContain('s3:Delete*')
    expect(actions).toContain('s3:DeleteBucketPolicy')
    expect(decision(asHeld(r, policies), 's3:DeleteBucket')).toBe('denied')
    expect(decision(asHeld(r, policies), 's3:DeleteObject')).toBe('allowed')
    expect(r.removedActions).toEqual(['s3:DeleteBucket'])
  })

  it('compresses into a wildcard only a prefix an original pattern covers whole', () => {
    // Prepare
    const policies = [held({ Statement: [allow(['s3:GetBucket*', 's3:List*'])] })]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: [], actions: ['s3:ListBucket'] } })
    // Assess
    for (const p of actionsOf(r).filter((a) => a.includes('*')))
      expect(p.startsWith('s3:GetBucket') || p.startsWith('s3:List')).toBe(true)
    expect(actionsOf(r)).toContain('s3:GetBucket*')
    expect(decision(asHeld(r, policies), 's3:ListBucket')).toBe('denied')
    expect(decision(asHeld(r, policies), 's3:ListBucketVersions')).toBe('allowed')
    expect(decision(asHeld(r, policies), 's3:GetObject')).toBe('denied')
  })

  it('gives an administrator who used three services a small policy of those services', async () => {
    // Prepare
    const full = await loadActionCatalog(await allServiceKeys())
    const used = ['s3', 'lambda', 'dynamodb']
    const policies = [
      held({ Statement: [allow('*')] }, 'aws-managed', 'arn:aws:iam::aws:policy/AdministratorAccess'),
    ]
    const remove = { services: full.services().filter((s) => !used.includes(s)), actions: [] }
    // Act
    const r = recommendPolicy({ policies, catalog: full, remove })
    // Assess
    expect(r.documents).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['dynamodb:*', 'iam:PassRole', 'lambda:*', 's3:*'], Resource: '*' },
        ],
      },
    ])
    expect(documentChars(r.documents[0]!)).toBeLessThan(200)
    expect(r.notes.join('\n')).toMatch(/iam:PassRole is never removed/)
  })

  it('rewrites a NotAction statement into the kept services, leaving out the services it excluded', () => {
    // Prepare
    const policies = [
      held({ Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'kms:*'], Resource: '*' }] }),
    ]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: ['ec2', 'sqs'], actions: [] } })
    // Assess
    expect(statementsOf(r)).toEqual([
      { effect: 'Allow', actions: ['dynamodb:*', 'lambda:*', 's3:*'], resources: ['*'] },
    ])
  })

  it('expands a pattern with a wildcard service part only into the services it can match', () => {
    // Prepare
    const policies = [held({ Statement: [allow('*:Describe*')] })]
    // Act
    const r = recommendPolicy({
      policies,
      catalog,
      remove: { services: [], actions: ['ec2:DescribeInstances'] },
    })
    // Assess
    const granted = asHeld(r, policies)
    expect(decision(granted, 'ec2:DescribeInstances')).toBe('denied')
    expect(decision(granted, 'ec2:DescribeVolumes')).toBe('allowed')
    expect(decision(granted, 'kms:DescribeKey')).toBe('allowed')
    expect(decision(granted, 'kms:Decrypt')).toBe('denied')
    expect(actionsOf(r)).toContain('kms:Describe*')
  })

  it('keeps Deny statements verbatim, and the Resource and Condition of every narrowed Allow', () => {
    // Prepare
    const deny = {
      Sid: 'NoDeleteWithoutMfa',
      Effect: 'Deny',
      Action: ['s3:Delete*', 'ec2:Terminate*'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    }
    const scoped = {
      Effect: 'Allow',
      Action: ['s3:*', 'ec2:*'],
      Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'],
      Condition: MFA,
    }
    const notResource = { Effect: 'Allow', Action: 'sqs:*', NotResource: `arn:aws:sqs:*:${ACCOUNT}:secret*` }
    const policies = [held({ Statement: [scoped, deny, notResource] })]
    // Act
    const r = recommendPolicy({
      policies,
      catalog,
      remove: { services: ['ec2'], actions: ['sqs:DeleteQueue'] },
    })
    // Assess
    const statements = r.documents.flatMap((d) => d.Statement)
    expect(statements).toContainEqual(deny)
    expect(statements).toContainEqual({ ...scoped, Action: 's3:*' })
    const sqs = statements.find((s) => s.NotResource)!
    expect(sqs.NotResource).toBe(notResource.NotResource)
    expect(sqs.Action).not.toContain('sqs:*')
  })

  it('never removes iam:PassRole, even when asked to or when iam is removed', () => {
    // Prepare
    const policies = [held({ Statement: [allow(['iam:*', 's3:GetObject'])] })]
    // Act
    const byAction = recommendPolicy({
      policies,
      catalog,
      remove: { services: [], actions: ['iam:PassRole'] },
    })
    const byService = recommendPolicy({ policies, catalog, remove: { services: ['iam'], actions: [] } })
    // Assess
    expect(byAction.documents).toEqual([
      { Version: '2012-10-17', Statement: [allow(['iam:*', 's3:GetObject'])] },
    ])
    expect(byAction.removedActions).toEqual([])
    expect(actionsOf(byService)).toEqual(['s3:GetObject', 'iam:PassRole'])
    expect(decision(asHeld(byService, policies), 'iam:CreateUser')).toBe('denied')
    expect(byService.notes.join('\n')).toMatch(/iam:PassRole is never removed/)
  })

  it('drops a statement that allowed only removed actions, and says so', () => {
    // Prepare
    const policies = [held({ Statement: [allow('ec2:*'), allow('s3:GetObject')] }, 'inline', 'app')]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: ['ec2'], actions: [] } })
    // Assess
    expect(statementsOf(r)).toEqual([{ effect: 'Allow', actions: ['s3:GetObject'], resources: ['*'] }])
    expect(r.notes).toContain('app statement 1 allowed only removed actions: dropped.')
  })

  it('leaves boundaries out, and keeps out of an expansion what the boundary never lets through', () => {
    // Prepare
    const policies = [
      held({ Statement: [allow('*')] }),
      held({ Statement: [allow(['s3:*', 'lambda:*'])] }, 'boundary', 'DeveloperBoundary'),
    ]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: ['ec2'], actions: [] } })
    // Assess
    expect(statementsOf(r)).toEqual([{ effect: 'Allow', actions: ['lambda:*', 's3:*'], resources: ['*'] }])
    expect(r.notes.join('\n')).toMatch(/DeveloperBoundary stays attached/)
  })

  it('drops from a rewritten statement what an Allow with the same scope already allows', () => {
    // Prepare
    const policies = [
      held({ Statement: [allow('*')] }, 'managed', 'Admin'),
      held({ Statement: [allow(['s3:*', 'ec2:*'])] }, 'aws-managed', 'Mixed'),
    ]
    // Act
    const r = recommendPolicy({
      policies,
      catalog,
      remove: { services: ['ec2', 'iam', 'kms', 'sqs'], actions: [] },
    })
    // Assess
    expect(statementsOf(r)).toEqual([
      { effect: 'Allow', actions: ['dynamodb:*', 'iam:PassRole', 'lambda:*', 's3:*'], resources: ['*'] },
    ])
  })

  it('includes group policies, and says the principal must leave the group', () => {
    // Prepare
    const policies = [
      held({ Statement: [allow('s3:GetObject')] }, 'inline', 'own'),
      held({ Statement: [allow('sqs:SendMessage')] }, 'group-managed', 'arn:aws:iam::aws:policy/Ops'),
    ]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: [], actions: [] } })
    // Assess
    expect(actionsOf(r)).toEqual(['s3:GetObject', 'sqs:SendMessage'])
    expect(r.notes.join('\n')).toMatch(/through its groups \(arn:aws:iam::aws:policy\/Ops\)/)
  })

  it('keeps original Sids where unique and derives readable ones where they collide', () => {
    // Prepare
    const policies = [
      held({ Statement: [{ Sid: 'Read', ...allow('s3:GetObject') }] }, 'managed', 'first-policy'),
      held({ Statement: [{ Sid: 'Read', ...allow('sqs:ReceiveMessage') }] }, 'inline', 'second-policy'),
    ]
    // Act
    const r = recommendPolicy({ policies, catalog, remove: { services: [], actions: [] } })
    // Assess
    expect(r.documents[0]!.Statement.map((s) => s.Sid)).toEqual(['Read', 'ReadSecondPolicy'])
  })

  it('splits a huge explicit list across statements and documents, each within the limit', () => {
    // Prepare
    const ec2 = [...catalog.actions('ec2')!]
    const policies = [
      held({ Statement: [{ Sid: 'Everything', ...allow(ec2, { Condition: MFA }) }] }, 'inline', 'big'),
    ]
    // Act
    const r = recommendPolicy({
      policies,
      catalog,
      remove: { services: [], actions: ['ec2:TerminateInstances'] },
    })
    // Assess
    expect(r.documents.length).toBeGreaterThan(2)
    for (const d of r.documents) expect(documentChars(d)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS)
    const statements = r.documents.flatMap((d) => d.Statement)
    expect(
      statements.every((s) => s.Resource === '*' && JSON.stringify(s.Condition) === JSON.stringify(MFA)),
    ).toBe(true)
    expect(statements.map((s) => s.Sid)).toEqual(statements.map((_, i) => `EverythingPart${i + 1}`))
    expect(actionsOf(r).sort()).toEqual(ec2.filter((a) => a !== 'ec2:TerminateInstances').sort())
  })

  it('packs whole statements into documents within a smaller limit', () => {
    // Prepare
    const statements = SERVICES.map((s) => allow(catalog.actions(s)!.slice(0, 40), { Sid: `S${s}` }))
    const policies = [held({ Statement: statements })]
    // Act
    const r = recommendPolicy({
      policies,
      catalog,
      remove: { services: [], actions: [] },
      maxDocumentChars: 3000,
    })
    // Assess
    expect(r.documents.length).toBeGreaterThan(1)
    for (const d of r.documents) expect(documentChars(d)).toBeLessThanOrEqual(3000)
    const sids = r.documents.flatMap((d) => d.Statement.map((s) => s.Sid))
    expect(sids.sort()).toEqual(SERVICES.map((s) => `S${s}`).sort())
  })

  it('drops, with a note, what it cannot narrow because the catalog lacks the service, never allowing it', () => {
    // Prepare
    const withoutS3: ActionCatalog = {
      actions: (s) => (s.toLowerCase() === 's3' ? undefined : catalog.actions(s)),
      services: () => SERVICES.filter((s) => s !== 's3'),
    }
    const policies = [held({ Statement: [allow(['s3:Get*', 'sqs:SendMessage'])] })]
    // Act
    const r = recommendPolicy({
      policies,
      catalog: withoutS3,
      remove: { services: [], actions: ['s3:GetObject'] },
    })
    // Assess
    expect(actionsOf(r)).toEqual(['sqs:SendMessage'])
    expect(r.notes.join('\n')).toMatch(/s3 is not in the catalog/)
  })

  it('tells the caller which services to load', () => {
    // Prepare
    const policies = [
      held({
        Statement: [
          allow(['s3:*', 'sqs:SendMessage']),
          { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
        ],
      }),
    ]
    // Act
    const needs = catalogNeeds(policies, { services: ['ec2'], actions: ['s3:GetObject', 'sqs:DeleteQueue'] })
    const literalOnly = catalogNeeds([held({ Statement: [allow('s3:*')] })], {
      services: ['ec2'],
      actions: [],
    })
    // Assess
    expect(needs).toEqual({ services: ['s3', 'sqs'], keptServices: true })
    expect(literalOnly).toEqual({ services: [], keptServices: false })
  })
})

// Random policies against random removals -------------------------------------------------------

type Raw = {
  statements: Array<{
    effect: 'Allow' | 'Deny'
    not: boolean
    patterns: string[]
    resource: { key: 'Resource' | 'NotResource'; value: string[] }
    condition: boolean
  }>
  kind: HeldPolicy['kind']
}

const RESOURCE_PATTERNS = [
  '*',
  ...ARNS,
  'arn:aws:s3:::data/*',
  `arn:aws:*:us-east-1:${ACCOUNT}:*`,
  `arn:aws:iam::${ACCOUNT}:role/*`,
]

/** Action patterns of every shape: literal, `svc:*`, prefixes, `?`, inner stars, wildcard services. */
function patternArb(): fc.Arbitrary<string> {
  const action = fc.constantFrom(...everyAction)
  const flip = (s: string, upper: boolean) => (upper ? s.toUpperCase() : s)
  return fc.oneof(
    { weight: 4, arbitrary: action },
    { weight: 1, arbitrary: fc.tuple(action, fc.boolean()).map(([a, u]) => flip(a, u)) },
    { weight: 2, arbitrary: fc.constantFrom(...SERVICES.map((s) => `${s}:*`)) },
    {
      weight: 4,
      arbitrary: fc.tuple(action, fc.nat()).map(([a, n]) => {
        const colon = a.indexOf(':')
        return `${a.slice(0, colon + 1 + (n % (a.length - colon)))}*`
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(action, fc.nat()).map(([a, n]) => {
        const at = a.indexOf(':') + 1 + (n % (a.length - a.indexOf(':') - 1))
        return `${a.slice(0, at)}?${a.slice(at + 1)}`
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(action, fc.nat())
        .map(([a, n]) => `${a.slice(0, a.indexOf(':') + 1)}*${a.slice(-1 - (n % 6))}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '*',
        '*:Get*',
        '*:List*',
        's3*',
        '*Object',
        '?3:Get*',
        '*:*Key*',
        'newservice:*',
      ),
    },
  )
}

function policiesArb(): fc.Arbitrary<Raw[]> {
  const statement = fc.record({
    effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Allow', 'Deny'),
    not: fc.constantFrom(false, false, false, true),
    patterns: fc.array(patternArb(), { minLength: 1, maxLength: 4 }),
    resource: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constant<Raw['statements'][number]['resource']>({ key: 'Resource', value: ['*'] }),
      },
      {
        weight: 2,
        arbitrary: fc
          .subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 3 })
          .map((value) => ({ key: 'Resource' as const, value })),
      },
      {
        weight: 1,
        arbitrary: fc
          .subarray(RESOURCE_PATTERNS.slice(1), { minLength: 1, maxLength: 2 })
          .map((value) => ({ key: 'NotResource' as const, value })),
      },
    ),
    condition: fc.boolean(),
  })
  const identity = fc.record({
    statements: fc.array(statement, { minLength: 1, maxLength: 3 }),
    kind: fc.constantFrom<HeldPolicy['kind']>(
      'managed',
      'aws-managed',
      'inline',
      'group-managed',
      'group-inline',
    ),
  })
  const boundary = fc.record({
    statements: fc.array(
      statement.map((s) => ({ ...s, effect: 'Allow' as const })),
      { minLength: 1, maxLength: 2 },
    ),
    kind: fc.constant<HeldPolicy['kind']>('boundary'),
  })
  return fc
    .tuple(fc.array(identity, { minLength: 1, maxLength: 4 }), fc.option(boundary, { freq: 3 }))
    .map(([ids, b]) => (b ? [...ids, b] : ids))
}

function removalArb(): fc.Arbitrary<{ services: string[]; actions: string[] }> {
  const action = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...everyAction) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('iam:PassRole', 'S3:getobject', 's3:GetFutureThing', 'ec2:DescribeNewThing'),
    },
  )
  return fc.record({
    services: fc.subarray(SERVICES, { maxLength: 4 }),
    actions: fc.array(action, { maxLength: 25 }),
  })
}

const toHeld = (raw: Raw[]): HeldPolicy[] =>
  raw.map((p, i) =>
    held(
      {
        Version: '2012-10-17',
        Statement: p.statements.map((s) => ({
          Effect: s.effect,
          [s.not ? 'NotAction' : 'Action']: s.patterns,
          [s.resource.key]: s.resource.value,
          ...(s.condition ? { Condition: MFA } : {}),
        })),
      },
      p.kind,
      `policy-${i + 1}`,
    ),
  )

describe('a least-privilege recommendation (properties, real catalog of seven services)', () => {
  /** Removed as the recommendation must treat it: the service or the name removed, iam:PassRole never. */
  const isRemoved = (remove: { services: string[]; actions: string[] }, action: string) =>
    action.toLowerCase() !== 'iam:passrole' &&
    (remove.services.includes(action.split(':')[0]!.toLowerCase()) ||
      remove.actions.some((a) => a.toLowerCase() === action.toLowerCase()))

  it('never allows what the original did not, allows every kept action as before, and denies the removed', () => {
    const resources = fc.subarray(ARNS, { minLength: 1, maxLength: 2 })
    fc.assert(
      fc.property(
        policiesArb(),
        removalArb(),
        fc.constantFrom(undefined, 1500, 3000),
        resources,
        fc.nat(6),
        (raw, remove, max, arns, offset) => {
          // Prepare
          const original = toHeld(raw)
          /** The original without its conditional Allow statements: what it allows unconditionally. */
          const unconditional = original.map((p) => ({
            ...p,
            document: {
              statements: p.document.statements.filter((s) => s.effect === 'Deny' || !s.conditions),
            },
          }))
          // Act
          const r = recommendPolicy({
            policies: original,
            catalog,
            remove,
            ...(max ? { maxDocumentChars: max } : {}),
          })
          // Assess: every catalog action on "some resource"; a seventh of them on specific resources.
          const recommended = asHeld(r, original)
          const sample = everyAction.filter((_, i) => (i + offset) % 7 === 0)
          for (const resource of [undefined, ...arns]) {
            for (const action of resource === undefined ? everyAction : sample) {
              const before = decision(original, action, resource)
              const after = decision(recommended, action, resource)
              if (isRemoved(remove, action)) expect(after, `${action} on ${resource}`).toBe('denied')
              else expect(after, `${action} on ${resource}`).toBe(before)
            }
            // Uncatalogued actions: a rewritten statement may lose them (and with a conditional grant
            // gone, "conditional" may become "allowed"), but nothing is allowed that was not.
            for (const action of UNCATALOGUED) {
              const after = decision(recommended, action, resource)
              if (after !== 'denied') expect(decision(original, action, resource)).not.toBe('denied')
              if (after === 'allowed') expect(decision(unconditional, action, resource)).toBe('allowed')
              if (isRemoved(remove, action)) expect(after, `${action} on ${resource}`).toBe('denied')
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('with services missing from the catalog, still never allows more and still denies the removed', () => {
    fc.assert(
      fc.property(policiesArb(), removalArb(), fc.subarray(SERVICES), (raw, remove, loaded) => {
        // Prepare
        const original = toHeld(raw)
        const partial: ActionCatalog = {
          actions: (s) => (loaded.includes(s.toLowerCase()) ? catalog.actions(s) : undefined),
          services: () => loaded,
        }
        // Act
        const r = recommendPolicy({ policies: original, catalog: partial, remove })
        // Assess
        const recommended = asHeld(r, original)
        for (const action of [...everyAction, ...UNCATALOGUED]) {
          const after = decision(recommended, action)
          if (isRemoved(remove, action)) expect(after, action).toBe('denied')
          if (after !== 'denied') expect(decision(original, action), action).not.toBe('denied')
        }
      }),
      { numRuns: 40 },
    )
  })

  it('keeps every Deny, keeps the scope of every Allow, and fits every document in the limit', () => {
    fc.assert(
      fc.property(policiesArb(), removalArb(), fc.constantFrom(undefined, 1500, 3000), (raw, remove, max) => {
        // Prepare
        const original = toHeld(raw)
        const identity = original.filter((p) => p.kind !== 'boundary').flatMap((p) => p.document.statements)
        const scope = (s: Statement) => JSON.stringify([s.resources, s.notResources, s.conditions])
        const originalScopes = new Set(identity.filter((s) => s.effect === 'Allow').map(scope))
        // Act
        const r = recommendPolicy({
          policies: original,
          catalog,
          remove,
          ...(max ? { maxDocumentChars: max } : {}),
        })
        // Assess
        const out = statementsOf(r)
        const strip = ({ sid: _sid, ...s }: Statement) => JSON.stringify(s)
        const outDenies = new Set(out.filter((s) => s.effect === 'Deny').map(strip))
        for (const deny of identity.filter((s) => s.effect === 'Deny'))
          expect(outDenies).toContain(strip(deny))
        for (const s of out.filter((s) => s.effect === 'Allow')) expect(originalScopes).toContain(scope(s))
        for (const d of r.documents)
          expect(documentChars(d)).toBeLessThanOrEqual(max ?? MANAGED_POLICY_MAX_CHARS)
        const sids = out.flatMap((s) => (s.sid ? [s.sid] : []))
        expect(new Set(sids).size).toBe(sids.length)
        expect(
          r.documents.every((d: PolicyJson) => d.Version === '2012-10-17' && d.Statement.length > 0),
        ).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('writes no wildcard that matches a string the original statement did not', () => {
    fc.assert(
      fc.property(policiesArb(), removalArb(), (raw, remove) => {
        // Prepare
        const original = toHeld(raw)
        const probes = [...everyAction, ...UNCATALOGUED]
        // Act
        const r = recommendPolicy({ policies: original, catalog, remove })
        // Assess: every Allow pattern's catalogued and uncatalogued matches were allowed by some original
        // Allow statement with the same scope.
        const identity = original.filter((p) => p.kind !== 'boundary').flatMap((p) => p.document.statements)
        for (const s of statementsOf(r).filter((s) => s.effect === 'Allow' && s.actions)) {
          const sources = identity.filter(
            (o) =>
              o.effect === 'Allow' &&
              JSON.stringify([o.resources, o.notResources, o.conditions]) ===
                JSON.stringify([s.resources, s.notResources, s.conditions]),
          )
          for (const p of s.actions!)
            for (const probe of probes.filter((a) => actionMatches(p, a)))
              expect(
                sources.some((o) =>
                  o.actions
                    ? o.actions.some((q) => actionMatches(q, probe))
                    : !o.notActions!.some((n) => actionMatches(n, probe)),
                ),
                `${p} matches ${probe}`,
              ).toBe(true)
        }
      }),
      { numRuns: 40 },
    )
  })
})
