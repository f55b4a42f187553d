import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
  TagUserCommand,
} from '@aws-sdk/client-iam'
import type { HttpRequest } from '@smithy/types'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { type EmbeddedAws, startEmbeddedAws } from '../../local/embedded.ts'
import { drainQueue, type ReceivedAlert } from '../../local/stack.ts'
import { uniqueName } from '../support/harness.ts'

let aws: EmbeddedAws | undefined
afterEach(async () => {
  await aws?.stop()
  aws = undefined
})

/** The embedded AWS on the emulators the test run already started, under names of its own. */
const start = () =>
  startEmbeddedAws({
    dynamoEndpoint: inject('dynamoEndpoint'),
    snsSqsEndpoint: inject('snsSqsEndpoint'),
    prefix: uniqueName('local'),
  })

/** An IAM client configured only from the settings `npm run local` prints. */
const iamFrom = (env: Record<string, string>) =>
  new IAMClient({
    endpoint: env.AWS_ENDPOINT_URL_IAM,
    region: env.AWS_REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  })

/** Polls the subscribed queue until an alert for the check arrives, or the deadline passes. */
async function waitForAlert(env: Record<string, string>, checkId: string, deadlineMs: number) {
  const seen: ReceivedAlert[] = []
  const until = performance.now() + deadlineMs
  while (performance.now() < until) {
    seen.push(...(await drainQueue(env.AWS_ENDPOINT_URL_SQS!, env.IAMWATCH_ALERTS_QUEUE_URL!)))
    const alert = seen.find((a) => a.attributes.checkId === checkId)
    if (alert) return { alert, seen }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { alert: undefined, seen }
}

describe('the embedded AWS in real time', () => {
  it('alerts console-user-no-mfa within a second of CreateUser and CreateLoginProfile made with the SDK', async () => {
    // Prepare
    aws = await start()
    const iam = iamFrom(aws.env)
    // The records so far are the start-up dispatch's (AssumeRole of the members' reader roles).
    const recorded = aws.sim.cloudTrail.records.length
    // Act: two IAM calls, and nothing else: CloudTrail records come from the simulator.
    const started = performance.now()
    await iam.send(new CreateUserCommand({ UserName: 'new.hire' }))
    await iam.send(new CreateLoginProfileCommand({ UserName: 'new.hire', Password: 'Welcome-2-the-team!' }))
    const { alert, seen } = await waitForAlert(aws.env, 'console-user-no-mfa', 1000)
    const latency = performance.now() - started
    await aws.settled()
    seen.push(...(await drainQueue(aws.env.AWS_ENDPOINT_URL_SQS!, aws.env.IAMWATCH_ALERTS_QUEUE_URL!)))
    // Assess
    expect(alert, `alerts seen: ${seen.map((a) => a.subject).join('; ')}`).toBeDefined()
    expect(latency).toBeLessThan(1000)
    expect(alert!.attributes).toMatchObject({
      severity: 'high',
      transition: 'OPENED',
      accountId: aws.account.accountId,
    })
    expect(alert!.subject).toContain('new.hire')
    expect(aws.sim.cloudTrail.records.slice(recorded).map((r) => r.eventName)).toEqual([
      'CreateUser',
      'CreateLoginProfile',
    ])
    expect(seen.map((a) => a.attributes.checkId)).toContain('login-profile-changed')
    console.info(`CreateUser + CreateLoginProfile to the console-user-no-mfa alert: ${latency.toFixed(0)} ms`)
  })

  it('routes every record through the generated rules to the real handler, and reports each delivery', async () => {
    // Prepare
    aws = await start()
    const iam = iamFrom(aws.env)
    const before = aws.deliveries.length
    // Act
    await iam.send(new CreateUserCommand({ UserName: 'temp' }))
    await aws.settled()
    // Assess
    const mine = aws.deliveries.slice(before)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      eventName: 'CreateUser',
      account: aws.account.accountId,
      routed: ['iam'],
      summary: { processed: 1, reevaluated: expect.arrayContaining(['user/temp']) },
    })
  })

  it('alerts access-key-new-network, through the key-activity queue, when a user key calls from a second network', async () => {
    // Prepare: a user and its access key, made by the operator; an IAM client with that key per source address
    // (the simulator logs the first X-Forwarded-For address as CloudTrail's sourceIPAddress).
    aws = await start()
    const admin = iamFrom(aws.env)
    await admin.send(new CreateUserCommand({ UserName: 'ci.bot' }))
    const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: 'ci.bot' }))
    const from = (address: string) => {
      const client = new IAMClient({
        endpoint: aws!.env.AWS_ENDPOINT_URL_IAM,
        region: aws!.env.AWS_REGION,
        maxAttempts: 1,
        credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
      })
      client.middlewareStack.add(
        (next) => (args) => {
          ;(args.request as HttpRequest).headers['x-forwarded-for'] = address
          return next(args)
        },
        { step: 'build', name: 'sourceAddress' },
      )
      return client
    }
    const tag = (address: string, value: string) =>
      from(address).send(new TagUserCommand({ UserName: 'ci.bot', Tags: [{ Key: 'run', Value: value }] }))
    // Act: the key's first network (two addresses of one /24), then another network, twice.
    await tag('203.0.113.10', '1')
    await tag('203.0.113.77', '2')
    await aws.settled()
    const baseline = await drainQueue(aws.env.AWS_ENDPOINT_URL_SQS!, aws.env.IAMWATCH_ALERTS_QUEUE_URL!)
    await tag('198.51.100.7', '3')
    const { alert, seen } = await waitForAlert(aws.env, 'access-key-new-network', 10_000)
    await tag('198.51.100.8', '4')
    await aws.settled()
    seen.push(...(await drainQueue(aws.env.AWS_ENDPOINT_URL_SQS!, aws.env.IAMWATCH_ALERTS_QUEUE_URL!)))
    // Assess: one alert, for the second network; every TagUser went through the queue to on-key-activity.
    expect(baseline.map((a) => a.attributes.checkId)).not.toContain('access-key-new-network')
    expect(alert, `alerts seen: ${seen.map((a) => a.subject).join('; ')}`).toBeDefined()
    expect(seen.filter((a) => a.attributes.checkId === 'access-key-new-network')).toHaveLength(1)
    expect(alert!.attributes).toMatchObject({ severity: 'medium', accountId: aws.account.accountId })
    expect(alert!.subject).toContain('ci.bot')
    expect(alert!.message).toContain('198.51.100.0/24')
    const tagged = aws.deliveries.filter((d) => d.eventName === 'TagUser')
    expect(tagged.map((d) => d.queued?.rules)).toEqual([
      ['access-keys'],
      ['access-keys'],
      ['access-keys'],
      ['access-keys'],
    ])
    const batched = aws.keyActivity.batches.flatMap((b) => b.messages.map((m) => m.messageId))
    for (const d of tagged) expect(batched).toContain(d.queued!.messageId)
  })
})
