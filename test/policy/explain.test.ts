import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { conditionsHold, evaluateConditionKeys } from '../../shared/policy/conditions.ts'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import type { HeldPolicy } from '../../shared/policy/evaluate.ts'
import { explainAccess, resolveVariables } from '../../shared/policy/explain.ts'

const held = (kind: HeldPolicy['kind'], name: string, ...Statement: object[]): HeldPolicy => {
  const parsed = parsePolicyDocument({ Version: '2012-10-17', Statement })
  if (!parsed.ok) throw new Error(parsed.reason)
  return { name, kind, document: parsed.document }
}
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
})
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
})
const REPORT = 'arn:aws:s3:::reports/q1.csv'
/** An IAM policy variable as a policy writes it: `${aws:username}`. */
const variable = (key: string) => `\${${key}}`
const USERNAME = variable('aws:username')
const PAYROLL = 'arn:aws:s3:::payroll/2026.csv'

describe('explainAccess: the decision', () => {
  it('lets an explicit Deny win over an Allow, and names the Deny as what decides', () => {
    // Prepare
    const policies = [
      held('managed', 'read-all', allow('s3:GetObject', 'arn:aws:s3:::*')),
      held('inline', 'no-payroll', { Sid: 'NoPayroll', ...deny('s3:*', 'arn:aws:s3:::payroll/*') }),
    ]
    // Act
    const e = explainAccess({ policies }, { action: 's3:GetObject', resource: PAYROLL })
    // Assess
    expect(e.decision).toBe('explicit-deny')
    expect(e.reason).toBe('an explicit Deny applies: inline policy no-payroll, statement 0 (Sid NoPayroll)')
    expect(e.statements.map((s) => [s.policy, s.effect, s.applies, s.decisive])).toEqual([
      ['read-all', 'Allow', 'yes', false],
      ['no-payroll', 'Deny', 'yes', true],
    ])
    expect(e.statements[1]).toMatchObject({
      kind: 'inline',
      statement: 0,
      sid: 'NoPayroll',
      action: { element: 'Action', pattern: 's3:*' },
      resource: { element: 'Resource', pattern: 'arn:aws:s3:::payroll/*' },
    })
  })

  it('allows through a group policy the user inherits, naming it with its kind', () => {
    // Prepare
    const policies = [
      held('inline', 'own', allow('ec2:Describe*')),
      held('group-managed', 'group:analysts/reports-read', allow('s3:GetObject', 'arn:aws:s3:::reports/*')),
    ]
    // Act
    const e = explainAccess({ policies }, { action: 's3:GetObject', resource: REPORT })
    // Assess
    expect(e.decision).toBe('allowed')
    expect(e.reason).toBe(
      'allowed by group managed policy group:analysts/reports-read, statement 0, and no Deny applies',
    )
    expect(e.statements).toHaveLength(1)
    expect(e.statements[0]).toMatchObject({ kind: 'group-managed', decisive: true })
  })

  it('denies implicitly when no statement matches, and says so', () => {
    // Prepare
    const policies = [held('managed', 'read', allow('s3:GetObject', 'arn:aws:s3:::reports/*'))]
    // Act
    const e = explainAccess({ policies }, { action: 's3:PutObject', resource: REPORT })
    // Assess
    expect(e.decision).toBe('implicit-deny')
    expect(e.reason).toBe('no Allow in the identity policies applies')
    expect(e.statements).toEqual([])
    expect(e.identityAllows).toBe('no')
  })

  it('lets the permissions boundary deny what the identity policies allow', () => {
    // Prepare
    const policies = [
      held('aws-managed', 'AdministratorAccess', allow('*')),
      held('boundary', 'boundary:deploy-only', { Sid: 'DeployOnly', ...allow(['s3:*', 'cloudformation:*']) }),
    ]
    // Act
    const denied = explainAccess({ policies }, { action: 'iam:CreateUser' })
    const allowed = explainAccess({ policies }, { action: 's3:PutObject', resource: REPORT })
    // Assess
    expect(denied.decision).toBe('boundary-deny')
    expect(denied.reason).toBe(
      'the identity policies allow it, but the permissions boundary boundary:deploy-only does not',
    )
    expect(denied.boundary).toEqual({ policies: ['boundary:deploy-only'], allows: 'no' })
    expect(allowed.decision).toBe('allowed')
    expect(allowed.boundary).toEqual({ policies: ['boundary:deploy-only'], allows: 'yes' })
    expect(allowed.statements.filter((s) => s.decisive).map((s) => s.policy)).toEqual([
      'AdministratorAccess',
      'boundary:deploy-only',
    ])
  })

  it('counts a Deny in the permissions boundary as an explicit Deny', () => {
    // Prepare
    const policies = [
      held('managed', 'admin', allow('*')),
      held('boundary', 'boundary:b', allow('*'), deny('iam:*')),
    ]
    // Act
    const e = explainAccess({ policies }, { action: 'iam:CreateUser' })
    // Assess
    expect(e.decision).toBe('explicit-deny')
    expect(e.statements.find((s) => s.decisive)).toMatchObject({ kind: 'boundary', statement: 1 })
  })

  it('takes the resource as * when none is given, as the policy simulator does', () => {
    // Prepare
    const policies = [held('managed', 'read', allow('s3:GetObject', 'arn:aws:s3:::reports/*'))]
    // Act
    const e = explainAccess({ policies }, { action: 's3:GetObject' })
    // Assess
    expect(e.resource).toBe('*')
    expect(e.decision).toBe('implicit-deny')
  })
})

describe('explainAccess: Action, NotAction, Resource, NotResource and wildcards', () => {
  it('matches NotAction by what it does not name, and reports the patterns it excludes', () => {
    // Prepare
    const policies = [
      held('aws-managed', 'PowerUserAccess', {
        Effect: 'Allow',
        NotAction: ['iam:*', 'organizations:*'],
        Resource: '*',
      }),
    ]
    // Act
    const s3 = explainAccess({ policies }, { action: 's3:GetObject', resource: REPORT })
    const iam = explainAccess({ policies }, { action: 'iam:CreateUser' })
    // Assess
    expect(s3.decision).toBe('allowed')
    expect(s3.statements[0]!.action).toEqual({ element: 'NotAction', excluded: ['iam:*', 'organizations:*'] })
    expect(iam.decision).toBe('implicit-deny')
  })

  it('matches NotResource by what it does not name: a Deny outside the allowed buckets', () => {
    // Prepare
    const policies = [
      held('managed', 'all-s3', allow('s3:*')),
      held('managed', 'only-reports', {
        Effect: 'Deny',
        Action: 's3:*',
        NotResource: ['arn:aws:s3:::reports/*'],
      }),
    ]
    // Act
    const reports = explainAccess({ policies }, { action: 's3:GetObject', resource: REPORT })
    const payroll = explainAccess({ policies }, { action: 's3:GetObject', resource: PAYROLL })
    // Assess
    expect(reports.decision).toBe('allowed')
    expect(reports.statements.map((s) => s.policy)).toEqual(['all-s3'])
    expect(payroll.decision).toBe('explicit-deny')
    expect(payroll.statements[1]!.resource).toEqual({
      element: 'NotResource',
      excluded: ['arn:aws:s3:::reports/*'],
    })
  })

  it('matches * and ? in actions case-insensitively and in resources case-sensitively, reporting the pattern that matched', () => {
    // Prepare
    const policies = [
      held(
        'managed',
        'p',
        allow(['ec2:Describe*', 's3:Get*'], ['arn:aws:s3:::logs-20??/*', 'arn:aws:s3:::reports/*']),
      ),
    ]
    // Act
    const matched = explainAccess(
      { policies },
      { action: 'S3:getobject', resource: 'arn:aws:s3:::logs-2026/a' },
    )
    const wrongCase = explainAccess(
      { policies },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::Reports/a' },
    )
    const tooLong = explainAccess(
      { policies },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::logs-202/a' },
    )
    // Assess
    expect(matched.decision).toBe('allowed')
    expect(matched.statements[0]).toMatchObject({
      action: { element: 'Action', pattern: 's3:Get*' },
      resource: { element: 'Resource', pattern: 'arn:aws:s3:::logs-20??/*' },
    })
    expect(wrongCase.decision).toBe('implicit-deny')
    expect(tooLong.decision).toBe('implicit-deny')
  })

  it('resolves policy variables in resources from the context, and cannot tell without them', () => {
    // Prepare
    const policies = [
      held('managed', 'own-keys', allow('iam:CreateAccessKey', `arn:aws:iam::111122223333:user/${USERNAME}`)),
    ]
    const request = { action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::111122223333:user/alice' }
    // Act
    const own = explainAccess({ policies }, { ...request, context: { 'aws:username': 'alice' } })
    const other = explainAccess({ policies }, { ...request, context: { 'aws:username': 'bob' } })
    const unknown = explainAccess({ policies }, request)
    // Assess
    expect(own.decision).toBe('allowed')
    expect(other.decision).toBe('implicit-deny')
    expect(unknown.decision).toBe('undetermined')
    expect(unknown.statements[0]!.resource).toEqual({
      element: 'Resource',
      cannotTell: `Resource arn:aws:iam::111122223333:user/${USERNAME} uses ${USERNAME}, which is not in the context`,
    })
  })
})

describe('explainAccess: conditions evaluated against the context', () => {
  const mfaAdmin = held('inline', 'admin-with-mfa', {
    Sid: 'AdminWithMfa',
    ...allow('iam:*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
  })

  it('counts an Allow whose condition is satisfied', () => {
    // Act
    const e = explainAccess(
      { policies: [mfaAdmin] },
      { action: 'iam:CreateUser', context: { 'aws:MultiFactorAuthPresent': 'true' } },
    )
    // Assess
    expect(e.decision).toBe('allowed')
    expect(e.statements[0]!.conditions).toEqual([
      {
        operator: 'Bool',
        key: 'aws:MultiFactorAuthPresent',
        values: ['true'],
        requestValue: 'true',
        result: 'satisfied',
      },
    ])
  })

  it('does not count an Allow whose condition is not satisfied: an implicit deny', () => {
    // Act
    const e = explainAccess(
      { policies: [mfaAdmin] },
      { action: 'iam:CreateUser', context: { 'aws:MultiFactorAuthPresent': 'false' } },
    )
    // Assess
    expect(e.decision).toBe('implicit-deny')
    expect(e.reason).toBe(
      'no Allow in the identity policies applies (1 Allow statement matched, but its conditions are not satisfied)',
    )
    expect(e.statements[0]).toMatchObject({ applies: 'no', decisive: false })
    expect(e.statements[0]!.conditions[0]!.result).toBe('not-satisfied')
  })

  it('cannot tell an Allow whose key is missing from the context: undetermined, not proven allowed', () => {
    // Act
    const e = explainAccess({ policies: [mfaAdmin] }, { action: 'iam:CreateUser' })
    // Assess
    expect(e.decision).toBe('undetermined')
    expect(e.reason).toBe(
      'not proven allowed: the Allow in inline policy admin-with-mfa, statement 0 (Sid AdminWithMfa) may not apply: ' +
        'aws:MultiFactorAuthPresent is not in the context, and Bool needs it',
    )
    expect(e.statements[0]).toMatchObject({ applies: 'cannot-tell', decisive: true })
    expect(e.statements[0]!.conditions[0]).toMatchObject({ result: 'cannot-tell' })
    expect(e.statements[0]!.conditions[0]!.requestValue).toBeUndefined()
  })

  it('applies ...IfExists to a missing key as IAM does: the "deny unless MFA" Deny applies to a request without it', () => {
    // Prepare
    const policies = [
      held('managed', 'admin', allow('*')),
      held('managed', 'require-mfa', {
        Sid: 'DenyWithoutMfa',
        Effect: 'Deny',
        NotAction: ['iam:ChangePassword'],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    ]
    // Act
    const absent = explainAccess({ policies }, { action: 'iam:CreateUser' })
    const withMfa = explainAccess(
      { policies },
      { action: 'iam:CreateUser', context: { 'aws:MultiFactorAuthPresent': true } },
    )
    // Assess
    expect(absent.decision).toBe('explicit-deny')
    expect(absent.statements[1]!.conditions[0]).toMatchObject({
      result: 'satisfied',
      note: 'aws:MultiFactorAuthPresent is not in the context: ...IfExists holds when the key is absent',
    })
    expect(withMfa.decision).toBe('allowed')
    expect(withMfa.statements[1]!.applies).toBe('no')
  })

  it('lets a negated operator hold for a missing key, and ANDs the keys: one unsatisfied key is enough', () => {
    // Prepare
    const policies = [
      held(
        'managed',
        'p',
        allow('s3:GetObject', '*', {
          Condition: {
            StringNotEquals: { 'aws:RequestedRegion': 'cn-north-1' },
            StringEquals: { 'aws:PrincipalTag/team': 'data', 'aws:SourceVpc': 'vpc-1' },
          },
        }),
      ),
    ]
    // Act
    const e = explainAccess(
      { policies },
      { action: 's3:GetObject', resource: REPORT, context: { 'aws:PrincipalTag/team': 'web' } },
    )
    // Assess
    expect(e.statements[0]!.conditions.map((c) => [c.key, c.result])).toEqual([
      ['aws:RequestedRegion', 'satisfied'],
      ['aws:PrincipalTag/team', 'not-satisfied'],
      ['aws:SourceVpc', 'cannot-tell'],
    ])
    expect(e.statements[0]!.applies).toBe('no')
    expect(e.decision).toBe('implicit-deny')
  })

  it('leaves the answer undetermined when a Deny uses an operator iamwatch does not evaluate', () => {
    // Prepare
    const policies = [
      held('managed', 'admin', allow('*')),
      held('managed', 'office-only', {
        Sid: 'OfficeOnly',
        ...deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
      }),
    ]
    // Act
    const e = explainAccess(
      { policies },
      { action: 's3:GetObject', context: { 'aws:SourceIp': '198.51.100.7' } },
    )
    // Assess
    expect(e.decision).toBe('undetermined')
    expect(e.explicitDeny).toBe('cannot-tell')
    expect(e.reason).toBe(
      'not proven allowed: the Deny in managed policy office-only, statement 0 (Sid OfficeOnly) may apply: ' +
        'operator NotIpAddress is not evaluated by iamwatch',
    )
    expect(e.statements.filter((s) => s.decisive).map((s) => s.policy)).toEqual(['office-only'])
  })

  it('answers allowed when a Deny with a condition plainly does not apply', () => {
    // Prepare
    const policies = [
      held('managed', 'admin', allow('*')),
      held(
        'managed',
        'tls-only',
        deny('s3:*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ),
    ]
    // Act
    const e = explainAccess(
      { policies },
      { action: 's3:GetObject', context: { 'aws:SecureTransport': 'true' } },
    )
    // Assess
    expect(e.decision).toBe('allowed')
    expect(e.explicitDeny).toBe('no')
  })

  it('resolves policy variables in condition values', () => {
    // Prepare
    const policies = [
      held(
        'managed',
        'home',
        allow('s3:ListBucket', 'arn:aws:s3:::home', {
          Condition: { StringLike: { 's3:prefix': `home/${USERNAME}/*` } },
        }),
      ),
    ]
    // Act
    const e = explainAccess(
      { policies },
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::home',
        context: { 'aws:username': 'alice', 's3:prefix': 'home/alice/x' },
      },
    )
    // Assess
    expect(e.decision).toBe('allowed')
    expect(e.statements[0]!.conditions[0]!.values).toEqual(['home/alice/*'])
  })
})

describe('explainAccess: policies that could not be read', () => {
  it('makes an allowed answer undetermined, since an unreadable policy could contain a Deny, and says so', () => {
    // Prepare
    const principal = {
      policies: [held('managed', 'admin', allow('*'))],
      unreadable: [{ policy: 'legacy', reason: 'not a JSON object' }],
    }
    // Act
    const e = explainAccess(principal, { action: 's3:GetObject' })
    // Assess
    expect(e.decision).toBe('undetermined')
    expect(e.reason).toBe(
      'not proven allowed: 1 policy could not be read and could contain a Deny that applies: legacy (not a JSON object)',
    )
    expect(e.unreadable).toEqual(principal.unreadable)
  })

  it('leaves an explicit Deny as it is, and an implicit deny with a warning that the unreadable policy might allow it', () => {
    // Prepare
    const unreadable = [{ policy: 'legacy', reason: 'not a JSON object' }]
    const denying = { policies: [held('managed', 'no-iam', deny('iam:*'))], unreadable }
    // Act
    const explicit = explainAccess(denying, { action: 'iam:CreateUser' })
    const implicit = explainAccess(denying, { action: 's3:GetObject' })
    // Assess
    expect(explicit.decision).toBe('explicit-deny')
    expect(implicit.decision).toBe('implicit-deny')
    expect(implicit.reason).toBe(
      'no Allow in the identity policies applies; 1 policy could not be read and might allow it: legacy (not a JSON object)',
    )
  })

  it('cannot tell what a permissions boundary that could not be read allows', () => {
    // Prepare
    const principal = {
      policies: [held('managed', 'admin', allow('*'))],
      unreadable: [
        {
          policy: 'boundary:arn:aws:iam::111122223333:policy/b',
          reason: 'boundary not in the authorization details',
        },
      ],
    }
    // Act
    const e = explainAccess(principal, { action: 's3:GetObject' })
    // Assess
    expect(e.decision).toBe('undetermined')
    expect(e.boundary).toEqual({
      policies: ['boundary:arn:aws:iam::111122223333:policy/b'],
      allows: 'cannot-tell',
    })
    expect(e.reason).toContain(
      'the permissions boundary boundary:arn:aws:iam::111122223333:policy/b could not be read',
    )
  })
})

describe('resolveVariables', () => {
  it('resolves keys case-insensitively, takes a default, and keeps the variables *, ? and $ as those characters', () => {
    // Act / Assess
    expect(resolveVariables(`user/${variable('AWS:UserName')}`, { 'aws:username': 'alice' })).toEqual({
      resolved: 'user/alice',
    })
    expect(resolveVariables(`team/${variable("aws:PrincipalTag/team, 'none'")}`, {})).toEqual({
      resolved: 'team/none',
    })
    expect(resolveVariables(`a${variable('*')}b${variable('?')}c${variable('$')}`, {})).toEqual({
      resolved: 'a*b?c$',
    })
    expect(resolveVariables(`user/${USERNAME}`, {})).toEqual({ missing: USERNAME })
  })
})

describe('evaluateConditionKeys', () => {
  it('agrees with conditionsHold on every supported condition: the block holds when every key holds', () => {
    // Prepare
    const operators = [
      'StringEquals',
      'StringNotEquals',
      'StringLike',
      'StringEqualsIfExists',
      'Bool',
      'Null',
      'ArnLike',
    ]
    const keys = ['aws:a', 'aws:b', 'aws:c']
    const values = ['x', 'y', 'x*', 'true', 'false', 'arn:aws:iam::1:user/x']
    const block = fc.dictionary(
      fc.constantFrom(...keys),
      fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 2 }),
    )
    const conditions = fc.dictionary(fc.constantFrom(...operators), block, { maxKeys: 3 })
    const context = fc.dictionary(
      fc.constantFrom(...keys.map((k) => k.toUpperCase())),
      fc.constantFrom(...values),
    )
    // Act / Assess
    fc.assert(
      fc.property(conditions, context, (c, ctx) => {
        const results = evaluateConditionKeys(c, ctx)
        expect(results.every((r) => r.holds === true)).toBe(conditionsHold(c, ctx))
      }),
    )
  })

  it('reports an unsupported operator per key instead of throwing', () => {
    // Act
    const results = evaluateConditionKeys(
      { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] }, NumericLessThan: { 's3:max-keys': '10' } },
      { 's3:max-keys': '5' },
    )
    // Assess
    expect(results.map((r) => [r.operator, r.key, r.holds, r.requestValue])).toEqual([
      ['ForAnyValue:StringEquals', 'aws:TagKeys', 'unsupported', undefined],
      ['NumericLessThan', 's3:max-keys', 'unsupported', '5'],
    ])
  })
})
