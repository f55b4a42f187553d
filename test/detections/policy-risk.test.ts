import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  documentRisk,
  escalates,
  grantsEscalationAction,
  publicStatements,
  statements,
  trustedPrincipals,
} from '../../shared/detections/policy-risk.ts'
import { s3BucketPolicyChange } from '../../shared/detections/s3-bucket-policy-change.ts'
import { ACCOUNT, event, record } from '../support/events.ts'

const ESCALATION = [
  'iam:PassRole',
  'iam:CreatePolicyVersion',
  'lambda:UpdateFunctionCode',
  'glue:UpdateDevEndpoint',
]

/** Action patterns: escalation actions in any case, with wildcards, near misses, and any text. */
const actionPattern = fc.oneof(
  fc
    .constantFrom(...ESCALATION)
    .chain((a) =>
      fc.constantFrom(a, a.toLowerCase(), a.toUpperCase(), `${a}*`, `${a.slice(0, 6)}*`, `${a}x`, ` ${a}`),
    ),
  fc.string({
    unit: fc.constantFrom('i', 'a', 'm', ':', '*', '?', 'P', 's', 'R', 'o', 'l', 'e', '.', '\n'),
    maxLength: 14,
  }),
  fc.constantFrom('*', '?', 'iam:*', 'IAM:PASS?OLE', 'iam:Pass*', 's3:GetObject', 'iam:Get*', 'İam:PassRole'),
  fc.string({ maxLength: 10 }),
)

describe('the escalation test of an action pattern', () => {
  it('agrees with trying each escalation action in turn, first time and remembered (property)', () => {
    fc.assert(
      fc.property(actionPattern, (pattern) => {
        const general = grantsEscalationAction(pattern)
        expect(escalates(pattern)).toBe(general)
        expect(escalates(pattern)).toBe(general)
      }),
      { numRuns: 3000 },
    )
  })
})

/** Statements of identity and trust policies: effects, actions, resources and principals of every kind. */
const statement = fc.record(
  {
    Effect: fc.constantFrom('Allow', 'Deny', 'allow'),
    Action: fc.oneof(actionPattern, fc.array(actionPattern, { maxLength: 3 })),
    NotAction: fc.constantFrom('iam:*', ['s3:*']),
    Resource: fc.constantFrom('*', ['*'], 'arn:aws:s3:::b/*', ['arn:aws:s3:::b', '*']),
    Principal: fc.oneof(
      fc.constantFrom('*', { AWS: '*' }, { AWS: ['*'] }, { Service: 'ec2.amazonaws.com' }),
      fc.record({
        AWS: fc.oneof(
          fc.constantFrom(
            ACCOUNT,
            '111122223333',
            `arn:aws:iam::444455556666:root`,
            'arn:aws:sts::777788889999:x',
          ),
          fc.array(fc.constantFrom(ACCOUNT, '1234', 'arn:aws-cn:iam::222233334444:role/r', 'nope'), {
            maxLength: 3,
          }),
        ),
      }),
    ),
  },
  { requiredKeys: ['Effect'] },
)
const policy = fc.record({
  Version: fc.constant('2012-10-17'),
  Statement: fc.oneof(statement, fc.array(statement, { maxLength: 4 })),
})

describe('policy documents read from their text', () => {
  it('give what the parsed document gives, encoded or not, first time and remembered (property)', () => {
    fc.assert(
      fc.property(policy, fc.boolean(), (doc, encoded) => {
        const text = encoded ? encodeURIComponent(JSON.stringify(doc)) : JSON.stringify(doc)
        for (let i = 0; i < 2; i++) {
          expect(documentRisk(text)).toBe(documentRisk(doc))
          expect(trustedPrincipals(text)).toEqual(trustedPrincipals(doc))
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('are read right however long, and however many (what is remembered is bounded)', () => {
    // Prepare: a document longer than any policy, and more documents than are held
    const admin = { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }
    const long = `${' '.repeat(30_000)}${JSON.stringify(admin)}`
    const many = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({
        Id: 'x'.repeat(500),
        Statement: { Effect: 'Allow', Action: `iam:PassRole${i % 2 ? '' : 'x'}` },
      }),
    )
    // Act / Assess
    for (let round = 0; round < 2; round++) {
      expect(documentRisk(long)).toBe('admin')
      for (const [i, doc] of many.entries()) expect(documentRisk(doc)).toBe(i % 2 ? 'escalation' : undefined)
    }
  })

  it('hand each caller its own list of accounts', () => {
    // Prepare
    const text = JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: '111122223333' } } })
    // Act
    trustedPrincipals(text).accounts.push('999999999999')
    // Assess
    expect(trustedPrincipals(text).accounts).toEqual(['111122223333'])
  })
})

/** publicStatements as policy-risk.ts read resource policies before it was made faster: the reference. */
function referencePublicStatements(doc: unknown): Array<{ sid?: string; actions: string[] }> {
  const RESTRICTING = new Set([
    'aws:principalorgid',
    'aws:principalorgpaths',
    'aws:principalaccount',
    'aws:principalarn',
    'aws:sourceaccount',
    'aws:sourcearn',
    'aws:sourceowner',
    'aws:sourceorgid',
    'aws:sourceorgpaths',
    'aws:sourcevpc',
    'aws:sourcevpce',
    'aws:sourceip',
  ])
  const NARROWING = new Set([
    'stringequals',
    'stringequalsignorecase',
    'stringlike',
    'arnequals',
    'arnlike',
    'ipaddress',
  ])
  const list = (x: unknown): string[] =>
    Array.isArray(x) ? x.filter((y) => typeof y === 'string') : typeof x === 'string' ? [x] : []
  const conditionValues = (x: unknown): string[] =>
    (Array.isArray(x) ? x : [x]).flatMap((v) =>
      typeof v === 'string' || typeof v === 'number' ? [String(v).trim()] : [],
    )
  const narrows = (operator: string, key: string, values: unknown): boolean => {
    if (!NARROWING.has(operator.toLowerCase().replace(/^foranyvalue:/, ''))) return false
    const k = key.toLowerCase()
    if (!RESTRICTING.has(k)) return false
    const vs = conditionValues(values)
    if (vs.length === 0 || vs.some((v) => v === '' || /^[*?]+$/.test(v))) return false
    return !(k === 'aws:sourceip' && vs.some((v) => v.endsWith('/0')))
  }
  const restricted = (condition: unknown): boolean =>
    !!condition &&
    typeof condition === 'object' &&
    Object.entries(condition as Record<string, unknown>).some(
      ([operator, block]) =>
        !!block &&
        typeof block === 'object' &&
        Object.entries(block as Record<string, unknown>).some(([key, values]) =>
          narrows(operator, key, values),
        ),
    )
  const everyone = (principal: unknown): boolean =>
    principal === '*' ||
    (!!principal && typeof principal === 'object' && list((principal as { AWS?: unknown }).AWS).includes('*'))
  return statements(doc)
    .filter((s) => s.Effect === 'Allow')
    .filter((s) => everyone(s.Principal) || (s as { NotPrincipal?: unknown }).NotPrincipal !== undefined)
    .filter((s) => !restricted(s.Condition))
    .map((s) => {
      const sid = (s as { Sid?: unknown }).Sid
      return {
        ...(typeof sid === 'string' && sid ? { sid } : {}),
        actions: s.Action !== undefined ? list(s.Action) : list(s.NotAction).map((a) => `NotAction ${a}`),
      }
    })
}

/** Conditions of resource policies: narrowing and other operators and keys in any case, values of any kind. */
const conditionValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '*',
    '?*',
    ' * ',
    'o-abc123',
    'vpc-1',
    '10.0.0.0/8',
    '0.0.0.0/0',
    ' ::/0',
    '*/0',
    7,
    0,
  ),
  fc.constantFrom(null, true, { a: 1 }),
  fc.string({ unit: fc.constantFrom('*', '?', ' ', 'a', '/', '0'), maxLength: 5 }),
)
const condition = fc.dictionary(
  fc.constantFrom(
    'StringEquals',
    'stringlike',
    'ForAnyValue:StringLike',
    'FORANYVALUE:ARNLIKE',
    'ForAllValues:StringEquals',
    'StringNotEquals',
    'IpAddress',
    'NotIpAddress',
    'StringEqualsIfExists',
    'Null',
    'ArnEquals',
  ),
  fc.oneof(
    fc.dictionary(
      fc.constantFrom(
        'aws:PrincipalOrgID',
        'aws:SourceIp',
        'AWS:SOURCEIP',
        'aws:SourceVpce',
        'aws:sourceaccount',
        'aws:PrincipalArn',
        'aws:userid',
        's3:prefix',
      ),
      fc.oneof(conditionValue, fc.array(conditionValue, { maxLength: 3 })),
      { maxKeys: 3 },
    ),
    fc.constantFrom(null, 'x', ['aws:SourceIp']),
  ),
  { maxKeys: 3 },
)
const resourceStatement = fc.record(
  {
    Sid: fc.constantFrom('Public', '', 7),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Principal: fc.constantFrom('*', { AWS: '*' }, { AWS: ['111122223333', '*'] }, { AWS: ACCOUNT }, 'x'),
    NotPrincipal: fc.constantFrom({ AWS: ACCOUNT }),
    Action: fc.constantFrom('s3:GetObject', ['s3:*', 7]),
    NotAction: fc.constantFrom('s3:Delete*', ['s3:Put*']),
    Condition: fc.oneof(condition, fc.constantFrom(null, 'x', [{ StringEquals: { 'aws:SourceVpc': 'v' } }])),
  },
  { requiredKeys: ['Effect'] },
)
const resourcePolicy = fc.oneof(
  fc.record({ Statement: fc.oneof(resourceStatement, fc.array(resourceStatement, { maxLength: 4 })) }),
  fc.constantFrom(null, 'not json', 7),
)

describe('the public statements of a resource policy', () => {
  it('are those the reading before it was made faster finds, as text or parsed (property)', () => {
    fc.assert(
      fc.property(resourcePolicy, fc.boolean(), (doc, asText) => {
        const given = asText && doc && typeof doc === 'object' ? JSON.stringify(doc) : doc
        expect(publicStatements(given)).toEqual(referencePublicStatements(given))
      }),
      { numRuns: 3000 },
    )
  })
})

/** Whether a PutBucketAcl made the bucket public, as s3-bucket-policy-change read it before: the reference. */
function referencePublicAcl(p: Record<string, unknown>): boolean {
  const PUBLIC_CANNED = new Set(['public-read', 'public-read-write', 'authenticated-read'])
  const PUBLIC_GROUP = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/
  const values = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x])
  if (values(p['x-amz-acl']).some((v) => typeof v === 'string' && PUBLIC_CANNED.has(v.toLowerCase())))
    return true
  const grants = [
    p.AccessControlPolicy,
    ...Object.entries(p)
      .filter(([k]) => k.toLowerCase().startsWith('x-amz-grant-'))
      .map(([, v]) => v),
  ]
  return grants.some((g) => g !== undefined && PUBLIC_GROUP.test(JSON.stringify(g) ?? ''))
}

describe('a public bucket ACL', () => {
  it('is found as the reading before it was made faster found it (property)', () => {
    // Prepare: canned ACLs, grant headers in any case and grant bodies naming groups or not
    const uri = fc.constantFrom(
      'http://acs.amazonaws.com/groups/global/AllUsers',
      'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
      'http://acs.amazonaws.com/groups/s3/LogDelivery',
      'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
      'id="d25639fbe9c19cd30a4c0f43fbf00e2d"',
    )
    const parameters = fc.record(
      {
        bucketName: fc.constant('reports'),
        'x-amz-acl': fc.oneof(
          fc.constantFrom('public-read', 'PUBLIC-READ-WRITE', 'private', 'authenticated-read', 7),
          fc.array(fc.constantFrom('private', 'public-read', null), { maxLength: 2 }),
        ),
        'x-amz-grant-read': uri,
        'X-Amz-Grant-Full-Control': fc.array(uri, { maxLength: 2 }),
        'x-amz-grantee': uri,
        AccessControlPolicy: fc.record({
          AccessControlList: fc.record({
            Grant: fc.array(
              fc.record({ Grantee: fc.record({ URI: uri }), Permission: fc.constant('READ') }),
              {
                maxLength: 2,
              },
            ),
          }),
        }),
      },
      { requiredKeys: ['bucketName'] },
    )
    const ctx = {
      params: {},
      strings: {},
      trustedAccounts: new Set<string>(),
      monitor: {},
      deployers: [],
      posture: {},
    }
    fc.assert(
      fc.property(parameters, (requestParameters) => {
        // Act
        const hit = s3BucketPolicyChange.match!(
          event(record({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', requestParameters })),
          ctx,
        )
        // Assess
        expect(hit?.severity === 'critical').toBe(referencePublicAcl(requestParameters))
      }),
      { numRuns: 2000 },
    )
  })
})
