/**
 * npm run local: the embedded AWS, kept running until Ctrl-C (SIGINT) or SIGTERM.
 *
 * stdout: one `export NAME=value` line per setting, a blank line, then a short summary (the endpoints, the
 * demo organization's accounts with an admin key each, what to try) ending in a line starting "Ready in". The same export lines go to `.iamwatch-local.env` at the repository root (or the
 * file IAMWATCH_LOCAL_ENV_FILE names), so another shell can `source` it; the file is removed on exit.
 * stderr: one line per CloudTrail record delivered, per key-activity batch and per alert published, as they happen.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ORG_ADMIN_SECRET, ORG_ADMINS, PROD_ACCOUNT } from './demo-organization.ts'
import { type EmbeddedAws, type EmbeddedOrganization, exportLines, startEmbeddedAws } from './embedded.ts'

const started = performance.now()
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const envFile = process.env.IAMWATCH_LOCAL_ENV_FILE ?? join(root, '.iamwatch-local.env')
const stamp = () => new Date().toISOString().slice(11, 23)
const activity = (line: string) => process.stderr.write(`${stamp()} ${line}\n`)

let aws: EmbeddedAws | undefined
let stopping: Promise<void> | undefined

function stop(signal: string): Promise<void> {
  stopping ??= (async () => {
    activity(`${signal}: stopping`)
    const timer = setTimeout(() => {
      activity('still stopping after 10 s: exiting')
      rmSync(envFile, { force: true })
      process.exit(1)
    }, 10_000)
    try {
      await aws?.stop()
    } finally {
      clearTimeout(timer)
      rmSync(envFile, { force: true })
    }
    activity('stopped')
  })()
  return stopping
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err) => {
    activity(`${event}: ${(err as Error)?.stack ?? err}`)
    stop(event).finally(() => process.exit(1))
  })
}

/** Another `npm run local` still serving from the settings file: starting a second would clobber the file. */
async function alreadyRunning(): Promise<boolean> {
  if (!existsSync(envFile)) return false
  const iam = /^export AWS_ENDPOINT_URL_IAM=(\S+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1]
  if (!iam) return false
  try {
    await fetch(`${iam}/__admin/cloudtrail?limit=1`, { signal: AbortSignal.timeout(500) })
    return true
  } catch {
    return false
  }
}

if (await alreadyRunning()) {
  process.stderr.write(
    `npm run local: already running (its settings are in ${envFile}); stop it first, or set IAMWATCH_LOCAL_ENV_FILE\n`,
  )
  process.exit(1)
}

try {
  aws = await startEmbeddedAws({ activity })
} catch (err) {
  process.stderr.write(`npm run local: could not start: ${(err as Error).stack ?? err}\n`)
  process.exit(1)
}
if (stopping) await stopping
else {
  const lines = exportLines(aws.env)
  writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600 })
  const account = aws.account
  const users = account.users.size
  const shown = relative(process.cwd(), envFile) || envFile
  const org = aws.organization
  const summary = [
    org
      ? `iamwatch local AWS: the demo organization ${org.id}; iamwatch runs in its security account ${account.accountId} (the demo company: ${users} IAM users), all on 127.0.0.1.`
      : `iamwatch local AWS: account ${account.accountId} (the demo company: ${users} IAM users), all on 127.0.0.1.`,
    `  IAM, STS, CloudTrail, Access Analyzer  ${aws.sim.endpoint}   (admin: POST /__admin/expire-report, GET /__admin/cloudtrail)`,
    `  Organizations, EventBridge             ${aws.sim.endpoint}   (the organization; the members' forwarding rules)`,
    `  KMS, S3 (signed digests)               ${aws.sim.endpoint}   bucket ${aws.digestBucket} (Object Lock), keys $IAMWATCH_DIGEST_KEY_ARN, $IAMWATCH_MAC_KEY_ARN`,
    `  DynamoDB (+ Streams)                   ${aws.env.AWS_ENDPOINT_URL_DYNAMODB}   table ${aws.tableName}`,
    `  SNS + SQS                              ${aws.env.AWS_ENDPOINT_URL_SNS}   topics ${aws.alertsTopicArn.split(':').at(-1)}, ${aws.opsTopicArn.split(':').at(-1)}; queue ${aws.keyActivity.queueUrl.split('/').at(-1)}`,
    `Credentials: a session of role Admin in account ${account.accountId}. Every IAM write is a CloudTrail record that goes through`,
    `the generated EventBridge rules into the on-cloudtrail-event handler; one signed with an IAM user's access key`,
    `(AKIA...) also goes to the key-activity queue, which on-key-activity reads in batches (access-key-new-network:`,
    `the simulator logs the first X-Forwarded-For address as the caller's). The notifier publishes from the table's`,
    `stream to the alerts topic, and the queue IAMWATCH_ALERTS_QUEUE_URL receives every alert. Every minute the`,
    `alerts tick sends the follow-ups of grouped occurrences and escalates unacknowledged critical findings to the`,
    `escalation topic (its queue: IAMWATCH_ESCALATIONS_QUEUE_URL); the daily digest goes out at alerts.digest.time.`,
    ...(org ? organizationLines(aws, org) : []),
    `In another shell: source ${shown}; npm run iamwatch -- scan --table $IAMWATCH_TABLE`,
    ...(org
      ? [
          `  every account of the organization: npm run --silent iamwatch -- scan --organization --table $IAMWATCH_TABLE --json`,
          `  a change in acme-prod, with its own admin's key (an alert names the account: "Account: ${PROD_ACCOUNT} (acme-prod)"):`,
          `    env -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=${ORG_ADMINS[PROD_ACCOUNT].accessKeyId} AWS_SECRET_ACCESS_KEY=${ORG_ADMIN_SECRET} \\`,
          `      aws iam attach-user-policy --user-name web.oncall --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`,
        ]
      : []),
    `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything and removes ${shown}.`,
  ]
  process.stdout.write(`${lines.join('\n')}\n\n${summary.join('\n')}\n`)
}

/** The organization's accounts as the start-up dispatch found them, and what a user can do with each. */
function organizationLines(aws: EmbeddedAws, org: EmbeddedOrganization): string[] {
  const reachable = new Set(org.dispatch.organization.reachable.map((a) => a.id))
  const admins = new Map(org.admins.map((a) => [a.accountId, a]))
  const width = Math.max(...org.directory.accounts.map((a) => a.name.length))
  const rows = org.directory.accounts.map((a) => {
    const role =
      a.id === aws.account.accountId
        ? "iamwatch's account (the credentials above; IAM's delegated administrator)"
        : reachable.has(a.id)
          ? `reader role ${org.readerRole}, forwarding rules`
          : a.id === org.managementAccountId
            ? 'not monitored: no StackSet instance in the management account (no reader role, no forwarding)'
            : 'not monitored: outside the StackSet (no reader role, no forwarding)'
    const admin = admins.get(a.id)
    const key = admin ? `  admin ${admin.userName}: ${admin.accessKeyId}` : ''
    return `  ${a.id}  ${a.name.padEnd(width)}  ${a.ouPath.padEnd(22)}  ${role}${key}`
  })
  const c = org.dispatch.organization.counts
  return [
    `Organization ${org.id} (management account ${org.managementAccountId}), its accounts (any secret works with the admin keys):`,
    ...rows,
    `At start, one org-dispatch stored this directory (alerts and findings name the accounts) and opened ${c.opened} organization`,
    `finding(s) (member-account-not-monitored, org-root-credentials-not-centralized). A member's IAM write is forwarded by its`,
    `iamwatch-forward-* rules to this account's bus, then takes the same rules; posture is re-read through its reader role.`,
    `The operator may assume a reader role too: aws sts assume-role --role-arn arn:aws:iam::${PROD_ACCOUNT}:role/${org.readerRole} --role-session-name me`,
  ]
}
