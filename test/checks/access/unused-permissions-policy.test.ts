import { describe, expect, it } from 'vitest'
import { unusedPermissionsPolicy } from '../../../shared/checks/access/unused-permissions-policy.ts'
import type { AccessAdvisorSource } from '../../../shared/checks/sources.ts'
import type { ServiceAccess } from '../../../shared/model/access.ts'
import { staticCatalog } from '../../../shared/policy/catalog.ts'
import { allow, aws, details, local, policyDoc, source } from '../../support/authorization.ts'
import { daysAgo, failingIds, failures, run } from '../../support/fixtures.ts'

const catalog = staticCatalog({
  s3: ['GetObject', 'PutObject'],
  sqs: ['SendMessage'],
  iam: ['PassRole', 'GetRole'],
})
const ARN = local('app-policy')

function input(
  doc: unknown,
  services: ServiceAccess[] | undefined,
  extra: { attachments?: number; createdAt?: Date } = {},
) {
  const authorization = source(
    details({
      policies: { 'app-policy': { arn: ARN, doc, createdAt: extra.createdAt ?? daysAgo(300), ...extra } },
    }),
  )
  const accessAdvisor: AccessAdvisorSource = {
    reports: services
      ? new Map([[ARN, { arn: ARN, resourceId: ARN, generatedAt: daysAgo(0), services }]])
      : new Map(),
    catalog,
  }
  return { authorization, accessAdvisor }
}
const svc = (namespace: string, d?: number): ServiceAccess => ({
  namespace,
  name: namespace,
  ...(d !== undefined ? { lastAccessed: daysAgo(d) } : {}),
})

describe('unused-permissions-policy', () => {
  it('fails when no holder used any of its services in the window', () => {
    // Prepare
    const i = input(policyDoc(allow(['s3:*', 'sqs:*'])), [svc('s3', 100), svc('sqs')], { attachments: 3 })
    // Act
    const outcomes = run(unusedPermissionsPolicy, i)
    // Assess
    expect(failingIds(outcomes)).toEqual([ARN])
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      attachments: 3,
      services: [`s3: last ${daysAgo(100).toISOString().slice(0, 10)}`, 'sqs: never'],
    })
  })

  it('passes when one holder used one of its services in the window', () => {
    const outcomes = run(
      unusedPermissionsPolicy,
      input(policyDoc(allow(['s3:*', 'sqs:*'])), [svc('s3', 5), svc('sqs')]),
    )
    expect(failingIds(outcomes)).toEqual([])
    expect(outcomes[0]!.evidence.usedServices).toEqual(['s3'])
  })

  it('fails a policy attached to nothing', () => {
    const outcomes = run(
      unusedPermissionsPolicy,
      input(policyDoc(allow('s3:*')), [svc('s3')], { attachments: 0 }),
    )
    expect(failures(outcomes)[0]!.evidence).toMatchObject({ attachments: 0 })
  })

  it('passes a Deny-only guardrail, which allows nothing', () => {
    const doc = policyDoc({ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' })
    expect(failingIds(run(unusedPermissionsPolicy, input(doc, [])))).toEqual([])
  })

  it('passes a policy that only allows iam:PassRole, whose use Access Advisor cannot see', () => {
    expect(
      failingIds(run(unusedPermissionsPolicy, input(policyDoc(allow('iam:PassRole')), [svc('iam')]))),
    ).toEqual([])
  })

  it('does not judge a policy whose current version is younger than window plus grace', () => {
    const outcomes = run(
      unusedPermissionsPolicy,
      input(policyDoc(allow('s3:*')), [svc('s3')], { createdAt: daysAgo(30) }),
    )
    expect(failingIds(outcomes)).toEqual([])
    expect(outcomes[0]!.evidence.judgedFrom).toBeDefined()
  })

  it('judges only customer managed policies it has a report for', () => {
    const authorization = source(
      details({
        policies: { ReadOnlyAccess: { arn: aws('ReadOnlyAccess'), doc: policyDoc(allow('s3:Get*')) } },
      }),
    )
    const outcomes = run(unusedPermissionsPolicy, {
      authorization,
      accessAdvisor: { reports: new Map(), catalog },
    })
    expect(outcomes).toEqual([])
  })
})
