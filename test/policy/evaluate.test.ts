import { describe, expect, it } from 'vitest'
import { parsePolicyDocument } from '../../shared/policy/document.ts'
import { escalationPaths } from '../../shared/policy/escalation.ts'
import { evaluateAction, type HeldPolicy, isAdminStatement } from '../../shared/policy/evaluate.ts'

const held = (doc: unknown, kind: HeldPolicy['kind'] = 'managed', name = 'p'): HeldPolicy => {
  const parsed = parsePolicyDocument(doc)
  if (!parsed.ok) throw new Error(parsed.reason)
  return { name, kind, document: parsed.document }
}

describe("IAM's documented policy examples", () => {
  it('AdministratorAccess allows everything and is an admin statement', () => {
    const admin = held({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    })
    expect(evaluateAction([admin], 'iam:CreateUser').decision).toBe('allowed')
    expect(isAdminStatement(admin.document.statements[0]!)).toBe(true)
  })

  it('"Allow NotAction iam:* on *" (PowerUserAccess-style) allows S3 and not IAM', () => {
    const power = held({
      Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }],
    })
    expect(evaluateAction([power], 's3:GetObject').decision).toBe('allowed')
    expect(evaluateAction([power], 'iam:CreateUser').decision).toBe('denied')
    expect(isAdminStatement(power.document.statements[0]!)).toBe(true)
  })

  it('EC2 full access with a Deny of TerminateInstances: the Deny subtracts', () => {
    const p = held({
      Statement: [
        { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
        { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' },
      ],
    })
    expect(evaluateAction([p], 'ec2:RunInstances').decision).toBe('allowed')
    expect(evaluateAction([p], 'ec2:TerminateInstances').decision).toBe('denied')
  })

  it('"Deny everything unless MFA" (BoolIfExists aws:MultiFactorAuthPresent): grants become conditional', () => {
    const p = held({
      Statement: [
        { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
        {
          Effect: 'Deny',
          NotAction: ['iam:ChangePassword'],
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      ],
    })
    expect(evaluateAction([p], 'iam:CreateUser').decision).toBe('conditional')
    expect(evaluateAction([p], 'iam:ChangePassword').decision).toBe('allowed')
  })

  it('an Allow on one bucket allows that bucket, not another', () => {
    const p = held({
      Statement: {
        Effect: 'Allow',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'],
      },
    })
    expect(evaluateAction([p], 's3:GetObject', 'arn:aws:s3:::reports/q1.csv').decision).toBe('allowed')
    expect(evaluateAction([p], 's3:GetObject', 'arn:aws:s3:::payroll/q1.csv').decision).toBe('denied')
  })

  it('a permissions boundary caps what the policies grant', () => {
    const policies = [
      held({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      held({ Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: '*' }] }, 'boundary'),
    ]
    expect(evaluateAction(policies, 's3:PutObject').decision).toBe('allowed')
    expect(evaluateAction(policies, 'iam:CreateUser').decision).toBe('denied')
  })

  it('names the statements that grant an action', () => {
    const p = held(
      {
        Statement: [
          {
            Sid: 'Keys',
            Effect: 'Allow',
            Action: 'iam:*AccessKey*',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
            Resource: 'arn:aws:iam::*:user/${aws:username}',
          },
        ],
      },
      'inline',
      'self-service',
    )
    expect(evaluateAction([p], 'iam:CreateAccessKey')).toEqual({
      decision: 'allowed',
      grantedBy: [{ policy: 'self-service', statement: 0, sid: 'Keys' }],
    })
  })
})

describe('privilege-escalation combinations', () => {
  it('finds the single-action and multi-action combinations a principal holds', () => {
    const p = held({
      Statement: [
        { Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances', 'iam:Put*'], Resource: '*' },
      ],
    })
    expect(
      escalationPaths([p])
        .map((x) => x.combination)
        .sort(),
    ).toEqual(['pass-role-ec2', 'put-group-policy', 'put-role-policy', 'put-user-policy'])
  })

  it('does not report a combination missing one of its actions, or one a Deny removes', () => {
    const partial = held({
      Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', 'lambda:CreateFunction'], Resource: '*' }],
    })
    expect(escalationPaths([partial])).toEqual([])
    const denied = held({
      Statement: [
        { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
      ],
    })
    expect(escalationPaths([denied])).toEqual([])
  })

  it('expands iam:* to every IAM combination', () => {
    const p = held({ Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] })
    const ids = escalationPaths([p]).map((x) => x.combination)
    expect(ids).toContain('create-access-key')
    expect(ids).toContain('attach-role-policy')
    expect(ids).not.toContain('pass-role-ec2')
  })
})
