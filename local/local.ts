/**
 * npm run local: the embedded AWS, kept running until Ctrl-C (SIGINT) or SIGTERM.
 *
 * stdout: one `export NAME=value` line per setting, a blank line, then a short summary ending in a line
 * starting "Ready in". The same export lines go to `.iamwatch-local.env` at the repository root (or the
 * file IAMWATCH_LOCAL_ENV_FILE names), so another shell can `source` it; the file is removed on exit.
 * stderr: one line per CloudTrail record delivered, per key-activity batch and per alert published, as they happen.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type EmbeddedAws, exportLines, startEmbeddedAws } from './embedded.ts'

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
  const summary = [
    `iamwatch local AWS: account ${account.accountId} (the demo company: ${users} IAM users), all on 127.0.0.1.`,
    `  IAM, STS, CloudTrail, Access Analyzer  ${aws.sim.endpoint}   (admin: POST /__admin/expire-report, GET /__admin/cloudtrail)`,
    `  KMS, S3 (signed digests)               ${aws.sim.endpoint}   bucket ${aws.digestBucket} (Object Lock), keys $IAMWATCH_DIGEST_KEY_ARN, $IAMWATCH_MAC_KEY_ARN`,
    `  DynamoDB (+ Streams)                   ${aws.env.AWS_ENDPOINT_URL_DYNAMODB}   table ${aws.tableName}`,
    `  SNS + SQS                              ${aws.env.AWS_ENDPOINT_URL_SNS}   topics ${aws.alertsTopicArn.split(':').at(-1)}, ${aws.opsTopicArn.split(':').at(-1)}; queue ${aws.keyActivity.queueUrl.split('/').at(-1)}`,
    `Credentials: a session of role Admin in the account. Every IAM write is a CloudTrail record that goes through`,
    `the generated EventBridge rules into the on-cloudtrail-event handler; one signed with an IAM user's access key`,
    `(AKIA...) also goes to the key-activity queue, which on-key-activity reads in batches (access-key-new-network:`,
    `the simulator logs the first X-Forwarded-For address as the caller's). The notifier publishes from the table's`,
    `stream to the alerts topic, and the queue IAMWATCH_ALERTS_QUEUE_URL receives every alert.`,
    `In another shell: source ${shown}; npm run iamwatch -- scan --table $IAMWATCH_TABLE`,
    `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything and removes ${shown}.`,
  ]
  process.stdout.write(`${lines.join('\n')}\n\n${summary.join('\n')}\n`)
}
