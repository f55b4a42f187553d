import { beforeAll, describe, expect, it } from 'vitest'
import { type PolicyDocument, parsePolicyDocument } from '../../shared/policy/document.ts'
import {
  evaluateResourcePolicy,
  type RequestPrincipal,
  type ResourceRequest,
} from '../../shared/policy/resource.ts'
import { ACCOUNT, type MockResource, REGION, runStack } from './pulumi-mocks.ts'

/**
 * The topic and key policies the stack really produces (Pulumi mocks), evaluated with the project's
 * own policy engine: every legitimate publisher gets through, and nobody else does.
 */
let resources: MockResource[]
const OTHER = '210987654321'
const APP = 'iamwatch-ci'
const ALERTS = `arn:aws:sns:${REGION}:${ACCOUNT}:${APP}-alerts`
const OPS = `arn:aws:sns:${REGION}:${ACCOUNT}:${APP}-ops`
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:${APP}Key`

const ofType = (type: string) => resources.filter((r) => r.type === type)
const parsed = (json: unknown): PolicyDocument => {
  const p = parsePolicyDocument(json)
  if (!p.ok) throw new Error(p.reason)
  return p.document
}
const topicPolicy = (topicArn: string) => {
  const found = ofType('aws:sns/topicPolicy:TopicPolicy').filter((r) => r.inputs.arn === topicArn)
  expect(found, topicArn).toHaveLength(1)
  return parsed(found[0]!.inputs.policy)
}
const keyPolicy = () => {
  // The stack's key (the digest signing and item MAC keys are tested in evidence.test.ts).
  const keys = ofType('aws:kms/key:Key').filter((r) => r.name === `${APP}Key`)
  expect(keys).toHaveLength(1)
  return parsed(keys[0]!.inputs.policy)
}

const service = (id: string): RequestPrincipal => ({ type: 'Service', id })
const cloudwatch = service('cloudwatch.amazonaws.com')
const events = service('events.amazonaws.com')
const TLS = { 'aws:SecureTransport': true }
const alarmArn = (name: string, account = ACCOUNT) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`
const ruleArn = (name: string, account = ACCOUNT) => `arn:aws:events:${REGION}:${account}:rule/${name}`
/** A publish as the service makes it: from a source (an alarm, a rule) of an account. */
const fromSource = (principal: RequestPrincipal, topic: string, sourceArn: string, account = ACCOUNT) => ({
  principal,
  action: 'sns:Publish',
  resource: topic,
  context: { ...TLS, 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account },
})
/** A publish by an IAM role's session, with the aws:PrincipalArn IAM puts in the context (the role's ARN). */
const asRole = (roleArn: string, topic: string, context: ResourceRequest['context'] = TLS) => {
  const [, partition, , , account, resource] = roleArn.split(':')
  const name = resource!.split('/').pop()
  return {
    principal: { type: 'AWS' as const, id: `arn:${partition}:sts::${account}:assumed-role/${name}/session` },
    action: 'sns:Publish',
    resource: topic,
    context: { ...context, 'aws:PrincipalArn': roleArn },
  }
}

let notifierRole: string
beforeAll(async () => {
  ;({ resources } = await runStack('ci'))
  const notify = ofType('aws:iam/role:Role').filter((r) => r.name === 'NotifyRole')
  expect(notify).toHaveLength(1)
  notifierRole = `arn:aws:iam::${ACCOUNT}:role/${notify[0]!.inputs.name}`
}, 120_000)

describe('the ops topic policy', () => {
  it('lets every CloudWatch alarm of the stack publish to it, and every one of them does', () => {
    // Prepare: the alarms the stack creates (dead letters, function errors, heartbeats, ...), all to ops
    const all = ofType('aws:cloudwatch/metricAlarm:MetricAlarm')
    expect(all.length).toBeGreaterThanOrEqual(9)
    for (const a of all) expect(a.inputs.alarmActions, String(a.inputs.name)).toEqual([OPS])
    const alarms = all.map((a) => String(a.inputs.name))
    const policy = topicPolicy(OPS)
    for (const name of alarms) {
      // Act
      const decision = evaluateResourcePolicy(policy, fromSource(cloudwatch, OPS, alarmArn(name)))
      // Assess
      expect(decision, name).toBe('allowed')
    }
  })

  it("lets the stack's EventBridge rules publish to it", () => {
    // Prepare: every rule the stack creates (one will send self-tampering events to ops)
    const rules = ofType('aws:cloudwatch/eventRule:EventRule').map((r) => String(r.inputs.name))
    expect(rules.length).toBeGreaterThan(0)
    const policy = topicPolicy(OPS)
    for (const name of rules) {
      // Act
      const decision = evaluateResourcePolicy(policy, fromSource(events, OPS, ruleArn(name)))
      // Assess
      expect(decision, name).toBe('allowed')
    }
  })

  it.each([
    ['an alarm of another account', fromSource(cloudwatch, OPS, alarmArn(`${APP}-errors`, OTHER), OTHER)],
    [
      'an alarm claiming this account from another',
      fromSource(cloudwatch, OPS, alarmArn(`${APP}-errors`, OTHER), ACCOUNT),
    ],
    [
      'an alarm of this account that is not the stack’s',
      fromSource(cloudwatch, OPS, alarmArn('billing-high')),
    ],
    ['a rule that is not the stack’s', fromSource(events, OPS, ruleArn('someone-else'))],
    ['a rule of another account', fromSource(events, OPS, ruleArn(`${APP}-x`, OTHER), OTHER)],
    ['another service', fromSource(service('s3.amazonaws.com'), OPS, `arn:aws:s3:::${APP}-bucket`)],
    [
      'an anonymous caller',
      {
        principal: { type: 'Anonymous' as const, id: '*' },
        action: 'sns:Publish',
        resource: OPS,
        context: TLS,
      },
    ],
    ['a role of another account', asRole(`arn:aws:iam::${OTHER}:role/${APP}-notify`, OPS)],
  ])('does not let %s publish', (_, request) => {
    // Act
    const decision = evaluateResourcePolicy(topicPolicy(OPS), request)
    // Assess
    expect(decision).toBe('implicit-deny')
  })

  it('denies a stack alarm that would publish over plain HTTP', () => {
    // Prepare
    const request = fromSource(cloudwatch, OPS, alarmArn(`${APP}-dead-letters`))
    // Act
    const decision = evaluateResourcePolicy(topicPolicy(OPS), {
      ...request,
      context: { ...request.context, 'aws:SecureTransport': false },
    })
    // Assess
    expect(decision).toBe('denied')
  })
})

describe('the alerts topic policy', () => {
  it("lets the notifier's role publish to it", () => {
    // Act
    const decision = evaluateResourcePolicy(topicPolicy(ALERTS), asRole(notifierRole, ALERTS))
    // Assess
    expect(decision).toBe('allowed')
  })

  it.each([
    [
      'another role of this account',
      () => asRole(`arn:aws:iam::${ACCOUNT}:role/${APP}-scan-credentials`, ALERTS),
    ],
    ['a role of another account', () => asRole(`arn:aws:iam::${OTHER}:role/${APP}-notify`, ALERTS)],
    ['a stack alarm', () => fromSource(cloudwatch, ALERTS, alarmArn(`${APP}-dead-letters`))],
    ['a stack rule', () => fromSource(events, ALERTS, ruleArn(`${APP}-root-activity`))],
    [
      'an anonymous caller',
      () => ({
        principal: { type: 'Anonymous' as const, id: '*' },
        action: 'sns:Publish',
        resource: ALERTS,
        context: TLS,
      }),
    ],
  ])('does not let %s publish', (_, request) => {
    // Act
    const decision = evaluateResourcePolicy(topicPolicy(ALERTS), request())
    // Assess
    expect(decision).toBe('implicit-deny')
  })

  it('denies the notifier over plain HTTP', () => {
    // Act
    const decision = evaluateResourcePolicy(
      topicPolicy(ALERTS),
      asRole(notifierRole, ALERTS, { 'aws:SecureTransport': false }),
    )
    // Assess
    expect(decision).toBe('denied')
  })

  it('denies every SNS action on either topic over plain HTTP, to anyone', () => {
    for (const topic of [ALERTS, OPS]) {
      for (const action of [
        'sns:Publish',
        'sns:Subscribe',
        'sns:SetTopicAttributes',
        'sns:GetTopicAttributes',
      ]) {
        // Act
        const decision = evaluateResourcePolicy(topicPolicy(topic), {
          principal: { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:root` },
          action,
          resource: topic,
          context: { 'aws:SecureTransport': false },
        })
        // Assess
        expect(decision, `${action} on ${topic}`).toBe('denied')
      }
    }
  })
})

describe('the key policy, for the encrypted topics', () => {
  const use = (principal: RequestPrincipal, action: string, context: ResourceRequest['context'] = {}) =>
    evaluateResourcePolicy(keyPolicy(), { principal, action, resource: KEY, context })

  it('lets the stack’s alarms generate and decrypt data keys, as SNS does on their behalf', () => {
    // Prepare
    const source = { 'aws:SourceArn': alarmArn(`${APP}-notify-errors`), 'aws:SourceAccount': ACCOUNT }
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      // Act / Assess
      expect(use(cloudwatch, action, source), action).toBe('allowed')
    }
  })

  it('does not let alarms of another account, or of this account outside the stack, use the key', () => {
    // Act / Assess
    expect(
      use(cloudwatch, 'kms:GenerateDataKey', {
        'aws:SourceArn': alarmArn(`${APP}-notify-errors`, OTHER),
        'aws:SourceAccount': OTHER,
      }),
    ).toBe('implicit-deny')
    expect(
      use(cloudwatch, 'kms:GenerateDataKey', {
        'aws:SourceArn': alarmArn('billing'),
        'aws:SourceAccount': ACCOUNT,
      }),
    ).toBe('implicit-deny')
  })

  /** What SNS and SQS put in the KMS requests they make for a topic or a queue: its ARN, as encryption context. */
  const forTopic = (name: string, account = ACCOUNT) => ({
    'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${account}:${name}`,
  })
  const forQueue = (name: string, account = ACCOUNT) => ({
    'kms:EncryptionContext:aws:sqs:arn': `arn:aws:sqs:${REGION}:${account}:${name}`,
  })

  it('lets EventBridge generate and decrypt data keys for the ops topic, the dead-letter queue and the key-activity queue', () => {
    // AWS: aws:SourceAccount / aws:SourceArn are not supported in a key policy for EventBridge-to-encrypted
    // topics, so the request carries none: only the encryption context SNS and SQS add.
    // Act / Assess
    for (const context of [
      forTopic(`${APP}-ops`),
      forQueue(`${APP}-dead-letters`),
      forQueue(`${APP}-key-activity`),
    ])
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
        expect(use(events, action, context), `${action} ${JSON.stringify(context)}`).toBe('allowed')
  })

  it.each([
    ['no encryption context', {}],
    ['the alerts topic (only the stack’s functions publish there)', forTopic(`${APP}-alerts`)],
    ['a topic that is not the stack’s', forTopic('someone-else')],
    ['a queue that is not the stack’s', forQueue('someone-else')],
    ['the ops topic’s name in another account', forTopic(`${APP}-ops`, OTHER)],
    ['the key-activity queue’s name in another account', forQueue(`${APP}-key-activity`, OTHER)],
    [
      'the key-activity queue’s dead letters (only SQS moves messages there)',
      forQueue(`${APP}-key-activity-dead-letters`),
    ],
  ])('does not let EventBridge use the key for %s', (_, context) => {
    // Act / Assess
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
      expect(use(events, action, context), action).toBe('implicit-deny')
  })

  it('gives the services nothing else: no Encrypt, no DescribeKey, no ReEncrypt, no grants', () => {
    for (const principal of [cloudwatch, events]) {
      for (const action of ['kms:Encrypt', 'kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']) {
        const source = { 'aws:SourceArn': alarmArn(`${APP}-x`), 'aws:SourceAccount': ACCOUNT }
        expect(use(principal, action, source), `${principal.id} ${action}`).toBe('implicit-deny')
      }
    }
  })

  it('leaves the key to this account’s IAM, and to nobody outside it', () => {
    // Act / Assess
    expect(use({ type: 'AWS', id: notifierRole }, 'kms:GenerateDataKey')).toBe('allowed')
    expect(use({ type: 'AWS', id: `arn:aws:iam::${OTHER}:root` }, 'kms:Decrypt')).toBe('implicit-deny')
    expect(use({ type: 'Anonymous', id: '*' }, 'kms:Decrypt')).toBe('implicit-deny')
  })
})
