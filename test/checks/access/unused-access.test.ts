import { describe, expect, it } from 'vitest'
import { unusedActionAccess } from '../../../shared/checks/access/unused-action-access.ts'
import { unusedServiceAccess } from '../../../shared/checks/access/unused-service-access.ts'
import type { AccessAdvisorSource } from '../../../shared/checks/sources.ts'
import type { AccessReport, ServiceAccess } from '../../../shared/model/access.ts'
import { staticCatalog } from '../../../shared/policy/catalog.ts'
import { parsePolicyDocument } from '../../../shared/policy/document.ts'
import { evaluateAction } from '../../../shared/policy/evaluate.ts'
import {
  ACCOUNT,
  allow,
  assume,
  details,
  local,
  policyDoc,
  source,
  trustDoc,
} from '../../support/authorization.ts'
import { daysAgo, failingIds, failures, run } from '../../support/fixtures.ts'

const catalog = staticCatalog({
  s3: ['GetObject', 'PutObject', 'CreateBucket', 'DeleteBucket', 'ListBucket'],
  sqs: ['SendMessage', 'ReceiveMessage', 'DeleteQueue'],
  dynamodb: ['GetItem', 'PutItem', 'Query'],
  iam: ['PassRole', 'GetRole', 'ListRoles'],
})
const trust = trustDoc(assume({ Service: 'lambda.amazonaws.com' }))
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`

function advisor(services: ServiceAccess[], resourceId = 'role/app', arn = ROLE_ARN): AccessAdvisorSource {
  const report: AccessReport = { arn, resourceId, generatedAt: daysAgo(0), services }
  return { reports: new Map([[resourceId, report]]), catalog }
}
const svc = (
  namespace: string,
  lastDaysAgo?: number,
  tracked?: Record<string, number | undefined>,
): ServiceAccess => ({
  namespace,
  name: namespace,
  ...(lastDaysAgo !== undefined ? { lastAccessed: daysAgo(lastDaysAgo) } : {}),
  ...(tracked
    ? {
        trackedActions: Object.entries(tracked).map(([a, d]) => ({
          action: `${namespace}:${a}`,
          ...(d !== undefined ? { lastAccessed: daysAgo(d) } : {}),
        })),
      }
    : {}),
})
const role = (
  doc: unknown,
  extra: { createdAt?: Date; attached?: string[]; policies?: Record<string, never> } = {},
) =>
  source(
    details({
      roles: {
        app: {
          trust,
          inline: { main: doc },
          createdAt: extra.createdAt ?? daysAgo(400),
          ...(extra.attached ? { attached: extra.attached } : {}),
        },
      },
    }),
  )

describe('unused-service-access', () => {
  it('fails when a granted service was never accessed, listing it as never', () => {
    // Prepare
    const authorization = role(policyDoc(allow(['s3:GetObject', 'sqs:*'])))
    const accessAdvisor = advisor([svc('s3', 3), svc('sqs')])
    // Act
    const outcomes = run(unusedServiceAccess, { authorization, accessAdvisor })
    // Assess
    expect(failingIds(outcomes)).toEqual(['role/app'])
    expect(failures(outcomes)[0]!.evidence.unusedServices).toEqual(['sqs: never'])
  })

  it('gives the last access date of a service used before the window', () => {
    const outcomes = run(unusedServiceAccess, {
      authorization: role(policyDoc(allow(['s3:*', 'dynamodb:*']))),
      accessAdvisor: advisor([svc('s3', 1), svc('dynamodb', 120)]),
    })
    expect(failures(outcomes)[0]!.evidence.unusedServices).toEqual([
      `dynamodb: last ${daysAgo(120).toISOString().slice(0, 10)}`,
    ])
  })

  it('passes when every granted service was used in the window', () => {
    const outcomes = run(unusedServiceAccess, {
      authorization: role(policyDoc(allow('s3:*'))),
      accessAdvisor: advisor([svc('s3', 80)]),
    })
    expect(failingIds(outcomes)).toEqual([])
  })

  it('does not count a service every action of which a Deny removes', () => {
    const doc = policyDoc(allow(['s3:*', 'sqs:*']), { Effect: 'Deny', Action: 'sqs:*', Resource: '*' })
    const outcomes = run(unusedServiceAccess, {
      authorization: role(doc),
      accessAdvisor: advisor([svc('s3', 1), svc('sqs')]),
    })
    expect(failingIds(outcomes)).toEqual([])
  })

  it('never judges a service granted only for iam:PassRole, which Access Advisor cannot see', () => {
    const outcomes = run(unusedServiceAccess, {
      authorization: role(policyDoc(allow(['s3:*', 'iam:PassRole']))),
      accessAdvisor: advisor([svc('s3', 1), svc('iam')]),
    })
    expect(failingIds(outcomes)).toEqual([])
  })

  it('does not judge a principal younger than window plus grace', () => {
    const outcomes = run(unusedServiceAccess, {
      authorization: role(policyDoc(allow('sqs:*')), { createdAt: daysAgo(60) }),
      accessAdvisor: advisor([svc('sqs')]),
    })
    expect(failingIds(outcomes)).toEqual([])
    expect(outcomes[0]!.evidence.judgedFrom).toBeDefined()
  })

  it('sets aside a service granted by a policy version younger than window plus grace', () => {
    // Prepare: an old role; its managed policy gained sqs 20 days ago (v2), s3 since v1 (300 days ago)
    const arn = local('app-policy')
    const authorization = source(
      details({
        roles: { app: { trust, attached: [arn], createdAt: daysAgo(400) } },
        policies: {
          'app-policy': {
            arn,
            doc: policyDoc(allow(['s3:*', 'sqs:*'])),
            createdAt: daysAgo(20),
            older: [{ doc: policyDoc(allow('s3:*')), createdAt: daysAgo(300) }],
          },
        },
      }),
    )
    // Act
    const outcomes = run(unusedServiceAccess, {
      authorization,
      accessAdvisor: advisor([svc('s3'), svc('sqs')]),
    })
    // Assess: s3 unused for long enough; sqs too new to judge
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      unusedServices: ['s3: never'],
      recentGrantsNotJudged: ['sqs'],
    })
  })

  it('sets aside a grant the monitor saw attached recently, though the policy and role are old', () => {
    // Prepare: an old AWS-managed-like policy attached to an old role 3 days ago (per CloudTrail)
    const arn = local('queues')
    const authorization = source(
      details({
        roles: {
          app: {
            trust,
            attached: [arn],
            inline: { main: policyDoc(allow('s3:*')) },
            createdAt: daysAgo(400),
          },
        },
        policies: { queues: { arn, doc: policyDoc(allow('sqs:*')), createdAt: daysAgo(900) } },
      }),
    )
    const grants = new Map([['role/app', new Map([[arn, daysAgo(3)]])]])
    const accessAdvisor = { ...advisor([svc('s3'), svc('sqs')]), grants }
    // Act
    const [f] = failures(run(unusedServiceAccess, { authorization, accessAdvisor }))
    // Assess: s3 (inline since the role's creation) is judged; sqs is too new
    expect(f!.evidence).toMatchObject({ unusedServices: ['s3: never'], recentGrantsNotJudged: ['sqs'] })
  })

  it('follows a configured window and grace', () => {
    const input = {
      authorization: role(policyDoc(allow(['s3:*', 'sqs:*']))),
      accessAdvisor: advisor([svc('s3', 1), svc('sqs', 40)]),
    }
    expect(failingIds(run(unusedServiceAccess, input, { windowDays: 30 }))).toEqual(['role/app'])
    expect(failingIds(run(unusedServiceAccess, input, { windowDays: 45 }))).toEqual([])
  })

  it('carries a recommended policy that drops the unused service and keeps scoping, conditions and PassRole', () => {
    // Prepare
    const doc = policyDoc(
      allow(['s3:GetObject', 'sqs:SendMessage'], 'arn:aws:s3:::bucket/*', {
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      }),
      allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/worker`),
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
    )
    // Act
    const [f] = failures(
      run(unusedServiceAccess, {
        authorization: role(doc),
        accessAdvisor: advisor([svc('s3', 2), svc('sqs'), svc('iam')]),
      }),
    )
    // Assess
    const docs = (f!.evidence.recommendedPolicy as string[]).map((d) => parsePolicyDocument(d))
    const held = docs.map((d, i) => {
      if (!d.ok) throw new Error(d.reason)
      return { name: `rec${i}`, kind: 'inline' as const, document: d.document }
    })
    expect(evaluateAction(held, 'sqs:SendMessage').decision).toBe('denied')
    expect(evaluateAction(held, 's3:GetObject', 'arn:aws:s3:::bucket/key').decision).toBe('conditional')
    expect(evaluateAction(held, 's3:GetObject', 'arn:aws:s3:::other/key').decision).toBe('denied')
    expect(evaluateAction(held, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/worker`).decision).toBe(
      'allowed',
    )
    expect(JSON.stringify(f!.evidence.recommendedPolicy)).toContain('s3:DeleteBucket')
  })
})

describe('unused-action-access', () => {
  it('fails for tracked actions not used within a used service', () => {
    // Prepare
    const accessAdvisor = advisor([
      svc('s3', 2, { CreateBucket: undefined, DeleteBucket: 200, ListBucket: 2 }),
    ])
    // Act
    const outcomes = run(unusedActionAccess, { authorization: role(policyDoc(allow('s3:*'))), accessAdvisor })
    // Assess
    expect(failures(outcomes)[0]!.evidence.unusedActions).toEqual([
      's3:CreateBucket: never',
      `s3:DeleteBucket: last ${daysAgo(200).toISOString().slice(0, 10)}`,
    ])
  })

  it('leaves a service unused as a whole to unused-service-access', () => {
    const outcomes = run(unusedActionAccess, {
      authorization: role(policyDoc(allow('s3:*'))),
      accessAdvisor: advisor([svc('s3', undefined, { CreateBucket: undefined })]),
    })
    expect(failingIds(outcomes)).toEqual([])
  })

  it('ignores tracked actions the principal is not granted', () => {
    const outcomes = run(unusedActionAccess, {
      authorization: role(policyDoc(allow('s3:ListBucket'))),
      accessAdvisor: advisor([svc('s3', 2, { CreateBucket: undefined, ListBucket: 2 })]),
    })
    expect(failingIds(outcomes)).toEqual([])
  })

  it('recommends a policy without the unused actions that still allows the used ones', () => {
    const [f] = failures(
      run(unusedActionAccess, {
        authorization: role(policyDoc(allow('s3:*'))),
        accessAdvisor: advisor([svc('s3', 2, { CreateBucket: undefined, ListBucket: 2 })]),
      }),
    )
    const held = (f!.evidence.recommendedPolicy as string[]).map((d, i) => {
      const p = parsePolicyDocument(d)
      if (!p.ok) throw new Error(p.reason)
      return { name: `rec${i}`, kind: 'inline' as const, document: p.document }
    })
    expect(evaluateAction(held, 's3:CreateBucket').decision).toBe('denied')
    expect(evaluateAction(held, 's3:ListBucket').decision).toBe('allowed')
    expect(evaluateAction(held, 's3:GetObject').decision).toBe('allowed')
  })
})

describe('the recommended policy under a permissions boundary', () => {
  it('keeps only what the boundary lets the principal use, so it is least privilege even without the boundary', () => {
    // Prepare: an administrator bounded to s3 and iam:PassRole, which never used sqs
    const boundaryArn = local('bounded')
    const authorization = source(
      details({
        roles: {
          app: {
            trust,
            inline: { admin: policyDoc(allow('*')) },
            boundary: boundaryArn,
            createdAt: daysAgo(400),
          },
        },
        policies: { bounded: { arn: boundaryArn, doc: policyDoc(allow(['s3:*', 'sqs:*', 'iam:PassRole'])) } },
      }),
    )
    // Act
    const [f] = failures(
      run(unusedServiceAccess, {
        authorization,
        accessAdvisor: advisor([svc('s3', 1), svc('sqs'), svc('iam'), svc('dynamodb')]),
      }),
    )
    // Assess: no iam:* and no dynamodb, though the boundary would stop them
    const held = (f!.evidence.recommendedPolicy as string[]).map((d, i) => {
      const p = parsePolicyDocument(d)
      if (!p.ok) throw new Error(p.reason)
      return { name: `rec${i}`, kind: 'inline' as const, document: p.document }
    })
    expect(evaluateAction(held, 'iam:CreateUser').decision).toBe('denied')
    expect(evaluateAction(held, 'dynamodb:GetItem').decision).toBe('denied')
    expect(evaluateAction(held, 'sqs:SendMessage').decision).toBe('denied')
    expect(evaluateAction(held, 'iam:PassRole').decision).toBe('allowed')
    expect(evaluateAction(held, 's3:GetObject').decision).toBe('allowed')
  })
})
