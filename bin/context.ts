import { readFileSync } from 'node:fs'
import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import type { IAMClient } from '@aws-sdk/client-iam'
import type { KMSClient } from '@aws-sdk/client-kms'
import type { OrganizationsClient } from '@aws-sdk/client-organizations'
import type { S3Client } from '@aws-sdk/client-s3'
import type { STSClient } from '@aws-sdk/client-sts'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Log } from '../shared/app/log.ts'
import { accessAnalyzerClient } from '../shared/aws/access-analyzer.ts'
import { eventBridgeClient } from '../shared/aws/account-sessions.ts'
import { type CallEvent, type ClientOverrides, documentClient, iamClient } from '../shared/aws/clients.ts'
import { cloudTrailClient } from '../shared/aws/cloudtrail.ts'
import { s3Client } from '../shared/aws/digests.ts'
import { type ItemMac, kmsClient, kmsItemMac } from '../shared/aws/kms.ts'
import { organizationsClient } from '../shared/aws/organizations.ts'
import { stsClient } from '../shared/aws/sts.ts'
import { configFromEnv, type IamwatchConfig, parseConfig } from '../shared/config/config.ts'
import { createProgress, type Progress } from './progress.ts'

export interface Io {
  out: (text: string) => void
  err: (text: string) => void
  /** stderr is a terminal: progress is shown there. */
  errIsTTY?: boolean
}

/**
 * Exit codes: 0 fine, 1 error (bad arguments, unreadable input, unreachable account), 2 a finding at or
 * above --fail-on, 3 a degraded scan (something was not read or judged) without --allow-degraded.
 */
export const EXIT = { ok: 0, error: 1, failOn: 2, degraded: 3 } as const

/** IAM is global: where nothing names a region, the CLI works in this one. */
export const DEFAULT_REGION = 'us-east-1'

/** The AWS clients of one command, from the standard configuration, built on first use. */
export interface Aws {
  /** The region: AWS_REGION or the profile's, else us-east-1. */
  region: string
  iam(): IAMClient
  sts(): STSClient
  cloudTrail(): CloudTrailClient
  accessAnalyzer(region: string): AccessAnalyzerClient
  /** EventBridge in a region (an organization scan reads the accounts' forwarding rules). */
  events(region: string): EventBridgeClient
  /** AWS Organizations (its endpoint is global: us-east-1; AWS_ENDPOINT_URL_ORGANIZATIONS applies). */
  organizations(): OrganizationsClient
  dynamo(): DynamoDBDocumentClient
  kms(): KMSClient
  s3(): S3Client
  /**
   * The item MAC key a command that writes transitions with --table MACs them with
   * (`new FindingsStore(db, table, { mac: aws.itemMac() })`): $IAMWATCH_MAC_KEY_ARN, else none.
   */
  itemMac(): ItemMac | undefined
  /**
   * What every client of the command is built with besides the standard configuration (the region, the
   * progress observer): for clients built elsewhere, such as another account's through its reader role.
   */
  overrides: ClientOverrides
}

/** What every command is given: io, the environment, progress, the AWS clients, the configuration. */
export interface CliContext {
  /** stdout and stderr; writing to either erases the progress status line first. */
  io: Io
  env: NodeJS.ProcessEnv
  progress: Progress
  aws(): Promise<Aws>
  /** The configuration from `file`, or IAMWATCH_CONFIG; an error names the file or the variable. */
  config(file?: string): IamwatchConfig
  /** Names the findings table the command works on, so that its failures name it. */
  useTable(name: string): string
  /** A log on stderr; `info` only when verbose. Warnings the command summarizes itself are left out. */
  log(verbose: boolean, summarized?: ReadonlySet<string>): Log
  /** The command's exit code. */
  exit(code: number): void
  readonly exitCode: number
  /** An error as one line, naming the table, service and region it concerns. */
  describe(err: unknown): string
}

export function createContext(io: Io, env: NodeJS.ProcessEnv = process.env): CliContext {
  const progress = createProgress(io.err, io.errIsTTY === true)
  // On a terminal stdout and stderr share the screen: the status line goes before anything is written.
  const out = (text: string) => {
    progress.clear()
    io.out(text)
  }
  const err = (text: string) => {
    progress.clear()
    io.err(text)
  }
  /** Which service each failed call came from, so the final error can name it. */
  const failedIn = new WeakMap<object, string>()
  const onCall = (e: CallEvent) => {
    if (e.error && typeof e.error === 'object') failedIn.set(e.error, e.service)
    progress.call(e)
  }
  let aws: Promise<Aws> | undefined
  let region: string | undefined
  let table: string | undefined
  let exitCode: number = EXIT.ok

  async function resolveAws(): Promise<Aws> {
    region = await stsClient()
      .config.region()
      .catch(() => DEFAULT_REGION)
    const o: ClientOverrides = { region, onCall }
    const once = <T>(make: () => T) => {
      let made: T | undefined
      return () => (made ??= make())
    }
    const analyzers = new Map<string, AccessAnalyzerClient>()
    const buses = new Map<string, EventBridgeClient>()
    const kms = once(() => kmsClient(o))
    return {
      region,
      overrides: o,
      iam: once(() => iamClient(o)),
      sts: once(() => stsClient(o)),
      cloudTrail: once(() => cloudTrailClient(o)),
      dynamo: once(() => documentClient(o)),
      kms,
      s3: once(() => s3Client(o)),
      itemMac: once(() =>
        env.IAMWATCH_MAC_KEY_ARN ? kmsItemMac(kms(), env.IAMWATCH_MAC_KEY_ARN) : undefined,
      ),
      accessAnalyzer: (r) => {
        if (!analyzers.has(r)) analyzers.set(r, accessAnalyzerClient(r, { onCall }))
        return analyzers.get(r)!
      },
      events: (r) => {
        if (!buses.has(r)) buses.set(r, eventBridgeClient({ region: r, onCall }))
        return buses.get(r)!
      },
      // Its own region (us-east-1, where Organizations answers), whatever the command's is.
      organizations: once(() => organizationsClient({ onCall })),
    }
  }

  return {
    io: { ...io, out, err },
    env,
    progress,
    aws: () => (aws ??= resolveAws()),
    config: (file) => loadConfig(file, env),
    useTable: (name) => (table = name),
    log(verbose, summarized = new Set()) {
      const extra = (e?: Record<string, unknown>) => (e ? ` ${JSON.stringify(e)}` : '')
      return {
        info: (m, e) => verbose && err(`info: ${m}${extra(e)}\n`),
        warn: (m, e) => !summarized.has(m) && err(`warning: ${m}${extra(e)}\n`),
        error: (m, e) => err(`error: ${m}${extra(e)}\n`),
      }
    },
    exit: (code) => {
      exitCode = code
    },
    get exitCode() {
      return exitCode
    },
    describe(e) {
      const error = e as { name?: string; message?: string }
      const message = error?.message ?? String(e)
      const service = e && typeof e === 'object' ? failedIn.get(e) : undefined
      // An endpoint error names its service and endpoint already.
      const what =
        !service || error.name === 'EndpointError' || !error.name || error.name === 'Error'
          ? message
          : `${error.name}: ${message}`
      if (service === 'DynamoDB' && table) return `findings table ${table} (DynamoDB, ${region}): ${what}`
      if (service && error.name !== 'EndpointError') return `${service} (${region}): ${what}`
      return what
    },
  }
}

function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv): IamwatchConfig {
  if (!file) {
    try {
      return configFromEnv(env)
    } catch (e) {
      const message = (e as Error).message
      throw new Error(message.startsWith('IAMWATCH_CONFIG') ? message : `IAMWATCH_CONFIG: ${message}`)
    }
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new Error(`configuration file ${file} could not be read: ${(e as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new Error(`configuration file ${file} is not JSON: ${(e as Error).message}`)
  }
  try {
    return parseConfig(raw)
  } catch (e) {
    throw new Error(`configuration file ${file}: ${(e as Error).message}`)
  }
}
