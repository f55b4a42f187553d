import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { fetchAuthorizationDetails, listServerCertificates } from '../../shared/aws/authorization.ts'
import { normalizeAuthorization } from '../../shared/normalize/authorization.ts'
import { evaluateAction } from '../../shared/policy/evaluate.ts'

let sim: IamSimulator
afterEach(async () => sim?.stop())
const iam = () => new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1' })
const trust = (principal: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
})

function account() {
  const b = new AccountBuilder('123456789012')
  const putAnything = b.managedPolicy('PutAnything', {
    Statement: [{ Effect: 'Allow', Action: 'iam:Put*', Resource: '*' }],
  })
  const s3Only = b.managedPolicy('S3Only', {
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
  })
  return b
    .group('admins', (g) => g.inline('all', { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }))
    .user('alice', (u) => u.group('admins'))
    .user('bob', (u) => u.policies((p) => p.attach(putAnything).inline('broken', '{"Statement": [')))
    .role('deploy', trust({ AWS: '*' }), (r) =>
      r.attach('AdministratorAccess').boundary(s3Only).lastUsedDaysAgo(3),
    )
    .serverCertificate('old-site', -10)
    .build()
}

describe('authorization details on the wire', () => {
  it('normalizes principals with the policies they hold, decoding URL-encoded documents', async () => {
    // Prepare
    sim = await startIamSimulator(account())
    // Act
    const inventory = normalizeAuthorization(await fetchAuthorizationDetails(iam()))
    // Assess
    const alice = inventory.users.find((u) => u.name === 'alice')!
    expect(alice.policies.map((p) => [p.name, p.kind])).toEqual([['group:admins/all', 'group-inline']])
    expect(evaluateAction(alice.policies, 'iam:CreateUser').decision).toBe('allowed')
    const bob = inventory.users.find((u) => u.name === 'bob')!
    expect(bob.attached).toEqual(['PutAnything'])
    expect(bob.unreadable).toEqual([{ policy: 'broken', reason: 'not a JSON object' }])
    const deploy = inventory.roles.find((r) => r.name === 'deploy')!
    expect(deploy.trust?.statements[0]?.principal).toEqual({ AWS: ['*'] })
    expect(deploy.lastUsedAt).toBeInstanceOf(Date)
    expect(evaluateAction(deploy.policies, 'iam:CreateUser').decision).toBe('denied') // the boundary caps AdministratorAccess
    expect(evaluateAction(deploy.policies, 's3:PutObject').decision).toBe('allowed')
    expect(inventory.policies.map((p) => [p.name, p.awsManaged, p.attachmentCount]).sort()).toEqual([
      ['AdministratorAccess', true, 1],
      ['PutAnything', false, 1],
      ['S3Only', false, 0],
    ])
  })

  it('sends IAM the URL-encoded documents IAM sends', async () => {
    sim = await startIamSimulator(account())
    const res = await fetch(sim.endpoint, {
      method: 'POST',
      body: 'Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Role',
    })
    const xml = await res.text()
    expect(xml).toContain('<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22')
    expect(xml).not.toContain('<UserDetailList><member>')
  })

  it('pages with Marker at the largest page size: one call per 1,000 entities', async () => {
    const b = new AccountBuilder('123456789012')
    for (let i = 0; i < 1500; i++) b.role(`r${i}`, trust({ Service: 'lambda.amazonaws.com' }))
    sim = await startIamSimulator(b.build())
    const inventory = normalizeAuthorization(await fetchAuthorizationDetails(iam()))
    expect(inventory.roles).toHaveLength(1500)
    expect(sim.requestCount('GetAccountAuthorizationDetails')).toBe(2)
  })

  it('honours a small MaxItems', async () => {
    sim = await startIamSimulator(account())
    const page = await iam().send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 2 }))
    expect(page.IsTruncated).toBe(true)
    expect((page.UserDetailList?.length ?? 0) + (page.GroupDetailList?.length ?? 0)).toBe(2)
  })

  it('lists server certificates with their expiration', async () => {
    sim = await startIamSimulator(account())
    const [cert] = await listServerCertificates(iam())
    expect(cert?.name).toBe('old-site')
    expect(cert!.expiration!.getTime()).toBeLessThan(Date.now())
  })
})
