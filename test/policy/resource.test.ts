import { describe, expect, it } from 'vitest'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import {
  evaluateResourcePolicy,
  type RequestPrincipal,
  type ResourceRequest,
  UnsupportedCondition,
} from '../../shared/policy/resource.ts'

const ACCOUNT = '111122223333'
const OTHER = '444455556666'
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`
const ROLE = `arn:aws:iam::${ACCOUNT}:role/publisher`
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/publisher/i-0123`

const doc = (...Statement: object[]): PolicyDocument => {
  const parsed = parsePolicyDocument({ Version: '2012-10-17', Statement })
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.document
}
const publish = (principal: RequestPrincipal, context: ResourceRequest['context'] = {}): ResourceRequest => ({
  principal,
  action: 'sns:Publish',
  resource: TOPIC,
  context: { 'aws:SecureTransport': true, ...context },
})
const service = (id: string): RequestPrincipal => ({ type: 'Service', id })
const aws = (id: string): RequestPrincipal => ({ type: 'AWS', id })
const anonymous: RequestPrincipal = { type: 'Anonymous', id: '*' }
const allow = (Principal: unknown, extra: object = {}) => ({
  Effect: 'Allow',
  Principal,
  Action: 'sns:Publish',
  Resource: TOPIC,
  ...extra,
})

describe('resource policies: the Principal element', () => {
  it('lets "*" and {"AWS": "*"} match every principal, anonymous and AWS services included', () => {
    // Prepare
    const star = doc(allow('*'))
    const awsStar = doc(allow({ AWS: '*' }))
    // Act / Assess
    for (const policy of [star, awsStar]) {
      expect(evaluateResourcePolicy(policy, publish(anonymous))).toBe('allowed')
      expect(evaluateResourcePolicy(policy, publish(aws(`arn:aws:iam::${OTHER}:user/eve`)))).toBe('allowed')
      expect(evaluateResourcePolicy(policy, publish(service('cloudwatch.amazonaws.com')))).toBe('allowed')
    }
  })

  it('lets an account principal (its id or its root ARN) match every identity of that account and no other', () => {
    // Prepare
    for (const id of [ACCOUNT, `arn:aws:iam::${ACCOUNT}:root`]) {
      const policy = doc(allow({ AWS: id }))
      // Act / Assess
      expect(evaluateResourcePolicy(policy, publish(aws(ROLE)))).toBe('allowed')
      expect(evaluateResourcePolicy(policy, publish(aws(SESSION)))).toBe('allowed')
      expect(evaluateResourcePolicy(policy, publish(aws(`arn:aws:iam::${ACCOUNT}:root`)))).toBe('allowed')
      expect(evaluateResourcePolicy(policy, publish(aws(`arn:aws:iam::${OTHER}:root`)))).toBe('implicit-deny')
      expect(evaluateResourcePolicy(policy, publish(anonymous))).toBe('implicit-deny')
      expect(evaluateResourcePolicy(policy, publish(service('events.amazonaws.com')))).toBe('implicit-deny')
    }
  })

  it('lets a role ARN match the role and its sessions, and not another role of the same account', () => {
    // Prepare
    const policy = doc(allow({ AWS: ROLE }))
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE)))).toBe('allowed')
    expect(evaluateResourcePolicy(policy, publish(aws(SESSION)))).toBe('allowed')
    expect(evaluateResourcePolicy(policy, publish(aws(`arn:aws:iam::${ACCOUNT}:role/other`)))).toBe(
      'implicit-deny',
    )
    expect(
      evaluateResourcePolicy(policy, publish(aws(`arn:aws:sts::${ACCOUNT}:assumed-role/other/publisher`))),
    ).toBe('implicit-deny')
  })

  it('lets a role ARN with a path match sessions of that role, which carry no path', () => {
    // Prepare
    const policy = doc(allow({ AWS: `arn:aws:iam::${ACCOUNT}:role/service/publisher` }))
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(aws(SESSION)))).toBe('allowed')
  })

  it('lets a service principal match only that service', () => {
    // Prepare
    const policy = doc(allow({ Service: ['cloudwatch.amazonaws.com'] }))
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(service('cloudwatch.amazonaws.com')))).toBe('allowed')
    expect(evaluateResourcePolicy(policy, publish(service('events.amazonaws.com')))).toBe('implicit-deny')
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE)))).toBe('implicit-deny')
  })

  it('applies a NotPrincipal Deny to everyone except the named principal', () => {
    // Prepare
    const policy = doc(allow('*'), {
      Effect: 'Deny',
      NotPrincipal: { AWS: ROLE },
      Action: 'sns:Publish',
      Resource: TOPIC,
    })
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE)))).toBe('allowed')
    expect(evaluateResourcePolicy(policy, publish(aws(`arn:aws:iam::${ACCOUNT}:role/other`)))).toBe('denied')
    expect(evaluateResourcePolicy(policy, publish(anonymous))).toBe('denied')
  })
})

describe('resource policies: actions, resources and the outcome', () => {
  it('answers implicit-deny when no statement applies, and an explicit Deny wins over any Allow', () => {
    // Prepare
    const onlyAllow = doc(allow({ AWS: ACCOUNT }))
    const withDeny = doc(allow({ AWS: ACCOUNT }), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:*',
      Resource: TOPIC,
    })
    // Act / Assess
    expect(evaluateResourcePolicy(onlyAllow, { ...publish(aws(ROLE)), action: 'sns:Subscribe' })).toBe(
      'implicit-deny',
    )
    expect(evaluateResourcePolicy(onlyAllow, { ...publish(aws(ROLE)), resource: `${TOPIC}-2` })).toBe(
      'implicit-deny',
    )
    expect(evaluateResourcePolicy(withDeny, publish(aws(ROLE)))).toBe('denied')
  })

  it('matches actions case-insensitively and with wildcards, as IAM does (kms:GenerateDataKey*)', () => {
    // Prepare
    const policy = doc({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'KMS:decrypt'],
      Resource: '*',
    })
    const use = (action: string) =>
      evaluateResourcePolicy(policy, {
        principal: service('cloudwatch.amazonaws.com'),
        action,
        resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
      })
    // Act / Assess
    expect(use('kms:GenerateDataKey')).toBe('allowed')
    expect(use('kms:Decrypt')).toBe('allowed')
    expect(use('kms:Encrypt')).toBe('implicit-deny')
  })

  it('applies a statement without Resource (a trust policy) to the resource the policy is attached to', () => {
    // Prepare
    const trust = doc({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    })
    const assume = (account: string) =>
      evaluateResourcePolicy(trust, {
        principal: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: ROLE,
        context: { 'aws:SourceAccount': account },
      })
    // Act / Assess
    expect(assume(ACCOUNT)).toBe('allowed')
    expect(assume(OTHER)).toBe('implicit-deny')
  })

  it('does not apply a statement that names no principal (an identity policy statement)', () => {
    // Prepare
    const identity = doc({ Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC })
    // Act / Assess
    expect(evaluateResourcePolicy(identity, publish(aws(ROLE)))).toBe('implicit-deny')
  })
})

describe('resource policies: conditions', () => {
  it('denies every SNS call over plain HTTP with Bool aws:SecureTransport false, and none over TLS', () => {
    // Prepare: the TLS-only statement of the SNS security best practices
    const policy = doc(allow({ AWS: ACCOUNT }), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: TOPIC,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    })
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE)))).toBe('allowed')
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE), { 'aws:SecureTransport': false }))).toBe(
      'denied',
    )
    expect(evaluateResourcePolicy(policy, publish(aws(ROLE), { 'aws:SecureTransport': 'false' }))).toBe(
      'denied',
    )
  })

  it('limits a service to its sources: ArnLike aws:SourceArn (per ARN component) and StringEquals aws:SourceAccount', () => {
    // Prepare
    const policy = doc(
      allow(
        { Service: 'cloudwatch.amazonaws.com' },
        {
          Condition: {
            ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:*:${ACCOUNT}:alarm:app-*` },
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
          },
        },
      ),
    )
    const alarm = (arn: string, account = ACCOUNT) =>
      evaluateResourcePolicy(
        policy,
        publish(service('cloudwatch.amazonaws.com'), { 'aws:SourceArn': arn, 'aws:SourceAccount': account }),
      )
    // Act / Assess
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:app-errors`)).toBe('allowed')
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:app-a:b`)).toBe('allowed')
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:other-errors`)).toBe('implicit-deny')
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:${OTHER}:alarm:app-errors`, OTHER)).toBe('implicit-deny')
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:${OTHER}:alarm:app-errors`)).toBe('implicit-deny')
    // A `*` in the region component does not reach into the account component.
    expect(alarm(`arn:aws:cloudwatch:eu-west-1:x:${ACCOUNT}:alarm:app-errors`)).toBe('implicit-deny')
    // Missing keys: the condition is false.
    expect(evaluateResourcePolicy(policy, publish(service('cloudwatch.amazonaws.com')))).toBe('implicit-deny')
  })

  it('treats ArnEquals as ArnLike, and ORs the values of one key', () => {
    // Prepare
    const policy = doc(
      allow(
        { Service: 'events.amazonaws.com' },
        {
          Condition: {
            ArnEquals: {
              'aws:SourceArn': [
                `arn:aws:events:us-east-1:${ACCOUNT}:rule/a`,
                `arn:aws:events:us-east-1:${ACCOUNT}:rule/b-*`,
              ],
            },
          },
        },
      ),
    )
    const rule = (name: string) =>
      evaluateResourcePolicy(
        policy,
        publish(service('events.amazonaws.com'), {
          'aws:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT}:rule/${name}`,
        }),
      )
    // Act / Assess
    expect(rule('a')).toBe('allowed')
    expect(rule('b-1')).toBe('allowed')
    expect(rule('c')).toBe('implicit-deny')
  })

  it('matches StringLike with wildcards, case-sensitively, and condition keys case-insensitively', () => {
    // Prepare
    const policy = doc(
      allow(
        { AWS: ACCOUNT },
        { Condition: { StringLike: { 'AWS:PrincipalArn': `arn:aws:iam::*:role/pub*` } } },
      ),
    )
    const as = (principalArn: string) =>
      evaluateResourcePolicy(policy, publish(aws(ROLE), { 'aws:PrincipalArn': principalArn }))
    // Act / Assess
    expect(as(ROLE)).toBe('allowed')
    expect(as(`arn:aws:iam::${ACCOUNT}:role/Publisher`)).toBe('implicit-deny')
  })

  it('scopes an account principal to one role with ArnEquals aws:PrincipalArn', () => {
    // Prepare
    const policy = doc(
      allow(
        { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        { Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } } },
      ),
    )
    // Act / Assess
    expect(evaluateResourcePolicy(policy, publish(aws(SESSION), { 'aws:PrincipalArn': ROLE }))).toBe(
      'allowed',
    )
    const other = `arn:aws:iam::${ACCOUNT}:role/other`
    expect(evaluateResourcePolicy(policy, publish(aws(other), { 'aws:PrincipalArn': other }))).toBe(
      'implicit-deny',
    )
  })

  it('makes negated operators true when the key is absent, and IfExists true when it is absent', () => {
    // Prepare
    const notLike = doc({
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: TOPIC,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ROLE } },
    })
    const ifExists = doc(
      allow('*', { Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } } }),
    )
    // Act / Assess
    expect(evaluateResourcePolicy(notLike, publish(anonymous))).toBe('denied')
    expect(evaluateResourcePolicy(notLike, publish(aws(SESSION), { 'aws:PrincipalArn': ROLE }))).toBe(
      'implicit-deny',
    )
    expect(evaluateResourcePolicy(ifExists, publish(anonymous))).toBe('allowed')
    expect(evaluateResourcePolicy(ifExists, publish(anonymous, { 'aws:SourceAccount': OTHER }))).toBe(
      'implicit-deny',
    )
  })

  it('refuses to guess an operator it does not implement', () => {
    // Prepare
    const policy = doc(allow('*', { Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }))
    // Act / Assess
    expect(() => evaluateResourcePolicy(policy, publish(anonymous))).toThrow(UnsupportedCondition)
  })
})
