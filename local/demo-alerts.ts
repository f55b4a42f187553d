/**
 * The alerts chapter of `npm start` (issue 14): what Slack and Teams receive (the Chatbot card of one
 * publish), a root console session of 200 calls told in two alerts, escalation of the critical findings
 * nobody acknowledged, and the daily digest. The real handlers and functions, wired from the
 * environment as in Lambda; the tick and the digest run with a clock moved forward instead of waiting.
 */
import { randomUUID } from 'node:crypto'
import { createTopic, drainQueue, type ReceivedAlert, subscribeQueue } from './stack.ts'

export interface AlertsChapterContext {
  snsSqsEndpoint: string
  accountId: string
  /** The queue subscribed to the alerts topic with no filter (security-team-all). */
  allAlerts: string
  /** Hands one CloudTrail record to the event path (EventBridge rules, the real handler). */
  deliver: (record: Record<string, unknown>) => Promise<unknown>
  /** Lets the notifier consume the table's stream. */
  drainStream: () => Promise<void>
  cli: (...argv: string[]) => Promise<{ code: number; out: string; err: string }>
  section: (title: string) => void
}

const indent = (text: string) => text.replace(/^/gm, '  ')
const MINUTE = 60_000

/** The i-th call of one root console session: its temporary key names the session. */
function rootCall(accountId: string, i: number, start: number): Record<string, unknown> {
  const actions = [
    ['iam.amazonaws.com', 'ListUsers'],
    ['iam.amazonaws.com', 'GetAccountSummary'],
    ['ec2.amazonaws.com', 'DescribeInstances'],
    ['s3.amazonaws.com', 'ListBuckets'],
    ['organizations.amazonaws.com', 'DescribeOrganization'],
  ] as const
  const [eventSource, eventName] = actions[i % actions.length]!
  return {
    eventVersion: '1.09',
    eventID: randomUUID(),
    eventTime: new Date(start + i * 6_000).toISOString(),
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    eventSource,
    eventName,
    sourceIPAddress: '185.220.101.47',
    userAgent: 'AWS Internal',
    recipientAccountId: accountId,
    readOnly: true,
    userIdentity: {
      type: 'Root',
      principalId: accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accountId,
      accessKeyId: 'ASIAROOTCONSOLE0DEMO',
      sessionContext: {
        attributes: { mfaAuthenticated: 'false', creationDate: new Date(start).toISOString() },
      },
    },
  }
}

export async function alertsChapter(c: AlertsChapterContext): Promise<void> {
  const { FindingsStore } = await import('../shared/aws/findings-store.ts')
  const { documentClient } = await import('../shared/aws/clients.ts')
  const { buildAlert } = await import('../shared/notify/message.ts')
  const { snsAlertMessage } = await import('../shared/notify/sns-message.ts')
  const store = new FindingsStore(documentClient(), process.env.FINDINGS_TABLE!)

  c.section('Alerts people act on: Slack and Teams (AWS Chatbot), grouping, escalation, the daily digest')
  const login = (await store.listFindings({ checkId: 'root-console-login' }))[0]
  if (login) {
    const [opened] = await store.history(login.id)
    const published = JSON.parse(snsAlertMessage(buildAlert(opened!)).message) as Record<string, string>
    console.log(
      `One publish, a body per protocol (keys: ${Object.keys(published).join(', ')}). What AWS Chatbot posts to Slack and Teams (the https body) for the root login:\n`,
    )
    console.log(indent(JSON.stringify(JSON.parse(published.https!), null, 2)))
  }

  // A root console session: 200 calls in 20 minutes, one temporary key.
  const start = Date.now() - 20 * MINUTE
  for (let i = 0; i < 200; i++) await c.deliver(rootCall(c.accountId, i, start))
  await c.drainStream()
  const during = await drainQueue(c.snsSqsEndpoint, c.allAlerts)
  const rootActivity = during.filter((a) => a.attributes.checkId === 'root-activity')
  console.log(
    `\nA root console session makes 200 calls (each one a root-activity occurrence, 200 history items): ${rootActivity.length} alert(s) while it lasts`,
  )
  for (const a of rootActivity) console.log(`  ${a.subject}`)

  // The tick (every 5 minutes in AWS), with the clock 16 minutes on: the session has gone quiet.
  const escalationTopic = await createTopic(c.snsSqsEndpoint, 'iamwatch-escalation')
  const pagerQueue = await subscribeQueue(c.snsSqsEndpoint, escalationTopic, 'pager-escalation')
  process.env.ESCALATION_TOPIC_ARN = escalationTopic
  const { runAlertsTick, tickDepsFromEnv } = await import('../shared/app/alerts-tick.ts')
  const tick = (minutesOn: number) =>
    runAlertsTick({ ...tickDepsFromEnv(), now: () => new Date(Date.now() + minutesOn * MINUTE) })
  const quiet = await tick(16)
  const followUps = (await drainQueue(c.snsSqsEndpoint, c.allAlerts)).filter(
    (a) => a.attributes.transition === 'GROUPED',
  )
  console.log(
    `The alerts tick, 16 minutes later: ${quiet.followUps.sent} follow-up(s) for the occurrences grouped since their alert:\n`,
  )
  for (const f of followUps) {
    console.log(`Subject: ${f.subject}\n`)
    console.log(indent(f.message))
  }
  await drainQueue(c.snsSqsEndpoint, pagerQueue)

  // Escalation: someone takes one critical finding with `iamwatch ack`; the others nobody acknowledged.
  const criticals = await store.listFindings({ status: 'OPEN', severity: 'critical' })
  const taken = criticals.find((f) => f.checkId === 'root-console-login') ?? criticals[0]
  if (taken) {
    const ack = await c.cli('ack', taken.id, '--reason', 'alice.admin: it was me, rotating the root password')
    console.log(
      `\n$ iamwatch ack ${taken.id} --reason "..."   (exit ${ack.code})\n${indent(ack.out || ack.err)}`,
    )
  }
  const late = await tick(31)
  const escalations: ReceivedAlert[] = await drainQueue(c.snsSqsEndpoint, pagerQueue)
  console.log(
    `The tick 31 minutes after they opened: ${late.escalation === 'disabled' ? 'escalation off' : `${late.escalation.escalated} escalated`} to the escalation topic (a pager's SNS integration):`,
  )
  for (const e of escalations) console.log(`  ${e.subject}`)
  if (escalations[0]) console.log(`\n${indent(escalations[0].message.split('\n').slice(0, 3).join('\n'))}`)
  const again = await tick(60)
  console.log(
    `An hour later: ${again.escalation === 'disabled' ? 0 : again.escalation.escalated} escalated (once per opening).`,
  )

  // The daily digest (08:00 UTC by default; here now), through the same topic.
  const { dailyDigestDepsFromEnv, sendDailyDigest } = await import('../shared/app/daily-digest.ts')
  const deps = dailyDigestDepsFromEnv()
  let card: unknown
  const digest = await sendDailyDigest({
    ...deps,
    publish: (d) => {
      card = d.chatbot
      return deps.publish(d)
    },
  })
  const received = (await drainQueue(c.snsSqsEndpoint, c.allAlerts)).filter(
    (a) => a.attributes.messageType === 'digest',
  )
  console.log(`\nThe daily digest (${digest.status}), as email text:\n`)
  for (const d of received) {
    console.log(`Subject: ${d.subject}\n`)
    console.log(indent(d.message))
  }
  console.log('\nand as the Chatbot card Slack and Teams get:\n')
  console.log(indent(JSON.stringify(card, null, 2)))
  delete process.env.ESCALATION_TOPIC_ARN
}
