import { PublishCommand, SNSClient } from '@aws-sdk/client-sns'
import { describe, expect, inject, it } from 'vitest'
import {
  createTopic,
  drainQueue,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  subscribeQueue,
} from '../../local/stack.ts'
import { publishAlert, publishInput } from '../../shared/aws/publisher.ts'
import { buildAlert } from '../../shared/notify/message.ts'
import { SNS_MAX_BYTES, size, snsAlertMessage } from '../../shared/notify/sns-message.ts'
import { uniqueName } from '../support/harness.ts'
import { ACCOUNT, detectionEntry, postureEntry } from './fixtures.ts'

const structure = (message: string) => JSON.parse(message) as Record<string, string>

/** A posture finding whose evidence is far larger than SNS takes, and hostile. */
const hugeEvidence = () =>
  postureEntry({
    evidence: {
      policy: `*bold* <@U123> [link](http://x) \`x\` ${'A'.repeat(400_000)}`,
      ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, '<!here> '.repeat(20)])),
    },
  })

describe('one publish, a body per protocol (SNS MessageStructure json)', () => {
  const alert = buildAlert({
    ...detectionEntry({
      actor: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, userName: 'mallory' },
    }),
    accountName: 'prod',
  })

  it('has the default key SNS requires, and only string values', () => {
    // Act
    const input = publishInput('arn:aws:sns:us-east-1:123456789012:alerts', alert)
    // Assess
    expect(input.MessageStructure).toBe('json')
    const s = structure(input.Message!)
    expect(Object.keys(s).sort()).toEqual(['default', 'email', 'https', 'sms'])
    for (const v of Object.values(s)) expect(typeof v).toBe('string')
  })

  it('gives email the readable text, https the Chatbot card, and default (SQS, Lambda) the machine JSON', () => {
    // Act
    const s = structure(publishInput('arn:aws:sns:us-east-1:123456789012:alerts', alert).Message!)
    // Assess
    expect(s.email).toBe(alert.text)
    expect(s.email).toContain('Who:         arn:aws:iam::123456789012:user/mallory (IAMUser)')
    expect(JSON.parse(s.https!)).toEqual(alert.chatbot)
    expect(JSON.parse(s.https!)).toMatchObject({ version: '1.0', source: 'custom' })
    expect(JSON.parse(s.default!)).toEqual({ ...alert.json, subject: alert.subject, text: alert.text })
    expect(s.sms).toBe(alert.subject)
  })

  it('keeps the subject and the filterable attributes, with the JSON detail', () => {
    // Act
    const input = publishInput('arn:aws:sns:us-east-1:123456789012:alerts', alert)
    // Assess
    expect(input.Subject).toBe(alert.subject)
    const attributes = Object.fromEntries(
      Object.entries(input.MessageAttributes!).map(([k, v]) => [k, v.StringValue]),
    )
    expect(attributes).toEqual({ ...alert.attributes, detail: JSON.stringify(alert.json) })
    for (const v of Object.values(input.MessageAttributes!)) expect(v.DataType).toBe('String')
  })

  it('is not cut when it fits', () => {
    expect(snsAlertMessage(alert).truncated).toBe(false)
  })
})

describe('the 256 KB limit', () => {
  it('cuts a huge hostile evidence, with markers, to fit message and attributes within 256 KB', () => {
    // Prepare
    const alert = buildAlert(hugeEvidence())
    // Act
    const m = snsAlertMessage(alert)
    // Assess
    expect(m.truncated).toBe(true)
    expect(size(m)).toBeLessThanOrEqual(SNS_MAX_BYTES)
    const s = structure(m.message)
    const body = JSON.parse(s.default!)
    expect(body.truncated).toBe(true)
    expect(body.findingId).toBe(alert.json.findingId)
    expect(JSON.stringify(body.evidence)).toMatch(/truncated/)
    expect(s.email).toMatch(/\[truncated to fit SNS's 256 KB message limit/)
    expect(JSON.parse(s.https!)).toEqual(alert.chatbot)
    expect(m.attributes.severity).toBe('high')
    expect(JSON.parse(m.attributes.detail!).truncated).toBe(true)
  })

  it('fits any smaller limit down to the identifying fields', () => {
    // Prepare
    const alert = buildAlert(hugeEvidence())
    // Act
    const m = snsAlertMessage(alert, 32_000)
    // Assess
    expect(size(m)).toBeLessThanOrEqual(32_000)
    expect(JSON.parse(structure(m.message).default!)).toMatchObject({
      findingId: alert.json.findingId,
      transitionId: alert.json.transitionId,
      truncated: true,
    })
  })
})

describe('through SNS (fauxqs) to an SQS subscriber', () => {
  const endpoint = inject('snsSqsEndpoint')
  const client = () => new SNSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS })

  it("delivers the machine JSON, as SNS delivers the structure's default to SQS, with subject and attributes", async () => {
    // Prepare
    const topic = await createTopic(endpoint, uniqueName('structured'))
    const queue = await subscribeQueue(endpoint, topic, uniqueName('machine'), { severity: ['high'] })
    const alert = buildAlert(postureEntry({ accountName: 'prod' }))
    const sns = client()
    // Act
    await publishAlert(sns, topic, alert)
    sns.destroy()
    // Assess
    const [received, ...more] = await drainQueue(endpoint, queue)
    expect(more).toEqual([])
    expect(received!.body).toEqual(
      JSON.parse(JSON.stringify({ ...alert.json, subject: alert.subject, text: alert.text })),
    )
    expect(received!.message).toBe(alert.text)
    expect(received!.subject).toBe(alert.subject)
    expect(received!.attributes).toMatchObject({ ...alert.attributes, detail: JSON.stringify(alert.json) })
  })

  it('publishes a huge hostile alert, cut to fit', async () => {
    // Prepare
    const topic = await createTopic(endpoint, uniqueName('structured'))
    const queue = await subscribeQueue(endpoint, topic, uniqueName('huge'))
    const sns = client()
    // Act
    await publishAlert(sns, topic, buildAlert(hugeEvidence()))
    sns.destroy()
    // Assess
    const [received] = await drainQueue(endpoint, queue)
    expect(received!.body.truncated).toBe(true)
    expect(received!.message).toMatch(/truncated to fit/)
  })

  it('refuses, as SNS does, a structure without a default entry', async () => {
    // Prepare
    const topic = await createTopic(endpoint, uniqueName('structured'))
    const sns = client()
    // Act
    const publish = sns.send(
      new PublishCommand({
        TopicArn: topic,
        MessageStructure: 'json',
        Message: JSON.stringify({ email: 'x' }),
      }),
    )
    // Assess
    await expect(publish).rejects.toThrow(/No default entry/)
    sns.destroy()
  })
})
