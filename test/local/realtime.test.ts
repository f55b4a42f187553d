import { CreateLoginProfileCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam'
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
    expect(aws.sim.cloudTrail.records.map((r) => r.eventName)).toEqual(['CreateUser', 'CreateLoginProfile'])
    expect(seen.map((a) => a.attributes.checkId)).toContain('login-profile-changed')
    console.info(`CreateUser + CreateLoginProfile to the console-user-no-mfa alert: ${latency.toFixed(0)} ms`)
  })

  it('routes every record through the generated rules to the real handler, and reports each delivery', async () => {
    // Prepare
    aws = await start()
    const iam = iamFrom(aws.env)
    // Act
    await iam.send(new CreateUserCommand({ UserName: 'temp' }))
    await aws.settled()
    // Assess
    expect(aws.deliveries).toHaveLength(1)
    expect(aws.deliveries[0]).toMatchObject({
      eventName: 'CreateUser',
      routed: ['iam'],
      summary: { processed: 1, reevaluated: expect.arrayContaining(['user/temp']) },
    })
  })
})
